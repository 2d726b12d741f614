//! This node's subscription to one peer: connect over mutual TLS, resume
//! from the stored cursor, apply the deliveries (those already buffered
//! together, with the cursor of the last, in one write), and on any
//! failure reconnect with exponential backoff and jitter.
//! Each peer has its own task: a peer that is down slows no other.

use std::time::Duration;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::federation_service_client::FederationServiceClient;
use tokio::sync::watch;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::federation::inbound::{CheckedBatch, Received, apply_batch, check_batch};
use crate::federation::state::FederationState;
use prost::Message;

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the link is pinged, and how long the answer may take before it
/// is given up for dead: a connection that went silent without closing (a
/// middlebox lost its state) is otherwise waited on for ever.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries are decoded up to this size whatever `max_message_bytes` says,
/// so that one over the limit reaches the envelope check and is refused,
/// recorded and skipped, instead of breaking the stream where it stands.
const DECODE_CEILING: usize = 64 << 20;
/// At most this many deliveries, or about this many bytes, are stored in
/// one write (group commit); fewer when fewer are waiting.
const BATCH_DELIVERIES: usize = 256;
const BATCH_BYTES: usize = 1 << 20;
/// HTTP/2 flow-control window of the subscription: room for a few batches in
/// flight while the last is stored (the default 64 KiB holds a few dozen
/// statements, so a returning peer stored them a few dozen at a time).
const WINDOW: u32 = 4 << 20;

/// The TLS material a node presents to the peers it subscribes to.
#[derive(Clone)]
pub struct ClientTls {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientTls(<redacted>)")
    }
}

/// Why one subscription session ended.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("`{0}` is not in the federation directory")]
    UnknownPeer(String),
    #[error("invalid endpoint `{endpoint}`: {reason}")]
    Endpoint { endpoint: String, reason: String },
    #[error("cannot connect: {0}")]
    Connect(#[from] tonic::transport::Error),
    #[error("{0}")]
    Status(#[from] tonic::Status),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("the stream ended")]
    Ended,
    #[error("the write of a batch was stopped")]
    Stopped,
}

/// Follows `peer` until `shutdown` turns true.
pub async fn run(state: FederationState, tls: ClientTls, peer: String, mut shutdown: watch::Receiver<bool>) {
    let mut delay = FIRST_RETRY;
    loop {
        let mut applied = 0;
        let outcome = tokio::select! {
            outcome = session(&state, &tls, &peer, &mut applied) => outcome,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        // A session that got anywhere starts the backoff over, however it ended.
        if applied > 0 {
            delay = FIRST_RETRY;
        }
        if let Err(e) = outcome {
            tracing::info!(%peer, error = %e, retry_in_ms = delay.as_millis() as u64, "subscription interrupted");
            if let SessionError::Status(status) = &e
                && status.code() == tonic::Code::OutOfRange
            {
                record_undecodable(&state, &peer, status).await;
            }
        }
        let jittered = delay.mul_f64(0.5 + rand::random::<f64>() / 2.0);
        tokio::select! {
            () = tokio::time::sleep(jittered) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        delay = (delay * 2).min(LAST_RETRY);
    }
}

/// Records that `peer` sent a delivery too large even to decode: it cannot
/// be skipped (its cursor is inside it), so the peer's stream stays stuck
/// there, visibly, until its operator fixes it; other peers are unaffected.
async fn record_undecodable(state: &FederationState, peer: &str, status: &tonic::Status) {
    let refusal = crate::store::Refusal {
        peer: peer.to_owned(),
        reason: format!(
            "a delivery exceeds the decoding ceiling of {DECODE_CEILING} bytes and cannot be skipped: {}",
            status.message()
        ),
        at: chrono::Utc::now(),
    };
    if let Err(e) = state.store.record_refusal(&refusal).await {
        tracing::error!(%peer, error = %e, "cannot record a refusal");
    }
}

/// One connection; counts in `applied` the deliveries it applied, and ends
/// with an error when it breaks or the peer closes it.
async fn session(
    state: &FederationState,
    tls: &ClientTls,
    peer: &str,
    applied: &mut u64,
) -> Result<(), SessionError> {
    let org = state
        .directory
        .organisation(peer)
        .ok_or_else(|| SessionError::UnknownPeer(peer.to_owned()))?;
    let endpoint = org.endpoint.clone();
    let host = http::Uri::try_from(endpoint.as_str())
        .ok()
        .and_then(|u| u.host().map(str::to_owned))
        .ok_or_else(|| SessionError::Endpoint {
            endpoint: endpoint.clone(),
            reason: "no host".into(),
        })?;
    let config = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&tls.ca_pem))
        .identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem))
        .domain_name(host);
    let channel = Endpoint::from_shared(endpoint.clone())
        .map_err(|e| SessionError::Endpoint {
            endpoint,
            reason: e.to_string(),
        })?
        .connect_timeout(CONNECT_TIMEOUT)
        .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
        .keep_alive_timeout(KEEPALIVE_TIMEOUT)
        .keep_alive_while_idle(true)
        .tcp_nodelay(true)
        .initial_stream_window_size(WINDOW)
        .initial_connection_window_size(WINDOW)
        .tls_config(config)?
        .connect()
        .await?;
    let limit = state.max_message_bytes.saturating_mul(2).max(DECODE_CEILING);
    let mut client = FederationServiceClient::new(channel).max_decoding_message_size(limit);
    let cursor = state.store.cursor(peer)?.unwrap_or_default();
    let mut stream = client
        .subscribe(pb::SubscribeRequest { cursor })
        .await?
        .into_inner();
    tracing::info!(%peer, "subscribed");
    // One batch is written while the next is read and checked; batches are
    // written one at a time, in order. A write that fails ends the session
    // as soon as it fails, even while the stream is idle.
    let mut writing: Option<Writing> = None;
    loop {
        let message = match &mut writing {
            Some(pending) => tokio::select! {
                message = stream.message() => message,
                written = pending.wait() => {
                    writing = None;
                    *applied += written?;
                    continue;
                }
            },
            None => stream.message().await,
        };
        let (batch, end) = match message {
            Ok(Some(first)) => buffered(&mut stream, first).await,
            Ok(None) => (Vec::new(), Some(SessionError::Ended)),
            Err(status) => (Vec::new(), Some(SessionError::Status(status))),
        };
        let checked = check_batch(state, peer, batch);
        if let Some(mut previous) = writing.take() {
            *applied += previous.wait().await?;
        }
        if let Some(checked) = checked {
            writing = Some(Writing::start(state, checked));
        }
        if let Some(end) = end {
            if let Some(mut last) = writing.take() {
                *applied += last.wait().await?;
            }
            return Err(end);
        }
    }
}

