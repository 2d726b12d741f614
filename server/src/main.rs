//! `tocsin-node`: runs one organisation's node.

fn main() {}
