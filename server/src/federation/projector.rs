//! Turns this node's published assessments into signed statements in its
//! outbox. It runs at start (catching up on anything published before a
//! crash) and whenever an assessment is published; a version is projected
//! once per policy epoch, its outbox entries and the mark that it was done
//! written together.

use chrono::Utc;
use prost::Message;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

use crate::federation::envelope::seal;
use crate::federation::outbound::{Origin, project, projection_key};
use crate::federation::retract::withdrawn_mark;
use crate::federation::state::FederationState;
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::audit::{AuditEvent, AuditKind, version_subject};
use crate::store::{OutboxEntry, StoreError};

/// Projects on start and after every signal, until `shutdown` turns true.
pub async fn run(state: FederationState, published: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let reproject = state.reproject_signal();
    loop {
        match project_pending(&state).await {
            Ok(0) => {}
            Ok(added) => tracing::info!(statements = added, "published assessments shared"),
            Err(e) => tracing::error!(error = %e, "cannot project published assessments"),
        }
        tokio::select! {
            () = published.notified() => {}
            () = reproject.notified() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// Projects every published version not yet projected under the current
/// epoch; returns how many statements joined the outbox.
pub async fn project_pending(state: &FederationState) -> Result<usize, StoreError> {
    let _writer = state.outbox_writer().await;
    let sharing = state.sharing();
    let origin = Origin {
        id: &state.org,
        directory: &state.directory,
        reference: &state.reference,
        policy: &sharing.policy,
        epoch: sharing.epoch,
        hop_limit: state.hop_limit,
    };
    let mut added = 0;
    for assessment in state.store.all_assessment_versions()? {
        if assessment.status != AssessmentStatus::Published {
            continue;
        }
        let mark = projection_key(&assessment, sharing.epoch);
        if state.store.is_projected(&mark)?
            || state
                .store
                .is_projected(&withdrawn_mark(&assessment.id, assessment.version))?
        {
            continue;
        }
        let now = Utc::now();
        let entries: Vec<OutboxEntry> = project(&origin, &assessment, now)
            .into_iter()
            .map(|view| OutboxEntry {
                statement_id: view.statement.id.clone(),
                origin: state.org.clone(),
                envelope: seal(&view.statement, &state.key).encode_to_vec(),
                relays: Vec::new(),
                recipients: view.recipients,
                added_at: now,
                epoch: sharing.epoch,
                retraction: false,
            })
            .collect();
        state.store.append_outbox(&entries, &[mark]).await?;
        audit_projection(state, &assessment, &entries, sharing.epoch).await;
        added += entries.len();
    }
    if added > 0 {
        state.outbox_grew();
    }
    Ok(added)
}

/// Records what a projection shared (one `statement_shared` per outbox
/// entry, naming its recipients) or that it shared nothing
/// (`statement_withheld`). Failures are logged; sharing goes on.
async fn audit_projection(
    state: &FederationState,
    assessment: &Assessment,
    entries: &[OutboxEntry],
    epoch: u64,
) {
    let version = version_subject(&assessment.id, assessment.version);
    if entries.is_empty() {
        let detail = format!("{version} shared with nobody under policy epoch {epoch}");
        let event = AuditEvent::new(AuditKind::StatementWithheld, "node", &state.org);
        state.store.audit(event.subject(&version).detail(detail)).await;
    }
    for entry in entries {
        let recipients: Vec<&str> = entry.recipients.iter().map(String::as_str).collect();
        let detail = format!("{version} to {} (policy epoch {epoch})", recipients.join(", "));
        let event = AuditEvent::new(AuditKind::StatementShared, "node", &state.org);
        state
            .store
            .audit(event.subject(&entry.statement_id).detail(detail))
            .await;
    }
}
