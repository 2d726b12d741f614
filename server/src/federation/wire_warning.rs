//! Warnings and responses on the wire: `model::shared_warning` ↔
//! `tocsin_proto::v1`. Vocabularies travel as snake_case text and are
//! parsed back strictly; decoding errors name the field at fault
//! (`addressees[1].role`).

use std::str::FromStr;
use tocsin_proto::v1 as pb;

use crate::federation::wire::{check_org, datetime, situation, timestamp, wire_situation};
use crate::model::ValidationError;
use crate::model::caller::Role;
use crate::model::shared_warning::{
    ResponseKind, SharedAction, SharedActionUpdate, SharedEscalation, SharedWarning, WarningResponse,
};
use crate::model::situation::check_text;
use crate::model::warning::{
    AckKind, Addressee, AssessmentRef, MAX_DESCRIPTION, MAX_HEADLINE, MAX_INSTRUCTION, MAX_REASON, WarningRef,
};

/// Longest identifier (warning, decision, action) accepted.
const MAX_ID: usize = 128;

pub(super) fn wire_warning(w: &SharedWarning) -> pb::SharedWarning {
    pb::SharedWarning {
        identifier: w.identifier.clone(),
        msg_type: w.msg_type.as_str().to_owned(),
        references: w.references.iter().map(wire_reference).collect(),
        situation: Some(wire_situation(&w.situation)),
        assessment_id: w.assessment.id.clone(),
        assessment_version: w.assessment.version,
        level: w.level.as_str().to_owned(),
        category: w.category.as_str().to_owned(),
        urgency: w.urgency.as_str().to_owned(),
        severity: w.severity.as_str().to_owned(),
        certainty: w.certainty.as_str().to_owned(),
        headline: w.headline.clone(),
        description: w.description.clone(),
        instruction: w.instruction.clone(),
        addressees: w
            .addressees
            .iter()
            .map(|a| pb::WarningAddressee {
                organisation: a.organisation.clone(),
                role: a.role.as_str().to_owned(),
            })
            .collect(),
        expires: Some(timestamp(w.expires)),
        sent: Some(timestamp(w.sent)),
        acknowledge_by: Some(timestamp(w.acknowledge_by)),
        decide_by: Some(timestamp(w.decide_by)),
        risk_factors: w.risk_factors.iter().map(|f| u32::from(*f)).collect(),
    }
}

pub(super) fn warning(w: pb::SharedWarning) -> Result<SharedWarning, ValidationError> {
    check_id("identifier", &w.identifier)?;
    let situation = situation(
        w.situation
            .ok_or_else(|| ValidationError::new("situation", "must be set"))?,
    )
    .map_err(|e| e.under("situation"))?;
    if !situation.admin2.is_empty() {
        return Err(ValidationError::new(
            "situation.admin2",
            "locations below admin-1 never travel in a warning",
        ));
    }
    check_text("headline", &w.headline, 1, MAX_HEADLINE)?;
    check_text("description", &w.description, 1, MAX_DESCRIPTION)?;
    check_text("instruction", &w.instruction, 0, MAX_INSTRUCTION)?;
    let mut references = Vec::with_capacity(w.references.len());
    for (i, r) in w.references.into_iter().enumerate() {
        references.push(reference(r).map_err(|e| e.under(&format!("references[{i}]")))?);
    }
    let mut addressees = Vec::with_capacity(w.addressees.len());
    for (i, a) in w.addressees.into_iter().enumerate() {
        let at = format!("addressees[{i}]");
        check_org(&format!("{at}.organisation"), &a.organisation)?;
        addressees.push(Addressee {
            organisation: a.organisation,
            role: parse(&format!("{at}.role"), &a.role)?,
        });
    }
    let mut risk_factors = Vec::with_capacity(w.risk_factors.len());
    for (i, f) in w.risk_factors.iter().enumerate() {
        let factor = u8::try_from(*f)
            .ok()
            .filter(|n| (1..=14).contains(n))
            .ok_or_else(|| {
                ValidationError::new(format!("risk_factors[{i}]"), format!("unknown risk factor `{f}`"))
            })?;
        risk_factors.push(factor);
    }
    check_id("assessment_id", &w.assessment_id)?;
    Ok(SharedWarning {
        identifier: w.identifier,
        msg_type: parse("msg_type", &w.msg_type)?,
        references,
        situation,
        assessment: AssessmentRef {
            id: w.assessment_id,
            version: w.assessment_version,
        },
        level: parse("level", &w.level)?,
        category: parse("category", &w.category)?,
        urgency: parse("urgency", &w.urgency)?,
        severity: parse("severity", &w.severity)?,
        certainty: parse("certainty", &w.certainty)?,
        headline: w.headline,
        description: w.description,
        instruction: w.instruction,
        addressees,
        expires: datetime("expires", w.expires)?,
        sent: datetime("sent", w.sent)?,
        acknowledge_by: datetime("acknowledge_by", w.acknowledge_by)?,
        decide_by: datetime("decide_by", w.decide_by)?,
        risk_factors,
    })
}

