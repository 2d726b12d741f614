//! Fuzz target: the client's document import (`tocsin assessment create -f`,
//! `tocsin warning raise -f`): `document::parse` and `parse_warning` on
//! arbitrary YAML or JSON text.
//!
//! First byte: bit 0 says JSON, bit 1 a warning rather than an assessment.
//! An accepted document must come back unchanged through its YAML form
//! (what `--yaml` prints for editing), through JSON, and through the wire
//! content sent to the node (which must also survive prost encoding).

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use tocsin_client::document::warning::{WarningDocument, parse_warning, warning_to_yaml};
use tocsin_client::document::{Content, parse, to_yaml};
use tocsin_proto::v1 as pb;

fn round_trip<M: Message + Default + PartialEq>(message: &M) {
    let again = M::decode(message.encode_to_vec().as_slice()).expect("a re-encoded message decodes");
    assert!(&again == message, "a message changed through encoding");
}

fn assessment(text: &str, json: bool) {
    let Ok(content) = parse(text, json) else {
        return;
    };
    let yaml = to_yaml(&content).expect("an accepted document renders as YAML");
    let from_yaml =
        parse(&yaml, false).unwrap_or_else(|e| panic!("its own YAML does not parse: {e}\n{yaml}"));
    assert_eq!(from_yaml, content, "the document changed through YAML:\n{yaml}");
    let json_text = serde_json::to_string(&content).expect("an accepted document renders as JSON");
    let from_json = parse(&json_text, true).unwrap_or_else(|e| panic!("its own JSON does not parse: {e}"));
    assert_eq!(from_json, content, "the document changed through JSON");
    let wire = pb::AssessmentContent::from(&content);
    round_trip(&wire);
    assert_eq!(
        Content::from(&wire),
        content,
        "the document changed through the wire content"
    );
}

fn warning(text: &str, json: bool) {
    let Ok(document) = parse_warning(text, json) else {
        return;
    };
    let yaml = warning_to_yaml(&document).expect("an accepted warning renders as YAML");
    let from_yaml =
        parse_warning(&yaml, false).unwrap_or_else(|e| panic!("its own YAML does not parse: {e}\n{yaml}"));
    assert_eq!(from_yaml, document, "the warning changed through YAML:\n{yaml}");
    let now = Utc
        .with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .single()
        .expect("a valid time");
    let wire = document.to_proto(now);
    round_trip(&wire);
    let back = WarningDocument::from_proto(&wire).expect("its own wire content reads back");
    let seconds = |d: &WarningDocument| d.expires.resolve(now).timestamp();
    assert_eq!(
        seconds(&back),
        seconds(&document),
        "the expiry changed through the wire"
    );
    assert_eq!(
        WarningDocument {
            expires: document.expires.clone(),
            ..back
        },
        document,
        "the warning changed through the wire content"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if mode & 2 == 0 {
        assessment(text, mode & 1 == 1);
    } else {
        warning(text, mode & 1 == 1);
    }
});
