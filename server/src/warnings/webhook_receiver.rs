//! Test harness of webhook delivery: a real HTTPS receiver in this process
//! (axum over tokio-rustls, with a CA and a leaf certificate made by rcgen)
//! that checks signatures and records what it got, and a running delivery
//! loop whose events a test waits on.

use super::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::config::WebhooksSection;
use crate::model::subscription::{Filters, Subscription, Webhook};
use crate::store::Store;

pub(super) const SECRET: &str = "s3cret-for-tests-0001";
/// The longest any condition is waited for.
pub(super) const DEADLINE: Duration = Duration::from_secs(30);

/// A test CA (PEM) and a leaf certificate for 127.0.0.1 and localhost.
pub(super) struct Pki {
    pub(super) ca_pem: String,
    pub(super) chain: Vec<CertificateDer<'static>>,
    pub(super) key: Vec<u8>,
}

pub(super) fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
    }
}

/// What the receiver got: the delivery id, the body, whether the
/// signature checked out with the receiver's secret.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Got {
    pub(super) delivery: String,
    pub(super) body: serde_json::Value,
    pub(super) signed: bool,
}

#[derive(Clone)]
pub(super) struct Receiver {
    pub(super) secret: String,
    /// The status answered to a well-signed request.
    pub(super) status: Arc<AtomicU16>,
    /// Requests wait for this before they are answered, when `hold` is set.
    pub(super) hold: Option<Arc<Notify>>,
    pub(super) got: Arc<watch::Sender<Vec<Got>>>,
}

impl Receiver {
    pub(super) fn new(secret: &str, status: u16) -> Self {
        Self {
            secret: secret.into(),
            status: Arc::new(AtomicU16::new(status)),
            hold: None,
            got: Arc::new(watch::channel(Vec::new()).0),
        }
    }

    pub(super) fn got(&self) -> Vec<Got> {
        self.got.borrow().clone()
    }

    /// Waits until the receiver has got `n` requests.
    pub(super) async fn until_got(&self, n: usize) -> Vec<Got> {
        let mut rx = self.got.subscribe();
        tokio::time::timeout(DEADLINE, rx.wait_for(|g| g.len() >= n))
            .await
            .expect("the receiver got too little in time")
            .unwrap()
            .clone()
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signed = verify_signature(
        &r.secret,
        &header(TIMESTAMP_HEADER),
        &body,
        &header(SIGNATURE_HEADER),
    ) && header("content-type") == "application/json"
        && header(TIMESTAMP_HEADER)
            .parse::<i64>()
            .is_ok_and(|t| (Utc::now().timestamp() - t).abs() < 60);
    if let Some(hold) = &r.hold {
        hold.notified().await;
    }
    r.got.send_modify(|g| {
        g.push(Got {
            delivery: header(DELIVERY_HEADER),
            body: serde_json::from_slice(&body).unwrap_or_default(),
            signed,
        })
    });
    if signed {
        StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap()
    } else {
        StatusCode::UNAUTHORIZED
    }
}

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// Serves `receiver` over HTTPS on `addr` (port 0: any) until the test ends.
pub(super) async fn serve(pki: &Pki, receiver: &Receiver, addr: SocketAddr) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key.clone()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), key)
        .unwrap();
    let tcp = TcpListener::bind(addr).await.unwrap();
    let bound = tcp.local_addr().unwrap();
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    };
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    bound
}

/// An address nothing listens on (yet).
pub(super) async fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
}

pub(super) fn settings(max_attempts: u32) -> WebhooksSection {
    WebhooksSection {
        max_attempts,
        first_retry: chrono::TimeDelta::seconds(1),
        last_retry: chrono::TimeDelta::seconds(2),
        ca_cert: std::path::PathBuf::new(),
    }
}

pub(super) async fn subscribe(store: &Store, id: &str, addr: SocketAddr) -> Subscription {
    let subscription = Subscription {
        id: id.into(),
        owner: "root".into(),
        organisation: "ecowas".into(),
        filters: Filters::default(),
        webhook: Some(Webhook {
            url: format!("https://{addr}/hook"),
            secret: SECRET.into(),
        }),
        created_at: Utc::now(),
    };
    store.insert_subscription(&subscription).await.unwrap();
    subscription
}

/// A running delivery loop and the events it reports.
pub(super) struct Running {
    pub(super) webhooks: Webhooks,
    pub(super) events: mpsc::UnboundedReceiver<WebhookEvent>,
    pub(super) seen: Vec<WebhookEvent>,
    pub(super) stop: watch::Sender<bool>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

pub(super) fn start(store: &Store, settings: &WebhooksSection, ca_pem: Option<String>) -> Running {
    let (tx, events) = mpsc::unbounded_channel();
    let webhooks = Webhooks::new(store.clone(), settings, ca_pem)
        .unwrap()
        .with_events(tx);
    let (stop, shutdown) = watch::channel(false);
    let task = tokio::spawn(webhooks.clone().run(shutdown));
    Running {
        webhooks,
        events,
        seen: Vec::new(),
        stop,
        task,
    }
}

impl Running {
    /// Waits for the next event that `want` accepts; every event passes
    /// into `seen`.
    pub(super) async fn until(&mut self, want: impl Fn(&WebhookEvent) -> bool) -> WebhookEvent {
        loop {
            let event = tokio::time::timeout(DEADLINE, self.events.recv())
                .await
                .expect("no such event in time")
                .expect("the delivery loop ended");
            self.seen.push(event.clone());
            if want(&event) {
                return event;
            }
        }
    }

    pub(super) async fn stop(self) {
        self.stop.send_replace(true);
        tokio::time::timeout(DEADLINE, self.task).await.unwrap().unwrap();
    }
}

pub(super) fn delivered(id: &str) -> impl Fn(&WebhookEvent) -> bool + '_ {
    move |e| matches!(e, WebhookEvent::Delivered { notification_id, .. } if notification_id == id)
}

pub(super) fn body(n: u32) -> serde_json::Value {
    serde_json::json!({ "kind": "warning", "n": n })
}
