//! A warning's story in order: raised, issued, delivered, acknowledged,
//! escalated, decided, acted on, ended, and the lessons noted afterwards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AckKind, ActionKind, ActionStatus, DecisionKind, Ending, EscalationReason, Outcome, Responses, Warning,
};

/// One thing that happened, when, and who did it: a user, or the
/// organisation when no user acted (deliveries, escalations, the
/// superseding or cancelling by a later message of the sender).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub event: TimelineEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TimelineEvent {
    Raised,
    Issued,
    Delivered {
        to: String,
    },
    Acknowledged {
        organisation: String,
        kind: AckKind,
    },
    Escalated {
        reason: EscalationReason,
        subject: String,
        step: u32,
        from: String,
        to: String,
    },
    Decided {
        decision: String,
        organisation: String,
        kind: DecisionKind,
    },
    ActionRecorded {
        action: String,
        kind: ActionKind,
        owner: String,
    },
    ActionChanged {
        action: String,
        status: ActionStatus,
        outcome: Option<String>,
    },
    Superseded {
        by: String,
    },
    Cancelled {
        by: String,
    },
    Closed {
        decision: String,
    },
    Noted {
        note: String,
        outcome: Outcome,
    },
}

impl TimelineEvent {
    /// Among events at the same instant, the order in which they happen.
    fn rank(&self) -> u8 {
        match self {
            TimelineEvent::Raised => 0,
            TimelineEvent::Issued => 1,
            TimelineEvent::Delivered { .. } => 2,
            TimelineEvent::Acknowledged { .. } => 3,
            TimelineEvent::Escalated { .. } => 4,
            TimelineEvent::Decided { .. } => 5,
            TimelineEvent::ActionRecorded { .. } => 6,
            TimelineEvent::ActionChanged { .. } => 7,
            TimelineEvent::Superseded { .. }
            | TimelineEvent::Cancelled { .. }
            | TimelineEvent::Closed { .. } => 8,
            TimelineEvent::Noted { .. } => 9,
        }
    }
}

/// Every event of `warning` in time order (ties in the order of
/// [`TimelineEvent`]'s variants, then as recorded). Records in `events`
/// about other warnings are left out.
pub fn timeline(warning: &Warning, events: &Responses) -> Vec<TimelineEntry> {
    let mut entries = Vec::new();
    let mut push = |at, who: &str, event| {
        entries.push(TimelineEntry {
            at,
            who: who.to_owned(),
            event,
        })
    };
    let ours = |id: &str| id == warning.id;
    push(warning.created_at, &warning.author, TimelineEvent::Raised);
    if let Some(issued) = &warning.issued {
        push(issued.sent, &issued.by, TimelineEvent::Issued);
    }
    for d in events.deliveries.iter().filter(|d| ours(&d.warning_id)) {
        let event = TimelineEvent::Delivered {
            to: d.organisation.clone(),
        };
        push(d.at, &d.organisation, event);
    }
    for a in events.acknowledgements.iter().filter(|a| ours(&a.warning_id)) {
        let event = TimelineEvent::Acknowledged {
            organisation: a.organisation.clone(),
            kind: a.kind.clone(),
        };
        push(a.at, &a.by, event);
    }
    for e in events.escalations.iter().filter(|e| ours(&e.warning_id)) {
        let event = TimelineEvent::Escalated {
            reason: e.reason,
            subject: e.subject.clone(),
            step: e.step,
            from: e.from.clone(),
            to: e.to.clone(),
        };
        push(e.at, &e.from, event);
    }
    for d in events.decisions.iter().filter(|d| ours(&d.warning_id)) {
        let event = TimelineEvent::Decided {
            decision: d.id.clone(),
            organisation: d.organisation.clone(),
            kind: d.kind,
        };
        push(d.at, &d.by, event);
    }
    for a in events.actions.iter().filter(|a| ours(&a.warning_id)) {
        let event = TimelineEvent::ActionRecorded {
            action: a.id.clone(),
            kind: a.kind,
            owner: a.owner.clone(),
        };
        push(a.recorded_at, &a.recorded_by, event);
        for u in &a.updates {
            let event = TimelineEvent::ActionChanged {
                action: a.id.clone(),
                status: u.status,
                outcome: u.outcome.clone(),
            };
            push(u.at, &u.by, event);
        }
    }
    match &warning.ended {
        Some(Ending::Superseded { by, at }) => {
            push(*at, &warning.sender, TimelineEvent::Superseded { by: by.clone() })
        }
        Some(Ending::Cancelled { by, at }) => {
            push(*at, &warning.sender, TimelineEvent::Cancelled { by: by.clone() })
        }
        Some(Ending::Closed { by, decision, at }) => push(
            *at,
            by,
            TimelineEvent::Closed {
                decision: decision.clone(),
            },
        ),
        None => {}
    }
    for n in events.notes.iter().filter(|n| ours(&n.warning_id)) {
        let event = TimelineEvent::Noted {
            note: n.id.clone(),
            outcome: n.outcome,
        };
        push(n.at, &n.by, event);
    }
    entries.sort_by_key(|e| (e.at, e.event.rank()));
    entries
}
