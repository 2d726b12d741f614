//! Plain-text layout for terminals: aligned tables and `label  value` blocks.

/// A table with a header row; columns are left-aligned and separated by two
/// spaces, and no line has trailing spaces.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, line breaks become spaces.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(|c| one_line(&c)).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        self.render_indented("")
    }

    /// Every line starts with `indent`.
    pub fn render_indented(&self, indent: &str) -> String {
        let columns = self
            .headers
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0; columns];
        for line in std::iter::once(&self.headers).chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for line in std::iter::once(&self.headers).chain(&self.rows) {
            let mut text = indent.to_owned();
            for (i, width) in widths.iter().enumerate() {
                let cell = line.get(i).map(String::as_str).unwrap_or("");
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `label  value` lines with the values aligned; empty values are left out.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let shown: Vec<&(&str, String)> = pairs.iter().filter(|(_, value)| !value.is_empty()).collect();
    let width = shown
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in shown {
        let padding = width - label.chars().count();
        out.push_str(&format!("{label}{}  {}\n", " ".repeat(padding), one_line(value)));
    }
    out
}

/// Text wrapped at `width` columns, every line starting with `indent`;
/// existing line breaks are kept.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    for paragraph in text.trim_end().lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                out.push_str(&format!("{indent}{line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(format!("{indent}{line}").trim_end());
        out.push('\n');
    }
    out
}

fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_without_trailing_spaces() {
        let mut table = Table::new(&["ID", "STATUS", "RISK"]);
        table.row(vec!["a1".into(), "published".into(), "very_high".into()]);
        table.row(vec!["b-long-id".into(), "draft".into(), "".into()]);
        assert_eq!(
            table.render(),
            "ID         STATUS     RISK\n\
             a1         published  very_high\n\
             b-long-id  draft\n"
        );
    }

    #[test]
    fn short_rows_multiline_cells_and_unicode_are_handled() {
        let mut table = Table::new(&["A", "B"]);
        table.row(vec!["Côte".into(), "two\nlines".into()]);
        table.row(vec!["x".into()]);
        assert_eq!(table.render_indented("  "), "  A     B\n  Côte  two lines\n  x\n");
    }

    #[test]
    fn fields_align_values_and_skip_empty_ones() {
        let text = fields(&[
            ("subject", "ada".into()),
            ("name", String::new()),
            ("organisation", "ecowas".into()),
        ]);
        assert_eq!(text, "subject       ada\norganisation  ecowas\n");
    }

    #[test]
    fn wrap_breaks_at_words_and_keeps_paragraphs() {
        let text = wrap("one two three four\nfive", 9, "  ");
        assert_eq!(text, "  one two\n  three\n  four\n  five\n");
    }
}
