//! The history of a situation's overall risk: every published version of
//! each organisation's assessments, as an inline SVG step chart (four risk
//! bands, one line per organisation) and as a table of the same points.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::{risk_badge, word};
use crate::model::assessment::OverallRisk;
use crate::web::html::escape;
use crate::web::i18n::{Lang, t};
use crate::web::pages::when;

const WIDTH: i64 = 640;
const HEIGHT: i64 = 240;
/// Room for the band names on the left.
const LEFT: i64 = 104;
const RIGHT: i64 = 16;
const TOP: i64 = 8;
/// The height of one risk band.
const BAND: i64 = 50;
/// The bottom of the four bands.
const BOTTOM: i64 = TOP + 4 * BAND;
/// Space kept between the first and last points and the plot's edges.
const INSET: i64 = 14;
/// Line styles (colour and dash) and marker shapes that tell series apart.
const STYLES: usize = 6;
const SHAPES: usize = 4;
/// How far each style's line and markers sit from the middle of a band, so
/// that organisations at the same risk at the same time stay apart.
const NUDGE: [i64; STYLES] = [0, 4, -4, 8, -8, 12];

/// One published version of one organisation's assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Point {
    pub(super) org: String,
    pub(super) at: DateTime<Utc>,
    pub(super) risk: OverallRisk,
}

/// One organisation's points, in date order, with its style and shape.
#[derive(Debug)]
struct Series<'a> {
    org: &'a str,
    points: Vec<&'a Point>,
    style: usize,
    shape: usize,
}

/// The heading, the chart with its legend, and the table of `points`;
/// `own` (this node's organisation) comes first, then the others by name.
pub(super) fn section(lang: Lang, own: &str, points: &[Point]) -> String {
    let mut out = format!("<h2>{}</h2>", escape(t(lang, "situation.history")));
    let series = series(own, points);
    if series.is_empty() {
        out.push_str(&format!("<p>{}</p>", escape(t(lang, "situation.history_none"))));
        return out;
    }
    out.push_str(r#"<figure class="history">"#);
    out.push_str(&chart(lang, &series));
    out.push_str(&legend(&series));
    out.push_str("</figure>");
    out.push_str(&table(lang, &series));
    out
}

/// Groups `points` by organisation: `own` first, then by name; each
/// series in date order.
fn series<'a>(own: &str, points: &'a [Point]) -> Vec<Series<'a>> {
    let mut by_org: BTreeMap<(bool, &str), Vec<&Point>> = BTreeMap::new();
    for p in points {
        by_org.entry((p.org != own, &p.org)).or_default().push(p);
    }
    by_org
        .into_iter()
        .enumerate()
        .map(|(i, ((_, org), mut points))| {
            points.sort_by_key(|p| p.at);
            Series {
                org,
                points,
                style: i % STYLES,
                shape: i % SHAPES,
            }
        })
        .collect()
}

/// The vertical middle of `risk`'s band: low at the bottom.
fn y_of(risk: OverallRisk) -> i64 {
    let from_top = match risk {
        OverallRisk::VeryHigh => 0,
        OverallRisk::High => 1,
        OverallRisk::Moderate => 2,
        OverallRisk::Low => 3,
    };
    TOP + from_top * BAND + BAND / 2
}

/// Where `at` falls between `first` and `last`, the earliest and latest
/// dates charted; a single date falls in the middle.
fn x_of(at: DateTime<Utc>, first: DateTime<Utc>, last: DateTime<Utc>) -> i64 {
    let span = (last - first).num_milliseconds();
    if span <= 0 {
        return LEFT + (WIDTH - RIGHT - LEFT) / 2;
    }
    let room = WIDTH - RIGHT - LEFT - 2 * INSET;
    let offset = (at - first).num_milliseconds().clamp(0, span);
    // In i128 so that the product cannot overflow, whatever the span.
    let scaled = i128::from(offset) * i128::from(room) / i128::from(span);
    LEFT + INSET + i64::try_from(scaled).unwrap_or(room)
}

