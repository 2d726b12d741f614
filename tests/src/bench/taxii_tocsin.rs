//! Tocsin's side of the `taxii` scenario: signed assessment summaries from
//! a peer reach a real node over mutual-TLS federation, released 100 at a
//! time, and are paged back through the node's audit API, 100 a page.

use anyhow::{Context, Result, bail};
use chrono::Utc;
use std::collections::{BTreeSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};
use tocsin_client::connect::Bearer;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_client::AuditServiceClient;
use tocsin_proto::v1::federation_service_server::{FederationService, FederationServiceServer};
use tocsin_server::federation::cursor::Cursor;
use tocsin_server::federation::pki::CertFiles;
use tocsin_server::federation::seal;
use tocsin_server::model::marking::Tlp;
use tokio::sync::{mpsc, watch};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::taxii::{BATCH, Timings, narrative};
use crate::federation::OrgSpec;
use crate::federation_files::FederationFiles;
use crate::federation_nodes::{Federation, dev_token};
use crate::rogue::{ServedPeer, delivery, summary};

/// What the Tocsin rows time, for the report's note.
pub const WHAT_IS_TIMED: &str = "Tocsin has no call that adds a batch of statements, so the \
    closest honest equivalent is a peer's subscription stream: the peer releases 100 pre-signed \
    statements at a time to the receiving node, which verifies, policy-checks and durably \
    stores them, and releases the next 100 once the node has stored the last; add is timed from \
    the first release until the node has stored every statement. Its node API has no paged list \
    of received statements: the only paged read is the audit API (`QueryAudit`, `after_seq` as \
    page token), so page-back reads the `statement_received` entries 100 a page (statement id, \
    peer, time, hash chain — not the statements' content) until a short page, and must count \
    every statement.";

/// The sending peer and the receiving node.
const PEER: &str = "xaa";
const NODE: &str = "ecowas";
/// Longest one batch may take to be stored, or the subscription to open.
const WITHIN: Duration = Duration::from_secs(60);

fn specs() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: NODE,
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: None,
            subscribe: &[PEER],
        },
        OrgSpec {
            id: PEER,
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: None,
            subscribe: &[],
        },
    ]
}

