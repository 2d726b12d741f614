//! The federation between organisations' nodes: who is who (`directory`),
//! the node's signing key (`keys`), signed statements (`envelope`), relay
//! provenance (`relay`) and the wire form of statements (`wire`).
//!
//! Everything a peer sends is checked here before the rest of the node sees
//! it: only a [`Verified`] statement leaves this module.

pub mod admin;
mod cores;
pub mod cursor;
pub mod directory;
pub mod envelope;
pub mod identity;
pub mod inbound;
pub mod keys;
pub mod outbound;
pub mod pki;
pub mod projector;
mod proven;
pub mod received;
pub mod relay;
pub mod retract;
pub mod serve;
pub mod sharing_files;
pub mod situations;
pub mod state;
pub mod subscriber;
pub mod warning_view;
mod wire;
mod wire_warning;
pub mod withdraw;

#[cfg(test)]
mod directory_tests;
#[cfg(test)]
mod relay_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;

pub use directory::{Directory, DirectoryError, DirectoryKey, OrgKind, Organisation};
pub use envelope::{PAYLOAD_TYPE, Verified, VerifyError, open, open_bytes, seal};
pub use relay::{RELAY_PAYLOAD_TYPE, attest, check_delivery, check_relays};
