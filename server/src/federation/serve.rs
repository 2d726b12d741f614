//! `tocsin.v1.FederationService`: peers subscribe over mutual TLS and get,
//! from their cursor on, every outbox entry meant for them, then new ones as
//! they come. Each subscriber has its own task and a small bounded queue, so
//! a peer that stops reading holds up nobody else and memory stays bounded.

use chrono::Utc;
use prost::Message;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::federation_service_server::FederationService;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::federation::cursor::Cursor;
use crate::federation::envelope::open_bytes;
use crate::federation::identity::org_of_certificate;
use crate::federation::relay::attest;
use crate::federation::state::FederationState;
use crate::store::OutboxEntry;

/// Deliveries queued per subscriber before the feeder waits for it to read:
/// enough for the subscriber to store a full batch (256) while the next one
/// is on its way, small enough to bound memory per peer.
const QUEUE: usize = 512;
/// Outbox entries read from the store at a time.
const BATCH: usize = 256;

/// The federation API of one node.
#[derive(Debug, Clone)]
pub struct FederationApi {
    state: FederationState,
    /// Turns true when the node stops: every stream then ends.
    stop: watch::Receiver<bool>,
}

impl FederationApi {
    pub fn new(state: FederationState, stop: watch::Receiver<bool>) -> Self {
        Self { state, stop }
    }

    /// The organisation the client certificate names, if the directory knows it.
    fn peer<T>(&self, request: &Request<T>) -> Result<String, Status> {
        let certs = request
            .peer_certs()
            .ok_or_else(|| Status::unauthenticated("a client certificate is required"))?;
        let leaf = certs
            .first()
            .ok_or_else(|| Status::unauthenticated("a client certificate is required"))?;
        let org = org_of_certificate(leaf.as_ref())
            .ok_or_else(|| Status::permission_denied("the client certificate names no organisation"))?;
        if self.state.directory.organisation(&org).is_none() || org == self.state.org {
            tracing::warn!(peer = %org, "subscription refused: not a peer in the directory");
            return Err(Status::permission_denied(format!(
                "organisation `{org}` is not a peer of this node"
            )));
        }
        Ok(org)
    }
}

#[tonic::async_trait]
impl FederationService for FederationApi {
    type SubscribeStream = ReceiverStream<Result<pb::Delivery, Status>>;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let peer = self.peer(&request)?;
        let cursor = Cursor::decode(&request.get_ref().cursor)
            .map_err(|e| Status::invalid_argument(format!("invalid `cursor`: {e}")))?;
        let epoch = self.state.sharing().epoch;
        let after = Cursor::resume_after(cursor, epoch);
        tracing::info!(%peer, after, "peer subscribed");
        let (tx, rx) = mpsc::channel(QUEUE);
        let (state, mut stop) = (self.state.clone(), self.stop.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = feed(state, peer, epoch, after, tx) => {}
                _ = stop.wait_for(|stop| *stop) => {}
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// Sends `peer` its outbox entries after `after`, then waits for more,
/// until the peer goes away.
async fn feed(
    state: FederationState,
    peer: String,
    epoch: u64,
    mut after: u64,
    tx: mpsc::Sender<Result<pb::Delivery, Status>>,
) {
    let mut changes = state.outbox_changes();
    let mut policy = state.sharing_changes();
    loop {
        if policy.borrow_and_update().epoch != epoch {
            // A new policy: the subscriber resumes under it, from the start.
            return;
        }
        // Only entries on disk: a later one may be written, not yet flushed.
        let durable = *changes.borrow_and_update();
        let batch = match state.store.outbox_after(after, BATCH) {
            Ok(mut batch) => {
                batch.retain(|(seq, _)| *seq <= durable);
                batch
            }
            Err(e) => {
                tracing::error!(error = %e, %peer, "cannot read the outbox");
                let _ = tx
                    .send(Err(Status::unavailable("the node cannot read its outbox")))
                    .await;
                return;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                changed = policy.changed() => if changed.is_err() { return },
                () = tx.closed() => return,
            }
            continue;
        }
        for (seq, entry) in batch {
            after = seq;
            // This node's own views are projected again under each epoch;
            // older projections are not sent. Retractions always are.
            let stale = entry.origin == state.org && !entry.retraction && entry.epoch != epoch;
            if stale || !entry.recipients.contains(&peer) {
                continue;
            }
            let cursor = Cursor { epoch, seq }.encode();
            let Some(delivery) = delivery(&state, &entry, &peer, cursor) else {
                continue;
            };
            if tx.send(Ok(delivery)).await.is_err() {
                return;
            }
        }
    }
}

/// The delivery of one outbox entry to `peer`. A statement this node relays
/// gets this node's signed attestation for `peer` added to its path.
fn delivery(
    state: &FederationState,
    entry: &OutboxEntry,
    peer: &str,
    cursor: Vec<u8>,
) -> Option<pb::Delivery> {
    let envelope = match pb::Envelope::decode(entry.envelope.as_slice()) {
        Ok(envelope) => envelope,
        Err(e) => {
            tracing::error!(statement = %entry.statement_id, error = %e, "stored envelope does not decode");
            return None;
        }
    };
    let mut relays = Vec::with_capacity(entry.relays.len() + 1);
    for bytes in &entry.relays {
        relays.push(pb::RelayAttestation::decode(bytes.as_slice()).ok()?);
    }
    if entry.origin != state.org {
        let verified = match open_bytes(&entry.envelope, &state.directory, state.max_message_bytes) {
            Ok(verified) => verified,
            Err(e) => {
                tracing::warn!(statement = %entry.statement_id, reason = %e, "not relaying a statement that no longer verifies");
                return None;
            }
        };
        let hop = u32::try_from(relays.len() + 1).unwrap_or(u32::MAX);
        relays.push(attest(&verified, &state.key, &state.org, peer, hop, Utc::now()));
    }
    Some(pb::Delivery {
        envelope: Some(envelope),
        relays,
        cursor,
    })
}
