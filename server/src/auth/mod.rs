//! Authentication of the node's users: OpenID Connect ID tokens verified
//! against the organisation's issuer (`verifier`), and the loopback-only
//! development issuer a node runs when none is configured (`dev_issuer`).
//!
//! The gRPC layer calls `bearer_token` on the `authorization` header and
//! `TokenVerifier::verify` once per request; handlers only see the `Caller`.

pub mod dev_issuer;
pub mod verifier;

mod dev_key;
mod error;
mod roles;

pub use dev_issuer::{DevIssuer, DevIssuerSettings, RunningDevIssuer};
pub use error::AuthError;
pub use verifier::{OidcSettings, TokenVerifier, bearer_token};
