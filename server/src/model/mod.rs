//! The pure domain: reference data, situations, assessments, callers.
//!
//! Nothing here does I/O or knows about protobuf, sled, Cedar or tokio.

pub mod assessment;
pub mod audit;
pub mod caller;
pub mod cap;
pub mod catalogue;
pub mod geography;
pub mod hex;
pub mod marking;
pub mod membership;
pub mod reference;
pub mod shared_warning;
pub mod signature_check;
pub mod signing;
pub mod situation;
pub mod statement;
pub mod subscription;
pub mod verified;
pub mod warning;

mod error;
#[cfg(test)]
pub(crate) mod fixtures;

pub use error::{ValidationError, shown};
