//! Warnings between the domain and `tocsin_proto::v1`: request content in
//! (vocabularies read in any case; errors name the field), warnings, their
//! timelines, the measures and the feed events out.

use chrono::{DateTime, Utc};
use std::str::FromStr;
use tocsin_proto::v1 as pb;

use crate::api::convert::{required, situation_spec, timestamp, tlp, wire_spec, wire_tlp};
use crate::model::ValidationError;
use crate::model::warning::measures::{Lapse, Stats, Summary};
use crate::model::warning::{Addressee, AssessmentRef, Ending, Warning, WarningContent, WarningRef};
use crate::store::{StoredWarning, WarningEvent};
use crate::warnings::{describe, timeline_of};

/// A vocabulary value, in any case (`Immediate`, `immediate`).
pub(super) fn parse<T: FromStr<Err = String>>(field: &str, text: &str) -> Result<T, ValidationError> {
    text.parse().map_err(|m| ValidationError::new(field, m))
}

pub(super) fn datetime(
    field: &str,
    t: Option<prost_types::Timestamp>,
) -> Result<DateTime<Utc>, ValidationError> {
    let t = t.ok_or_else(|| ValidationError::new(field, "must be set"))?;
    u32::try_from(t.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(t.seconds, nanos))
        .ok_or_else(|| {
            ValidationError::new(
                field,
                format!("`{}s {}ns` is not a valid time", t.seconds, t.nanos),
            )
        })
}

pub(super) fn content(c: pb::WarningContent) -> Result<WarningContent, ValidationError> {
    let situation = c
        .situation
        .ok_or_else(|| ValidationError::new("situation", "must be set"))?;
    let mut addressees = Vec::with_capacity(c.addressees.len());
    for (i, a) in c.addressees.into_iter().enumerate() {
        addressees.push(Addressee {
            organisation: a.organisation,
            role: parse(&format!("addressees[{i}].role"), &a.role)?,
        });
    }
    let tlp = required("tlp", c.tlp, tlp)?;
    Ok(WarningContent {
        situation: situation_spec(situation).map_err(|e| e.under("situation"))?,
        assessment: AssessmentRef {
            id: c.assessment_id,
            version: c.assessment_version,
        },
        level: parse("level", &c.level)?,
        category: if c.category.is_empty() {
            Default::default()
        } else {
            parse("category", &c.category)?
        },
        urgency: parse("urgency", &c.urgency)?,
        severity: parse("severity", &c.severity)?,
        certainty: parse("certainty", &c.certainty)?,
        headline: c.headline,
        description: c.description,
        instruction: c.instruction,
        addressees,
        expires: datetime("expires", c.expires)?,
        tlp,
        risk_factors: Vec::new(),
    })
}

fn wire_content(c: &WarningContent) -> pb::WarningContent {
    pb::WarningContent {
        situation: Some(wire_spec(&c.situation)),
        assessment_id: c.assessment.id.clone(),
        assessment_version: c.assessment.version,
        level: c.level.as_str().to_owned(),
        category: c.category.as_str().to_owned(),
        urgency: c.urgency.as_str().to_owned(),
        severity: c.severity.as_str().to_owned(),
        certainty: c.certainty.as_str().to_owned(),
        headline: c.headline.clone(),
        description: c.description.clone(),
        instruction: c.instruction.clone(),
        addressees: c
            .addressees
            .iter()
            .map(|a| pb::WarningAddressee {
                organisation: a.organisation.clone(),
                role: a.role.as_str().to_owned(),
            })
            .collect(),
        expires: Some(timestamp(c.expires)),
        tlp: wire_tlp(c.tlp) as i32,
        risk_factors: c.risk_factors.iter().map(|f| u32::from(*f)).collect(),
    }
}

fn wire_reference(r: &WarningRef) -> pb::WarningReference {
    pb::WarningReference {
        sender: r.sender.clone(),
        identifier: r.identifier.clone(),
        sent: Some(timestamp(r.sent)),
    }
}

