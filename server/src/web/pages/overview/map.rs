//! The overview's map: every country an inline SVG path, shaded by the
//! highest overall risk its shown situations share and linked to that
//! situation. Shapes are Natural Earth's, embedded (`map/countries.tsv`,
//! made by `map/convert.mjs`); countries without a shape are listed below.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::model::assessment::OverallRisk;
use crate::web::html::{escape, url_part};
use crate::web::i18n::{Lang, t};
use crate::web::pages::snake;

const DATA: &str = include_str!("map/countries.tsv");
const HEADER: &str = "alpha3\tname_en\tname_fr\tpath";
/// Longitude + 180 by 90 − latitude, cut to the inhabited latitudes.
const VIEW_BOX: &str = "0 6 360 140";
/// Levels from the highest, as the legend lists them.
const LEVELS: [OverallRisk; 4] = [
    OverallRisk::VeryHigh,
    OverallRisk::High,
    OverallRisk::Moderate,
    OverallRisk::Low,
];

/// One country's shape.
#[derive(Debug)]
struct Shape {
    en: &'static str,
    fr: &'static str,
    /// SVG path data: only `M`, `L`, `Z`, digits, `.`, `-` and spaces.
    path: &'static str,
}

impl Shape {
    fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// What the map shows of a country with situations: the highest overall
/// risk they share (`None` while none is published) and the one to link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark<'a> {
    risk: Option<OverallRisk>,
    situation: &'a str,
}

/// The map of `situations` (id, countries, highest risk), its legend, and
/// the countries it cannot draw.
pub(super) fn map<'a>(
    lang: Lang,
    situations: impl IntoIterator<Item = (&'a str, &'a [String], Option<OverallRisk>)>,
) -> String {
    let marks = marks(situations);
    let mut out = format!(
        r#"<figure class="map"><svg role="img" aria-label="{}" viewBox="{VIEW_BOX}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(t(lang, "map.label"))
    );
    for (alpha3, shape) in shapes() {
        out.push_str(&country(lang, alpha3, shape, marks.get(alpha3)));
    }
    out.push_str("</svg>");
    out.push_str(&legend(lang));
    out.push_str("</figure>");
    out.push_str(&off_map(lang, &marks));
    out
}

/// Each country's mark: the highest risk among its situations, linked to
/// the first situation with that risk.
fn marks<'a>(
    situations: impl IntoIterator<Item = (&'a str, &'a [String], Option<OverallRisk>)>,
) -> BTreeMap<&'a str, Mark<'a>> {
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for (situation, countries, risk) in situations {
        for country in countries {
            let mark = Mark { risk, situation };
            marks
                .entry(country.as_str())
                .and_modify(|m| {
                    if risk > m.risk {
                        *m = mark;
                    }
                })
                .or_insert(mark);
        }
    }
    marks
}

/// One country's `<path>`, in a link to its situation when it has one.
fn country(lang: Lang, alpha3: &str, shape: &Shape, mark: Option<&Mark>) -> String {
    let name = shape.name(lang);
    let Some(mark) = mark else {
        return format!(
            r#"<path id="map-{alpha3}" class="land" d="{}"><title>{}</title></path>"#,
            shape.path,
            escape(name)
        );
    };
    let title = t(lang, "map.country_level")
        .replace("{country}", name)
        .replace("{level}", &level_name(lang, mark.risk));
    format!(
        r#"<a href="/situations/{}"><path id="map-{alpha3}" class="{}" d="{}"><title>{}</title></path></a>"#,
        url_part(mark.situation),
        level_class(mark.risk),
        shape.path,
        escape(&title)
    )
}

/// `risk-high`; `unpublished` for situations with no published risk.
fn level_class(risk: Option<OverallRisk>) -> String {
    risk.map_or_else(|| "unpublished".to_owned(), |r| format!("risk-{}", snake(r)))
}

fn level_name(lang: Lang, risk: Option<OverallRisk>) -> String {
    match risk {
        Some(r) => t(lang, &format!("risk.{}", snake(r))).to_owned(),
        None => t(lang, "map.not_published").to_owned(),
    }
}

