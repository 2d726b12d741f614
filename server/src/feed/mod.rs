//! The public HTTPS feed: an Atom feed of the node's TLP:CLEAR warnings
//! (`GET /feed.atom`) and each one's CAP 1.2 document
//! (`GET /warnings/{sender}/{id}.cap`), served with the API's TLS identity.
//!
//! No authentication: only what [`atom::is_published`] allows is ever
//! served, and a warning that is not published answers exactly like a
//! missing one. The routes are a thin adapter over [`atom`] and
//! [`crate::model::cap`].

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::model::cap::to_cap_xml;
use crate::model::warning::{Warning, is_identifier, is_org_id};

pub mod atom;

#[cfg(test)]
mod tests;

/// Where the feed gets the warnings: all of them (the feed filters), or a
/// reason the store cannot give them (logged, never served).
pub type FeedSource = Arc<dyn Fn() -> Result<Vec<Warning>, String> + Send + Sync>;

/// The Atom media type as served.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The CAP media type as served.
pub const CAP_CONTENT_TYPE: &str = "application/cap+xml; charset=utf-8";

/// TLS handshakes in progress at once; more connections are dropped.
const MAX_HANDSHAKES: usize = 256;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the feed's TLS certificate holds no PEM certificate")]
    NoCertificate,
    #[error("the feed's TLS key is not a usable PEM private key: {0}")]
    BadKey(String),
    #[error("the feed's TLS identity is unusable: {0}")]
    Tls(#[from] rustls::Error),
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// What the handlers share.
struct Feed {
    source: FeedSource,
    node_org: String,
    node_name: String,
    /// The base URL when a request's `Host` is unusable.
    fallback_base: String,
}

/// Serves the feed over HTTPS on `addr` (port 0 picks one) with the
/// certificate chain and key in PEM, until `shutdown` becomes true or its
/// sender is dropped. Returns the bound address and the server task, which
/// ends once open connections have finished.
pub async fn serve_feed(
    addr: SocketAddr,
    tls_cert_pem: &str,
    tls_key_pem: &str,
    source: FeedSource,
    node_org: String,
    node_name: String,
    shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), FeedError> {
    let acceptor = TlsAcceptor::from(Arc::new(server_config(tls_cert_pem, tls_key_pem)?));
    let tcp = TcpListener::bind(addr)
        .await
        .map_err(|source| FeedError::Bind { addr, source })?;
    let local = tcp
        .local_addr()
        .map_err(|source| FeedError::Bind { addr, source })?;
    let feed = Arc::new(Feed {
        source,
        node_org,
        node_name,
        fallback_base: format!("https://{local}"),
    });
    let (tx, rx) = mpsc::channel(64);
    let accepting = accept_loop(tcp, acceptor, tx, shutdown.clone());
    let mut stop = shutdown;
    let serve = axum::serve(TlsListener { rx, local }, router(feed))
        .with_graceful_shutdown(async move { stopped(&mut stop).await });
    let task = tokio::spawn(async move {
        let (_, served) = tokio::join!(accepting, serve.into_future());
        if let Err(err) = served {
            tracing::warn!(%err, "feed server failed");
        }
    });
    tracing::info!(addr = %local, "serving the warnings feed");
    Ok((local, task))
}

/// The routes, over `feed`.
fn router(feed: Arc<Feed>) -> Router {
    Router::new()
        .route("/feed.atom", get(feed_atom))
        .route("/warnings/{sender}/{file}", get(warning_cap))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(feed)
}

async fn feed_atom(State(feed): State<Arc<Feed>>, headers: HeaderMap) -> Response {
    let Some(warnings) = load(&feed) else {
        return unavailable();
    };
    let base = base_url(&headers, &feed.fallback_base);
    let updated = atom::published(&feed.node_org, &warnings)
        .first()
        .and_then(|w| w.sent())
        .unwrap_or_else(Utc::now);
    let xml = atom::atom_feed(&feed.node_org, &feed.node_name, &base, &warnings, updated);
    document(ATOM_CONTENT_TYPE, xml)
}

async fn warning_cap(
    State(feed): State<Arc<Feed>>,
    Path((sender, file)): Path<(String, String)>,
) -> Response {
    if !is_org_id(&sender) {
        return bad_segment("sender", &sender);
    }
    let Some(id) = file.strip_suffix(".cap") else {
        return not_found().await;
    };
    if !is_identifier(id) {
        return bad_segment("identifier", id);
    }
    let Some(warnings) = load(&feed) else {
        return unavailable();
    };
    let found = warnings
        .iter()
        .find(|w| w.sender == sender && w.id == id && atom::is_published(&feed.node_org, w));
    match found {
        Some(warning) => document(CAP_CONTENT_TYPE, to_cap_xml(warning, &feed.node_name)),
        None => not_found().await,
    }
}

async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n".to_owned())
}

fn bad_segment(segment: &str, value: &str) -> Response {
    let shown: String = value.chars().take(140).collect();
    text(
        StatusCode::BAD_REQUEST,
        format!("invalid path segment `{segment}`: `{}`\n", shown.escape_debug()),
    )
}

/// The warnings, or `None` (logged) when the store fails.
fn load(feed: &Feed) -> Option<Vec<Warning>> {
    (feed.source)()
        .map_err(|err| tracing::warn!(%err, "feed cannot read the warnings"))
        .ok()
}

/// What a failing store answers: nothing of its internals.
fn unavailable() -> Response {
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        "warnings are unavailable\n".to_owned(),
    )
}

fn document(content_type: &'static str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `https://` and the request's `Host` when it is a plain host and port,
/// else `fallback`.
fn base_url(headers: &HeaderMap, fallback: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let plain = (1..=255).contains(&host.len())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if plain {
        format!("https://{host}")
    } else {
        fallback.to_owned()
    }
}

/// A rustls server configuration (ring, HTTP/1.1) for the PEM identity.
fn server_config(cert_pem: &str, key_pem: &str) -> Result<rustls::ServerConfig, FeedError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| FeedError::NoCertificate)?;
    if chain.is_empty() {
        return Err(FeedError::NoCertificate);
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| FeedError::BadKey(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Resolves once `shutdown` is true or its sender is gone.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // An error means the sender is gone: stop too.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Accepts TCP connections until shutdown and hands each one, once its TLS
/// handshake is done, to the HTTP server.
async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
    mut shutdown: watch::Receiver<bool>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let (stream, peer) = tokio::select! {
            () = stopped(&mut shutdown) => return,
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::debug!(%err, "feed accept failed");
                    // Out of file descriptors and the like: let it pass.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = handshakes.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "feed busy: connection dropped");
            continue;
        };
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    // The server is gone when this fails: nothing to do.
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(err)) => tracing::debug!(%peer, %err, "feed tls handshake failed"),
                Err(_) => tracing::debug!(%peer, "feed tls handshake timed out"),
            }
        });
    }
}

/// The HTTP server's view of the accept loop: connections with TLS done.
struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(ready) => ready,
            // The accept loop has stopped, so shutdown is under way: the
            // server stops waiting on this.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
