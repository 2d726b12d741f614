//! Tests of relay chains: ECOWAS's statement forwarded by the AU, UN HQ and
//! IGAD (see `tests.rs` for the directory).

use super::tests::{directory, key, statement, t};
use super::*;
use crate::model::marking::Tlp;
use crate::model::statement::Statement;
use tocsin_proto::v1 as pb;

const MAX: usize = 64 * 1024;

/// (name, statement, relays, expected recipient, hops or the error).
type Case<'a> = (
    &'a str,
    &'a Statement,
    Vec<pb::RelayAttestation>,
    &'a str,
    Result<u32, String>,
);

fn verified(s: &Statement) -> Verified<Statement> {
    open(&seal(s, &key("ecowas-2026")), &directory(), MAX).unwrap()
}

/// A hop: (relay org, its key, to, hop number).
fn chain(v: &Verified<Statement>, hops: &[(&str, &str, &str, u32)]) -> Vec<pb::RelayAttestation> {
    hops.iter()
        .map(|(relay, key_id, to, hop)| attest(v, &key(key_id), relay, to, *hop, t("2026-03-02T00:00:00Z")))
        .collect()
}

fn check(s: &Statement, relays: Vec<pb::RelayAttestation>, expected_to: &str, expect: Result<u32, &str>) {
    let got = check_relays(&verified(s), &relays, &directory(), expected_to).map_err(|e| e.to_string());
    assert_eq!(got, expect.map_err(str::to_owned));
}

#[test]
fn relay_chains() {
    let green = statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Green, 2);
    let v = verified(&green);
    let other_payload = verified(&Statement {
        issued_at: t("2026-03-01T00:00:01Z"),
        ..green.clone()
    });
    let renamed = verified(&Statement {
        id: "ecowas-s2".into(),
        ..green.clone()
    });
    let broken = |hop: usize, reason: &str| format!("statement `ecowas-s1`, relay hop {hop}: {reason}");
    let mut tampered = chain(&v, &[("au", "au-2026", "unhq", 1)]);
    tampered[0].claim.push(0);
    let mut unsigned = chain(&v, &[("au", "au-2026", "unhq", 1)]);
    unsigned[0].signature = None;
    let late_au = vec![attest(
        &v,
        &key("au-2026"),
        "au",
        "unhq",
        1,
        t("2026-07-01T00:00:00Z"),
    )];
    let cases: Vec<Case<'_>> = vec![
        ("direct", &green, vec![], "au", Ok(0)),
        ("one relay", &green, chain(&v, &[("au", "au-2026", "unhq", 1)]), "unhq", Ok(1)),
        (
            "two relays",
            &green,
            chain(&v, &[("au", "au-2026", "unhq", 1), ("unhq", "unhq-2026", "igad", 2)]),
            "igad",
            Ok(2),
        ),
        (
            "past the hop limit",
            &green,
            chain(
                &v,
                &[
                    ("au", "au-2026", "unhq", 1),
                    ("unhq", "unhq-2026", "igad", 2),
                    ("igad", "igad-2026", "au", 3),
                ],
            ),
            "au",
            Err("statement `ecowas-s1` travelled 3 relay hops; its hop limit is 2".into()),
        ),
        (
            "chain not connected",
            &green,
            chain(&v, &[("au", "au-2026", "igad", 1), ("unhq", "unhq-2026", "au", 2)]),
            "au",
            Err(broken(2, "relay `unhq` did not receive it: hop 1 went to `igad`")),
        ),
        (
            "hops out of order",
            &green,
            chain(&v, &[("au", "au-2026", "unhq", 2)]),
            "unhq",
            Err(broken(1, "the claim is numbered hop 2")),
        ),
        (
            "last hop elsewhere",
            &green,
            chain(&v, &[("au", "au-2026", "igad", 1)]),
            "unhq",
            Err(broken(1, "the last hop went to `igad`, not `unhq`")),
        ),
        (
            "to someone outside the audience",
            &green,
            chain(&v, &[("au", "au-2026", "sadc", 1)]),
            "sadc",
            Err(broken(1, "forwarded to `sadc`, who is not a recipient")),
        ),
        (
            "wrong payload hash",
            &green,
            chain(&other_payload, &[("au", "au-2026", "unhq", 1)]),
            "unhq",
            Err(broken(1, "the claim names another payload (SHA-256 differs)")),
        ),
        (
            "another statement",
            &green,
            chain(&renamed, &[("au", "au-2026", "unhq", 1)]),
            "unhq",
            Err(broken(1, "the claim names statement `ecowas-s2`")),
        ),
        (
            "signed by someone else than the relay it names",
            &green,
            chain(&v, &[("unhq", "au-2026", "igad", 1)]),
            "igad",
            Err(broken(1, "the claim names relay `unhq` but is signed by key `au-2026` of `au`")),
        ),
        (
            "tampered claim",
            &green,
            tampered,
            "unhq",
            Err("bad signature by key `au-2026` of `au`".into()),
        ),
        (
            "unsigned attestation",
            &green,
            unsigned,
            "unhq",
            Err(broken(1, "the attestation carries no signature")),
        ),
        (
            "relay key unknown",
            &green,
            chain(&v, &[("au", "stranger", "unhq", 1)]),
            "unhq",
            Err("no signature by a key of the federation directory (key ids: `stranger`)".into()),
        ),
        (
            "relayed after the relay's key was revoked",
            &green,
            late_au,
            "unhq",
            Err("key `au-2026` of `au` was revoked at 2026-06-01 00:00:00 UTC: it verifies nothing signed at 2026-07-01 00:00:00 UTC".into()),
        ),
    ];
    for (name, s, relays, to, expect) in cases {
        eprintln!("case: {name}");
        let got = check_relays(&verified(s), &relays, &directory(), to).map_err(|e| e.to_string());
        assert_eq!(got, expect, "{name}");
    }
}

