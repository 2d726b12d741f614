//! Opening a gRPC channel to a node: TCP, then TLS that this client verifies
//! itself (pin or CA, see `verifier`), then HTTP/2; and the bearer token on
//! every call.

use hyper_util::rt::TokioIo;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tocsin_proto::v1::node_service_client::NodeServiceClient;
use tocsin_proto::v1::warning_service_client::WarningServiceClient;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::causes::describe;
use crate::fingerprint::Fingerprint;
use crate::node_url::NodeUrl;
use crate::verifier::{Presented, Trust, TrustError, client_config};

#[cfg(test)]
mod tests;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `NodeService` client whose every call carries the bearer token.
pub type NodeClient = NodeServiceClient<InterceptedService<Channel, Bearer>>;

/// A `WarningService` client whose every call carries the bearer token.
pub type WarningClient = WarningServiceClient<InterceptedService<Channel, Bearer>>;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no certificate is pinned for `{node}`{}: compare it with the fingerprint the node printed at start and run `tocsin pin {node} SHA256:<fingerprint>`, or pass `--fingerprint SHA256:<fingerprint>`, or `--ca-cert FILE` if the node has a certificate from your organisation's CA",
        presented_text(.presented)
    )]
    NotTrusted {
        node: NodeUrl,
        presented: Option<Fingerprint>,
    },
    #[error(
        "the certificate of `{node}` has fingerprint {presented}, not the pinned {expected}: if the node's certificate was replaced on purpose, pin the new one with `tocsin pin {node} <fingerprint>`; otherwise someone may be intercepting the connection"
    )]
    Mismatch {
        node: NodeUrl,
        expected: Fingerprint,
        presented: Fingerprint,
    },
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error("cannot connect to `{node}`: {reason}")]
    Unreachable { node: NodeUrl, reason: String },
    #[error("the stored token cannot be sent in a header: log in again")]
    BadToken,
}

fn presented_text(presented: &Option<Fingerprint>) -> String {
    presented
        .map(|fp| format!(" (it presents {fp})"))
        .unwrap_or_default()
}

/// Connects to `node`, trusting only what `trust` says.
pub async fn connect(node: &NodeUrl, trust: &Trust) -> Result<Channel, ConnectError> {
    let presented = Presented::default();
    let config = Arc::new(client_config(Some(trust), &presented)?);
    let endpoint = Endpoint::from_shared(format!("http://{}", node.authority()))
        .map_err(|e| unreachable(node, &e))?
        .connect_timeout(CONNECT_TIMEOUT);
    let target = node.clone();
    let connector = tower::service_fn(move |_: http::Uri| {
        let (target, config) = (target.clone(), config.clone());
        async move { tls_stream(&target, config).await.map(TokioIo::new) }
    });
    match endpoint.connect_with_connector(connector).await {
        Ok(channel) => Ok(channel),
        Err(err) => Err(match (trust, presented.get()) {
            (Trust::Pin(expected), Some(seen)) if seen != *expected => ConnectError::Mismatch {
                node: node.clone(),
                expected: *expected,
                presented: seen,
            },
            _ => unreachable(node, &err),
        }),
    }
}

/// The refusal for a node nothing is configured to trust. It names the
/// fingerprint the node presents, when it can be reached, so the user can
/// compare it with the one the node printed — it never trusts it.
pub async fn untrusted(node: &NodeUrl) -> ConnectError {
    let presented = Presented::default();
    if let Ok(config) = client_config(None, &presented) {
        // The handshake always fails: the record-only verifier accepts nothing.
        let _refused = tls_stream(node, Arc::new(config)).await;
    }
    ConnectError::NotTrusted {
        node: node.clone(),
        presented: presented.get(),
    }
}

async fn tls_stream(node: &NodeUrl, config: Arc<rustls::ClientConfig>) -> io::Result<TlsStream<TcpStream>> {
    let name = node
        .server_name()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(node.authority()))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "timed out"))??;
    tcp.set_nodelay(true)?;
    TlsConnector::from(config).connect(name, tcp).await
}

fn unreachable(node: &NodeUrl, err: &(dyn std::error::Error + 'static)) -> ConnectError {
    ConnectError::Unreachable {
        node: node.clone(),
        reason: describe(err),
    }
}

/// Adds `authorization: Bearer <token>` to every call; the header value is
/// marked sensitive so that it is never shown in debug output.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(<redacted>)")
    }
}

impl Bearer {
    pub fn new(token: &str) -> Result<Self, ConnectError> {
        let mut value: MetadataValue<Ascii> = format!("Bearer {token}")
            .parse()
            .map_err(|_| ConnectError::BadToken)?;
        value.set_sensitive(true);
        Ok(Self(value))
    }
}

impl Interceptor for Bearer {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        request.metadata_mut().insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A client for `channel` that presents `token`.
pub fn authorised(channel: Channel, token: &str) -> Result<NodeClient, ConnectError> {
    Ok(NodeServiceClient::with_interceptor(channel, Bearer::new(token)?))
}

/// A `WarningService` client for `channel` that presents `token`.
pub fn authorised_warnings(channel: Channel, token: &str) -> Result<WarningClient, ConnectError> {
    Ok(WarningServiceClient::with_interceptor(
        channel,
        Bearer::new(token)?,
    ))
}
