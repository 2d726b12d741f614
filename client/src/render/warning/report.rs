//! The measures report: how long delivery, acknowledgement, decision and
//! first action took after sending, per organisation and per situation, and
//! what is overdue.

use tocsin_proto::v1 as pb;

use super::{minute, name};
use crate::table::Table;

/// A duration for people: `45s`, `12m`, `3h 20m`, `2d 4h` (cut, not rounded;
/// negative counts as none).
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// `median / longest`, or `-` when nothing was measured.
fn spread(d: Option<&pb::Duration>) -> String {
    match d {
        Some(pb::Duration {
            count,
            median_seconds: Some(median),
            max_seconds,
        }) if *count > 0 => match max_seconds {
            Some(max) => format!("{} / {}", duration(*median), duration(*max)),
            None => duration(*median),
        },
        _ => "-".to_owned(),
    }
}

fn measures(first: &str, overall: Option<&pb::MeasureRow>, rows: &[pb::MeasureRow]) -> String {
    let mut table = Table::new(&[
        first,
        "WARNINGS",
        "ADDRESSEES",
        "DELIVERY",
        "ACKNOWLEDGEMENT",
        "DECISION",
        "FIRST ACTION",
    ]);
    for r in overall.into_iter().chain(rows) {
        let key = if r.key.is_empty() { "(all)" } else { r.key.as_str() };
        table.row(vec![
            key.to_owned(),
            r.warnings.to_string(),
            r.addressees.to_string(),
            spread(r.to_delivery.as_ref()),
            spread(r.to_acknowledgement.as_ref()),
            spread(r.to_decision.as_ref()),
            spread(r.to_first_action.as_ref()),
        ]);
    }
    table.render_indented("  ")
}

/// The report: all warnings, then per organisation and per situation, then
/// the overdue list.
pub fn report(r: &pb::Report) -> String {
    let mut out = format!(
        "measures at {} UTC\ntimes from sending: median / longest, `-` when none yet\n",
        minute(r.at.as_ref())
    );
    out.push_str("\nby organisation\n");
    out.push_str(&measures("ORGANISATION", r.overall.as_ref(), &r.by_organisation));
    out.push_str("\nby situation\n");
    out.push_str(&measures("SITUATION", None, &r.by_situation));
    out.push_str("\noverdue\n");
    if r.overdue.is_empty() {
        out.push_str("  nothing overdue\n");
        return out;
    }
    let mut table = Table::new(&["WARNING", "SITUATION", "REASON", "ORGANISATION", "SUBJECT", "DUE"]);
    for l in &r.overdue {
        let warning = l.warning.clone().unwrap_or_default();
        table.row(vec![
            name(&warning.sender, &warning.id),
            l.situation.clone(),
            l.reason.replace('_', " "),
            l.organisation.clone(),
            l.subject.clone(),
            minute(l.due.as_ref()),
        ]);
    }
    out.push_str(&table.render_indented("  "));
    out
}
