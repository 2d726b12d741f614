//! Tests of reading the federation directory: what it accepts, and that each
//! refusal names the file and the organisation or key at fault.

use super::directory::*;
use crate::model::signing::NodeKey;

fn public(seed: u8) -> String {
    NodeKey::from_seed(&[seed; 32]).public_key_base64()
}

fn org(id: &str, extra: &str) -> String {
    format!(
        "[[organisation]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"regional_body\"\n\
         endpoint = \"https://127.0.0.1:7501\"\n{extra}\n"
    )
}

fn key(id: &str, seed: u8, extra: &str) -> String {
    format!(
        "[[organisation.key]]\nid = \"{id}\"\npublic_key = \"{}\"\nnot_before = 2026-01-01T00:00:00Z\n{extra}\n",
        public(seed)
    )
}

const PIN: &str =
    "tls_fingerprint = \"SHA256:00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\"";

#[test]
fn reads_a_full_directory() {
    let text = format!(
        r#"ca_cert = "pki/ca.crt"

[[organisation]]
id = "ecowas"
name = "ECOWAS Commission"
kind = "regional_body"
groups = ["au", "ecowas"]
endpoint = "https://127.0.0.1:7501"
{PIN}
[[organisation.key]]
id = "ecowas-2025"
public_key = "{}"
not_before = 2025-01-01T00:00:00Z
not_after = 2026-01-01T00:00:00Z
revoked_at = 2025-06-01T00:00:00+02:00
[[organisation.key]]
id = "ecowas-2026"
public_key = "{}"
not_before = 2026-01-01T00:00:00Z

[[organisation]]
id = "un-hq"
name = "UN Office on Genocide Prevention"
kind = "un_office"
endpoint = "https://unhq.example:7501"
"#,
        public(1),
        public(2)
    );
    let dir = Directory::from_toml(&text, "federation.toml").unwrap();
    assert_eq!(dir.ca_cert().and_then(|p| p.to_str()), Some("pki/ca.crt"));
    let ids: Vec<&str> = dir.organisations().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["ecowas", "un-hq"]);
    let ecowas = dir.organisation("ecowas").unwrap();
    assert_eq!(ecowas.kind, OrgKind::RegionalBody);
    assert_eq!(ecowas.kind.to_string(), "regional_body");
    assert!(ecowas.groups.contains("au") && ecowas.groups.contains("ecowas"));
    assert_eq!(
        ecowas.tls_fingerprint.as_deref(),
        Some("SHA256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
    );
    assert_eq!(ecowas.keys.len(), 2);
    assert_eq!(
        ecowas.keys[0].revoked_at.map(|t| t.to_rfc3339()),
        Some("2025-05-31T22:00:00+00:00".into())
    );
    let (owner, key) = dir.key_by_id("ecowas-2026").unwrap();
    assert_eq!(
        (owner.id.as_str(), key.public_key),
        ("ecowas", NodeKey::from_seed(&[2; 32]).verifying_key())
    );
    let unhq = dir.organisation("un-hq").unwrap();
    assert_eq!(
        (unhq.kind, unhq.tls_fingerprint.as_ref(), unhq.keys.len()),
        (OrgKind::UnOffice, None, 0)
    );
    assert!(dir.organisation("au").is_none());
}

#[test]
fn loading_resolves_the_ca_next_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("federation.toml");
    std::fs::write(&path, format!("ca_cert = \"ca.crt\"\n{}", org("au", ""))).unwrap();
    let loaded = Directory::load(&path).unwrap();
    assert_eq!(loaded.ca_cert(), Some(dir.path().join("ca.crt").as_path()));
    let missing = dir.path().join("missing.toml");
    let error = Directory::load(&missing).unwrap_err().to_string();
    assert!(error.starts_with(&format!(
        "cannot read the federation directory `{}`",
        missing.display()
    )));
}

#[test]
fn refusals_name_what_is_wrong() {
    let ca = "ca_cert = \"ca.crt\"\n";
    for (text, want) in [
        (
            format!("{ca}{}{}", org("au", ""), org("au", "")),
            "f.toml: duplicate organisation id `au`".to_owned(),
        ),
        (
            format!("{ca}{}{}{}{}", org("au", ""), key("k1", 1, ""), org("igad", ""), key("k1", 2, "")),
            "f.toml: key id `k1` of `igad` is already used by `au`".to_owned(),
        ),
        (
            format!("{ca}{}", org("au", "").replace("regional_body", "ngo")),
            "f.toml: organisation `au`: unknown kind `ngo` (expected un_office, regional_body, member_state or civil_society)".to_owned(),
        ),
        (
            format!("{ca}{}", org("AU", "")),
            "f.toml: organisation `AU`: `id`: use 1 to 64 of a-z, 0-9, `-` and `_`".to_owned(),
        ),
        (
            org("au", ""),
            "f.toml: organisation `au`: `tls_fingerprint`: missing: pin the certificate, or name the federation CA with a top-level `ca_cert`".to_owned(),
        ),
        (
            org("au", "tls_fingerprint = \"abc\""),
            "f.toml: organisation `au`: `tls_fingerprint`: `abc` is not a certificate fingerprint: expected `SHA256:` and 64 hex digits".to_owned(),
        ),
        (
            format!("{ca}{}", org("au", "").replace("https://127.0.0.1:7501", "http://127.0.0.1:7501")),
            "f.toml: organisation `au`: `endpoint`: `http://127.0.0.1:7501` must be an https:// URL with a host".to_owned(),
        ),
        (
            format!("{ca}{}", org("au", "groups = [\"A U\"]")),
            "f.toml: organisation `au`: `groups`: `A U` is not a group id: use 1 to 64 of a-z, 0-9, `-` and `_`".to_owned(),
        ),
        (
            format!("{ca}{}{}", org("au", ""), key("k1", 1, "").replace(&public(1), "AAAA")),
            "f.toml: organisation `au`, key `k1`: `public_key`: `AAAA` is not an Ed25519 public key: expected 32 bytes in base64".to_owned(),
        ),
        (
            format!("{ca}{}{}", org("au", ""), key("k1", 1, "not_after = 2025-12-31T00:00:00Z")),
            "f.toml: organisation `au`, key `k1`: `not_after`: 2025-12-31 00:00:00 UTC is not after `not_before` 2026-01-01 00:00:00 UTC".to_owned(),
        ),
        (
            format!("{ca}{}{}", org("au", ""), key("k1", 1, "revoked_at = 2026-06-01T00:00:00")),
            "f.toml: organisation `au`, key `k1`: `revoked_at`: `2026-06-01T00:00:00` needs a date, a time and a time zone, e.g. 2026-01-01T00:00:00Z".to_owned(),
        ),
        (
            format!("{ca}{}{}", org("au", ""), key("Key 1", 1, "")),
            "f.toml: organisation `au`, key `Key 1`: `id`: use 1 to 64 of a-z, 0-9, `-` and `_`".to_owned(),
        ),
    ] {
        let error = Directory::from_toml(&text, "f.toml").unwrap_err().to_string();
        assert_eq!(error, want, "{text}");
    }
}

#[test]
fn unknown_fields_are_refused_with_their_place() {
    let text = format!("ca_cert = \"ca.crt\"\n{}", org("au", "colour = \"blue\""));
    let error = Directory::from_toml(&text, "f.toml").unwrap_err().to_string();
    assert!(error.starts_with("f.toml: TOML parse error at line"), "{error}");
    assert!(error.contains("colour"), "{error}");
}