fn wire_reference(r: &WarningRef) -> pb::WarningReference {
    pb::WarningReference {
        sender: r.sender.clone(),
        identifier: r.identifier.clone(),
        sent: Some(timestamp(r.sent)),
    }
}

fn reference(r: pb::WarningReference) -> Result<WarningRef, ValidationError> {
    check_org("sender", &r.sender)?;
    check_id("identifier", &r.identifier)?;
    Ok(WarningRef {
        sender: r.sender,
        identifier: r.identifier,
        sent: datetime("sent", r.sent)?,
    })
}

pub(super) fn wire_response(r: &WarningResponse) -> pb::WarningResponse {
    use pb::warning_response::Kind;
    let kind = match &r.kind {
        ResponseKind::Receipt => Kind::Receipt(pb::WarningReceipt {}),
        ResponseKind::Acknowledgement(ack) => Kind::Acknowledgement(wire_ack(ack)),
        ResponseKind::Decision {
            id,
            kind,
            justification,
        } => Kind::Decision(pb::SharedDecision {
            id: id.clone(),
            kind: kind.as_str().to_owned(),
            justification: justification.clone(),
        }),
        ResponseKind::Action(a) => Kind::Action(pb::SharedAction {
            id: a.id.clone(),
            decision_id: a.decision_id.clone().unwrap_or_default(),
            kind: a.kind.as_str().to_owned(),
            description: a.description.clone(),
            owner: a.owner.clone(),
            due: Some(timestamp(a.due)),
            recorded_at: Some(timestamp(a.recorded_at)),
            updates: a
                .updates
                .iter()
                .map(|u| pb::SharedActionUpdate {
                    status: u.status.as_str().to_owned(),
                    outcome: u.outcome.clone().unwrap_or_default(),
                    at: Some(timestamp(u.at)),
                    by_role: role_text(u.by_role),
                })
                .collect(),
        }),
        ResponseKind::Escalation(e) => Kind::Escalation(pb::SharedEscalation {
            reason: e.reason.as_str().to_owned(),
            subject: e.subject.clone(),
            step: e.step,
            from: e.from.clone(),
            to: e.to.clone(),
            due: Some(timestamp(e.due)),
            warning: Some(wire_warning(&e.warning)),
        }),
        ResponseKind::Closure { decision_id } => Kind::Closure(pb::WarningClosure {
            decision_id: decision_id.clone(),
        }),
    };
    pb::WarningResponse {
        warning_sender: r.warning_sender.clone(),
        warning_id: r.warning_id.clone(),
        at: Some(timestamp(r.at)),
        by_role: role_text(r.by_role),
        kind: Some(kind),
    }
}

pub(super) fn response(r: pb::WarningResponse) -> Result<WarningResponse, ValidationError> {
    use pb::warning_response::Kind;
    check_org("warning_sender", &r.warning_sender)?;
    check_id("warning_id", &r.warning_id)?;
    let kind = match r
        .kind
        .ok_or_else(|| ValidationError::new("kind", "must be set"))?
    {
        Kind::Receipt(_) => ResponseKind::Receipt,
        Kind::Acknowledgement(a) => {
            ResponseKind::Acknowledgement(ack(a).map_err(|e| e.under("acknowledgement"))?)
        }
        Kind::Decision(d) => {
            check_id("decision.id", &d.id)?;
            check_text("decision.justification", &d.justification, 1, MAX_REASON)?;
            ResponseKind::Decision {
                id: d.id,
                kind: parse("decision.kind", &d.kind)?,
                justification: d.justification,
            }
        }
        Kind::Action(a) => ResponseKind::Action(action(a).map_err(|e| e.under("action"))?),
        Kind::Escalation(e) => {
            ResponseKind::Escalation(Box::new(escalation(e).map_err(|e| e.under("escalation"))?))
        }
        Kind::Closure(c) => {
            check_id("closure.decision_id", &c.decision_id)?;
            ResponseKind::Closure {
                decision_id: c.decision_id,
            }
        }
    };
    Ok(WarningResponse {
        warning_sender: r.warning_sender,
        warning_id: r.warning_id,
        at: datetime("at", r.at)?,
        by_role: role("by_role", &r.by_role)?,
        kind,
    })
}

