//! The Tocsin node: one organisation's server. See `ARCHITECTURE.md` for the
//! map; dependencies point one way: `model` ← `store`, `policy` ← `api` ← `node`.

pub mod model;
