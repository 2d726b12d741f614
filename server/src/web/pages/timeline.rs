//! Warning timeline: the full trail from raising to action in the session's
//! language, with the time since issue and since the step before.

use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

use super::board::failure;
use super::{duration, when};
use crate::model::warning::{AckKind, TimelineEvent};
use crate::warnings::{describe, timeline_of};
use crate::web::html::{Nav, escape, page};
use crate::web::i18n::{Lang, t};
use crate::web::session::SignedIn;
use crate::web::{Web, html};

pub(in crate::web) async fn show(
    State(web): State<Arc<Web>>,
    Path((sender, id)): Path<(String, String)>,
    SignedIn(session): SignedIn,
) -> Response {
    let lang = session.lang;
    let stored = match web.services.warnings.get(&session.caller, &sender, &id) {
        Ok(stored) => stored,
        Err(e) => return failure(&session, &e),
    };
    let entries = timeline_of(&stored);
    let start = entries.first().map(|e| e.at);
    let mut out = format!(
        r#"<p><strong>{}</strong> · {} · {} · {}</p><p>{}</p><ol class="timeline">"#,
        escape(&stored.warning.content.headline),
        escape(&stored.warning.sender),
        escape(&vocabulary(lang, "level", stored.warning.content.level)),
        escape(&vocabulary(lang, "status", stored.warning.status)),
        escape(&stored.warning.content.description),
    );
    let mut previous = start;
    for entry in &entries {
        let (name, _, _) = describe(&entry.event);
        let text = what(lang, &entry.event);
        let since_start = start.map(|s| entry.at - s).unwrap_or_default();
        let since_previous = previous.map(|p| entry.at - p).unwrap_or_default();
        previous = Some(entry.at);
        out.push_str(&format!(
            r#"<li class="event event-{}"><time datetime="{}">{}</time> <span class="who">{}</span> <span class="what">{}</span> <span class="after">{} {} (+{})</span></li>"#,
            escape(name),
            escape(&entry.at.to_rfc3339()),
            escape(&when(entry.at)),
            escape(&entry.who),
            escape(&text),
            escape(t(lang, "timeline.after")),
            escape(&duration(since_start)),
            escape(&duration(since_previous)),
        ));
    }
    out.push_str(&format!(
        r#"</ol><p><a href="/warnings">{}</a></p>"#,
        escape(t(lang, "timeline.back"))
    ));
    html(page(&session, Nav::Warnings, t(lang, "timeline.title"), &out))
}

/// What happened, in `lang`: the event's sentence with its values filled in.
fn what(lang: Lang, event: &TimelineEvent) -> String {
    let say = |key: &str, values: &[(&str, &str)]| fill(t(lang, &format!("timeline.{key}")), values);
    match event {
        TimelineEvent::Raised => say("raised", &[]),
        TimelineEvent::Issued => say("issued", &[]),
        TimelineEvent::Delivered { to } => say("delivered", &[("to", to)]),
        TimelineEvent::Acknowledged { organisation, kind } => match kind {
            AckKind::Forwarded { to, reason } => say(
                "forwarded",
                &[("org", organisation), ("to", to), ("reason", reason)],
            ),
            AckKind::Declined { reason } => say("declined", &[("org", organisation), ("reason", reason)]),
            other => say(
                "acknowledged",
                &[
                    ("org", organisation),
                    ("kind", &vocabulary(lang, "ack", other.as_str())),
                ],
            ),
        },
        TimelineEvent::Escalated {
            reason,
            subject,
            step,
            from,
            to,
        } => say(
            "escalated",
            &[
                ("from", from),
                ("to", to),
                ("reason", &vocabulary(lang, "reason", reason)),
                ("subject", subject),
                ("step", &step.to_string()),
            ],
        ),
        TimelineEvent::Decided {
            decision,
            organisation,
            kind,
        } => say(
            "decided",
            &[
                ("org", organisation),
                ("kind", &vocabulary(lang, "decision", kind)),
                ("decision", decision),
            ],
        ),
        TimelineEvent::ActionRecorded { action, kind, owner } => say(
            "action_recorded",
            &[
                ("action", action),
                ("kind", &vocabulary(lang, "action", kind)),
                ("owner", owner),
            ],
        ),
        TimelineEvent::ActionChanged {
            action,
            status,
            outcome,
        } => {
            let status = vocabulary(lang, "action_status", status);
            match outcome {
                Some(outcome) => say(
                    "action_outcome",
                    &[("action", action), ("status", &status), ("outcome", outcome)],
                ),
                None => say("action_changed", &[("action", action), ("status", &status)]),
            }
        }
        TimelineEvent::Superseded { by } => say("superseded", &[("by", by)]),
        TimelineEvent::Cancelled { by } => say("cancelled", &[("by", by)]),
        TimelineEvent::Closed { decision } => say("closed", &[("decision", decision)]),
        TimelineEvent::Noted { note, outcome } => say(
            "noted",
            &[("note", note), ("outcome", &vocabulary(lang, "outcome", outcome))],
        ),
    }
}