#[test]
fn restricted_statements_are_never_relayed() {
    for tlp in [Tlp::Amber, Tlp::AmberStrict, Tlp::Red] {
        let s = statement("ecowas", "2026-03-01T00:00:00Z", tlp, 2);
        let relays = chain(&verified(&s), &[("au", "au-2026", "unhq", 1)]);
        check(
            &s,
            relays,
            "unhq",
            Err(&format!("statement `ecowas-s1` is {tlp} and may not be relayed")),
        );
        check(&s, vec![], "au", Ok(0));
    }
    let clear = statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Clear, 1);
    let relays = chain(&verified(&clear), &[("au", "au-2026", "unhq", 1)]);
    check(&clear, relays, "unhq", Ok(1));
    let direct_only = statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Clear, 0);
    let relays = chain(&verified(&direct_only), &[("au", "au-2026", "unhq", 1)]);
    check(
        &direct_only,
        relays,
        "unhq",
        Err("statement `ecowas-s1` travelled 1 relay hops; its hop limit is 0"),
    );
}

#[test]
fn deliveries_come_from_the_origin_or_the_last_relay() {
    let green = statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Green, 2);
    let v = verified(&green);
    let relayed = chain(&v, &[("au", "au-2026", "unhq", 1)]);
    let dir = directory();
    let wrong = |sender: &str, expected: &str| {
        format!(
            "statement `ecowas-s1` was delivered by `{sender}`, but only `{expected}` could deliver it (its origin, or its last relay)"
        )
    };
    for (relays, sender, expect) in [
        (&[][..], "ecowas", Ok(0)),
        (&[][..], "au", Err(wrong("au", "ecowas"))),
        (&relayed[..], "au", Ok(1)),
        (&relayed[..], "ecowas", Err(wrong("ecowas", "au"))),
    ] {
        let to = if relays.is_empty() { "au" } else { "unhq" };
        let got = check_delivery(&v, relays, &dir, to, sender).map_err(|e| e.to_string());
        assert_eq!(got, expect, "{sender}");
    }
}
