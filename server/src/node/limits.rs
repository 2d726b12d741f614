//! Connection limits both of the node's servers apply, so that a client that
//! stalls or floods one connection cannot hold what everyone else needs.

use std::time::Duration;

use tonic::transport::{Server, ServerTlsConfig};

/// How long a client has to finish the TLS handshake after connecting.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests one connection may have open at once, open watches included;
/// further requests on it wait for one to end. (Without a limit set, the
/// transport allows any number.)
const MAX_CONCURRENT_STREAMS: u32 = 256;

/// How often an idle connection is pinged, and how long the answer may take
/// before the connection is closed.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// A server builder with the limits set.
pub(super) fn server() -> Server {
    Server::builder()
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
}

/// `tls` with the handshake timeout set.
pub(super) fn tls(tls: ServerTlsConfig) -> ServerTlsConfig {
    tls.timeout(TLS_HANDSHAKE_TIMEOUT)
}
