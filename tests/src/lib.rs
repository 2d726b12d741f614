//! Test harness: starts real nodes and a real OpenID provider for integration tests.
