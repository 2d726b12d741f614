//! An adversary for federation tests: a `FederationService` that presents a
//! genuine certificate of an organisation of the directory (issued by the
//! federation CA) and streams whatever deliveries a test crafted — tampered,
//! forged, replayed, oversized — to the real node that subscribes to it.
//! Not a mock of a node: it is what a compromised or hostile peer can send.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::federation_service_client::FederationServiceClient;
use tocsin_proto::v1::federation_service_server::{FederationService, FederationServiceServer};
use tocsin_server::federation::cursor::Cursor;
use tocsin_server::federation::pki::CertFiles;
use tocsin_server::model::assessment::{Confidence, OverallRisk, Trend};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::statement::{
    Audience, Disclosure, SharedAssessment, SharedSituation, Statement, StatementBody,
};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio_stream::{Stream, StreamExt};
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity, Server, ServerTlsConfig};
use tonic::{Request, Response, Status};

/// A hostile peer serving a fixed script of deliveries on a loopback port.
#[derive(Debug)]
pub struct RoguePeer {
    pub served: ServedPeer,
    subscriptions: Arc<AtomicUsize>,
    /// The highest cursor `seq` a subscriber presented.
    resumed: watch::Receiver<u64>,
}

/// A peer's `FederationService` serving on a loopback port with a
/// certificate of the federation; it stops when dropped.
#[derive(Debug)]
pub struct ServedPeer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ServedPeer {
    /// Serves `service` on `127.0.0.1:port` with `cert`, requiring client
    /// certificates of the CA `ca_pem`.
    pub async fn start<S: FederationService>(
        port: u16,
        cert: &CertFiles,
        ca_pem: &str,
        service: FederationServiceServer<S>,
    ) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let tls = ServerTlsConfig::new()
            .identity(Identity::from_pem(
                std::fs::read_to_string(&cert.cert)?,
                std::fs::read_to_string(&cert.key)?,
            ))
            .client_ca_root(Certificate::from_pem(ca_pem));
        let router = Server::builder().tls_config(tls)?.add_service(service);
        let (stop, stopped) = oneshot::channel::<()>();
        let incoming = TcpIncoming::from(listener);
        let task = tokio::spawn(async move {
            let _ = router
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }
}

impl Drop for ServedPeer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

struct Script {
    deliveries: Arc<Vec<pb::Delivery>>,
    subscriptions: Arc<AtomicUsize>,
    resumed: Arc<watch::Sender<u64>>,
    /// End the stream after the script (the subscriber comes back with its
    /// cursor) instead of holding it open.
    end: bool,
}

type DeliveryStream = Pin<Box<dyn Stream<Item = Result<pb::Delivery, Status>> + Send>>;

#[tonic::async_trait]
impl FederationService for Script {
    type SubscribeStream = DeliveryStream;

    /// Replays the script after the subscriber's cursor (the rogue's own
    /// cursors: `seq` is the index of the next delivery), then holds the
    /// stream open, or ends it.
    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<DeliveryStream>, Status> {
        self.subscriptions.fetch_add(1, Ordering::SeqCst);
        let after = Cursor::decode(&request.get_ref().cursor)
            .map_err(|e| Status::invalid_argument(e.to_string()))?
            .map_or(0, |c| c.seq);
        self.resumed.send_if_modified(|highest| {
            let higher = after > *highest;
            *highest = (*highest).max(after);
            higher
        });
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        let items: Vec<Result<pb::Delivery, Status>> = self
            .deliveries
            .iter()
            .enumerate()
            .skip(start)
            .map(|(index, delivery)| {
                let mut delivery = delivery.clone();
                delivery.cursor = Cursor {
                    epoch: 1,
                    seq: index as u64 + 1,
                }
                .encode();
                Ok(delivery)
            })
            .collect();
        let script = tokio_stream::iter(items);
        if self.end {
            return Ok(Response::new(Box::pin(script)));
        }
        Ok(Response::new(Box::pin(script.chain(tokio_stream::pending()))))
    }
}

impl RoguePeer {
    /// Serves `deliveries` on `127.0.0.1:port` (the port its directory entry
    /// names) with `cert`, requiring client certificates of the CA `ca_pem`.
    pub async fn serve(
        port: u16,
        cert: &CertFiles,
        ca_pem: &str,
        deliveries: Vec<pb::Delivery>,
    ) -> Result<Self> {
        Self::serve_script(port, cert, ca_pem, deliveries, false).await
    }