/// A checked batch being written by its own task, so that the session
/// reads and checks the next one meanwhile. Dropping it (the session was
/// stopped) aborts the write before its flush at the latest: the batch and
/// its cursor are one transaction, so the peer sends it again if need be.
struct Writing(tokio::task::JoinHandle<Result<Vec<Received>, crate::store::StoreError>>);

impl Writing {
    fn start(state: &FederationState, batch: CheckedBatch) -> Self {
        let state = state.clone();
        Self(tokio::spawn(async move { apply_batch(&state, batch).await }))
    }

    /// Waits for the write; returns how many deliveries it applied. Safe
    /// to cancel (the write goes on); not to be called again once it has
    /// returned.
    async fn wait(&mut self) -> Result<u64, SessionError> {
        let received = match (&mut self.0).await {
            Ok(received) => received?,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(_) => return Err(SessionError::Stopped),
        };
        Ok(received
            .iter()
            .filter(|r| matches!(r, Received::Applied(_)))
            .count() as u64)
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `first` and the deliveries already buffered behind it, up to a bound,
/// without waiting for more; and how the stream ended, if it did.
async fn buffered(
    stream: &mut tonic::Streaming<pb::Delivery>,
    first: pb::Delivery,
) -> (Vec<pb::Delivery>, Option<SessionError>) {
    let mut bytes = first.encoded_len();
    let mut batch = vec![first];
    while batch.len() < BATCH_DELIVERIES && bytes < BATCH_BYTES {
        let next = tokio::select! {
            biased;
            next = stream.message() => next,
            () = std::future::ready(()) => break,
        };
        match next {
            Ok(Some(delivery)) => {
                bytes += delivery.encoded_len();
                batch.push(delivery);
            }
            Ok(None) => return (batch, Some(SessionError::Ended)),
            Err(status) => return (batch, Some(SessionError::Status(status))),
        }
    }
    (batch, None)
}
