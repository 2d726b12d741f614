//! The Tocsin client library: connecting to a node, tokens, and the `tocsin` CLI.