/// The word for `value` of a vocabulary in `lang` (`timeline.ack.received`).
fn vocabulary(lang: Lang, prefix: &str, value: impl serde::Serialize) -> String {
    t(lang, &format!("timeline.{prefix}.{}", super::snake(value))).to_owned()
}

/// `template` with each `{name}` replaced by its value, in one pass: a value
/// that itself holds `{name}` stays as it is. Unknown names stay too.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            values
                .iter()
                .find(|(name, _)| *name == &after[..close])
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::warning::{
        ActionKind, ActionStatus, DecisionKind, EscalationReason, Outcome, WarningLevel, WarningStatus,
    };

    /// The shared `duration`, as the timeline shows the time between steps.
    #[test]
    fn durations_read_in_two_units() {
        use chrono::TimeDelta;
        assert_eq!(duration(TimeDelta::seconds(12)), "12s");
        assert_eq!(duration(TimeDelta::seconds(250)), "4m 10s");
        assert_eq!(duration(TimeDelta::minutes(125)), "2h 5m");
        assert_eq!(duration(TimeDelta::hours(76)), "3d 4h");
        assert_eq!(duration(TimeDelta::seconds(-5)), "0s");
    }

    #[test]
    fn fill_replaces_known_names_once() {
        let values = [("org", "au"), ("to", "{org}")];
        assert_eq!(fill("{org} to {to} {x} {", &values), "au to {org} {x} {");
        assert_eq!(fill("plain", &[]), "plain");
    }

    /// Every event, in English as the API says it but with words for its
    /// codes, and in French.
    #[test]
    fn events_read_in_english_and_french() {
        let cases = [
            (TimelineEvent::Raised, "raised", "créée"),
            (TimelineEvent::Issued, "issued", "émise"),
            (
                TimelineEvent::Acknowledged {
                    organisation: "au".into(),
                    kind: AckKind::AcceptedForAction,
                },
                "acknowledged by au: accepted for action",
                "réception accusée par au : acceptée pour action",
            ),
            (
                TimelineEvent::Acknowledged {
                    organisation: "au".into(),
                    kind: AckKind::Declined { reason: "r".into() },
                },
                "acknowledged by au: declined (r)",
                "réception accusée par au : déclinée (r)",
            ),
            (
                TimelineEvent::Escalated {
                    reason: EscalationReason::NoAcknowledgement,
                    subject: "au".into(),
                    step: 2,
                    from: "au".into(),
                    to: "un-hq".into(),
                },
                "escalated from au to un-hq: no acknowledgement of au (step 2)",
                "remontée de au à un-hq : absence d'accusé de réception de au (palier 2)",
            ),
            (
                TimelineEvent::Decided {
                    decision: "d1".into(),
                    organisation: "au".into(),
                    kind: DecisionKind::NoAction,
                },
                "decided by au: no action (d1)",
                "décision de au : aucune action (d1)",
            ),
            (
                TimelineEvent::ActionRecorded {
                    action: "a1".into(),
                    kind: ActionKind::Mediation,
                    owner: "au".into(),
                },
                "action a1 recorded: mediation, owned by au",
                "action a1 enregistrée : médiation, sous la responsabilité de au",
            ),
            (
                TimelineEvent::ActionChanged {
                    action: "a1".into(),
                    status: ActionStatus::Completed,
                    outcome: Some("done".into()),
                },
                "action a1 completed: done",
                "action a1 achevée : done",
            ),
            (
                TimelineEvent::Noted {
                    note: "n1".into(),
                    outcome: Outcome::Mitigated,
                },
                "after-action note n1: mitigated",
                "retour d'expérience n1 : atténué",
            ),
        ];
        for (event, en, fr) in cases {
            assert_eq!(what(Lang::En, &event), en);
            let api = describe(&event).2.replace('_', " ");
            assert_eq!(what(Lang::En, &event), api, "as the API says it, in words");
            assert_eq!(what(Lang::Fr, &event), fr);
        }
    }

    #[test]
    fn every_word_of_every_vocabulary_is_translated() {
        let mut words: Vec<(&str, String)> = Vec::new();
        words.extend(["received", "accepted_for_action"].map(|v| ("ack", v.to_owned())));
        words.extend(DecisionKind::ALL.iter().map(|v| ("decision", v.to_string())));
        words.extend(ActionKind::ALL.iter().map(|v| ("action", v.to_string())));
        words.extend(ActionStatus::ALL.iter().map(|v| ("action_status", v.to_string())));
        words.extend(EscalationReason::ALL.iter().map(|v| ("reason", v.to_string())));
        words.extend(Outcome::ALL.iter().map(|v| ("outcome", v.to_string())));
        words.extend(WarningLevel::ALL.iter().map(|v| ("level", v.to_string())));
        words.extend(WarningStatus::ALL.iter().map(|v| ("status", v.to_string())));
        for (prefix, value) in words {
            let key = format!("timeline.{prefix}.{value}");
            let english = vocabulary(Lang::En, prefix, &value);
            assert_eq!(
                english.replace([' ', '-'], "_"),
                value,
                "{key}: the code in words"
            );
            assert_ne!(vocabulary(Lang::Fr, prefix, &value), value, "{key}");
            assert_ne!(vocabulary(Lang::Fr, prefix, &value), key, "{key}");
        }
    }
}
