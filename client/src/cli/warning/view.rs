//! The `--json` output of the warning commands: the node's messages field
//! for field, times as RFC 3339 in UTC (`null` when absent), enums as their
//! names. Field names are stable: add fields, never rename them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use tocsin_proto::v1 as pb;

use crate::document::warning::Addressee;
use crate::document::{Situation, Tlp};
use crate::view::timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct WarningView {
    pub(crate) sender: String,
    pub(crate) id: String,
    pub(crate) msg_type: String,
    pub(crate) references: Vec<ReferenceView>,
    pub(crate) status: String,
    pub(crate) content: Option<ContentView>,
    pub(crate) author: String,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
    pub(crate) sent: Option<String>,
    pub(crate) issued_by: String,
    pub(crate) acknowledge_by: Option<String>,
    pub(crate) decide_by: Option<String>,
    pub(crate) ended: String,
    pub(crate) ended_at: Option<String>,
    pub(crate) received: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ReferenceView {
    pub(crate) sender: String,
    pub(crate) identifier: String,
    pub(crate) sent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ContentView {
    pub(crate) situation: Option<Situation>,
    pub(crate) assessment_id: String,
    pub(crate) assessment_version: u32,
    pub(crate) level: String,
    pub(crate) category: String,
    pub(crate) urgency: String,
    pub(crate) severity: String,
    pub(crate) certainty: String,
    pub(crate) headline: String,
    pub(crate) description: String,
    pub(crate) instruction: String,
    pub(crate) addressees: Vec<Addressee>,
    pub(crate) expires: Option<String>,
    pub(crate) tlp: Tlp,
    pub(crate) risk_factors: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TimelineEntryView {
    pub(crate) at: Option<String>,
    pub(crate) who: String,
    pub(crate) event: String,
    pub(crate) organisation: String,
    pub(crate) text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DecisionView {
    pub(crate) id: String,
    pub(crate) organisation: String,
    pub(crate) kind: String,
    pub(crate) justification: String,
    pub(crate) by: String,
    pub(crate) at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ActionUpdateView {
    pub(crate) status: String,
    pub(crate) outcome: String,
    pub(crate) by: String,
    pub(crate) at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ActionView {
    pub(crate) id: String,
    pub(crate) decision_id: String,
    pub(crate) kind: String,
    pub(crate) description: String,
    pub(crate) owner: String,
    pub(crate) due: Option<String>,
    pub(crate) status: String,
    pub(crate) updates: Vec<ActionUpdateView>,
    pub(crate) recorded_by: String,
    pub(crate) recorded_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DetailView {
    pub(crate) warning: Option<WarningView>,
    pub(crate) timeline: Vec<TimelineEntryView>,
    pub(crate) decisions: Vec<DecisionView>,
    pub(crate) actions: Vec<ActionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DurationView {
    pub(crate) count: u32,
    pub(crate) median_seconds: Option<i64>,
    pub(crate) max_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct MeasureView {
    pub(crate) key: String,
    pub(crate) warnings: u32,
    pub(crate) addressees: u32,
    pub(crate) to_delivery: Option<DurationView>,
    pub(crate) to_acknowledgement: Option<DurationView>,
    pub(crate) to_decision: Option<DurationView>,
    pub(crate) to_first_action: Option<DurationView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LapseView {
    pub(crate) sender: String,
    pub(crate) id: String,
    pub(crate) situation: String,
    pub(crate) reason: String,
    pub(crate) organisation: String,
    pub(crate) subject: String,
    pub(crate) due: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ReportView {
    pub(crate) at: Option<String>,
    pub(crate) overall: Option<MeasureView>,
    pub(crate) by_organisation: Vec<MeasureView>,
    pub(crate) by_situation: Vec<MeasureView>,
    pub(crate) overdue: Vec<LapseView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct EventView {
    /// Base64 of the node's opaque cursor.
    pub(crate) cursor: String,
    pub(crate) at: Option<String>,
    pub(crate) kind: String,
    pub(crate) text: String,
    pub(crate) warning: Option<WarningView>,
}

impl From<&pb::Warning> for WarningView {
    fn from(w: &pb::Warning) -> Self {
        Self {
            sender: w.sender.clone(),
            id: w.id.clone(),
            msg_type: w.msg_type.clone(),
            references: w
                .references
                .iter()
                .map(|r| ReferenceView {
                    sender: r.sender.clone(),
                    identifier: r.identifier.clone(),
                    sent: timestamp(r.sent.as_ref()),
                })
                .collect(),
            status: w.status.clone(),
            content: w.content.as_ref().map(ContentView::from),
            author: w.author.clone(),
            created_at: timestamp(w.created_at.as_ref()),
            updated_at: timestamp(w.updated_at.as_ref()),
            sent: timestamp(w.sent.as_ref()),
            issued_by: w.issued_by.clone(),
            acknowledge_by: timestamp(w.acknowledge_by.as_ref()),
            decide_by: timestamp(w.decide_by.as_ref()),
            ended: w.ended.clone(),
            ended_at: timestamp(w.ended_at.as_ref()),
            received: w.received,
        }
    }
}

impl From<&pb::WarningContent> for ContentView {
    fn from(c: &pb::WarningContent) -> Self {
        Self {
            situation: c.situation.as_ref().map(Situation::from),
            assessment_id: c.assessment_id.clone(),
            assessment_version: c.assessment_version,
            level: c.level.clone(),
            category: c.category.clone(),
            urgency: c.urgency.clone(),
            severity: c.severity.clone(),
            certainty: c.certainty.clone(),
            headline: c.headline.clone(),
            description: c.description.clone(),
            instruction: c.instruction.clone(),
            addressees: c
                .addressees
                .iter()
                .map(|a| Addressee {
                    organisation: a.organisation.clone(),
                    role: a.role.clone(),
                })
                .collect(),
            expires: timestamp(c.expires.as_ref()),
            tlp: Tlp::from_proto(c.tlp),
            risk_factors: c.risk_factors.clone(),
        }
    }
}

impl From<&pb::WarningDetail> for DetailView {
    fn from(d: &pb::WarningDetail) -> Self {
        Self {
            warning: d.warning.as_ref().map(WarningView::from),
            timeline: d.timeline.iter().map(TimelineEntryView::from).collect(),
            decisions: d
                .decisions
                .iter()
                .map(|d| DecisionView {
                    id: d.id.clone(),
                    organisation: d.organisation.clone(),
                    kind: d.kind.clone(),
                    justification: d.justification.clone(),
                    by: d.by.clone(),
                    at: timestamp(d.at.as_ref()),
                })
                .collect(),
            actions: d.actions.iter().map(ActionView::from).collect(),
        }
    }
}

impl From<&pb::TimelineEntry> for TimelineEntryView {
    fn from(e: &pb::TimelineEntry) -> Self {
        Self {
            at: timestamp(e.at.as_ref()),
            who: e.who.clone(),
            event: e.event.clone(),
            organisation: e.organisation.clone(),
            text: e.text.clone(),
        }
    }
}

impl From<&pb::WarningAction> for ActionView {
    fn from(a: &pb::WarningAction) -> Self {
        Self {
            id: a.id.clone(),
            decision_id: a.decision_id.clone(),
            kind: a.kind.clone(),
            description: a.description.clone(),
            owner: a.owner.clone(),
            due: timestamp(a.due.as_ref()),
            status: a.status.clone(),
            updates: a
                .updates
                .iter()
                .map(|u| ActionUpdateView {
                    status: u.status.clone(),
                    outcome: u.outcome.clone(),
                    by: u.by.clone(),
                    at: timestamp(u.at.as_ref()),
                })
                .collect(),
            recorded_by: a.recorded_by.clone(),
            recorded_at: timestamp(a.recorded_at.as_ref()),
        }
    }
}

fn duration(d: Option<&pb::Duration>) -> Option<DurationView> {
    d.map(|d| DurationView {
        count: d.count,
        median_seconds: d.median_seconds,
        max_seconds: d.max_seconds,
    })
}

impl From<&pb::MeasureRow> for MeasureView {
    fn from(r: &pb::MeasureRow) -> Self {
        Self {
            key: r.key.clone(),
            warnings: r.warnings,
            addressees: r.addressees,
            to_delivery: duration(r.to_delivery.as_ref()),
            to_acknowledgement: duration(r.to_acknowledgement.as_ref()),
            to_decision: duration(r.to_decision.as_ref()),
            to_first_action: duration(r.to_first_action.as_ref()),
        }
    }
}

impl From<&pb::Report> for ReportView {
    fn from(r: &pb::Report) -> Self {
        Self {
            at: timestamp(r.at.as_ref()),
            overall: r.overall.as_ref().map(MeasureView::from),
            by_organisation: r.by_organisation.iter().map(MeasureView::from).collect(),
            by_situation: r.by_situation.iter().map(MeasureView::from).collect(),
            overdue: r
                .overdue
                .iter()
                .map(|l| {
                    let name = l.warning.clone().unwrap_or_default();
                    LapseView {
                        sender: name.sender,
                        id: name.id,
                        situation: l.situation.clone(),
                        reason: l.reason.clone(),
                        organisation: l.organisation.clone(),
                        subject: l.subject.clone(),
                        due: timestamp(l.due.as_ref()),
                    }
                })
                .collect(),
        }
    }
}

impl From<&pb::WarningEvent> for EventView {
    fn from(e: &pb::WarningEvent) -> Self {
        Self {
            cursor: STANDARD.encode(&e.cursor),
            at: timestamp(e.at.as_ref()),
            kind: e.kind.clone(),
            text: e.text.clone(),
            warning: e.warning.as_ref().map(WarningView::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_has_stable_json_field_names() {
        let event = pb::WarningEvent {
            cursor: vec![1, 2, 3],
            at: Some(prost_types::Timestamp {
                seconds: 1_767_323_045,
                nanos: 0,
            }),
            kind: "issued".into(),
            text: "issued by rui".into(),
            warning: Some(pb::Warning {
                sender: "ecowas".into(),
                id: "w-1".into(),
                status: "issued".into(),
                ..Default::default()
            }),
        };
        let json = serde_json::to_value(EventView::from(&event)).unwrap();
        assert_eq!(json["cursor"], "AQID");
        assert_eq!(json["at"], "2026-01-02T03:04:05Z");
        assert_eq!(json["warning"]["sender"], "ecowas");
        assert_eq!(json["warning"]["sent"], serde_json::Value::Null);
        assert_eq!(json["warning"]["content"], serde_json::Value::Null);
    }

    #[test]
    fn a_report_names_each_lapse_by_sender_and_id() {
        let report = pb::Report {
            overall: Some(pb::MeasureRow {
                warnings: 2,
                to_delivery: Some(pb::Duration {
                    count: 2,
                    median_seconds: Some(60),
                    max_seconds: Some(90),
                }),
                ..Default::default()
            }),
            overdue: vec![pb::Lapse {
                warning: Some(pb::WarningName {
                    sender: "ecowas".into(),
                    id: "w-1".into(),
                }),
                reason: "overdue_decision".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = serde_json::to_value(ReportView::from(&report)).unwrap();
        assert_eq!(
            json["overall"]["to_delivery"],
            serde_json::json!({"count": 2, "median_seconds": 60, "max_seconds": 90})
        );
        assert_eq!(json["overall"]["to_decision"], serde_json::Value::Null);
        assert_eq!(json["overdue"][0]["id"], "w-1");
        assert_eq!(json["overdue"][0]["reason"], "overdue_decision");
    }
}
