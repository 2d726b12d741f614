//! The Tocsin client library: connecting to a node, tokens, and the `tocsin` CLI.

pub mod causes;
pub mod cli;
pub mod config_dir;
pub mod connect;
pub mod credentials;
pub mod document;
pub mod fingerprint;
pub mod known_nodes;
pub mod login;
pub mod node_url;
pub mod render;
pub mod table;
pub mod verifier;
pub mod view;
