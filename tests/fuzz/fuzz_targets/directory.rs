//! Fuzz target: the federation directory parser, `Directory::from_toml`, on
//! arbitrary text.
//!
//! An accepted directory must be consistent: every organisation is found by
//! its id, every key by its id under its own organisation and no other, and
//! `key_for` only hands out a key for a time `check_valid_at` accepts.

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use libfuzzer_sys::fuzz_target;
use tocsin_server::federation::Directory;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(directory) = Directory::from_toml(text, "directory.toml") else {
        return;
    };
    for org in directory.organisations() {
        assert_eq!(
            directory.organisation(&org.id),
            Some(org),
            "organisation `{}` not found by id",
            org.id
        );
        for key in &org.keys {
            let (owner, found) = directory.key_by_id(&key.id).expect("a listed key is found by id");
            assert_eq!(
                owner.id, org.id,
                "key `{}` found under another organisation",
                key.id
            );
            assert_eq!(found, key, "key `{}` found with other data", key.id);
            let before = key.not_before.checked_sub_signed(chrono::TimeDelta::seconds(1));
            for at in std::iter::once(key.not_before)
                .chain(before)
                .chain(key.not_after)
                .chain(key.revoked_at)
            {
                let valid = key.check_valid_at(&org.id, at).is_ok();
                assert_eq!(
                    directory.key_for(&org.id, &key.id, at).is_ok(),
                    valid,
                    "key_for and check_valid_at disagree on key `{}` at {at}",
                    key.id
                );
                for other in directory.organisations().filter(|o| o.id != org.id) {
                    assert!(
                        directory.key_for(&other.id, &key.id, at).is_err(),
                        "key `{}` of `{}` accepted for `{}`",
                        key.id,
                        org.id,
                        other.id
                    );
                }
            }
        }
    }
    let again = Directory::from_toml(text, "directory.toml").expect("an accepted directory parses again");
    assert_eq!(
        again.organisations().count(),
        directory.organisations().count(),
        "not repeatable"
    );
});
