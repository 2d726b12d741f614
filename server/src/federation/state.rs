//! What every federation task of a node shares: who it is, its keys and
//! policies, its store, and a signal that the outbox grew.

use std::sync::Arc;
use tokio::sync::{Notify, watch};

use crate::federation::directory::Directory;
use crate::federation::received::ReceivedCache;
use crate::model::reference::ReferenceData;
use crate::model::signing::NodeKey;
use crate::policy::sharing::SharingPolicy;
use crate::store::Store;

/// The federation side of one node.
#[derive(Debug, Clone)]
pub struct FederationState {
    pub org: String,
    pub store: Store,
    pub directory: Arc<Directory>,
    pub key: Arc<NodeKey>,
    pub reference: Arc<ReferenceData>,
    pub hop_limit: u32,
    pub max_message_bytes: usize,
    outbox: Arc<watch::Sender<u64>>,
    inbox: Arc<watch::Sender<u64>>,
    /// Bumped when a warning or response is written to the inbox, before
    /// the write is flushed (see `warning_arrived`).
    arrivals: Arc<watch::Sender<u64>>,
    sharing: Arc<watch::Sender<Arc<Sharing>>>,
    /// Asks the projector to project published assessments again.
    reproject: Arc<Notify>,
    /// Held by whoever decides from the store what to append to the outbox
    /// (the projector, a retraction), from reading to appending, so that a
    /// version withdrawn meanwhile is never shared after its retraction.
    outbox_writer: Arc<tokio::sync::Mutex<()>>,
    /// Where the sharing policy is read from on reload; empty: deny all.
    sharing_dir: Arc<std::path::PathBuf>,
    /// The received summaries as last read from the inbox.
    pub(crate) received_cache: Arc<ReceivedCache>,
}

/// The sharing policy in force and its epoch. The epoch changes whenever the
/// policy does and is part of every cursor.
#[derive(Debug)]
pub struct Sharing {
    pub policy: SharingPolicy,
    pub epoch: u64,
}

impl FederationState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        org: String,
        store: Store,
        directory: Arc<Directory>,
        key: Arc<NodeKey>,
        sharing: SharingPolicy,
        reference: Arc<ReferenceData>,
        epoch: u64,
        hop_limit: u32,
        max_message_bytes: usize,
    ) -> Self {
        let (outbox, _) = watch::channel(store.durable_outbox_head());
        let (inbox, _) = watch::channel(0);
        let (sharing, _) = watch::channel(Arc::new(Sharing {
            policy: sharing,
            epoch,
        }));
        Self {
            org,
            store,
            directory,
            key,
            reference,
            hop_limit,
            max_message_bytes,
            outbox: Arc::new(outbox),
            inbox: Arc::new(inbox),
            arrivals: Arc::new(watch::channel(0).0),
            sharing: Arc::new(sharing),
            reproject: Arc::new(Notify::new()),
            outbox_writer: Arc::new(tokio::sync::Mutex::new(())),
            sharing_dir: Arc::default(),
            received_cache: Arc::default(),
        }
    }

    /// Sets where the sharing policy is reloaded from.
    pub fn with_sharing_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.sharing_dir = Arc::new(dir);
        self
    }

    /// Where the sharing policy is reloaded from (empty: deny all).
    pub fn sharing_dir(&self) -> &std::path::Path {
        &self.sharing_dir
    }

    /// Waits for the right to decide and append outbox entries (see the
    /// field `outbox_writer`); hold the guard until the append is made, and
    /// let it go there (the store's `made`), not after the flush.
    pub async fn outbox_writer(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.outbox_writer.lock().await
    }

    /// Tells waiting subscribers that the outbox has new entries on disk
    /// (up to the store's `durable_outbox_head`, which only goes up).
    pub fn outbox_grew(&self) {
        let head = self.store.durable_outbox_head();
        self.outbox.send_if_modified(|announced| {
            let newer = head > *announced;
            *announced = (*announced).max(head);
            newer
        });
    }

    /// The sharing policy in force, with its epoch.
    pub fn sharing(&self) -> Arc<Sharing> {
        self.sharing.borrow().clone()
    }

    /// A receiver that changes when the sharing policy is replaced.
    pub fn sharing_changes(&self) -> watch::Receiver<Arc<Sharing>> {
        self.sharing.subscribe()
    }

    /// Puts a new sharing policy in force: subscription streams of the old
    /// epoch end (their subscribers resume under the new one, from the
    /// start) and the projector evaluates every published assessment again.
    pub fn replace_sharing(&self, sharing: Sharing) {
        self.sharing.send_replace(Arc::new(sharing));
        self.reproject.notify_one();
    }

    /// Signalled when published assessments must be projected again.
    pub fn reproject_signal(&self) -> Arc<Notify> {
        self.reproject.clone()
    }

    /// Counts `stored` statements received and stored, waking those
    /// waiting once.
    pub fn inbox_grew(&self, stored: u64) {
        if stored > 0 {
            self.inbox.send_modify(|n| *n += stored);
        }
    }

    /// A receiver that changes whenever a received statement is stored.
    pub fn inbox_changes(&self) -> watch::Receiver<u64> {
        self.inbox.subscribe()
    }

    /// Signals that a warning or response was written to the inbox (and its
    /// arrival logged), possibly before that write is flushed: the warnings
    /// fold starts on it while the flush runs. Whatever the fold makes of it
    /// is durable only by the fold's own flush, which also makes durable
    /// every write before it, the statement's included.
    pub fn warning_arrived(&self) {
        self.arrivals.send_modify(|n| *n += 1);
    }

    /// A receiver that changes whenever `warning_arrived` is signalled.
    pub fn warning_arrivals(&self) -> watch::Receiver<u64> {
        self.arrivals.subscribe()
    }

    /// A receiver that changes whenever the outbox grows.
    pub fn outbox_changes(&self) -> watch::Receiver<u64> {
        self.outbox.subscribe()
    }
}
