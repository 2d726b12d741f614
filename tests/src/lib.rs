//! Test harness: starts real nodes (in this process or as child processes)
//! and a real OpenID provider for integration tests.

pub mod bench;
pub mod cli;
pub mod content;
pub mod fault_proxy;
pub mod federation;
pub mod federation_files;
pub mod federation_nodes;
pub mod golden;
pub mod https_receiver;
pub mod node;
pub mod npm;
pub mod oidc;
pub mod ports;
pub mod proc_stats;
pub mod process;
pub mod rogue;
pub mod warnings;
