//! Tests of decoding statements from the wire: each refusal names its field.

use prost::Message;
use tocsin_proto::v1 as pb;

use super::tests::statement;
use super::wire::{decode_statement, encode_statement};
use crate::model::marking::Tlp;

fn wire() -> pb::Statement {
    let s = statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Green, 2);
    pb::Statement::decode(encode_statement(&s).as_slice()).unwrap()
}

fn summary(s: &mut pb::Statement) -> &mut pb::SharedAssessment {
    match s.body.as_mut() {
        Some(pb::statement::Body::AssessmentSummary(a)) => a,
        _ => unreachable!("the fixture is a summary"),
    }
}

#[test]
fn encoding_is_stable_and_round_trips() {
    let s = statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Green, 2);
    let bytes = encode_statement(&s);
    assert_eq!(bytes, encode_statement(&s.clone()));
    assert_eq!(decode_statement(&bytes).unwrap(), s);
}

#[test]
fn decoding_errors_name_the_field() {
    type Edit = fn(&mut pb::Statement);
    let cases: [(Edit, &str); 14] = [
        (|s| s.id.clear(), "id"),
        (|s| s.id = "a\nb".into(), "id"),
        (|s| s.origin = "ECOWAS".into(), "origin"),
        (|s| s.issued_at = None, "issued_at"),
        (
            |s| {
                s.issued_at = Some(prost_types::Timestamp {
                    seconds: 0,
                    nanos: -1,
                })
            },
            "issued_at",
        ),
        (|s| s.audience = None, "audience"),
        (
            |s| {
                if let Some(a) = s.audience.as_mut() {
                    a.recipients.push("Not An Org".into());
                }
            },
            "audience.recipients[3]",
        ),
        (|s| s.tlp = 0, "tlp"),
        (|s| s.tlp = 42, "tlp"),
        (|s| s.body = None, "body"),
        (
            |s| summary(s).factors[0].level = 0,
            "body.assessment_summary.factors[0].level",
        ),
        (
            |s| summary(s).factors[0].factor = 15,
            "body.assessment_summary.factors[0].factor",
        ),
        (
            |s| summary(s).disclosed.push("sources".into()),
            "body.assessment_summary.disclosed[5]",
        ),
        (
            |s| summary(s).disclosed.retain(|d| d != "narrative"),
            "body.assessment_summary.narrative",
        ),
    ];
    for (edit, field) in cases {
        let mut s = wire();
        edit(&mut s);
        let error = decode_statement(&s.encode_to_vec()).unwrap_err();
        assert_eq!(error.field, field, "{error}");
    }
}

#[test]
fn withheld_parts_must_be_absent() {
    let mut s = wire();
    summary(&mut s).disclosed.retain(|d| d != "indicators");
    let error = decode_statement(&s.encode_to_vec()).unwrap_err();
    assert_eq!(error.field, "body.assessment_summary.factors[0].indicators");
    assert_eq!(error.message, "present but `indicators` is not disclosed");

    let mut s = wire();
    summary(&mut s).disclosed.retain(|d| d != "indicators");
    summary(&mut s).factors[0].indicators.clear();
    let decoded = decode_statement(&s.encode_to_vec()).unwrap();
    let crate::model::statement::StatementBody::AssessmentSummary(a) = decoded.body else {
        unreachable!("the fixture is a summary")
    };
    assert_eq!(a.factors.unwrap()[0].indicators, None);

    let mut s = wire();
    s.body = Some(pb::statement::Body::Retraction(pb::Retraction {
        statement_ids: vec![],
        reason: "x".into(),
    }));
    let error = decode_statement(&s.encode_to_vec()).unwrap_err();
    assert_eq!(error.field, "body.retraction.statement_ids");
}