/// A marker of `shape` centred on (`x`, `y`), `r` from centre to edge.
fn marker(shape: usize, x: i64, y: i64, r: i64) -> String {
    match shape {
        0 => format!(r#"<circle class="history-point" cx="{x}" cy="{y}" r="{r}"></circle>"#),
        1 => format!(
            r#"<rect class="history-point" x="{}" y="{}" width="{}" height="{}"></rect>"#,
            x - r + 1,
            y - r + 1,
            2 * r - 2,
            2 * r - 2
        ),
        2 => format!(
            r#"<path class="history-point" d="M{x} {} L{} {y} L{x} {} L{} {y} Z"></path>"#,
            y - r - 1,
            x + r + 1,
            y + r + 1,
            x - r - 1
        ),
        _ => format!(
            r#"<path class="history-point" d="M{x} {} L{} {} L{} {} Z"></path>"#,
            y - r - 1,
            x + r + 1,
            y + r,
            x - r - 1,
            y + r
        ),
    }
}

/// The step line of one series: level until the next version, then up or
/// down to its band; the last version's level runs on to the last date
/// charted. `None` when there is no line to draw (a single point alone).
fn step_line(points: &[(i64, i64)], end: i64) -> Option<String> {
    let ((x0, y0), rest) = points.split_first()?;
    let mut d = format!("M{x0} {y0}");
    let mut last_y = *y0;
    for (x, y) in rest {
        d.push_str(&format!(" H{x}"));
        if *y != last_y {
            d.push_str(&format!(" V{y}"));
        }
        last_y = *y;
    }
    let last_x = points.last().map_or(*x0, |(x, _)| *x);
    if end > last_x {
        d.push_str(&format!(" H{end}"));
    }
    (rest.len() + usize::from(end > last_x) > 0).then_some(d)
}

fn chart(lang: Lang, series: &[Series<'_>]) -> String {
    let dates = || series.iter().flat_map(|s| s.points.iter().map(|p| p.at));
    let (Some(first), Some(last)) = (dates().min(), dates().max()) else {
        return String::new();
    };
    let mut out = format!(
        r#"<svg class="history-chart" role="img" aria-label="{}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(t(lang, "situation.history_label"))
    );
    for risk in [
        OverallRisk::VeryHigh,
        OverallRisk::High,
        OverallRisk::Moderate,
        OverallRisk::Low,
    ] {
        let middle = y_of(risk);
        out.push_str(&format!(
            r#"<rect class="history-band band-{}" x="{LEFT}" y="{}" width="{}" height="{BAND}"></rect><text class="history-band-name" x="{}" y="{}" text-anchor="end">{}</text>"#,
            risk.as_str(),
            middle - BAND / 2,
            WIDTH - RIGHT - LEFT,
            LEFT - 8,
            middle + 4,
            escape(&word(lang, "risk", risk)),
        ));
    }
    out.push_str(&format!(
        r#"<line class="history-axis" x1="{LEFT}" y1="{BOTTOM}" x2="{}" y2="{BOTTOM}"></line>"#,
        WIDTH - RIGHT
    ));
    out.push_str(&date_labels(first, last));
    let end = x_of(last, first, last);
    for s in series {
        let at: Vec<(i64, i64)> = s
            .points
            .iter()
            .map(|p| (x_of(p.at, first, last), y_of(p.risk) + NUDGE[s.style]))
            .collect();
        out.push_str(&format!(r#"<g class="history-series history-s{}">"#, s.style));
        if let Some(d) = step_line(&at, end) {
            out.push_str(&format!(r#"<path class="history-line" d="{d}"></path>"#));
        }
        for (p, (x, y)) in s.points.iter().zip(&at) {
            out.push_str(&format!(
                "<g><title>{} · {} · {}</title>{}</g>",
                escape(s.org),
                escape(&when(p.at)),
                escape(&word(lang, "risk", p.risk)),
                marker(s.shape, *x, *y, 5),
            ));
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// The first and last dates under the axis (one date when they are the same day).
fn date_labels(first: DateTime<Utc>, last: DateTime<Utc>) -> String {
    let day = |at: DateTime<Utc>| at.format("%Y-%m-%d").to_string();
    let y = BOTTOM + 18;
    let label = |at: DateTime<Utc>, anchor: &str| {
        let x = x_of(at, first, last);
        format!(
            r#"<line class="history-tick" x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{}"></line><text class="history-date" x="{x}" y="{y}" text-anchor="{anchor}">{}</text>"#,
            BOTTOM + 5,
            day(at)
        )
    };
    if day(first) == day(last) {
        label(first, "middle")
    } else {
        label(first, "start") + &label(last, "end")
    }
}

/// Each organisation's line and marker, as drawn in the chart.
fn legend(series: &[Series<'_>]) -> String {
    let items: String = series
        .iter()
        .map(|s| {
            format!(
                r#"<li><svg class="history-key" aria-hidden="true" viewBox="0 0 32 14" width="32" height="14" xmlns="http://www.w3.org/2000/svg"><g class="history-series history-s{}"><path class="history-line" d="M2 7 H30"></path>{}</g></svg>{}</li>"#,
                s.style,
                marker(s.shape, 16, 7, 4),
                escape(s.org)
            )
        })
        .collect();
    format!(r#"<figcaption><ul class="history-legend">{items}</ul></figcaption>"#)
}

/// The same points, one row per version: organisation, date, risk in words.
fn table(lang: Lang, series: &[Series<'_>]) -> String {
    let mut out = format!(
        r#"<div class="scroll"><table class="history-table"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "situation.history_table")),
        escape(t(lang, "situation.organisation")),
        escape(t(lang, "situation.date")),
        escape(t(lang, "overview.risk")),
    );
    for s in series {
        for p in &s.points {
            out.push_str(&format!(
                r#"<tr><td>{}</td><td><time datetime="{}">{}</time></td><td>{}</td></tr>"#,
                escape(s.org),
                escape(&p.at.to_rfc3339()),
                escape(&when(p.at)),
                risk_badge(lang, p.risk),
            ));
        }
    }
    out.push_str("</tbody></table></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    fn point(org: &str, day: u32, risk: OverallRisk) -> Point {
        Point {
            org: org.into(),
            at: at(day),
            risk,
        }
    }

    #[test]
    fn dates_map_across_the_plot_and_risks_onto_their_bands() {
        let (first, last) = (at(1), at(11));
        assert_eq!(x_of(first, first, last), LEFT + INSET);
        assert_eq!(x_of(last, first, last), WIDTH - RIGHT - INSET);
        assert_eq!(
            x_of(at(6), first, last),
            (LEFT + INSET + WIDTH - RIGHT - INSET) / 2
        );
        // One date alone sits in the middle; dates outside are kept inside.
        assert_eq!(x_of(first, first, first), LEFT + (WIDTH - RIGHT - LEFT) / 2);
        assert_eq!(x_of(at(20), first, last), WIDTH - RIGHT - INSET);
        let ys: Vec<i64> = [
            OverallRisk::Low,
            OverallRisk::Moderate,
            OverallRisk::High,
            OverallRisk::VeryHigh,
        ]
        .into_iter()
        .map(y_of)
        .collect();
        assert_eq!(ys, [183, 133, 83, 33]);
        assert!(ys.iter().all(|y| (TOP..BOTTOM).contains(y)));
    }

    #[test]
    fn a_step_line_goes_level_then_to_the_next_band() {
        let line = step_line(&[(118, 83), (300, 183), (400, 183)], 610);
        assert_eq!(line.as_deref(), Some("M118 83 H300 V183 H400 H610"));
        assert_eq!(step_line(&[(320, 83)], 320), None);
        assert_eq!(step_line(&[(118, 83)], 610).as_deref(), Some("M118 83 H610"));
        assert_eq!(step_line(&[], 610), None);
    }

    #[test]
    fn each_organisation_is_a_series_own_first_in_date_order() {
        let points = [
            point("ecowas", 5, OverallRisk::Low),
            point("au", 9, OverallRisk::Low),
            point("au", 2, OverallRisk::High),
            point("ecowas", 1, OverallRisk::Moderate),
        ];
        let series = series("au", &points);
        let got: Vec<(&str, Vec<u32>, usize, usize)> = series
            .iter()
            .map(|s| {
                let days = s.points.iter().map(|p| chrono::Datelike::day(&p.at)).collect();
                (s.org, days, s.style, s.shape)
            })
            .collect();
        assert_eq!(got, [("au", vec![2, 9], 0, 0), ("ecowas", vec![1, 5], 1, 1)]);
    }

    #[test]
    fn the_section_draws_every_point_and_lists_it() {
        let points = [
            point("au", 2, OverallRisk::High),
            point("au", 9, OverallRisk::Low),
            point("x<y", 4, OverallRisk::VeryHigh),
        ];
        let html = section(Lang::En, "au", &points);
        assert!(html.contains(r#"role="img" aria-label=""#), "{html}");
        assert_eq!(
            html.matches(r#"<circle class="history-point""#).count(),
            3,
            "{html}"
        );
        assert!(html.contains(r#"cx="118" cy="83""#), "{html}");
        assert!(html.contains(r#"cx="610" cy="183""#), "{html}");
        assert!(html.contains(r#"d="M118 83 H610 V183""#), "{html}");
        // The second organisation: another style and shape, a little lower
        // in its band, escaped.
        assert!(html.contains("history-s1"), "{html}");
        assert!(
            html.contains(r#"<rect class="history-point" x="254" y="33" width="8""#),
            "{html}"
        );
        assert!(html.contains("x&lt;y"), "{html}");
        assert!(!html.contains("x<y"), "{html}");
        assert_eq!(html.matches("<tr><td>").count(), 3, "{html}");
        assert!(html.contains(r#"<span class="risk risk-very_high">Very high</span>"#));
        assert!(
            html.contains(">2026-03-02<") && html.contains(">2026-03-09<"),
            "{html}"
        );
    }

    #[test]
    fn a_single_point_is_drawn_and_no_point_says_so() {
        let html = section(Lang::Fr, "au", &[point("au", 2, OverallRisk::Moderate)]);
        assert_eq!(
            html.matches(r#"<circle class="history-point""#).count(),
            2,
            "{html}"
        );
        assert!(html.contains(r#"cx="364" cy="133""#), "{html}");
        assert!(!html.contains(r#"class="history-line" d="M364"#), "{html}");
        assert!(html.contains(">Modéré</span>"), "{html}");
        let none = section(Lang::En, "au", &[]);
        assert!(!none.contains("<svg"), "{none}");
        assert!(none.contains("<p>"), "{none}");
    }
}
