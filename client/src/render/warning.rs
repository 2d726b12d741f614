//! Warnings for people: the list, one warning with its responses, its
//! timeline with the elapsed times, the measures report, and the lines of
//! `tocsin watch`. Pure functions of the node's messages, so that the
//! snapshot tests pin them byte for byte.

use chrono::DateTime;
use tocsin_proto::v1 as pb;

use crate::document::{Crime, Tlp, factor_name};
use crate::table::{Table, fields, wrap};

mod report;

pub use report::{duration, report};

const TEXT_WIDTH: usize = 78;
/// Headlines in the list are cut to this many characters.
const HEADLINE_IN_LIST: usize = 48;

/// `sender/id`, or `id` alone when the sender is unknown.
pub fn name(sender: &str, id: &str) -> String {
    if sender.is_empty() {
        id.to_owned()
    } else {
        format!("{sender}/{id}")
    }
}

/// A time in UTC to the minute, `2026-11-20 10:15`; empty when absent.
pub fn minute(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|t| DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn minute_or_dash(at: Option<&prost_types::Timestamp>) -> String {
    match minute(at) {
        text if text.is_empty() => "-".to_owned(),
        text => text,
    }
}

/// One line per warning.
pub fn warnings(list: &[pb::Warning]) -> String {
    if list.is_empty() {
        return "no warnings\n".to_owned();
    }
    let mut table = Table::new(&[
        "SENDER", "ID", "STATUS", "LEVEL", "URGENCY", "HEADLINE", "SENT", "ACK BY",
    ]);
    for w in list {
        let content = w.content.clone().unwrap_or_default();
        table.row(vec![
            w.sender.clone(),
            w.id.clone(),
            w.status.clone(),
            content.level,
            content.urgency,
            truncate(&content.headline, HEADLINE_IN_LIST),
            minute_or_dash(w.sent.as_ref()),
            minute_or_dash(w.acknowledge_by.as_ref()),
        ]);
    }
    table.render()
}

/// Everything recorded about one warning: its fields and text, the
/// addressees and their deadlines, decisions, actions, then the timeline.
pub fn warning(detail: &pb::WarningDetail) -> String {
    let w = detail.warning.clone().unwrap_or_default();
    let c = w.content.clone().unwrap_or_default();
    let situation = c.situation.clone().unwrap_or_default();
    let mut pairs = vec![
        ("warning", name(&w.sender, &w.id)),
        ("type", w.msg_type.clone()),
        ("status", w.status.clone()),
        (
            "level",
            format!(
                "{} (urgency {}, severity {}, certainty {})",
                c.level, c.urgency, c.severity, c.certainty
            ),
        ),
        ("category", c.category.clone()),
        ("headline", c.headline.clone()),
        ("situation", situation_text(&situation)),
        (
            "crimes",
            situation
                .crimes_at_risk
                .iter()
                .map(|c| Crime::from_proto(*c).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "assessment",
            format!("{} version {}", c.assessment_id, c.assessment_version),
        ),
        ("risk factors", risk_factors(&c.risk_factors)),
        ("tlp", Tlp::from_proto(c.tlp).to_string()),
        ("expires", minute(c.expires.as_ref())),
        ("author", w.author.clone()),
        ("created", minute(w.created_at.as_ref())),
        ("updated", minute(w.updated_at.as_ref())),
        ("sent", by(&minute(w.sent.as_ref()), &w.issued_by)),
        ("ack by", minute(w.acknowledge_by.as_ref())),
        ("decide by", minute(w.decide_by.as_ref())),
        ("ended", joined(&w.ended, &minute(w.ended_at.as_ref()))),
    ];
    for r in &w.references {
        pairs.push((
            "refers to",
            match minute(r.sent.as_ref()) {
                sent if sent.is_empty() => name(&r.sender, &r.identifier),
                sent => format!("{} (sent {sent})", name(&r.sender, &r.identifier)),
            },
        ));
    }
    if w.received {
        pairs.push(("received", "from the federation".to_owned()));
    }
    let mut out = fields(&pairs);
    for (title, text) in [("description", &c.description), ("instruction", &c.instruction)] {
        if !text.trim().is_empty() {
            out.push_str(&format!("\n{title}\n"));
            out.push_str(&wrap(text, TEXT_WIDTH - 2, "  "));
        }
    }
    if !c.addressees.is_empty() {
        let mut table = Table::new(&["ORGANISATION", "ROLE", "ACK BY", "DECIDE BY", "ACKNOWLEDGED"]);
        for a in &c.addressees {
            let acknowledged = detail
                .timeline
                .iter()
                .find(|e| e.event == "acknowledged" && e.organisation == a.organisation);
            table.row(vec![
                a.organisation.clone(),
                a.role.clone(),
                minute_or_dash(w.acknowledge_by.as_ref()),
                minute_or_dash(w.decide_by.as_ref()),
                minute_or_dash(acknowledged.and_then(|e| e.at.as_ref())),
            ]);
        }
        out.push_str("\naddressees\n");
        out.push_str(&table.render_indented("  "));
    }
    if !detail.decisions.is_empty() {
        out.push_str("\ndecisions\n");
        out.push_str(&decisions(&detail.decisions));
    }
    if !detail.actions.is_empty() {
        out.push_str("\nactions\n");
        out.push_str(&actions(&detail.actions));
    }
    out.push_str("\ntimeline\n");
    out.push_str(&timeline_indented(&detail.timeline, "  "));
    out
}

fn decisions(list: &[pb::WarningDecision]) -> String {
    let mut table = Table::new(&["ID", "ORGANISATION", "DECISION", "BY", "AT"]);
    let mut reasons = String::new();
    for d in list {
        table.row(vec![
            d.id.clone(),
            d.organisation.clone(),
            d.kind.clone(),
            d.by.clone(),
            minute(d.at.as_ref()),
        ]);
        reasons.push_str(&wrap(
            &format!("{}: {}", d.id, d.justification),
            TEXT_WIDTH - 4,
            "    ",
        ));
    }
    let mut out = table.render_indented("  ");
    out.push_str("  justifications\n");
    out.push_str(&reasons);
    out
}

fn actions(list: &[pb::WarningAction]) -> String {
    let mut table = Table::new(&["ID", "KIND", "OWNER", "DUE", "STATUS", "DECISION"]);
    let mut notes = String::new();
    for a in list {
        table.row(vec![
            a.id.clone(),
            a.kind.clone(),
            a.owner.clone(),
            minute(a.due.as_ref()),
            a.status.clone(),
            a.decision_id.clone(),
        ]);
        if !a.description.is_empty() {
            notes.push_str(&wrap(
                &format!("{}: {}", a.id, a.description),
                TEXT_WIDTH - 4,
                "    ",
            ));
        }
        for u in &a.updates {
            let outcome = if u.outcome.is_empty() {
                String::new()
            } else {
                format!(": {}", u.outcome)
            };
            let line = format!(
                "{}: {} {} by {}{outcome}",
                a.id,
                u.status,
                minute(u.at.as_ref()),
                u.by
            );
            notes.push_str(&wrap(&line, TEXT_WIDTH - 4, "    "));
        }
    }
    let mut out = table.render_indented("  ");
    if !notes.is_empty() {
        out.push_str("  notes\n");
        out.push_str(&notes);
    }
    out
}

/// The timeline as a table (time in UTC, who, what), then how long the
/// first delivery, acknowledgement, decision and action took after sending.
pub fn timeline(entries: &[pb::TimelineEntry]) -> String {
    timeline_indented(entries, "")
}

fn timeline_indented(entries: &[pb::TimelineEntry], indent: &str) -> String {
    if entries.is_empty() {
        return format!("{indent}nothing recorded\n");
    }
    let mut table = Table::new(&["TIME (UTC)", "WHO", "EVENT"]);
    for e in entries {
        let text = match (e.text.is_empty(), e.organisation.is_empty()) {
            (false, _) => e.text.clone(),
            (true, true) => e.event.replace('_', " "),
            (true, false) => format!("{} {}", e.event.replace('_', " "), e.organisation),
        };
        table.row(vec![minute(e.at.as_ref()), e.who.clone(), text]);
    }
    let mut out = table.render_indented(indent);
    out.push_str(indent);
    out.push_str(&elapsed(entries));
    out.push('\n');
    out
}

/// `since sent: delivery 4m, acknowledgement 1h 15m, decision 2d 3h, action -`
/// — each the first of its kind after the warning was issued.
pub fn elapsed(entries: &[pb::TimelineEntry]) -> String {
    let seconds = |e: &pb::TimelineEntry| e.at.as_ref().map(|t| t.seconds);
    let Some(sent) = entries.iter().find(|e| e.event == "issued").and_then(seconds) else {
        return "not sent yet".to_owned();
    };
    let first = |event: &str| {
        entries
            .iter()
            .filter(|e| e.event == event)
            .filter_map(seconds)
            .min()
            .map(|at| duration(at - sent))
            .unwrap_or_else(|| "-".to_owned())
    };
    format!(
        "since sent: delivery {}, acknowledgement {}, decision {}, action {}",
        first("delivered"),
        first("acknowledged"),
        first("decided"),
        first("action_recorded")
    )
}

/// One line of `tocsin watch`: time, kind, warning, level, headline and
/// what happened.
pub fn event(e: &pb::WarningEvent) -> String {
    let w = e.warning.clone().unwrap_or_default();
    let c = w.content.unwrap_or_default();
    let mut what = c.headline;
    if !e.text.is_empty() {
        if !what.is_empty() {
            what.push_str(" — ");
        }
        what.push_str(&e.text);
    }
    let line = format!(
        "{}  {:<12}  {}  {:<9}  {}",
        minute_or_dash(e.at.as_ref()),
        e.kind,
        name(&w.sender, &w.id),
        c.level,
        what.replace(['\n', '\r'], " ")
    );
    format!("{}\n", line.trim_end())
}

fn situation_text(s: &pb::SituationSpec) -> String {
    let countries = s.countries.join(", ");
    match (s.title.is_empty(), countries.is_empty()) {
        (false, false) => format!("{} ({countries})", s.title),
        (false, true) => s.title.clone(),
        _ => countries,
    }
}

/// `7 Enabling circumstances or preparatory action; 8 Triggering factors`.
fn risk_factors(factors: &[u32]) -> String {
    factors
        .iter()
        .map(|f| match factor_name(*f) {
            Some(title) => format!("{f} {title}"),
            None => f.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn by(what: &str, who: &str) -> String {
    match (what.is_empty(), who.is_empty()) {
        (false, false) => format!("{what} by {who}"),
        (false, true) => what.to_owned(),
        (true, false) => format!("by {who}"),
        (true, true) => String::new(),
    }
}

/// `what when`, or whichever is there.
fn joined(what: &str, when: &str) -> String {
    format!("{what} {when}").trim().to_owned()
}

fn truncate(text: &str, max: usize) -> String {
    let text = text.replace(['\n', '\r'], " ");
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;