fn wire_ack(ack: &AckKind) -> pb::WarningAcknowledgement {
    let (to, reason) = match ack {
        AckKind::Forwarded { to, reason } => (to.clone(), reason.clone()),
        AckKind::Declined { reason } => (String::new(), reason.clone()),
        AckKind::Received | AckKind::AcceptedForAction => (String::new(), String::new()),
    };
    pb::WarningAcknowledgement {
        kind: ack.as_str().to_owned(),
        forwarded_to: to,
        reason,
    }
}

fn ack(a: pb::WarningAcknowledgement) -> Result<AckKind, ValidationError> {
    let kind = match a.kind.as_str() {
        "received" => AckKind::Received,
        "accepted_for_action" => AckKind::AcceptedForAction,
        "forwarded" => {
            check_org("forwarded_to", &a.forwarded_to)?;
            check_text("reason", &a.reason, 1, MAX_REASON)?;
            AckKind::Forwarded {
                to: a.forwarded_to,
                reason: a.reason,
            }
        }
        "declined" => {
            check_text("reason", &a.reason, 1, MAX_REASON)?;
            AckKind::Declined { reason: a.reason }
        }
        other => {
            return Err(ValidationError::new(
                "kind",
                format!(
                    "unknown acknowledgement `{}` (expected received, accepted_for_action, forwarded or declined)",
                    other.escape_debug()
                ),
            ));
        }
    };
    Ok(kind)
}

fn action(a: pb::SharedAction) -> Result<SharedAction, ValidationError> {
    check_id("id", &a.id)?;
    check_org("owner", &a.owner)?;
    check_text("description", &a.description, 0, MAX_REASON)?;
    if !a.decision_id.is_empty() {
        check_id("decision_id", &a.decision_id)?;
    }
    let mut updates = Vec::with_capacity(a.updates.len());
    for (i, u) in a.updates.into_iter().enumerate() {
        let at = format!("updates[{i}]");
        check_text(&format!("{at}.outcome"), &u.outcome, 0, MAX_REASON)?;
        updates.push(SharedActionUpdate {
            status: parse(&format!("{at}.status"), &u.status)?,
            outcome: (!u.outcome.is_empty()).then_some(u.outcome),
            at: datetime(&format!("{at}.at"), u.at)?,
            by_role: role(&format!("{at}.by_role"), &u.by_role)?,
        });
    }
    Ok(SharedAction {
        id: a.id,
        decision_id: (!a.decision_id.is_empty()).then_some(a.decision_id),
        kind: parse("kind", &a.kind)?,
        description: a.description,
        owner: a.owner,
        due: datetime("due", a.due)?,
        recorded_at: datetime("recorded_at", a.recorded_at)?,
        updates,
    })
}

fn escalation(e: pb::SharedEscalation) -> Result<SharedEscalation, ValidationError> {
    check_org("from", &e.from)?;
    check_org("to", &e.to)?;
    check_id("subject", &e.subject)?;
    let warning = warning(
        e.warning
            .ok_or_else(|| ValidationError::new("warning", "must be set"))?,
    )
    .map_err(|e| e.under("warning"))?;
    Ok(SharedEscalation {
        reason: parse("reason", &e.reason)?,
        subject: e.subject,
        step: e.step,
        from: e.from,
        to: e.to,
        due: datetime("due", e.due)?,
        warning,
    })
}

fn role_text(role: Option<Role>) -> String {
    role.map(|r| r.as_str().to_owned()).unwrap_or_default()
}

fn role(field: &str, text: &str) -> Result<Option<Role>, ValidationError> {
    if text.is_empty() {
        return Ok(None);
    }
    parse(field, text).map(Some)
}

/// A vocabulary value, strictly: exactly its snake_case name.
fn parse<T: FromStr<Err = String> + std::fmt::Display>(
    field: &str,
    text: &str,
) -> Result<T, ValidationError> {
    let value: T = text.parse().map_err(|m| ValidationError::new(field, m))?;
    if value.to_string() != text {
        return Err(ValidationError::new(
            field,
            format!("`{}` is not written as `{value}`", text.escape_debug()),
        ));
    }
    Ok(value)
}

fn check_id(field: &str, id: &str) -> Result<(), ValidationError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "`{}` is not an identifier (1 to {MAX_ID} of a-z, A-Z, 0-9, `-_.:`)",
                id.escape_debug()
            ),
        ))
    }
}
