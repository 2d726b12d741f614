//! Fuzz target: the node configuration parser, `Config::load`, on arbitrary
//! TOML text merged over the built-in defaults, with arbitrary `TOCSIN_…`
//! environment overrides.
//!
//! Input: the file's text, then after each NUL byte one `NAME=VALUE`
//! variable. An accepted configuration must be valid by the rules the node
//! relies on later (organisation id, hop limit, message size, role names)
//! and must load the same again.

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tocsin_server::config::Config;

/// One file per process, rewritten for every input (`TMPDIR` moves it).
fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("tocsin-fuzz-config-{}.toml", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let text = parts.next().unwrap_or_default();
    let env: Vec<(String, String)> = parts
        .map(|part| {
            let part = String::from_utf8_lossy(part);
            let (name, value) = part.split_once('=').unwrap_or((&part, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect();
    std::fs::write(path(), text).expect("the temporary configuration file is writable");
    let Ok(config) = Config::load(Some(path()), env.clone()) else {
        return;
    };
    let org = &config.node.organisation;
    assert!(
        !org.is_empty()
            && org.len() <= 64
            && org
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
        "accepted organisation id `{org}`"
    );
    assert!(
        !config.node.data_dir.as_os_str().is_empty(),
        "accepted an empty data_dir"
    );
    assert!(!config.auth.audience.is_empty(), "accepted an empty audience");
    if config.federation.enabled() {
        assert!(
            config.federation.hop_limit <= 8,
            "accepted hop limit {}",
            config.federation.hop_limit
        );
        assert!(
            (1024..=64 * 1024 * 1024).contains(&config.federation.max_message_bytes),
            "accepted max_message_bytes {}",
            config.federation.max_message_bytes
        );
    }
    assert_eq!(
        config.role_map().len(),
        config.auth.role_map.len(),
        "accepted a role map with an unknown role"
    );
    let again = Config::load(Some(path()), env).expect("an accepted configuration loads again");
    assert_eq!(again, config, "the same configuration loads differently");
});
