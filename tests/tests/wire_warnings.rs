//! The wire format of warnings and of the answers to them cannot drift
//! silently either: committed golden envelopes (a warning, an
//! acknowledgement, a decision, an action with its updates, an escalation
//! carrying the warning) must still decode and verify with the committed
//! directory, and signing the same statements with the same keys must give
//! the same bytes.
//!
//! After an intended change of the wire format, regenerate the fixtures:
//! `TOCSIN_REGENERATE_FIXTURES=1 cargo test -p tocsin-tests --test wire_warnings`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use tocsin_server::federation::{Directory, open_bytes, seal};
use tocsin_server::model::caller::Role;
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::shared_warning::{
    ResponseKind, SharedAction, SharedActionUpdate, SharedEscalation, SharedWarning, WarningResponse,
};
use tocsin_server::model::situation::{Crime, ProtectedGroup};
use tocsin_server::model::statement::{Audience, SharedSituation, Statement, StatementBody};
use tocsin_server::model::warning::{
    AckKind, ActionKind, ActionStatus, Addressee, AssessmentRef, Category, Certainty, DecisionKind,
    EscalationReason, MsgType, Severity, Urgency, WarningLevel,
};
use tocsin_tests::golden::{fixtures, key, t};

const MAX_BYTES: usize = 1 << 20;

fn warning() -> SharedWarning {
    SharedWarning {
        identifier: "0190a1b2-0000-7000-8000-00000000w001".into(),
        msg_type: MsgType::Alert,
        references: Vec::new(),
        situation: SharedSituation {
            title: "Northern XAA".into(),
            countries: vec!["XAA".into()],
            admin1: vec!["XA01".into()],
            admin2: Vec::new(),
            m49_region: "011".into(),
            regional_bodies: vec!["AU".into(), "ECOWAS".into()],
            crimes_at_risk: BTreeSet::from([Crime::CrimesAgainstHumanity]),
            protected_groups: vec![ProtectedGroup {
                basis: "ethnic".into(),
                label: "Group A".into(),
            }],
        },
        assessment: AssessmentRef {
            id: "0190a1b2-0000-7000-8000-000000000001".into(),
            version: 3,
        },
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: "Fictional: hate speech surges ahead of the census".into(),
        description: "Local radio calls for the expulsion of Group A.".into(),
        instruction: "Brief the Peace and Security Council.".into(),
        addressees: vec![Addressee {
            organisation: "au".into(),
            role: Role::DecisionMaker,
        }],
        expires: t("2026-04-01T00:00:00Z"),
        sent: t("2026-03-02T08:00:00Z"),
        acknowledge_by: t("2026-03-05T08:00:00Z"),
        decide_by: t("2026-03-09T08:00:00Z"),
        risk_factors: vec![7, 8],
    }
}

fn statement(id: &str, origin: &str, recipients: &[&str], body: StatementBody) -> Statement {
    Statement {
        id: id.into(),
        origin: origin.into(),
        issued_at: t("2026-03-02T08:00:01Z"),
        audience: Audience {
            recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
            hop_limit: 2,
        },
        tlp: Tlp::Green,
        body,
    }
}

fn response(kind: ResponseKind, role: Option<Role>) -> StatementBody {
    StatementBody::Response(WarningResponse {
        warning_sender: "ecowas".into(),
        warning_id: warning().identifier,
        at: t("2026-03-02T09:30:00Z"),
        by_role: role,
        kind,
    })
}

