//! The only code that touches Cedar: the node's access policy (who may call
//! which API on what) and its sharing policy (which statements go to which
//! peer, at what detail), each loaded and validated once at start-up.
//!
//! Policies and schema live in `policies/` at the repository root; see its
//! `README.md` for the entity model.

pub mod access;
mod assessment_decisions;
mod diagnostic;
mod entities;
mod error;
mod loading;
pub mod sharing;
mod sharing_decisions;
mod sharing_entities;

pub use access::{AccessPolicy, Action, Decision, Resource};
pub use assessment_decisions::AssessmentDecisions;
pub use error::{PolicyError, Position, Problem};
pub use sharing::{Peer, SharingAction, SharingDecision, SharingPolicy, StatementFacts};

#[cfg(test)]
mod assessment_decisions_tests;
#[cfg(test)]
mod loading_tests;
#[cfg(test)]
mod sharing_loading_tests;
#[cfg(test)]
mod sharing_tests;
#[cfg(test)]
mod tests;