/// The colours in words.
fn legend(lang: Lang) -> String {
    let item =
        |class: &str, text: &str| format!(r#"<li><span class="swatch {class}"></span>{}</li>"#, escape(text));
    let mut items: Vec<String> = LEVELS
        .iter()
        .map(|&r| item(&level_class(Some(r)), &level_name(lang, Some(r))))
        .collect();
    items.push(item("unpublished", &level_name(lang, None)));
    items.push(item("land", t(lang, "map.no_situation")));
    format!(
        r#"<figcaption><ul class="legend">{}</ul></figcaption>"#,
        items.concat()
    )
}

/// The countries with situations that the map has no shape for (exercise
/// countries, very small states), so that none is dropped silently.
fn off_map(lang: Lang, marks: &BTreeMap<&str, Mark>) -> String {
    let missing: Vec<String> = marks
        .iter()
        .filter(|(alpha3, _)| !shapes().contains_key(*alpha3))
        .map(|(alpha3, mark)| off_map_item(lang, alpha3, mark))
        .collect();
    if missing.is_empty() {
        return String::new();
    }
    format!(
        r#"<div class="off-map"><p id="off-map">{}</p><ul aria-labelledby="off-map">{}</ul></div>"#,
        escape(t(lang, "map.off_map")),
        missing.concat()
    )
}

/// `XAA` linked to its situation, with the level as in the table.
fn off_map_item(lang: Lang, alpha3: &str, mark: &Mark) -> String {
    let class = match mark.risk {
        Some(_) => format!("risk {}", level_class(mark.risk)),
        None => level_class(None),
    };
    format!(
        r#"<li><a href="/situations/{}">{}</a> <span class="{class}">{}</span></li>"#,
        url_part(mark.situation),
        escape(alpha3),
        escape(&level_name(lang, mark.risk))
    )
}

/// The embedded shapes by alpha-3 code (none if the file were malformed,
/// which a unit test rules out).
fn shapes() -> &'static BTreeMap<&'static str, Shape> {
    static SHAPES: OnceLock<BTreeMap<&'static str, Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| parse(DATA).unwrap_or_default())
}

/// Parses the format of `map/countries.tsv` (described in its header).
fn parse(text: &'static str) -> Result<BTreeMap<&'static str, Shape>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    match lines.next() {
        Some((_, header)) if header == HEADER => {}
        _ => return Err(format!("the first line is not the header `{HEADER}`")),
    }
    let mut shapes = BTreeMap::new();
    for (i, line) in lines {
        let (alpha3, shape) = row(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        if shapes.insert(alpha3, shape).is_some() {
            return Err(format!("line {}: `{alpha3}` is listed twice", i + 1));
        }
    }
    Ok(shapes)
}

fn row(line: &'static str) -> Result<(&'static str, Shape), String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [alpha3, en, fr, path] = fields[..] else {
        return Err(format!("{} fields, not 4", fields.len()));
    };
    if alpha3.len() != 3 || !alpha3.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("`{alpha3}` is not an alpha-3 code"));
    }
    if en.is_empty() || fr.is_empty() {
        return Err(format!("`{alpha3}` has no name"));
    }
    let drawing = |c: char| "MLZ.- ".contains(c) || c.is_ascii_digit();
    if !path.starts_with('M') || !path.chars().all(drawing) {
        return Err(format!("`{alpha3}` has no path, or one with other commands"));
    }
    Ok((alpha3, Shape { en, fr, path }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses() {
        let parsed = parse(DATA).unwrap();
        assert!(parsed.len() > 150, "{} countries", parsed.len());
        // No duplicates (a duplicate fails `parse`), no Antarctica.
        let rows = DATA.lines().filter(|l| !l.starts_with('#')).count() - 1;
        assert_eq!(parsed.len(), rows);
        assert!(!parsed.contains_key("ATA"));
        for (alpha3, shape) in &parsed {
            assert!(alpha3.len() == 3 && alpha3.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(shape.path.len() > 10 && shape.path.ends_with('Z'), "{alpha3}");
        }
        assert_eq!(parsed["NGA"].name(Lang::Fr), "Nigéria");
        assert_eq!(shapes().len(), parsed.len());
    }

    #[test]
    fn malformed_rows_are_refused_with_their_line() {
        for (text, error) in [
            ("a\tb\n", "the first line is not the header"),
            (
                "alpha3\tname_en\tname_fr\tpath\nNG\tN\tN\tM1 1Z\n",
                "line 2: `NG`",
            ),
            ("alpha3\tname_en\tname_fr\tpath\nNGA\tN\tN\n", "line 2: 3 fields"),
            (
                "alpha3\tname_en\tname_fr\tpath\nNGA\tN\tN\tM1 1Z\"\n",
                "other commands",
            ),
            (
                "alpha3\tname_en\tname_fr\tpath\nNGA\tN\tN\tM1 1Z\nNGA\tN\tN\tM1 1Z\n",
                "line 3: `NGA` is listed twice",
            ),
        ] {
            let got = parse(text).map(|s| s.len()).unwrap_err();
            assert!(got.contains(error), "{got}");
        }
    }

    #[test]
    fn a_country_takes_the_highest_risk_of_its_situations() {
        let (nga, both, xaa) = (
            vec!["NGA".to_owned()],
            vec!["NGA".to_owned(), "NER".to_owned()],
            vec!["XAA".to_owned()],
        );
        let marks = marks([
            ("NGA", nga.as_slice(), Some(OverallRisk::Moderate)),
            ("NER+NGA", both.as_slice(), Some(OverallRisk::VeryHigh)),
            ("XAA", xaa.as_slice(), None),
        ]);
        let mark = |risk, situation| Some(Mark { risk, situation });
        assert_eq!(
            marks.get("NGA").copied(),
            mark(Some(OverallRisk::VeryHigh), "NER+NGA")
        );
        assert_eq!(
            marks.get("NER").copied(),
            mark(Some(OverallRisk::VeryHigh), "NER+NGA")
        );
        assert_eq!(marks.get("XAA").copied(), mark(None, "XAA"));
        let html = off_map(Lang::En, &marks);
        assert!(
            html.contains(
                r#"<li><a href="/situations/XAA">XAA</a> <span class="unpublished">Not published</span></li>"#
            ),
            "{html}"
        );
        assert!(!html.contains("NGA"), "{html}");
    }

    #[test]
    fn a_country_is_a_titled_path_linked_when_it_has_a_situation() {
        let shape = &shapes()["NGA"];
        let mark = Mark {
            risk: Some(OverallRisk::High),
            situation: "NGA/NG036",
        };
        let linked = country(Lang::Fr, "NGA", shape, Some(&mark));
        assert!(
            linked.starts_with(
                r#"<a href="/situations/NGA%2FNG036"><path id="map-NGA" class="risk-high" d="M"#
            ),
            "{linked}"
        );
        assert!(
            linked.ends_with("<title>Nigéria : Élevé</title></path></a>"),
            "{linked}"
        );
        let plain = country(Lang::En, "NGA", shape, None);
        assert!(
            plain.starts_with(r#"<path id="map-NGA" class="land" d="M"#),
            "{plain}"
        );
        assert!(plain.ends_with("<title>Nigeria</title></path>"), "{plain}");
    }
}
