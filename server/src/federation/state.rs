//! What every federation task of a node shares: who it is, its keys and
//! policies, its store, and a signal that the outbox grew.

use std::sync::Arc;
use tokio::sync::watch;

use crate::federation::directory::Directory;
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
    pub sharing: Arc<SharingPolicy>,
    pub reference: Arc<ReferenceData>,
    /// Changes whenever the sharing policy changes; part of every cursor.
    pub epoch: u64,
    pub hop_limit: u32,
    pub max_message_bytes: usize,
    outbox: Arc<watch::Sender<u64>>,
    inbox: Arc<watch::Sender<u64>>,
}

impl FederationState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        org: String,
        store: Store,
        directory: Arc<Directory>,
        key: Arc<NodeKey>,
        sharing: Arc<SharingPolicy>,
        reference: Arc<ReferenceData>,
        epoch: u64,
        hop_limit: u32,
        max_message_bytes: usize,
    ) -> Self {
        let head = store.outbox_head().unwrap_or_default();
        let (outbox, _) = watch::channel(head);
        let (inbox, _) = watch::channel(0);
        Self {
            org,
            store,
            directory,
            key,
            sharing,
            reference,
            epoch,
            hop_limit,
            max_message_bytes,
            outbox: Arc::new(outbox),
            inbox: Arc::new(inbox),
        }
    }

    /// Tells waiting subscribers that the outbox has new entries.
    pub fn outbox_grew(&self) {
        let head = self.store.outbox_head().unwrap_or_default();
        self.outbox.send_replace(head);
    }

    /// Counts a statement received and stored.
    pub fn inbox_grew(&self) {
        self.inbox.send_modify(|n| *n += 1);
    }

    /// A receiver that changes whenever a received statement is stored.
    pub fn inbox_changes(&self) -> watch::Receiver<u64> {
        self.inbox.subscribe()
    }

    /// A receiver that changes whenever the outbox grows.
    pub fn outbox_changes(&self) -> watch::Receiver<u64> {
        self.outbox.subscribe()
    }
}