    /// Like `serve`, but ends the stream after the script, so that the
    /// subscriber comes back presenting the cursor it stored (see
    /// `wait_until_resumed_at`).
    pub async fn serve_once(
        port: u16,
        cert: &CertFiles,
        ca_pem: &str,
        deliveries: Vec<pb::Delivery>,
    ) -> Result<Self> {
        Self::serve_script(port, cert, ca_pem, deliveries, true).await
    }

    async fn serve_script(
        port: u16,
        cert: &CertFiles,
        ca_pem: &str,
        deliveries: Vec<pb::Delivery>,
        end: bool,
    ) -> Result<Self> {
        let subscriptions = Arc::new(AtomicUsize::new(0));
        let (resumed_tx, resumed) = watch::channel(0);
        let script = Script {
            deliveries: Arc::new(deliveries),
            subscriptions: Arc::clone(&subscriptions),
            resumed: Arc::new(resumed_tx),
            end,
        };
        let service = FederationServiceServer::new(script).max_encoding_message_size(usize::MAX);
        Ok(Self {
            served: ServedPeer::start(port, cert, ca_pem, service).await?,
            subscriptions,
            resumed,
        })
    }

    /// How many times a node subscribed.
    pub fn subscriptions(&self) -> usize {
        self.subscriptions.load(Ordering::SeqCst)
    }

    /// Waits until a subscriber comes back presenting a cursor at `seq` or
    /// beyond: it has stored the first `seq` deliveries of the script (the
    /// cursor is stored with them, in one write).
    pub async fn wait_until_resumed_at(&self, seq: u64) -> Result<()> {
        let mut resumed = self.resumed.clone();
        resumed
            .wait_for(|highest| *highest >= seq)
            .await
            .context("the rogue peer stopped")?;
        Ok(())
    }
}

/// A bare assessment summary statement of `origin` about XAA; with a
/// narrative (disclosed) when `narrative` is given.
pub fn summary(
    id: &str,
    origin: &str,
    recipients: &[&str],
    tlp: Tlp,
    hop_limit: u32,
    narrative: Option<String>,
    issued_at: DateTime<Utc>,
) -> Statement {
    let mut disclosed = BTreeSet::from([Disclosure::Share]);
    if narrative.is_some() {
        disclosed.insert(Disclosure::Narrative);
    }
    Statement {
        id: id.to_owned(),
        origin: origin.to_owned(),
        issued_at,
        audience: Audience {
            recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
            hop_limit,
        },
        tlp,
        body: StatementBody::AssessmentSummary(SharedAssessment {
            assessment_id: id.to_owned(),
            version: 1,
            situation: SharedSituation {
                title: "Northern XAA".into(),
                countries: vec!["XAA".into()],
                m49_region: "011".into(),
                regional_bodies: vec!["AU".into(), "ECOWAS".into()],
                ..SharedSituation::default()
            },
            overall_risk: OverallRisk::High,
            ongoing: false,
            trend: Trend::Deteriorated,
            confidence: Confidence::Medium,
            horizon_months: 6,
            published_at: issued_at,
            factors: None,
            narrative,
            disclosed,
        }),
    }
}

/// A delivery of `envelope` through `relays` (the rogue sets the cursor).
pub fn delivery(envelope: pb::Envelope, relays: Vec<pb::RelayAttestation>) -> pb::Delivery {
    pb::Delivery {
        envelope: Some(envelope),
        relays,
        cursor: Vec::new(),
    }
}

/// A mutual-TLS channel to a FederationService at `addr`, presenting `cert`
/// and trusting the CA `ca_pem`.
pub async fn federation_client(
    addr: SocketAddr,
    cert: &CertFiles,
    ca_pem: &str,
) -> Result<FederationServiceClient<Channel>> {
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .identity(Identity::from_pem(
            std::fs::read_to_string(&cert.cert)?,
            std::fs::read_to_string(&cert.key)?,
        ))
        .domain_name("127.0.0.1");
    let channel = Endpoint::from_shared(format!("https://{addr}"))?
        .tls_config(tls)?
        .connect()
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    Ok(FederationServiceClient::new(channel))
}
