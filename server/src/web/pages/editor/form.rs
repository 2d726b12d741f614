//! The assessment editor's HTML form, filled from `FormValues`: the
//! situation, the 14 risk factors with their indicators to tick, the overall
//! judgement, sources (marked as never leaving the node) and the TLP label.

use super::values::FormValues;
use crate::model::assessment::{Confidence, FactorLevel, OverallRisk, Trend};
use crate::model::catalogue::{Catalogue, RiskFactor};
use crate::model::marking::Tlp;
use crate::model::situation::Crime;
use crate::web::html::{csrf_field, escape};
use crate::web::i18n::{Lang, t};
use crate::web::pages::snake;
use crate::web::session::Session;

const LEVELS: [FactorLevel; 5] = [
    FactorLevel::NotAssessed,
    FactorLevel::Absent,
    FactorLevel::Low,
    FactorLevel::Medium,
    FactorLevel::High,
];
const RISKS: [OverallRisk; 4] = [
    OverallRisk::Low,
    OverallRisk::Moderate,
    OverallRisk::High,
    OverallRisk::VeryHigh,
];
const TRENDS: [Trend; 3] = [Trend::Deteriorated, Trend::Unchanged, Trend::Improved];
const CONFIDENCES: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

/// Where the form posts, and the version a revision is written against.
pub(super) struct Target<'a> {
    pub(super) action: &'a str,
    pub(super) base_version: Option<u32>,
}

/// The whole form; `error` (already worded) is shown above it.
pub(super) fn render(
    session: &Session,
    catalogue: &Catalogue,
    values: &FormValues,
    target: &Target<'_>,
    error: Option<&str>,
) -> String {
    let lang = session.lang;
    let mut out = String::new();
    if let Some(error) = error {
        out.push_str(&format!(
            r#"<p class="error" role="alert" id="form-error">{}</p>"#,
            escape(error)
        ));
    }
    out.push_str(&format!(
        r#"<form method="post" action="{}" class="editor">{}"#,
        escape(target.action),
        csrf_field(session)
    ));
    if let Some(base) = target.base_version {
        out.push_str(&format!(
            r#"<input type="hidden" name="base_version" value="{base}">"#
        ));
    }
    out.push_str(&situation(lang, values));
    out.push_str(&format!(
        r#"<fieldset><legend>{}</legend><p class="hint">{}</p>"#,
        escape(t(lang, "editor.factors")),
        escape(t(lang, "editor.factors_hint"))
    ));
    for factor in catalogue.factors() {
        out.push_str(&factor_fields(lang, values, factor));
    }
    out.push_str("</fieldset>");
    out.push_str(&judgement(lang, values));
    out.push_str(&format!(
        r#"<fieldset class="local"><legend>{}</legend><p class="hint" id="sources-hint">{}</p>{}</fieldset>"#,
        escape(t(lang, "editor.sources")),
        escape(t(lang, "editor.sources_hint")),
        textarea(
            values,
            "sources",
            t(lang, "editor.sources_field"),
            4,
            Some("sources-hint")
        ),
    ));
    let tlp: Vec<(String, String)> = Tlp::ALL
        .iter()
        .map(|l| {
            (
                l.as_str().to_ascii_lowercase().replace('+', "_"),
                format!("TLP:{}", l.as_str()),
            )
        })
        .collect();
    let chosen = values.one("tlp").to_ascii_lowercase().replace('+', "_");
    out.push_str(&select_with("tlp", t(lang, "editor.tlp"), &tlp, &chosen));
    out.push_str(&format!(
        r#"<p><button type="submit">{}</button></p></form>"#,
        escape(t(lang, "editor.save"))
    ));
    out
}

fn situation(lang: Lang, v: &FormValues) -> String {
    let crimes: String = Crime::ALL
        .iter()
        .map(|c| {
            checkbox(
                "crime",
                c.as_str(),
                t(lang, &format!("crime.{}", c.as_str())),
                v.has("crime", c.as_str()),
            )
        })
        .collect();
    format!(
        r#"<fieldset><legend>{}</legend>{}{}{}{}<fieldset class="choices"><legend>{}</legend>{crimes}</fieldset>{}</fieldset>"#,
        escape(t(lang, "editor.situation")),
        input(
            v,
            "title",
            t(lang, "editor.title"),
            "text",
            r#"required maxlength="200""#
        ),
        input(v, "countries", t(lang, "editor.countries"), "text", "required"),
        input(v, "admin1", t(lang, "editor.admin1"), "text", ""),
        input(v, "admin2", t(lang, "editor.admin2"), "text", ""),
        escape(t(lang, "situation.crimes")),
        textarea(v, "groups", t(lang, "editor.groups"), 2, None),
    )
}

