//! Shared fixtures of the fuzz targets: the golden federation of
//! `tests/fixtures/` (keys from fixed seeds, its directory), the embedded
//! reference data, and helpers that draw domain values from fuzz input.
//!
//! A fixture that fails to load is a broken build, not a finding: those
//! helpers panic with the reason.

// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, TimeZone, Utc};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use tocsin_server::federation::Directory;
use tocsin_server::model::reference::ReferenceData;
use tocsin_server::model::signing::NodeKey;

/// Largest envelope the targets accept, as the node's default.
pub const MAX_BYTES: usize = 1 << 20;

/// The golden keys: (org, key id, seed), as `tocsin_tests::golden::KEYS`.
pub const KEYS: [(&str, &str, u8); 3] = [
    ("ecowas", "ecowas-2026", 0x11),
    ("au", "au-2026", 0x22),
    ("un-hq", "un-hq-2026", 0x33),
];

/// The committed golden directory (`tests/fixtures/directory.toml`).
pub const DIRECTORY_TOML: &str = include_str!("../../fixtures/directory.toml");

/// The golden key of `org`, or `None` for an organisation not in [`KEYS`].
pub fn key(org: &str) -> Option<NodeKey> {
    let (_, id, seed) = KEYS.iter().find(|(o, _, _)| *o == org)?;
    Some(
        NodeKey::from_seed(&[*seed; 32])
            .with_key_id(id)
            .expect("golden key ids are valid"),
    )
}

/// The golden directory, parsed once.
pub fn directory() -> &'static Directory {
    static DIRECTORY: OnceLock<Directory> = OnceLock::new();
    DIRECTORY.get_or_init(|| {
        Directory::from_toml(DIRECTORY_TOML, "directory.toml").expect("the golden directory parses")
    })
}

/// The node's embedded reference data, loaded once.
pub fn reference() -> Arc<ReferenceData> {
    static REFERENCE: OnceLock<Arc<ReferenceData>> = OnceLock::new();
    REFERENCE
        .get_or_init(|| Arc::new(ReferenceData::embedded().expect("the embedded reference data loads")))
        .clone()
}

/// A time between 1970 and 2100, whole seconds or with nanoseconds.
pub fn time(u: &mut Unstructured<'_>) -> Result<DateTime<Utc>> {
    let seconds = u.int_in_range(0..=4_102_444_800_i64)?;
    let nanos = if u.arbitrary()? {
        u.int_in_range(0..=999_999_999_u32)?
    } else {
        0
    };
    Ok(Utc
        .timestamp_opt(seconds, nanos)
        .single()
        .expect("seconds and nanoseconds are in range"))
}

/// Either one of `plausible` (so deep checks are reached) or any string.
pub fn text(u: &mut Unstructured<'_>, plausible: &[&str]) -> Result<String> {
    if !plausible.is_empty() && u.ratio(3, 4)? {
        Ok((*u.choose(plausible)?).to_owned())
    } else {
        u.arbitrary()
    }
}

/// Up to `max` items drawn by `item`.
pub fn list<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut item: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| item(u)).collect()
}

/// Organisation ids: the golden ones, ones the reference data knows, odd ones.
pub const ORGS: &[&str] = &[
    "ecowas",
    "au",
    "un-hq",
    "xaa",
    "civil-society",
    "",
    "ECOWAS",
    "a b",
];

/// Country codes: real reference ones and malformed ones.
pub const COUNTRIES: &[&str] = &["XAA", "XAB", "NGA", "SDN", "FRA", "xaa", "", "ZZZ", "NG"];
