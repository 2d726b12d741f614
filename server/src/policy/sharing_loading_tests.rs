//! Loading sharing policies: a bad file names the file and line:column at
//! fault, an empty one sends nothing, and every example set loads.

use crate::model::assessment::OverallRisk;
use crate::model::marking::Tlp;
use crate::policy::sharing::{POLICY_FILE, SCHEMA_FILE, SharingAction, SharingPolicy, StatementFacts};
use crate::policy::sharing_tests::{PEERS, SETS, peer, set_dir};
use crate::policy::{PolicyError, Position};

const SCHEMA: &str = include_str!("../../../policies/sharing.cedarschema");

fn load(policies: &str) -> Result<SharingPolicy, PolicyError> {
    SharingPolicy::from_texts(SCHEMA, SCHEMA_FILE, policies, POLICY_FILE)
}

/// The error loading `result` failed with; panics if it loaded.
fn refused(result: Result<SharingPolicy, PolicyError>) -> PolicyError {
    match result {
        Ok(policy) => panic!("loaded, with policies {:?}", policy.policy_ids()),
        Err(error) => error,
    }
}

fn position(error: &PolicyError) -> Option<Position> {
    match error {
        PolicyError::MissingId { position, .. } | PolicyError::DuplicateId { position, .. } => *position,
        _ => error.problems().first().and_then(|p| p.position),
    }
}

/// Every action for every example peer and label, own or received: nothing
/// is allowed.
fn denies_everything(policy: &SharingPolicy) {
    let facts = StatementFacts {
        kind: "assessment_summary".into(),
        tlp: Tlp::Clear,
        countries: ["XAA".to_owned()].into(),
        m49_region: "011".into(),
        regional_bodies: ["ECOWAS".to_owned()].into(),
        crimes: Default::default(),
        level: OverallRisk::VeryHigh,
        origin: "ecowas".into(),
        origin_kind: "regional_body".into(),
        received: false,
        named_recipients: PEERS.iter().map(|p| p.to_string()).collect(),
    };
    for peer_id in PEERS {
        for tlp in Tlp::ALL {
            for received in [false, true] {
                let facts = StatementFacts {
                    tlp,
                    received,
                    ..facts.clone()
                };
                let decision = policy.decide(&peer(peer_id), &facts);
                for action in SharingAction::ALL {
                    assert!(!decision.allows(action), "{peer_id} {facts:?}\n{decision}");
                }
                assert!(decision.errors.is_empty(), "{decision}");
            }
        }
    }
}

#[test]
fn a_syntax_error_names_the_file_and_position() {
    let error = refused(load(concat!(
        "@id(\"a\")\n",
        "permit (principal, action == Tocsin::Action::\"share\", resource);\n",
        "\n",
        "@id(\"b\")\n",
        "permit (principal, action, resource)\n",
        "when { resource.level_rank >= };\n",
    )));
    assert!(matches!(error, PolicyError::Parse { .. }), "{error}");
    let Some(at) = position(&error) else {
        panic!("no position in {error}")
    };
    assert_eq!(at.line, 6, "{error}");
    assert!(
        error
            .to_string()
            .contains(&format!("sharing.cedar:6:{}", at.column)),
        "{error}"
    );
}

