//! A real HTTPS webhook receiver for tests: axum over tokio-rustls with a CA
//! and a leaf certificate for `localhost` made by rcgen. It checks each
//! delivery's signature with the shared secret, records what it got, and
//! answers with a status the test may change at any time.

pub use crate::ports::free_port;
use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use tocsin_server::warnings::webhook::{
    DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// The oldest timestamp a receiver accepts, as receivers should.
const MAX_AGE_SECS: i64 = 300;

/// A test CA and a leaf certificate for `localhost` and `127.0.0.1`.
pub struct Pki {
    /// The CA certificate (PEM), for `TOCSIN_WEBHOOKS_CA_CERT`.
    pub ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pki(<keys>)")
    }
}

impl Pki {
    pub fn generate() -> Result<Self> {
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::default();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate()?;
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()])?;
        leaf.subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let cert = leaf.signed_by(&key, &issuer)?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
        })
    }

    /// Writes the CA certificate to `dir/webhook-ca.pem`; its path.
    pub fn write_ca(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join("webhook-ca.pem");
        std::fs::write(&path, &self.ca_pem).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// One request the receiver got.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// `X-Tocsin-Delivery`.
    pub id: String,
    /// The body as sent.
    pub raw: Vec<u8>,
    /// The body parsed (`Null` if it was not JSON).
    pub body: serde_json::Value,
    /// Whether the signature, the content type and the timestamp's age
    /// checked out with the receiver's secret.
    pub signed: bool,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Delivery {
    /// Whether the receiver took it (answered 2xx).
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.answered)
    }
}

/// What a receiver knows: its secret, the status it answers, what it got.
#[derive(Debug, Clone)]
pub struct Receiver {
    secret: String,
    status: Arc<AtomicU16>,
    got: Arc<watch::Sender<Vec<Delivery>>>,
}

impl Receiver {
    /// A receiver that answers `status` to well-signed requests (and 401 to
    /// the others).
    pub fn new(secret: &str, status: u16) -> Self {
        Self {
            secret: secret.to_owned(),
            status: Arc::new(AtomicU16::new(status)),
            got: Arc::new(watch::channel(Vec::new()).0),
        }
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Everything received so far, in order of arrival.
    pub fn got(&self) -> Vec<Delivery> {
        self.got.borrow().clone()
    }

    /// Waits until what was received satisfies `done`; fails after
    /// `deadline` with what it got.
    pub async fn until(
        &self,
        deadline: Duration,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Result<Vec<Delivery>> {
        let mut rx = self.got.subscribe();
        match tokio::time::timeout(deadline, rx.wait_for(|g| done(g))).await {
            Ok(got) => Ok(got?.clone()),
            Err(_) => {
                let ids: Vec<String> = self
                    .got()
                    .iter()
                    .map(|d| format!("{} ({})", d.id, d.answered))
                    .collect();
                anyhow::bail!("the receiver did not get what was awaited within {deadline:?}; it got {ids:?}")
            }
        }
    }

    /// Serves this receiver over HTTPS at `https://<addr>/hook` (port 0:
    /// any) until the returned handle is dropped.
    pub async fn serve(&self, pki: &Pki, addr: SocketAddr) -> Result<Serving> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(pki.chain.clone(), key)?;
        let tcp = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the receiver to {addr}"))?;
        let addr = tcp.local_addr()?;
        let listener = TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        };
        let app = axum::Router::new()
            .route("/hook", post(receive))
            .with_state(self.clone());
        let task = tokio::spawn(async move {
            // Serving ends only when the task is aborted.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Serving { addr, task })
    }
}

/// A receiver being served; it stops accepting connections when dropped.
#[derive(Debug)]
pub struct Serving {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.task.abort();
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
    let timestamp = header(TIMESTAMP_HEADER);
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < MAX_AGE_SECS);
    let signed = fresh
        && header("content-type") == "application/json"
        && verify_signature(&r.secret, &timestamp, &body, &header(SIGNATURE_HEADER));
    let status = if signed {
        StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    } else {
        StatusCode::UNAUTHORIZED
    };
    r.got.send_modify(|g| {
        g.push(Delivery {
            id: header(DELIVERY_HEADER),
            raw: body.to_vec(),
            body: serde_json::from_slice(&body).unwrap_or_default(),
            signed,
            answered: status.as_u16(),
        });
    });
    status
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
