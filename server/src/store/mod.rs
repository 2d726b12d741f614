//! The node's durable state in sled. This is the only module that touches
//! sled; everything above it sees typed records.
//!
//! Invariants: a write method returns only after its data is flushed to
//! disk, so anything acknowledged to a caller survives a crash; a multi-record
//! change (publishing a version and superseding the previous one) is one
//! sled transaction.

mod assessments;
mod audit;
mod binary;
mod codec;
mod federation;
mod federation_batch;
mod projection;
mod schema;
mod subscriptions;
mod summary_index;
mod warnings;
mod web_sessions;

pub use federation::{Applied, Arrival, Equivocation, Forward, InboxEntry, OutboxEntry, Refusal};
pub use federation_batch::{AuditOf, BatchWritten, Inbound, Made};
pub use schema::SCHEMA_VERSION;
pub use subscriptions::{DeadLetter, WebhookJob};
pub use warnings::{StoredWarning, WarningChange, WarningEvent};
pub use web_sessions::StoredSession;

use std::path::{Path, PathBuf};

/// Failures of the store. Messages name the path, key or version at fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open store at `{path}`: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error(
        "store at `{path}` has schema version {found}, this node understands version {expected}; {advice}"
    )]
    SchemaVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
        advice: &'static str,
    },
    #[error("store at `{path}` has an unreadable schema version record")]
    SchemaRecord { path: PathBuf },
    #[error("`{path}` holds a database without a schema version record: not a Tocsin store")]
    NotTocsin { path: PathBuf },
    #[error("store i/o failed: {0}")]
    Io(#[from] sled::Error),
    #[error("record `{key}` in tree `{tree}` cannot be decoded: {reason}")]
    Corrupt {
        tree: &'static str,
        key: String,
        reason: String,
    },
    #[error("cannot encode record for tree `{tree}`: {reason}")]
    Encode { tree: &'static str, reason: String },
    #[error("assessment `{id}` already exists")]
    AlreadyExists { id: String },
    #[error("assessment `{id}` changed concurrently: expected version {expected}, found {found}")]
    Conflict { id: String, expected: u32, found: u32 },
}

/// A node's store: one sled database in the node's data directory.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    assessments: sled::Tree,
    heads: sled::Tree,
    /// The outbox sequence number up to which entries are on disk: raised
    /// by each write to the outbox once it is flushed (see
    /// `durable_outbox_head`).
    durable_outbox: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// How many flushes this store waited for (tests count group commits).
    #[cfg(test)]
    pub(crate) flushes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Opens (or creates) the store under `dir` with the default cache
    /// (`DEFAULT_CACHE_MIB`); see `open_with_cache`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::open_with_cache(dir, DEFAULT_CACHE_MIB)
    }

    /// Opens (or creates) the store under `dir`, checking its schema version,
    /// with sled's page cache bounded to about `cache_mib` MiB (sled's own
    /// default, 1 GiB, lets a busy node's memory grow with its store).
    /// A store written by an unknown or newer schema is refused unmodified.
    pub fn open_with_cache(dir: &Path, cache_mib: u64) -> Result<Self, StoreError> {
        let db = open_db(dir, cache_mib.saturating_mul(1024 * 1024)).map_err(|source| StoreError::Open {
            path: dir.to_owned(),
            source,
        })?;
        schema::check_or_init(&db, dir)?;
        let store = Self {
            assessments: db.open_tree("assessments")?,
            heads: db.open_tree("assessment_heads")?,
            db,
            durable_outbox: Default::default(),
            #[cfg(test)]
            flushes: Default::default(),
        };
        // What is there when the store opens is what survived.
        store.outbox_durable_to(store.outbox_head()?);
        store.start_summary_index()?;
        Ok(store)
    }

    /// Waits until everything written so far is on disk.
    pub async fn sync(&self) -> Result<(), StoreError> {
        self.durable().await
    }

    /// Waits until everything written so far is on disk.
    ///
    /// The flush runs on tokio's blocking pool, not through sled's
    /// `flush_async`: that one waits on sled's own small thread pool for log
    /// writes queued on the same pool, so enough concurrent writers leave
    /// every pool thread waiting and nothing written (sled 0.34). Concurrent
    /// callers share the log write that makes them all durable.
    async fn durable(&self) -> Result<(), StoreError> {
        #[cfg(test)]
        self.flushes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let db = self.db.clone();
        match tokio::task::spawn_blocking(move || db.flush()).await {
            Ok(flushed) => flushed.map(drop).map_err(StoreError::Io),
            Err(join) => Err(StoreError::Io(sled::Error::ReportableBug(format!(
                "the flush task stopped: {join}"
            )))),
        }
    }
}

/// How long `open` waits for the lock of a store that is closing in this
/// process: sled's flusher thread lets go of it shortly after the last
/// handle is dropped, e.g. when a node is restarted in place.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The page cache of a store opened without a size (`node.store_cache_mib`
/// in the configuration has the same default).
pub const DEFAULT_CACHE_MIB: u64 = 64;

fn open_db(dir: &Path, cache_bytes: u64) -> Result<sled::Db, sled::Error> {
    let started = std::time::Instant::now();
    loop {
        match sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            .cache_capacity(cache_bytes)
            .open()
        {
            Err(sled::Error::Io(e)) if is_locked(&e) && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Whether opening failed because another handle still holds the lock
/// (sled 0.34 reports it as `Other` with the `WouldBlock` in its text).
fn is_locked(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("could not acquire lock")
}

#[cfg(test)]
mod binary_tests;
#[cfg(test)]
mod federation_batch_tests;
#[cfg(test)]
mod federation_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod lock_tests {
    use super::is_locked;
    use std::io::{Error, ErrorKind};

    #[test]
    fn a_lock_held_elsewhere_is_waited_for_other_errors_are_not() {
        let sled_text = r#"could not acquire lock on "/tmp/x/db": Os { code: 11, kind: WouldBlock }"#;
        assert!(is_locked(&Error::other(sled_text)));
        assert!(is_locked(&Error::from(ErrorKind::WouldBlock)));
        assert!(!is_locked(&Error::from(ErrorKind::PermissionDenied)));
        assert!(!is_locked(&Error::other("disk full")));
    }
}
