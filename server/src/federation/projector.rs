//! Turns this node's published assessments into signed statements in its
//! outbox. It runs at start (catching up on anything published before a
//! crash) and whenever an assessment is published; a version is projected
//! once per policy epoch, its outbox entries and the mark that it was done
//! written together. A publish is projected from the store's list of
//! versions pending projection; only start and a policy reload scan them all.

use chrono::Utc;
use prost::Message;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

use crate::federation::envelope::seal;
use crate::federation::outbound::{Origin, project, projection_key};
use crate::federation::retract::withdrawn_mark;
use crate::federation::state::{FederationState, Sharing};
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::audit::{AuditEvent, AuditKind, version_subject};
use crate::store::{OutboxEntry, StoreError};

/// Projects everything on start and after a policy reload, and what was
/// published after each publish signal, until `shutdown` turns true.
pub async fn run(state: FederationState, published: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let reproject = state.reproject_signal();
    let mut everything = true;
    loop {
        let pass = if everything {
            project_pending(&state).await
        } else {
            project_published(&state).await
        };
        match pass {
            Ok(0) => {}
            Ok(added) => tracing::info!(statements = added, "published assessments shared"),
            Err(e) => tracing::error!(error = %e, "cannot project published assessments"),
        }
        everything = tokio::select! {
            () = published.notified() => false,
            () = reproject.notified() => true,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
    }
}

/// Projects every published version not yet projected under the current
/// epoch (a scan of every version: at start and after a policy reload);
/// returns how many statements joined the outbox.
pub async fn project_pending(state: &FederationState) -> Result<usize, StoreError> {
    let mut added = 0;
    let sharing = state.sharing();
    for assessment in state.store.all_assessment_versions()? {
        added += project_one(state, &assessment, &sharing).await?;
    }
    added += project_published(state).await?;
    Ok(added)
}

/// Projects the versions published since the projector last looked (the
/// store's pending list), so a publish costs what it published, whatever
/// the size of the store; returns how many statements joined the outbox.
pub async fn project_published(state: &FederationState) -> Result<usize, StoreError> {
    let sharing = state.sharing();
    let mut added = 0;
    let pending = state.store.pending_projections()?;
    let mut done = Vec::with_capacity(pending.len());
    for (key, assessment) in pending {
        added += project_one(state, &assessment, &sharing).await?;
        done.push(key);
    }
    state.store.forget_pending_projections(&done)?;
    Ok(added)
}

/// Projects one version, unless it is not published, already projected
/// under the epoch of `sharing` or withdrawn; returns how many statements
/// it queued.
async fn project_one(
    state: &FederationState,
    assessment: &Assessment,
    sharing: &Sharing,
) -> Result<usize, StoreError> {
    if assessment.status != AssessmentStatus::Published {
        return Ok(0);
    }
    let epoch = sharing.epoch;
    let mark = projection_key(assessment, epoch);
    // From the check to the write: a retraction of this version either
    // sees what is appended here, or marks the version withdrawn first.
    let writer = state.outbox_writer().await;
    if state.store.is_projected(&mark)?
        || state
            .store
            .is_projected(&withdrawn_mark(&assessment.id, assessment.version))?
    {
        return Ok(0);
    }
    let origin = Origin {
        id: &state.org,
        directory: &state.directory,
        reference: &state.reference,
        policy: &sharing.policy,
        epoch,
        hop_limit: state.hop_limit,
    };
    let now = Utc::now();
    let entries: Vec<OutboxEntry> = project(&origin, assessment, now)
        .into_iter()
        .map(|view| OutboxEntry {
            statement_id: view.statement.id.clone(),
            origin: state.org.clone(),
            envelope: seal(&view.statement, &state.key).encode_to_vec(),
            relays: Vec::new(),
            recipients: view.recipients,
            added_at: now,
            epoch,
            retraction: false,
        })
        .collect();
    state
        .store
        .append_outbox(&entries, &[mark], move || drop(writer))
        .await?;
    audit_projection(state, assessment, &entries, epoch).await;
    if !entries.is_empty() {
        state.outbox_grew();
    }
    Ok(entries.len())
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
