//! Withdrawing what this node said: a signed retraction of every view of an
//! assessment version, sent to every peer its outbox entries name (whoever
//! received one of them or may still fetch one), and forwarded by relays to
//! whoever they queued the views for.

use chrono::Utc;
use prost::Message;
use std::collections::BTreeSet;

use crate::federation::envelope::{open_bytes, seal};
use crate::federation::state::FederationState;
use crate::model::marking::Tlp;
use crate::model::statement::{Audience, Retraction, Statement, StatementBody};
use crate::store::{OutboxEntry, StoreError};

/// The mark that keeps a withdrawn version from being shared again, under
/// any later policy epoch.
pub fn withdrawn_mark(assessment_id: &str, version: u32) -> String {
    format!("withdrawn:{assessment_id}:v{version}")
}

/// Outbox entries read at a time while looking for the views to retract.
const BATCH: usize = 1024;

/// The prefix of every statement id this node gave views of one version.
fn version_prefix(org: &str, assessment_id: &str, version: u32) -> String {
    format!("{org}:{assessment_id}:v{version}:")
}

/// Retracts every view of `assessment_id` version `version` this node has
/// shared. Returns the retraction's statement id, or `None` when nothing
/// was shared.
pub async fn retract(
    state: &FederationState,
    assessment_id: &str,
    version: u32,
    reason: &str,
) -> Result<Option<String>, StoreError> {
    let writer = state.outbox_writer().await;
    let prefix = version_prefix(&state.org, assessment_id, version);
    let retraction_id = format!("{prefix}retraction");
    let mark = withdrawn_mark(assessment_id, version);
    if state.store.is_projected(&mark)? {
        // Already retracted: the same id must never name other bytes. The
        // retraction that set the mark may still be being flushed.
        state.store.sync().await?;
        return Ok(Some(retraction_id));
    }
    let mut ids = Vec::new();
    let mut recipients = BTreeSet::new();
    let mut audience = BTreeSet::new();
    let (mut hop_limit, mut tlp) = (0, Tlp::Clear);
    let mut after = 0;
    loop {
        let batch = state.store.outbox_after(after, BATCH)?;
        let Some((last, _)) = batch.last() else { break };
        after = *last;
        for (_, entry) in batch {
            if entry.origin != state.org || !entry.statement_id.starts_with(&prefix) {
                continue;
            }
            if let Ok(verified) = open_bytes(&entry.envelope, &state.directory, usize::MAX) {
                let statement = verified.value();
                if matches!(statement.body, StatementBody::Retraction(_)) {
                    continue;
                }
                audience.extend(statement.audience.recipients.iter().cloned());
                hop_limit = hop_limit.max(statement.audience.hop_limit);
                tlp = tlp.max(statement.tlp);
            }
            recipients.extend(entry.recipients.iter().cloned());
            ids.push(entry.statement_id);
        }
    }
    if ids.is_empty() {
        state
            .store
            .append_outbox(&[], &[mark], move || drop(writer))
            .await?;
        return Ok(None);
    }
    ids.sort();
    ids.dedup();
    let statement = Statement {
        id: retraction_id,
        origin: state.org.clone(),
        issued_at: Utc::now(),
        audience: Audience {
            recipients: audience,
            hop_limit,
        },
        tlp,
        body: StatementBody::Retraction(Retraction {
            statement_ids: ids.clone(),
            reason: reason.to_owned(),
        }),
    };
    let entry = OutboxEntry {
        statement_id: statement.id.clone(),
        origin: state.org.clone(),
        envelope: seal(&statement, &state.key).encode_to_vec(),
        relays: Vec::new(),
        recipients,
        added_at: statement.issued_at,
        epoch: state.sharing().epoch,
        retraction: true,
    };
    let retracts: Vec<(String, String)> = ids.into_iter().map(|id| (state.org.clone(), id)).collect();
    state
        .store
        .retract_own(&entry, &retracts, &[mark], move || drop(writer))
        .await?;
    state.outbox_grew();
    tracing::info!(statement = %statement.id, "retraction queued");
    Ok(Some(statement.id))
}