pub(super) fn warning(w: &Warning, received: bool) -> pb::Warning {
    let (ended, ended_at) = match &w.ended {
        Some(Ending::Superseded { by, at }) => (format!("superseded by {by}"), Some(*at)),
        Some(Ending::Cancelled { by, at }) => (format!("cancelled by {by}"), Some(*at)),
        Some(Ending::Closed { decision, at, .. }) => (format!("closed on decision {decision}"), Some(*at)),
        None => (String::new(), None),
    };
    let issued = w.issued.as_ref();
    pb::Warning {
        sender: w.sender.clone(),
        id: w.id.clone(),
        msg_type: w.msg_type.as_str().to_owned(),
        references: w.references.iter().map(wire_reference).collect(),
        status: w.status.as_str().to_owned(),
        content: Some(wire_content(&w.content)),
        author: w.author.clone(),
        created_at: Some(timestamp(w.created_at)),
        updated_at: Some(timestamp(w.updated_at)),
        sent: issued.map(|i| timestamp(i.sent)),
        issued_by: issued.map(|i| i.by.clone()).unwrap_or_default(),
        acknowledge_by: issued.map(|i| timestamp(i.acknowledge_by)),
        decide_by: issued.map(|i| timestamp(i.decide_by)),
        ended,
        ended_at: ended_at.map(timestamp),
        received,
    }
}

pub(super) fn detail(stored: &StoredWarning) -> pb::WarningDetail {
    let r = &stored.responses;
    pb::WarningDetail {
        warning: Some(warning(&stored.warning, stored.received)),
        timeline: timeline_of(stored)
            .iter()
            .map(|entry| {
                let (event, organisation, text) = describe(&entry.event);
                pb::TimelineEntry {
                    at: Some(timestamp(entry.at)),
                    who: entry.who.clone(),
                    event: event.to_owned(),
                    organisation,
                    text,
                }
            })
            .collect(),
        decisions: r
            .decisions
            .iter()
            .map(|d| pb::WarningDecision {
                id: d.id.clone(),
                organisation: d.organisation.clone(),
                kind: d.kind.as_str().to_owned(),
                justification: d.justification.clone(),
                by: d.by.clone(),
                at: Some(timestamp(d.at)),
            })
            .collect(),
        actions: r
            .actions
            .iter()
            .map(|a| pb::WarningAction {
                id: a.id.clone(),
                decision_id: a.decision_id.clone().unwrap_or_default(),
                kind: a.kind.as_str().to_owned(),
                description: a.description.clone(),
                owner: a.owner.clone(),
                due: Some(timestamp(a.due)),
                status: a.status().as_str().to_owned(),
                updates: a
                    .updates
                    .iter()
                    .map(|u| pb::WarningActionUpdate {
                        status: u.status.as_str().to_owned(),
                        outcome: u.outcome.clone().unwrap_or_default(),
                        by: u.by.clone(),
                        at: Some(timestamp(u.at)),
                    })
                    .collect(),
                recorded_by: a.recorded_by.clone(),
                recorded_at: Some(timestamp(a.recorded_at)),
            })
            .collect(),
    }
}

fn duration(stats: &Stats) -> pb::Duration {
    pb::Duration {
        count: u32::try_from(stats.count).unwrap_or(u32::MAX),
        median_seconds: stats.median.map(|d| d.num_seconds()),
        max_seconds: stats.max.map(|d| d.num_seconds()),
    }
}

pub(super) fn measure_row(key: &str, s: &Summary) -> pb::MeasureRow {
    pb::MeasureRow {
        key: key.to_owned(),
        warnings: u32::try_from(s.warnings).unwrap_or(u32::MAX),
        addressees: u32::try_from(s.addressees).unwrap_or(u32::MAX),
        to_delivery: Some(duration(&s.to_delivery)),
        to_acknowledgement: Some(duration(&s.to_acknowledgement)),
        to_decision: Some(duration(&s.to_decision)),
        to_first_action: Some(duration(&s.to_first_action)),
    }
}

pub(super) fn lapse(l: &Lapse, sender: &str) -> pb::Lapse {
    pb::Lapse {
        warning: Some(pb::WarningName {
            sender: sender.to_owned(),
            id: l.warning_id.clone(),
        }),
        situation: l.situation.clone(),
        reason: l.reason.as_str().to_owned(),
        organisation: l.organisation.clone(),
        subject: l.subject.clone(),
        due: Some(timestamp(l.due)),
    }
}

pub(super) fn event(e: &WarningEvent, stored: Option<&StoredWarning>) -> pb::WarningEvent {
    pb::WarningEvent {
        cursor: e.seq.to_be_bytes().to_vec(),
        at: Some(timestamp(e.at)),
        kind: e.kind.clone(),
        text: e.text.clone(),
        warning: stored.map(|s| warning(&s.warning, s.received)),
    }
}
