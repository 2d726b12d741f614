//! The Tocsin node: one organisation's server. See `ARCHITECTURE.md` for the
//! map; dependencies point one way: `model` ← `store`, `policy` ← `api` ← `node`.

pub mod api;
pub mod assessments;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod federation;
pub mod feed;
pub mod model;
pub mod node;
pub mod policy;
pub mod store;
pub mod tls;
pub mod warnings;
pub mod web;
