//! The one error type of `auth`: why a bearer token was refused, or why the
//! verifier or the development issuer could not start. Never contains a token.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `authorization` header, or an empty bearer token.
    #[error("missing bearer token")]
    MissingToken,
    /// Not a bearer token, or not a well-formed signed JWT.
    #[error("malformed bearer token: {reason}")]
    MalformedToken { reason: &'static str },
    #[error("token expired")]
    Expired,
    #[error("token audience does not include `{expected}`")]
    WrongAudience { expected: String },
    #[error("token issuer is not `{expected}`")]
    WrongIssuer { expected: String },
    #[error("token signature does not verify")]
    BadSignature,
    /// The token names a key the issuer does not publish (even after a refetch).
    #[error("token signed with unknown key `{kid}`")]
    UnknownKey { kid: String },
    #[error("token signing algorithm `{alg}` is not allowed")]
    DisallowedAlgorithm { alg: String },
    /// OpenID discovery or the first JWKS fetch failed.
    #[error("openid discovery at `{issuer}` failed: {reason}")]
    Discovery { issuer: String, reason: String },
    /// Refetching the issuer's JWKS failed.
    #[error("fetching signing keys from `{uri}` failed: {reason}")]
    Jwks { uri: String, reason: String },
    /// Invalid `OidcSettings` or `DevIssuerSettings`.
    #[error("invalid oidc setting `{field}`: {reason}")]
    Settings { field: &'static str, reason: String },
    #[error("development issuer must listen on a loopback address, not `{0}`")]
    NotLoopback(SocketAddr),
    #[error("development issuer cannot listen on `{addr}`: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("development issuer key file `{}`: {reason}", path.display())]
    KeyFile { path: PathBuf, reason: String },
}

impl AuthError {
    /// True when the caller presented a bad token (answer `unauthenticated`);
    /// false when the node itself cannot verify tokens now (answer `unavailable`).
    pub fn is_token_error(&self) -> bool {
        !matches!(
            self,
            AuthError::Discovery { .. }
                | AuthError::Jwks { .. }
                | AuthError::Settings { .. }
                | AuthError::NotLoopback(_)
                | AuthError::Listen { .. }
                | AuthError::KeyFile { .. }
        )
    }
}