#[test]
fn an_unknown_attribute_fails_validation_with_file_and_position() {
    let error = refused(load(concat!(
        "// colour is not an attribute of a statement\n",
        "@id(\"red\")\n",
        "permit (principal, action == Tocsin::Action::\"share\", resource)\n",
        "when { resource.colour == \"red\" };\n",
    )));
    assert!(matches!(error, PolicyError::Validation { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("colour") && text.contains("sharing.cedarschema"),
        "{text}"
    );
    assert_eq!(position(&error).map(|p| p.line), Some(4), "{error}");
    assert!(text.contains("sharing.cedar:4:"), "{text}");
}

#[test]
fn a_type_error_and_an_unknown_action_fail_validation() {
    let error = refused(load(concat!(
        "@id(\"rank\")\n",
        "permit (principal, action == Tocsin::Action::\"share\", resource)\n",
        "when { resource.level_rank >= \"high\" };\n",
    )));
    assert!(matches!(error, PolicyError::Validation { .. }), "{error}");
    assert_eq!(position(&error).map(|p| p.line), Some(3), "{error}");
    let error = refused(load(concat!(
        "@id(\"access\")\n",
        "permit (principal, action == Tocsin::Action::\"GetAssessment\", resource);\n",
    )));
    assert!(matches!(error, PolicyError::Validation { .. }), "{error}");
    assert!(error.to_string().contains("GetAssessment"), "{error}");
}

#[test]
fn every_policy_needs_a_unique_id() {
    let error = refused(load("permit (principal, action, resource);\n"));
    assert!(matches!(error, PolicyError::MissingId { .. }), "{error}");
    assert_eq!(position(&error), Some(Position { line: 1, column: 1 }), "{error}");
    let error = refused(load(
        "@id(\"a\")\npermit (principal, action, resource);\n@id(\"a\")\nforbid (principal, action, resource);\n",
    ));
    assert!(matches!(error, PolicyError::DuplicateId { .. }), "{error}");
    assert!(error.to_string().contains("sharing.cedar:3:1"), "{error}");
}

#[test]
fn an_empty_policy_shares_nothing() {
    for text in ["", "// nothing is shared yet\n"] {
        let policy = load(text).unwrap();
        assert!(policy.policy_ids().is_empty());
        denies_everything(&policy);
    }
    let policy = SharingPolicy::deny_all().unwrap();
    assert!(policy.policy_ids().is_empty());
    denies_everything(&policy);
}

#[test]
fn every_example_set_loads_and_explains_itself() {
    let expected: [&[&str]; 5] = [
        &["high-risk-to-regional-bodies", "never-narrative"],
        &["relay-african-to-un-hq", "un-system-all-but-narrative"],
        &[
            "au-and-un-hq-with-indicators",
            "member-states-ecowas-situations",
            "relay-member-states-to-au",
        ],
        &[
            "detail-to-ecowas-only",
            "factors-when-high",
            "high-risk-summary-to-au-and-un",
            "known-partners-only",
            "own-situations-to-ecowas",
        ],
        &["open-summaries-to-un-system"],
    ];
    for (set, ids) in SETS.into_iter().zip(expected) {
        let dir = set_dir(set);
        let policy = SharingPolicy::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(policy.policy_ids(), ids, "{set}");
        let text = std::fs::read_to_string(dir.join(POLICY_FILE)).unwrap();
        assert!(
            text.starts_with("// "),
            "{set}: the file starts by saying what it is for"
        );
        for (at, _) in text.match_indices("\n@id(") {
            let before = text[..at].lines().last().unwrap_or("");
            assert!(
                before.starts_with("//"),
                "{set}: a comment above each policy, not `{before}`"
            );
        }
    }
}

#[test]
fn loads_from_a_directory_with_or_without_its_own_schema() {
    let dir = tempfile::tempdir().unwrap();
    let error = refused(SharingPolicy::load(dir.path()));
    assert!(matches!(error, PolicyError::Read { .. }), "{error}");
    assert!(error.to_string().contains(POLICY_FILE), "{error}");

    let uses_origin_kind = concat!(
        "@id(\"relay\")\n",
        "permit (principal, action == Tocsin::Action::\"relay\", resource)\n",
        "when { resource.origin_kind == \"member_state\" };\n",
    );
    std::fs::write(dir.path().join(POLICY_FILE), uses_origin_kind).unwrap();
    assert_eq!(SharingPolicy::load(dir.path()).unwrap().policy_ids(), ["relay"]);

    // A directory's own schema wins over the built-in one.
    let older = SCHEMA.replacen("    origin_kind: String,\n", "", 1);
    assert_ne!(older, SCHEMA);
    std::fs::write(dir.path().join(SCHEMA_FILE), older).unwrap();
    let error = refused(SharingPolicy::load(dir.path()));
    let schema_path = dir.path().join(SCHEMA_FILE).display().to_string();
    let policy_path = dir.path().join(POLICY_FILE).display().to_string();
    assert!(error.to_string().contains(&schema_path), "{error}");
    assert!(
        error.to_string().contains(&format!("{policy_path}:3:")),
        "{error}"
    );
}
