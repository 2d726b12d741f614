//! The golden federation of the wire-format tests: three organisations with
//! keys from fixed seeds, their directory, and where the fixtures live.

// Test support: a malformed fixture is a bug in the test, best found loudly.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use tocsin_server::model::signing::NodeKey;

/// `tests/fixtures/`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A fixed time; panics on a malformed literal (a bug in the test).
pub fn t(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().expect("fixture times are RFC 3339")
}

/// The fixture keys, derived from fixed seeds: (org, key id, seed).
pub const KEYS: [(&str, &str, u8); 3] = [
    ("ecowas", "ecowas-2026", 0x11),
    ("au", "au-2026", 0x22),
    ("un-hq", "un-hq-2026", 0x33),
];

/// The fixture key of `org`; panics for an organisation not in [`KEYS`].
pub fn key(org: &str) -> NodeKey {
    let (_, id, seed) = KEYS
        .iter()
        .find(|(o, _, _)| *o == org)
        .expect("a fixture organisation");
    NodeKey::from_seed(&[*seed; 32])
        .with_key_id(id)
        .expect("fixture key ids are valid")
}

/// The directory of the three fixture organisations.
pub fn directory_toml() -> String {
    let mut text = String::from(
        "# Golden federation directory for tests/tests/wire.rs (keys from fixed seeds).\nca_cert = \"ca.crt\"\n",
    );
    let orgs = [
        ("ecowas", "regional_body", "\"au\", \"ecowas\""),
        ("au", "regional_body", "\"au\""),
        ("un-hq", "un_office", "\"un-system\""),
    ];
    for (port, (org, kind, groups)) in orgs.into_iter().enumerate() {
        let k = key(org);
        text += &format!(
            "\n[[organisation]]\nid = \"{org}\"\nname = \"{org} (fixture)\"\nkind = \"{kind}\"\n\
             groups = [{groups}]\nendpoint = \"https://127.0.0.1:{}\"\n\
             [[organisation.key]]\nid = \"{}\"\npublic_key = \"{}\"\nnot_before = 2026-01-01T00:00:00Z\n",
            7501 + port,
            k.key_id(),
            k.public_key_base64()
        );
    }
    text
}
