//! Turns Cedar's diagnostics (miette source spans, byte offsets) into
//! `file:line:column` problems a person can act on.

use miette::Diagnostic;

use crate::policy::error::{Position, Problem};

/// The problems in one diagnostic: itself, positioned at its first label,
/// or, when it has no message of its own to place, its related diagnostics.
pub(crate) fn problems(diagnostic: &dyn Diagnostic, file: &str, text: &str) -> Vec<Problem> {
    let mut position = None;
    let mut message = diagnostic.to_string();
    let mut cause = Some(diagnostic);
    while let Some(current) = cause {
        if position.is_none() {
            position = current
                .labels()
                .and_then(|mut labels| labels.next())
                .map(|label| self::position(text, label.offset()));
        }
        cause = current.diagnostic_source();
        if let Some(inner) = cause {
            let detail = inner.to_string();
            if !message.contains(&detail) {
                message = format!("{message}: {detail}");
            }
        }
    }
    if let Some(help) = diagnostic.help() {
        message.push_str(&format!(" ({help})"));
    }
    let mut found = vec![Problem {
        file: file.to_owned(),
        position,
        message,
    }];
    if let Some(related) = diagnostic.related() {
        for inner in related {
            found.extend(problems(inner, file, text));
        }
    }
    found
}

/// The 1-based line and column of a byte offset; offsets past the end or
/// inside a character are clamped to the nearest character boundary before.
pub(crate) fn position(text: &str, offset: usize) -> Position {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Position { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "ab\ncdé\nf";
        let at = |offset| {
            let p = position(text, offset);
            (p.line, p.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 3));
        assert_eq!(at(3), (2, 1));
        assert_eq!(at(5), (2, 3));
        assert_eq!(at(6), (2, 3), "inside `é` clamps to its start");
        assert_eq!(at(8), (3, 1));
        assert_eq!(at(99), (3, 2));
    }
}
