//! Test harness: starts real nodes and a real OpenID provider for integration tests.

pub mod content;
pub mod node;
pub mod oidc;
