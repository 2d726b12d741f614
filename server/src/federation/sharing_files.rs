//! The sharing policy on disk: loading it with a fingerprint of its text,
//! and reloading it into a running node (SIGHUP, the admin RPC) under a new
//! policy epoch when it changed.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

use crate::federation::state::{FederationState, Sharing};
use crate::model::audit::{AuditEvent, AuditKind};
use crate::policy::PolicyError;
use crate::policy::sharing::SharingPolicy;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SharingFileError {
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The sharing policy in `dir` (validated against its schema) and a
/// fingerprint of its text; an empty `dir` shares nothing.
pub fn load_sharing(dir: &Path) -> Result<(SharingPolicy, Vec<u8>), SharingFileError> {
    if dir.as_os_str().is_empty() {
        return Ok((SharingPolicy::deny_all()?, Vec::new()));
    }
    let path = dir.join("sharing.cedar");
    let text = std::fs::read_to_string(&path).map_err(|source| SharingFileError::Read { path, source })?;
    let mut digest = Sha256::new();
    digest.update(text.as_bytes());
    if let Ok(schema) = std::fs::read(dir.join("sharing.cedarschema")) {
        digest.update(&schema);
    }
    Ok((SharingPolicy::load(dir)?, digest.finalize().to_vec()))
}

/// Loads the node's sharing policy again; when it changed, puts it in force
/// under a new epoch (the projector then re-evaluates the backlog for every
/// peer). An invalid policy is refused, naming file and position, and the
/// one in force stays. Returns the epoch in force. `actor` (a user subject,
/// or `node` for SIGHUP) goes to the audit trail.
pub async fn reload_sharing(state: &FederationState, actor: &str) -> Result<u64, SharingFileError> {
    let (policy, fingerprint) = load_sharing(state.sharing_dir())?;
    let epoch = state.store.sharing_epoch(&fingerprint).await?;
    if epoch != state.sharing().epoch {
        state.replace_sharing(Sharing { policy, epoch });
        tracing::info!(epoch, "sharing policy reloaded");
        let event = AuditEvent::new(AuditKind::PolicyReloaded, actor, &state.org)
            .subject(state.sharing_dir().display().to_string())
            .detail(format!("sharing policy epoch {epoch}"));
        state.store.append_audit(event).await?;
    }
    Ok(epoch)
}