fn factor_fields(lang: Lang, v: &FormValues, factor: &RiskFactor) -> String {
    let n = factor.number;
    let levels: Vec<(String, String)> = LEVELS
        .iter()
        .map(|l| (snake(l), t(lang, &format!("level.{}", snake(l))).to_owned()))
        .collect();
    let level_name = format!("factor.{n}.level");
    let indicators: String = factor
        .indicators
        .iter()
        .map(|i| {
            checkbox(
                "indicator",
                &i.code,
                &format!("{} {}", i.code, i.label),
                v.has("indicator", &i.code),
            )
        })
        .collect();
    let incomplete = if factor.complete {
        String::new()
    } else {
        format!(r#"<p class="hint">{}</p>"#, escape(t(lang, "editor.incomplete")))
    };
    format!(
        r#"<fieldset class="factor"><legend>{n}. {}</legend>{}<div class="indicators">{indicators}</div>{incomplete}{}</fieldset>"#,
        escape(&factor.name),
        select_with(&level_name, t(lang, "editor.level"), &levels, v.one(&level_name)),
        textarea(v, &format!("factor.{n}.note"), t(lang, "editor.note"), 1, None),
    )
}

fn judgement(lang: Lang, v: &FormValues) -> String {
    let words = |prefix: &str, all: &[String]| -> Vec<(String, String)> {
        all.iter()
            .map(|w| (w.clone(), t(lang, &format!("{prefix}.{w}")).to_owned()))
            .collect()
    };
    let risks: Vec<String> = RISKS.iter().map(snake).collect();
    let trends: Vec<String> = TRENDS.iter().map(snake).collect();
    let confidences: Vec<String> = CONFIDENCES.iter().map(snake).collect();
    format!(
        r#"<fieldset><legend>{}</legend>{}{}{}{}{}{}{}{}</fieldset>"#,
        escape(t(lang, "editor.judgement")),
        select_with(
            "overall_risk",
            t(lang, "overview.risk"),
            &words("risk", &risks),
            v.one("overall_risk")
        ),
        checkbox("ongoing", "on", t(lang, "editor.ongoing"), v.has("ongoing", "on")),
        select_with(
            "trend",
            t(lang, "overview.trend"),
            &words("trend", &trends),
            v.one("trend")
        ),
        select_with(
            "confidence",
            t(lang, "situation.confidence"),
            &words("confidence", &confidences),
            v.one("confidence"),
        ),
        input(
            v,
            "horizon_months",
            t(lang, "situation.horizon"),
            "number",
            r#"required min="1" max="60""#
        ),
        textarea(v, "triggers", t(lang, "editor.triggers"), 2, None),
        textarea(v, "narrative", t(lang, "situation.narrative"), 8, None),
        textarea(v, "response_options", t(lang, "editor.response_options"), 3, None),
    )
}

/// A field's id: its name with dots made dashes.
fn id(name: &str) -> String {
    format!("f-{}", name.replace('.', "-"))
}

fn input(v: &FormValues, name: &str, label: &str, kind: &str, extra: &str) -> String {
    format!(
        r#"<p><label for="{id}">{}</label><input id="{id}" name="{name}" type="{kind}" value="{}" {extra}></p>"#,
        escape(label),
        escape(v.one(name)),
        id = id(name),
    )
}

fn textarea(v: &FormValues, name: &str, label: &str, rows: u8, described_by: Option<&str>) -> String {
    let described = described_by.map_or(String::new(), |d| format!(r#" aria-describedby="{d}""#));
    format!(
        r#"<p><label for="{id}">{}</label><textarea id="{id}" name="{name}" rows="{rows}"{described}>{}</textarea></p>"#,
        escape(label),
        escape(v.one(name)),
        id = id(name),
    )
}

fn checkbox(name: &str, value: &str, label: &str, checked: bool) -> String {
    format!(
        r#"<label class="check"><input type="checkbox" name="{name}" value="{}"{}> {}</label>"#,
        escape(value),
        if checked { " checked" } else { "" },
        escape(label),
    )
}

/// A select of `(value, label)` options with `chosen` selected.
fn select_with(name: &str, label: &str, options: &[(String, String)], chosen: &str) -> String {
    let options: String = options
        .iter()
        .map(|(value, text)| {
            format!(
                r#"<option value="{}"{}>{}</option>"#,
                escape(value),
                if value == chosen { " selected" } else { "" },
                escape(text)
            )
        })
        .collect();
    format!(
        r#"<p><label for="{id}">{}</label><select id="{id}" name="{name}">{options}</select></p>"#,
        escape(label),
        id = id(name),
    )
}
