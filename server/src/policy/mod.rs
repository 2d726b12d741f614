//! The only code that touches Cedar: the node's access policy (who may call
//! which API on what), loaded and validated once at start-up.
//!
//! Policies and schema live in `policies/` at the repository root; see its
//! `README.md` for the entity model.

pub mod access;
mod diagnostic;
mod entities;
mod error;

pub use access::{AccessPolicy, Action, Decision, Resource};
pub use error::{PolicyError, Position, Problem};

#[cfg(test)]
mod loading_tests;
#[cfg(test)]
mod tests;
