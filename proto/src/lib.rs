//! Tocsin's gRPC wire types, generated from `proto/tocsin/v1`.
//!
//! Only the server's `api` module and the client touch these types; the
//! domain model never sees them.

#![allow(unreachable_pub, missing_debug_implementations, clippy::all)]

/// Package `tocsin.v1`.
pub mod v1 {
    tonic::include_proto!("tocsin.v1");
}

/// Encoded `FileDescriptorSet` of every Tocsin proto, for gRPC reflection and
/// for tests that walk the descriptors.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("tocsin_descriptor");
