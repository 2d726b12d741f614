//! Human output of the CLI: tables for lists, readable pages for one
//! assessment or situation. (`--json` prints the views instead.)

use crate::document::{Content, Crime, FactorLevel, ProtectedGroup, factor_name};
use crate::table::{Table, fields, wrap};
use crate::view::{AssessmentView, SummaryView, WhoAmIView};

mod situation;
pub mod warning;

pub use situation::{situation, situations};

const TEXT_WIDTH: usize = 78;

/// One line per assessment version.
pub fn assessments(list: &[AssessmentView]) -> String {
    if list.is_empty() {
        return "no assessments\n".to_owned();
    }
    let mut table = Table::new(&[
        "ID",
        "VERSION",
        "STATUS",
        "SITUATION",
        "RISK",
        "TREND",
        "TLP",
        "UPDATED",
    ]);
    for a in list {
        let content = a.content.as_ref();
        table.row(vec![
            a.id.clone(),
            a.version.to_string(),
            a.status.to_string(),
            a.situation_id.clone(),
            content.map(risk_text).unwrap_or_default(),
            content.map(|c| c.trend.to_string()).unwrap_or_default(),
            content.map(|c| c.tlp.to_string()).unwrap_or_default(),
            short_time(a.updated_at.as_deref()),
        ]);
    }
    table.render()
}

/// Everything the node returned about one assessment version.
pub fn assessment(a: &AssessmentView) -> String {
    let mut header = vec![
        ("assessment", a.id.clone()),
        ("version", format!("{} ({})", a.version, a.status)),
        ("situation", a.situation_id.clone()),
    ];
    if let Some(c) = &a.content {
        header.extend(situation_fields(
            &c.situation.title,
            &c.situation.crimes_at_risk,
            &c.situation.protected_groups,
        ));
        header.extend([
            ("area", area(&c.situation.admin1, &c.situation.admin2)),
            ("risk", risk_text(c)),
            (
                "outlook",
                format!(
                    "{}, confidence {}, horizon {} months",
                    c.trend, c.confidence, c.horizon_months
                ),
            ),
            ("tlp", c.tlp.to_string()),
        ]);
    }
    header.extend([
        ("organisation", a.organisation.clone()),
        ("author", a.author.clone()),
        ("created", a.created_at.clone().unwrap_or_default()),
        ("updated", a.updated_at.clone().unwrap_or_default()),
        (
            "published",
            published(a.published_at.as_deref(), a.published_by.as_deref()),
        ),
        (
            "withdrawn",
            published(a.withdrawn_at.as_deref(), a.withdrawn_by.as_deref()),
        ),
    ]);
    let mut out = fields(&header);
    if let Some(reason) = &a.withdrawn_reason {
        out.push_str(
            "
withdrawn because
",
        );
        out.push_str(&wrap(reason, TEXT_WIDTH - 2, "  "));
    }
    if let Some(c) = &a.content {
        out.push_str(&content_sections(c));
    }
    if a.sources_withheld {
        out.push_str("\nsources withheld by the node's access policy\n");
    }
    out
}

pub fn whoami(w: &WhoAmIView) -> String {
    fields(&[
        ("subject", w.subject.clone()),
        ("name", w.name.clone()),
        ("organisation", w.organisation.clone()),
        ("roles", w.roles.join(", ")),
        ("issuer", w.issuer.clone()),
    ])
}