/// Every statement of the fixtures, by file name, with its signer.
fn statements() -> Vec<(&'static str, &'static str, Statement)> {
    let w = "0190a1b2-0000-7000-8000-00000000w001";
    vec![
        (
            "warning.envelope.bin",
            "ecowas",
            statement(
                &format!("ecowas:w:{w}"),
                "ecowas",
                &["au", "un-hq"],
                StatementBody::Warning(warning()),
            ),
        ),
        (
            "acknowledgement.envelope.bin",
            "au",
            statement(
                &format!("au:r:ecowas:{w}:acknowledgement:1"),
                "au",
                &["ecowas"],
                response(
                    ResponseKind::Acknowledgement(AckKind::AcceptedForAction),
                    Some(Role::FocalPoint),
                ),
            ),
        ),
        (
            "decision.envelope.bin",
            "au",
            statement(
                &format!("au:r:ecowas:{w}:decision:au.d1"),
                "au",
                &["ecowas", "un-hq"],
                response(
                    ResponseKind::Decision {
                        id: "au.d1".into(),
                        kind: DecisionKind::Act,
                        justification: "A mediation window before the census.".into(),
                    },
                    Some(Role::DecisionMaker),
                ),
            ),
        ),
        (
            "action.envelope.bin",
            "au",
            statement(
                &format!("au:r:ecowas:{w}:action:au.a1.1"),
                "au",
                &["ecowas"],
                response(
                    ResponseKind::Action(SharedAction {
                        id: "au.a1".into(),
                        decision_id: Some("au.d1".into()),
                        kind: ActionKind::Mediation,
                        description: "Envoy to the northern districts.".into(),
                        owner: "au".into(),
                        due: t("2026-03-16T00:00:00Z"),
                        recorded_at: t("2026-03-02T10:00:00Z"),
                        updates: vec![SharedActionUpdate {
                            status: ActionStatus::InProgress,
                            outcome: None,
                            at: t("2026-03-03T10:00:00Z"),
                            by_role: Some(Role::DecisionMaker),
                        }],
                    }),
                    Some(Role::DecisionMaker),
                ),
            ),
        ),
        (
            "escalation.envelope.bin",
            "ecowas",
            statement(
                &format!("ecowas:r:ecowas:{w}:escalation:no_acknowledgement.au.1"),
                "ecowas",
                &["un-hq"],
                response(
                    ResponseKind::Escalation(Box::new(SharedEscalation {
                        reason: EscalationReason::NoAcknowledgement,
                        subject: "au".into(),
                        step: 1,
                        from: "au".into(),
                        to: "un-hq".into(),
                        due: t("2026-03-05T08:00:00Z"),
                        warning: warning(),
                    })),
                    None,
                ),
            ),
        ),
    ]
}

#[test]
fn golden_warning_statements_still_verify_and_do_not_drift() {
    let generated: BTreeMap<&str, Vec<u8>> = statements()
        .into_iter()
        .map(|(name, signer, s)| (name, seal(&s, &key(signer)).encode_to_vec()))
        .collect();
    if std::env::var("TOCSIN_REGENERATE_FIXTURES").as_deref() == Ok("1") {
        for (name, bytes) in &generated {
            std::fs::write(fixtures().join(name), bytes).unwrap();
        }
    }
    let regenerate = "if the wire format changed on purpose, regenerate them with \
                      `TOCSIN_REGENERATE_FIXTURES=1 cargo test -p tocsin-tests --test wire_warnings` and commit them";
    let directory = Directory::load(&fixtures().join("directory.toml")).unwrap();
    for (name, signer, expected) in statements() {
        let committed = std::fs::read(fixtures().join(name))
            .unwrap_or_else(|e| panic!("cannot read fixture tests/fixtures/{name}: {e}; {regenerate}"));
        let opened = open_bytes(&committed, &directory, MAX_BYTES)
            .unwrap_or_else(|e| panic!("{name} no longer verifies: {e}; {regenerate}"));
        assert_eq!(
            opened.value(),
            &expected,
            "{name} decodes to something else; {regenerate}"
        );
        assert_eq!(opened.signer(), signer);
        assert!(
            committed == generated[name],
            "tests/fixtures/{name} differs from what this code produces: the wire format drifted; {regenerate}"
        );
    }
}

#[test]
fn a_warning_with_locations_below_admin1_is_refused() {
    let mut leaky = warning();
    leaky.situation.admin2 = vec!["XA0101".into()];
    let envelope = seal(
        &statement("ecowas:w:leaky", "ecowas", &["au"], StatementBody::Warning(leaky)),
        &key("ecowas"),
    );
    let directory = Directory::load(&fixtures().join("directory.toml")).unwrap();
    let error = open_bytes(&envelope.encode_to_vec(), &directory, MAX_BYTES)
        .unwrap_err()
        .to_string();
    assert!(error.contains("body.warning.situation.admin2"), "{error}");
}
