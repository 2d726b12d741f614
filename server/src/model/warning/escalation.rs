//! Which escalations are due: the pure function a scheduler calls, then
//! records what it returns.
//!
//! Three kinds of lateness escalate, each per subject:
//! - an addressee that has not acknowledged by its deadline
//!   ([`EscalationReason::NoAcknowledgement`], subject: the addressee);
//! - an addressee that has not decided by the decision deadline, unless it
//!   declined or forwarded the warning ([`EscalationReason::OverdueDecision`]);
//! - an action past its due date and neither completed nor abandoned
//!   ([`EscalationReason::OverdueAction`], subject: the action id, escalating
//!   from its owner).
//!
//! Step 1 goes from the late organisation to the next one in the chain when
//! the deadline passes. If none of the organisations asked so far answers
//! (acknowledges, or decides), step 2 goes one further up one
//! acknowledgement period (the warning's urgency period) after step 1 was
//! made, and so on to the end of the chain. Each step is returned once:
//! after the scheduler has recorded it, it is not due again.
//!
//! Acknowledgement and decision escalations stop when the warning is no
//! longer issued or has expired; action escalations go on while the
//! warning is issued or superseded, since an agreed action outlives its
//! warning's text.

use chrono::{DateTime, TimeDelta, Utc};

use super::{EscalationChain, MsgType, Responses, Warning, WarningStatus};
use crate::model::warning::response::{Escalation, EscalationReason};

/// The escalations due at `now` and not yet in `responses.escalations`.
pub fn due_escalations(
    warning: &Warning,
    responses: &Responses,
    chain: &EscalationChain,
    now: DateTime<Utc>,
) -> Vec<Escalation> {
    let Some(issued) = &warning.issued else {
        return Vec::new();
    };
    if warning.msg_type == MsgType::Cancel {
        return Vec::new();
    }
    // Never zero: a step recorded at `now` is not due again at `now`.
    let period = (issued.acknowledge_by - issued.sent).max(TimeDelta::seconds(1));
    let track = Track {
        warning_id: &warning.id,
        responses,
        chain,
        period,
        now,
    };
    let mut due = Vec::new();
    let awaiting_response = warning.status == WarningStatus::Issued && !warning.is_expired(now);
    if awaiting_response {
        for addressee in &warning.content.addressees {
            let org = addressee.organisation.as_str();
            due.extend(track.next(
                EscalationReason::NoAcknowledgement,
                org,
                org,
                issued.acknowledge_by,
                |asked| {
                    track
                        .acknowledgements()
                        .any(|a| asked.contains(&a.organisation.as_str()))
                },
            ));
        }
        for addressee in &warning.content.addressees {
            let org = addressee.organisation.as_str();
            let handed_off = track
                .acknowledgements()
                .any(|a| a.organisation == org && a.kind.hands_off());
            if handed_off {
                continue;
            }
            due.extend(track.next(
                EscalationReason::OverdueDecision,
                org,
                org,
                issued.decide_by,
                |asked| {
                    responses
                        .decisions
                        .iter()
                        .any(|d| d.warning_id == warning.id && asked.contains(&d.organisation.as_str()))
                },
            ));
        }
    }
    if matches!(warning.status, WarningStatus::Issued | WarningStatus::Superseded) {
        for action in responses.actions.iter().filter(|a| a.warning_id == warning.id) {
            let finished = action.status().is_final();
            due.extend(track.next(
                EscalationReason::OverdueAction,
                &action.id,
                &action.owner,
                action.due,
                |_| finished,
            ));
        }
    }
    due
}

/// What every escalation track of one warning shares.
struct Track<'a> {
    warning_id: &'a str,
    responses: &'a Responses,
    chain: &'a EscalationChain,
    period: TimeDelta,
    now: DateTime<Utc>,
}

impl Track<'_> {
    fn acknowledgements(&self) -> impl Iterator<Item = &super::Acknowledgement> {
        self.responses
            .acknowledgements
            .iter()
            .filter(|a| a.warning_id == self.warning_id)
    }

    /// The next step for `subject`, late since `deadline`, if one is due:
    /// `answered` is told every organisation asked so far (the late one,
    /// then each one escalated to).
    fn next(
        &self,
        reason: EscalationReason,
        subject: &str,
        late: &str,
        deadline: DateTime<Utc>,
        answered: impl Fn(&[&str]) -> bool,
    ) -> Option<Escalation> {
        let recorded: Vec<&Escalation> = self
            .responses
            .escalations
            .iter()
            .filter(|e| e.warning_id == self.warning_id && e.reason == reason && e.subject == subject)
            .collect();
        let last = recorded.iter().max_by_key(|e| (e.step, e.at));
        let mut asked: Vec<&str> = vec![late];
        asked.extend(recorded.iter().map(|e| e.to.as_str()));
        if answered(&asked) {
            return None;
        }
        let (step, due, from) = match last {
            None => (1, deadline, late),
            Some(e) => (e.step + 1, e.at + self.period, e.to.as_str()),
        };
        if self.now < due {
            return None;
        }
        let to = self.chain.above(from).first()?;
        if asked.contains(&to.as_str()) {
            // The chain changed under recorded escalations: never ask twice.
            return None;
        }
        Some(Escalation {
            warning_id: self.warning_id.to_owned(),
            reason,
            subject: subject.to_owned(),
            step,
            from: from.to_owned(),
            to: to.clone(),
            due,
            at: self.now,
        })
    }
}