/// A fresh node and peer: `objects` statements sealed before the clock,
/// released `BATCH` at a time, then paged back.
pub async fn round(objects: usize) -> Result<Timings> {
    let files = FederationFiles::create(&specs())?;
    let key = files.signing_key(PEER)?;
    let now = Utc::now();
    let deliveries: Vec<pb::Delivery> = (0..objects)
        .map(|i| {
            let id = format!("{PEER}:taxii-{i}");
            let statement = summary(&id, PEER, &[NODE], Tlp::Green, 2, Some(narrative(i)), now);
            delivery(seal(&statement, &key), vec![])
        })
        .collect();
    let object_bytes = deliveries.iter().map(envelope_bytes).sum::<usize>() / objects.max(1);
    let ca = files.ca_pem()?;
    let org = files.org(PEER)?;
    let peer = Peer::serve(org.port, &org.cert, &ca, deliveries).await?;
    let federation = Federation::start(files, &[NODE]).await?;
    let node = federation.node(NODE)?;
    let running = federation.running(NODE)?;
    let token = dev_token(node.dev_issuer()?, "aud", "auditor").await?;
    let mut audit = AuditServiceClient::with_interceptor(node.channel().await?, Bearer::new(&token)?);

    // The subscription is open before the clock starts, as medallion is
    // serving before its clock starts.
    let opened = Instant::now();
    while peer.subscriptions.load(Ordering::SeqCst) == 0 {
        if opened.elapsed() > WITHIN {
            bail!("`{NODE}` did not subscribe to `{PEER}` within {WITHIN:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut stored = running.inbox_changes().context("the node does not federate")?;
    let before = *stored.borrow_and_update();

    let started = Instant::now();
    let mut released = 0;
    while released < objects {
        released = (released + BATCH).min(objects);
        peer.release.send(released)?;
        let waited = tokio::time::timeout(WITHIN, stored.wait_for(|n| n - before >= released as u64))
            .await
            .is_ok_and(|r| r.is_ok());
        if !waited {
            let held = *stored.borrow() - before;
            bail!("`{NODE}` stored {held} of {released} statements within {WITHIN:?}");
        }
    }
    let add = started.elapsed();
    let held = super::publish::inbox_count(running.store())?;
    if held != objects {
        bail!("`{NODE}`'s inbox holds {held} statements, not {objects}");
    }

    let started = Instant::now();
    let (mut after_seq, mut ids) = (0, BTreeSet::new());
    loop {
        let request = pb::QueryAuditRequest {
            kinds: vec!["statement_received".to_owned()],
            after_seq,
            limit: BATCH as u32,
            ..Default::default()
        };
        let entries = audit.query_audit(request).await?.into_inner().entries;
        for entry in &entries {
            ids.insert(entry.subject.clone());
        }
        match entries.last() {
            Some(last) if entries.len() == BATCH => after_seq = last.seq,
            _ => break,
        }
    }
    let page = started.elapsed();
    if ids.len() != objects {
        bail!("the audit API paged back {} of {objects} statements", ids.len());
    }
    drop(peer);
    Ok(Timings {
        objects,
        add,
        page,
        object_bytes,
    })
}

/// About the bytes of a delivery's envelope on the wire: the signed
/// payload, its type and its signatures, without the few framing bytes.
fn envelope_bytes(delivery: &pb::Delivery) -> usize {
    delivery.envelope.as_ref().map_or(0, |e| {
        e.payload.len()
            + e.payload_type.len()
            + e.signatures
                .iter()
                .map(|s| s.keyid.len() + s.sig.len())
                .sum::<usize>()
    })
}

/// A peer's `FederationService` streaming pre-sealed deliveries up to the
/// count the benchmark has released; the rest wait.
struct Peer {
    release: watch::Sender<usize>,
    subscriptions: Arc<AtomicUsize>,
    _served: ServedPeer,
}

struct Released {
    deliveries: Arc<Vec<pb::Delivery>>,
    released: watch::Receiver<usize>,
    subscriptions: Arc<AtomicUsize>,
}

type DeliveryStream = Pin<Box<dyn Stream<Item = Result<pb::Delivery, Status>> + Send>>;

#[tonic::async_trait]
impl FederationService for Released {
    type SubscribeStream = DeliveryStream;

    /// Streams from the subscriber's cursor (`seq` is the index of the next
    /// delivery) as far as released, then waits for the next release.
    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<DeliveryStream>, Status> {
        self.subscriptions.fetch_add(1, Ordering::SeqCst);
        let after = Cursor::decode(&request.get_ref().cursor)
            .map_err(|e| Status::invalid_argument(e.to_string()))?
            .map_or(0, |c| c.seq);
        let mut next = usize::try_from(after).unwrap_or(usize::MAX);
        let (deliveries, mut released) = (Arc::clone(&self.deliveries), self.released.clone());
        let (send, receive) = mpsc::channel(1);
        tokio::spawn(async move {
            loop {
                let upto = (*released.borrow_and_update()).min(deliveries.len());
                if next < upto {
                    let batch = (next..upto)
                        .map(|index| {
                            let mut delivery = deliveries[index].clone();
                            delivery.cursor = Cursor {
                                epoch: 1,
                                seq: index as u64 + 1,
                            }
                            .encode();
                            delivery
                        })
                        .collect();
                    if send.send(batch).await.is_err() {
                        return;
                    }
                    next = upto;
                }
                if released.changed().await.is_err() {
                    return;
                }
            }
        });
        let stream = Batches {
            receive,
            ready: VecDeque::new(),
        };
        Ok(Response::new(Box::pin(stream)))
    }
}

/// Deliveries released together, all ready at once, so that a batch goes
/// out together as a peer's outbox sends what it holds.
struct Batches {
    receive: mpsc::Receiver<Vec<pb::Delivery>>,
    ready: VecDeque<pb::Delivery>,
}

impl Stream for Batches {
    type Item = Result<pb::Delivery, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        if let Some(delivery) = self.ready.pop_front() {
            return Poll::Ready(Some(Ok(delivery)));
        }
        match self.receive.poll_recv(cx) {
            Poll::Ready(Some(batch)) => {
                self.ready.extend(batch);
                Poll::Ready(self.ready.pop_front().map(Ok))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Peer {
    /// Serves on `127.0.0.1:port` (its directory entry) with `cert`,
    /// requiring client certificates of the CA `ca_pem`; stops when dropped.
    async fn serve(port: u16, cert: &CertFiles, ca_pem: &str, deliveries: Vec<pb::Delivery>) -> Result<Self> {
        let (release, released) = watch::channel(0);
        let subscriptions = Arc::new(AtomicUsize::new(0));
        let service = Released {
            deliveries: Arc::new(deliveries),
            released,
            subscriptions: Arc::clone(&subscriptions),
        };
        let served = ServedPeer::start(port, cert, ca_pem, FederationServiceServer::new(service)).await?;
        Ok(Self {
            release,
            subscriptions,
            _served: served,
        })
    }
}