fn situation_fields(title: &str, crimes: &[Crime], groups: &[ProtectedGroup]) -> [(&'static str, String); 3] {
    let groups = groups
        .iter()
        .map(|g| format!("{} ({})", g.label, g.basis))
        .collect::<Vec<_>>();
    [
        ("title", title.to_owned()),
        (
            "crimes",
            crimes.iter().map(Crime::to_string).collect::<Vec<_>>().join(", "),
        ),
        ("groups", groups.join("; ")),
    ]
}

fn content_sections(c: &Content) -> String {
    let mut out = String::new();
    if !c.factors.is_empty() {
        let mut table = Table::new(&["#", "LEVEL", "INDICATORS", "FACTOR"]);
        let mut notes = String::new();
        for f in &c.factors {
            let codes: Vec<&str> = f.indicators.iter().map(|code| code.0.as_str()).collect();
            let level = if f.level == FactorLevel::NotAssessed {
                "-".to_owned()
            } else {
                f.level.to_string()
            };
            table.row(vec![
                f.factor.to_string(),
                level,
                codes.join(", "),
                factor_name(f.factor).unwrap_or("").to_owned(),
            ]);
            if !f.note.is_empty() {
                notes.push_str(&wrap(
                    &format!("{}: {}", f.factor, f.note),
                    TEXT_WIDTH - 4,
                    "    ",
                ));
            }
        }
        out.push_str("\nrisk factors\n");
        out.push_str(&table.render_indented("  "));
        if !notes.is_empty() {
            out.push_str("  notes\n");
            out.push_str(&notes);
        }
    }
    if !c.upcoming_triggers.is_empty() {
        let mut table = Table::new(&["DATE", "KIND", "DESCRIPTION"]);
        for t in &c.upcoming_triggers {
            table.row(vec![t.date.0.clone(), t.kind.clone(), t.description.clone()]);
        }
        out.push_str("\nupcoming triggers\n");
        out.push_str(&table.render_indented("  "));
    }
    if !c.narrative.is_empty() {
        out.push_str("\nnarrative\n");
        out.push_str(&wrap(&c.narrative, TEXT_WIDTH - 2, "  "));
    }
    if !c.response_options.is_empty() {
        out.push_str("\nresponse options\n");
        for option in &c.response_options {
            out.push_str(&wrap(&format!("- {option}"), TEXT_WIDTH - 2, "  "));
        }
    }
    if !c.sources.is_empty() {
        out.push_str("\nsources\n");
        for s in &c.sources {
            let grade = s
                .reliability
                .map(|r| format!("[{}] ", r.grade()))
                .unwrap_or_default();
            let note = if s.note.is_empty() {
                String::new()
            } else {
                format!(": {}", s.note)
            };
            out.push_str(&wrap(
                &format!("- {grade}{}{note}", s.reference),
                TEXT_WIDTH - 2,
                "  ",
            ));
        }
    }
    out
}

fn risk_text(c: &Content) -> String {
    if c.ongoing {
        format!("{} (ongoing)", c.overall_risk)
    } else {
        c.overall_risk.to_string()
    }
}

fn summary_risk(s: &SummaryView) -> String {
    if s.ongoing {
        format!("{} (ongoing)", s.overall_risk)
    } else {
        s.overall_risk.to_string()
    }
}

fn latest_text(s: &SummaryView) -> String {
    let mut text = format!(
        "{} v{}: {}, {}, confidence {}",
        s.assessment_id,
        s.version,
        summary_risk(s),
        s.trend,
        s.confidence
    );
    if !s.organisation.is_empty() {
        text.push_str(&format!(", by {}", s.organisation));
    }
    if let Some(at) = &s.published_at {
        text.push_str(&format!(", published {at}"));
    }
    text
}

fn area(admin1: &[String], admin2: &[String]) -> String {
    [admin1.join(", "), admin2.join(", ")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn published(at: Option<&str>, by: Option<&str>) -> String {
    match (at, by) {
        (Some(at), Some(by)) => format!("{at} by {by}"),
        (Some(at), None) => at.to_owned(),
        (None, Some(by)) => format!("by {by}"),
        (None, None) => String::new(),
    }
}

/// `2026-01-02T03:04:05Z` → `2026-01-02 03:04`.
fn short_time(at: Option<&str>) -> String {
    at.map(|t| t.chars().take(16).collect::<String>().replace('T', " "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
