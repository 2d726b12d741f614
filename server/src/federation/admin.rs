//! What an administrator asks of the federation side of a node: its peers
//! and how far this node has read each, quarantined equivocations, refused
//! deliveries, and why an assessment would (or would not) go to a peer, with
//! what that peer would receive. Read-only; the caller is authorised before.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use crate::federation::cursor::Cursor;
use crate::federation::directory::Organisation;
use crate::federation::outbound::{Origin, facts, peer, project};
use crate::federation::state::FederationState;
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::marking::Tlp;
use crate::model::statement::{SharedAssessment, StatementBody};
use crate::policy::sharing::{Peer, SharingDecision, StatementFacts};
use crate::store::{Equivocation, Refusal, StoreError};

/// Why an administration request could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("organisation `{0}` is not in the federation directory")]
    UnknownOrganisation(String),
    #[error("`{0}` is this node: sharing is explained for a peer")]
    ThisNode(String),
    #[error("assessment `{0}` not found")]
    NoAssessment(String),
    #[error("assessment `{0}` has no published version")]
    NotPublished(String),
    #[error("the cursor stored for peer `{peer}` is unreadable: {reason}")]
    Cursor { peer: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One peer of this node, as the directory describes it and as far as this
/// node has read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    pub organisation: Organisation,
    /// Where this node's subscription to the peer stands; `None` before the
    /// first delivery (or when this node does not subscribe to it).
    pub cursor: Option<Cursor>,
    /// Statements stored that this peer delivered, as origin or relay.
    pub received: u64,
    /// Statements stored that this peer originated, whoever delivered them.
    pub originated: u64,
    /// When the last statement this peer delivered was stored.
    pub last_received_at: Option<DateTime<Utc>>,
}

/// Every other organisation of the directory, in id order.
pub fn peers(state: &FederationState) -> Result<Vec<PeerStatus>, AdminError> {
    #[derive(Default)]
    struct Counts {
        received: u64,
        originated: u64,
        last: Option<DateTime<Utc>>,
    }
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    state.store.for_each_inbox_entry(|entry| {
        let from = counts.entry(entry.received_from).or_default();
        from.received += 1;
        from.last = from.last.max(Some(entry.received_at));
        counts.entry(entry.origin).or_default().originated += 1;
        Ok(())
    })?;
    state
        .directory
        .organisations()
        .filter(|o| o.id != state.org)
        .map(|o| {
            let stored = state.store.cursor(&o.id)?.unwrap_or_default();
            let cursor = Cursor::decode(&stored).map_err(|e| AdminError::Cursor {
                peer: o.id.clone(),
                reason: e.to_string(),
            })?;
            let seen = counts.remove(&o.id).unwrap_or_default();
            Ok(PeerStatus {
                organisation: o.clone(),
                cursor,
                received: seen.received,
                originated: seen.originated,
                last_received_at: seen.last,
            })
        })
        .collect()
}

/// Statements that arrived twice with the same id and different content.
pub fn quarantine(state: &FederationState) -> Result<Vec<Equivocation>, AdminError> {
    Ok(state.store.quarantine()?)
}

/// Deliveries this node refused, oldest first.
pub fn refusals(state: &FederationState) -> Result<Vec<Refusal>, AdminError> {
    Ok(state.store.refusals()?)
}

/// The version to explain: `version` when given, else the one published now.
pub fn version_to_explain(
    state: &FederationState,
    id: &str,
    version: Option<u32>,
) -> Result<u32, AdminError> {
    if let Some(version) = version {
        return Ok(version);
    }
    let versions = state.store.assessment_versions(id)?;
    if versions.is_empty() {
        return Err(AdminError::NoAssessment(id.to_owned()));
    }
    versions
        .iter()
        .filter(|a| a.status == AssessmentStatus::Published)
        .map(|a| a.version)
        .max()
        .ok_or_else(|| AdminError::NotPublished(id.to_owned()))
}

/// Why an assessment would (not) go to one peer, and what it would receive.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub assessment_id: String,
    pub version: u32,
    pub tlp: Tlp,
    pub peer: Peer,
    /// What the sharing policy saw.
    pub facts: StatementFacts,
    /// Each sharing action, allowed or denied, with the policies that decided.
    pub decision: SharingDecision,
    /// The view the peer would receive; `None` when it receives nothing.
    pub received: Option<SharedAssessment>,
}

/// Explains, for peer `to_org`, what of `assessment` this node shares: the
/// same decision and projection the outbox uses.
pub fn explain(
    state: &FederationState,
    assessment: &Assessment,
    to_org: &str,
    now: DateTime<Utc>,
) -> Result<Explanation, AdminError> {
    if to_org == state.org {
        return Err(AdminError::ThisNode(to_org.to_owned()));
    }
    let peer =
        peer(&state.directory, to_org).ok_or_else(|| AdminError::UnknownOrganisation(to_org.to_owned()))?;
    let sharing = state.sharing();
    let origin = Origin {
        id: &state.org,
        directory: &state.directory,
        reference: &state.reference,
        policy: &sharing.policy,
        epoch: sharing.epoch,
        hop_limit: state.hop_limit,
    };
    let facts = facts(&origin, assessment, false);
    let decision = sharing.policy.decide(&peer, &facts);
    // The peer's own view is the most detailed one addressed to it: each view
    // also goes to those allowed more.
    let received = project(&origin, assessment, now)
        .into_iter()
        .filter(|view| view.recipients.contains(to_org))
        .filter_map(|view| match view.statement.body {
            StatementBody::AssessmentSummary(summary) => Some(summary),
            _ => None,
        })
        .max_by_key(|summary| summary.disclosed.len());
    Ok(Explanation {
        assessment_id: assessment.id.clone(),
        version: assessment.version,
        tlp: assessment.content.tlp,
        peer,
        facts,
        decision,
        received,
    })
}

#[cfg(test)]
mod tests;
