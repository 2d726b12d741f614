//! Loading: a bad schema or policy file stops the node with the file and
//! line:column at fault; an empty policy denies everything.

use crate::policy::access::{POLICY_FILE, SCHEMA_FILE};
use crate::policy::tests::{Expect, expected, matrix, shipped};
use crate::policy::{AccessPolicy, PolicyError, Position};

const SCHEMA: &str = include_str!("../../../policies/tocsin.cedarschema");

fn load(policies: &str) -> Result<AccessPolicy, PolicyError> {
    AccessPolicy::from_texts(SCHEMA, SCHEMA_FILE, policies, POLICY_FILE)
}

/// The error loading `result` failed with; panics if it loaded.
fn refused(result: Result<AccessPolicy, PolicyError>) -> PolicyError {
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

#[test]
fn a_syntax_error_names_the_file_and_position() {
    let error = refused(load(concat!(
        "@id(\"a\")\n",
        "permit (principal, action, resource);\n",
        "\n",
        "@id(\"b\")\n",
        "permit (principal, action, resource)\n",
        "when { principal.organisation == };\n",
    )));
    assert!(matches!(error, PolicyError::Parse { .. }), "{error}");
    let Some(at) = position(&error) else {
        panic!("no position in {error}")
    };
    assert_eq!(at.line, 6, "{error}");
    assert!(
        error
            .to_string()
            .contains(&format!("access.cedar:6:{}", at.column)),
        "{error}"
    );
}

#[test]
fn a_policy_failing_validation_names_the_file_and_position() {
    let error = refused(load(concat!(
        "// colour is not an attribute of an assessment\n",
        "@id(\"red\")\n",
        "permit (principal, action == Tocsin::Action::\"GetAssessment\", resource)\n",
        "when { resource.colour == \"red\" };\n",
    )));
    assert!(matches!(error, PolicyError::Validation { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("colour") && text.contains("tocsin.cedarschema"),
        "{text}"
    );
    let Some(at) = position(&error) else {
        panic!("no position in {error}")
    };
    assert_eq!(at.line, 4, "{error}");
    assert!(text.contains(&format!("access.cedar:4:{}", at.column)), "{text}");
}

#[test]
fn an_unknown_action_is_refused() {
    let error = refused(load(concat!(
        "@id(\"nuke\")\n",
        "permit (principal, action == Tocsin::Action::\"DeleteEverything\", resource);\n",
    )));
    assert!(matches!(error, PolicyError::Validation { .. }), "{error}");
    assert!(error.to_string().contains("DeleteEverything"), "{error}");
    assert_eq!(position(&error).map(|p| p.line), Some(2), "{error}");
}

#[test]
fn every_policy_needs_a_unique_id() {
    let error = refused(load(
        "@id(\"a\")\npermit (principal, action, resource);\n\npermit (principal, action, resource);\n",
    ));
    assert!(matches!(error, PolicyError::MissingId { .. }), "{error}");
    assert_eq!(position(&error), Some(Position { line: 4, column: 1 }), "{error}");
    let error = refused(load(
        "@id(\"a\")\npermit (principal, action, resource);\n@id(\"a\")\nforbid (principal, action, resource);\n",
    ));
    assert!(matches!(error, PolicyError::DuplicateId { .. }), "{error}");
    assert!(
        error.to_string().contains("`a`") && error.to_string().contains("access.cedar:3:1"),
        "{error}"
    );
}

#[test]
fn a_broken_schema_names_the_schema_file() {
    let broken = SCHEMA.replacen("entity Role;", "entity Role", 1);
    let error = refused(AccessPolicy::from_texts(&broken, SCHEMA_FILE, "", POLICY_FILE));
    assert!(matches!(error, PolicyError::Schema { .. }), "{error}");
    assert!(position(&error).is_some(), "{error}");
    assert!(error.to_string().contains("tocsin.cedarschema:"), "{error}");
}

#[test]
fn an_empty_policy_denies_everything() {
    for text in ["", "// nothing yet\n"] {
        let policy = load(text).unwrap();
        assert!(policy.policy_ids().is_empty());
        let cases = matrix(&policy, |_, _, _| Expect::Deny).unwrap_or_else(|table| panic!("{table}"));
        assert!(cases > 0);
    }
}

#[test]
fn loads_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let error = refused(AccessPolicy::load(dir.path()));
    assert!(matches!(error, PolicyError::Read { .. }), "{error}");
    assert!(error.to_string().contains(SCHEMA_FILE), "{error}");
    std::fs::write(dir.path().join(SCHEMA_FILE), SCHEMA).unwrap();
    std::fs::write(
        dir.path().join(POLICY_FILE),
        include_str!("../../../policies/access.cedar"),
    )
    .unwrap();
    let policy = AccessPolicy::load(dir.path()).unwrap();
    assert_eq!(policy.policy_ids(), shipped().policy_ids());
    std::fs::write(
        dir.path().join(POLICY_FILE),
        "@id(\"x\")\npermit (principal, action, resource) when { 1 };\n",
    )
    .unwrap();
    let error = refused(AccessPolicy::load(dir.path()));
    let path = dir.path().join(POLICY_FILE).display().to_string();
    assert!(error.to_string().contains(&format!("{path}:2:")), "{error}");
}

#[test]
fn the_matrix_shows_where_a_policy_departs_from_the_rules() {
    let Err(table) = matrix(&load("").unwrap(), expected) else {
        panic!("an empty policy matches the rules")
    };
    assert!(table.starts_with("221 of 846 cases differ"), "{table}");
    assert!(
        table.contains("\n  focal_point") && table.contains("-!"),
        "{table}"
    );
}
