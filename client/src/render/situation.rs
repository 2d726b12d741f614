//! Situations: a table of them, and one situation with this node's latest
//! published assessment and every other organisation's shared summary side
//! by side (never averaged).

use super::{area, latest_text, short_time, situation_fields, summary_risk};
use crate::document::FactorLevel;
use crate::table::{Table, fields};
use crate::view::{SharedSummaryView, SituationView};

/// Above this many organisations, the list gives a count and the spread.
const NAMED_IN_LIST: usize = 3;

/// One line per situation: this node's latest published assessment, then
/// what other organisations shared.
pub fn situations(list: &[SituationView]) -> String {
    if list.is_empty() {
        return "no situations\n".to_owned();
    }
    let mut table = Table::new(&[
        "ID",
        "TITLE",
        "REGION",
        "BODIES",
        "RISK",
        "TREND",
        "OTHERS",
        "ASSESSMENTS",
    ]);
    for s in list {
        let latest = s.latest.as_ref();
        table.row(vec![
            s.id.clone(),
            s.title.clone(),
            s.m49_region_name.clone(),
            s.regional_bodies.join(", "),
            latest.map(summary_risk).unwrap_or_else(|| "-".to_owned()),
            latest
                .map(|l| l.trend.to_string())
                .unwrap_or_else(|| "-".to_owned()),
            others(&s.shared),
            s.assessment_count.to_string(),
        ]);
    }
    table.render()
}

/// `xaa: high; ecowas: very_high`, or `5 organisations: moderate–very_high`.
fn others(shared: &[SharedSummaryView]) -> String {
    if shared.is_empty() {
        return "-".to_owned();
    }
    if shared.len() <= NAMED_IN_LIST {
        return shared
            .iter()
            .map(|r| format!("{}: {}", r.organisation, r.overall_risk))
            .collect::<Vec<_>>()
            .join("; ");
    }
    let risks = shared.iter().map(|r| r.overall_risk);
    let (low, high) = (risks.clone().min(), risks.max());
    match (low, high) {
        (Some(low), Some(high)) if low != high => {
            format!("{} organisations: {low}–{high}", shared.len())
        }
        (Some(level), _) => format!("{} organisations: {level}", shared.len()),
        _ => shared.len().to_string(),
    }
}

/// A situation, this node's latest published assessment, and every other
/// organisation's view of it in one table.
pub fn situation(s: &SituationView) -> String {
    let region = match (s.m49_region.as_str(), s.m49_region_name.as_str()) {
        ("", name) => name.to_owned(),
        (code, "") => code.to_owned(),
        (code, name) => format!("{name} ({code})"),
    };
    let mut pairs = vec![("situation", s.id.clone())];
    pairs.extend(situation_fields(&s.title, &s.crimes_at_risk, &s.protected_groups));
    pairs.extend([
        ("countries", s.countries.join(", ")),
        ("area", area(&s.admin1, &s.admin2)),
        ("region", region),
        ("bodies", s.regional_bodies.join(", ")),
        ("assessments", s.assessment_count.to_string()),
        (
            "latest",
            s.latest
                .as_ref()
                .map(latest_text)
                .unwrap_or_else(|| "none published".to_owned()),
        ),
    ]);
    let mut out = fields(&pairs);
    if s.shared.is_empty() {
        return out;
    }
    let mut table = Table::new(&[
        "ORGANISATION",
        "RISK",
        "TREND",
        "CONFIDENCE",
        "VERSION",
        "ISSUED",
        "PATH",
    ]);
    if let Some(own) = &s.latest {
        table.row(vec![
            own.organisation.clone(),
            summary_risk(own),
            own.trend.to_string(),
            own.confidence.to_string(),
            own.version.to_string(),
            short_time(own.published_at.as_deref()),
            "this node".to_owned(),
        ]);
    }
    for r in &s.shared {
        let risk = if r.ongoing {
            format!("{} (ongoing)", r.overall_risk)
        } else {
            r.overall_risk.to_string()
        };
        table.row(vec![
            r.organisation.clone(),
            risk,
            r.trend.to_string(),
            r.confidence.to_string(),
            r.version.to_string(),
            short_time(r.issued_at.as_deref()),
            r.path.join(" → "),
        ]);
    }
    out.push_str("\nviews, side by side\n");
    out.push_str(&table.render_indented("  "));
    let mut factors = Table::new(&["ORGANISATION", "FACTOR LEVELS"]);
    for r in s.shared.iter().filter(|r| !r.factors.is_empty()) {
        let levels: Vec<String> = r
            .factors
            .iter()
            .map(|f| {
                let level = match f.level {
                    FactorLevel::NotAssessed => "-".to_owned(),
                    level => level.to_string(),
                };
                format!("{} {level}", f.factor)
            })
            .collect();
        factors.row(vec![r.organisation.clone(), levels.join(", ")]);
    }
    if !factors.is_empty() {
        out.push_str("\nfactor levels shared\n");
        out.push_str(&factors.render_indented("  "));
    }
    out
}
