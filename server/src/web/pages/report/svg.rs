//! A bar chart as inline SVG: one bar per bucket, each with a `<title>`;
//! no script and no external asset, coloured by the stylesheet.

use crate::web::html::escape;

const BAR: usize = 48;
const GAP: usize = 12;
const TALL: usize = 100;

/// `bars` (label, count) as an SVG labelled by the element `labelled_by`.
pub(super) fn bars(labelled_by: &str, bars: &[(&str, usize)]) -> String {
    let highest = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let width = bars.len() * (BAR + GAP) + GAP;
    let mut out = format!(
        r#"<svg class="bars" role="img" aria-labelledby="{}" viewBox="0 0 {width} 150" width="{width}" height="150" xmlns="http://www.w3.org/2000/svg">"#,
        escape(labelled_by)
    );
    for (i, (label, count)) in bars.iter().enumerate() {
        let x = GAP + i * (BAR + GAP);
        let height = count * TALL / highest;
        let y = 120 - height;
        let middle = x + BAR / 2;
        out.push_str(&format!(
            r#"<g><title>{label}: {count}</title><rect class="bar" x="{x}" y="{y}" width="{BAR}" height="{height}"></rect><text x="{middle}" y="{}" text-anchor="middle">{count}</text><text x="{middle}" y="138" text-anchor="middle">{label}</text></g>"#,
            y.saturating_sub(4).max(10),
            label = escape(label),
        ));
    }
    out.push_str(r#"<line class="axis" x1="0" y1="120" x2="100%" y2="120"></line></svg>"#);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_highest_and_escape_labels() {
        let svg = bars("d", &[("<1 h", 4), ("1–6 h", 2), ("≥ 7 d", 0)]);
        assert!(svg.contains(r#"aria-labelledby="d""#), "{svg}");
        assert!(svg.contains("<title>&lt;1 h: 4</title>"), "{svg}");
        assert!(svg.contains(r#"y="20" width="48" height="100""#), "{svg}");
        assert!(svg.contains(r#"y="70" width="48" height="50""#), "{svg}");
        assert!(svg.contains(r#"y="120" width="48" height="0""#), "{svg}");
        assert!(!svg.contains("<1 h"), "{svg}");
        assert_eq!(bars("e", &[("a", 0)]).matches("<rect").count(), 1);
    }
}
