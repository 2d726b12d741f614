//! `tocsin`: the command-line client.

fn main() {}
