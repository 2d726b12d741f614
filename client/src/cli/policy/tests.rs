//! Tests of `policy check` on the shipped policies and broken copies, and of
//! how `policy explain` shows the node's answer.

use std::path::PathBuf;

use super::*;

fn policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

/// A copy of XAA's sharing policy with a rule added at its end whose
/// condition names an attribute the schema lacks; returns the directory and
/// the line of that attribute.
fn broken_sharing() -> (tempfile::TempDir, usize) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(policies().join("sharing/xaa/sharing.cedar")).unwrap();
    let broken = format!(
        "{text}\n@id(\"broken\")\npermit (principal, action, resource)\nwhen {{ resource.levl_rank >= 3 }};\n"
    );
    std::fs::write(dir.path().join("sharing.cedar"), &broken).unwrap();
    (dir, broken.lines().count())
}

#[test]
fn the_shipped_policies_check() {
    let checked = checks(&policies()).unwrap();
    assert_eq!(checked.len(), 1, "only access.cedar: {checked:?}");
    assert!(
        checked[0].ok && checked[0].file.ends_with("access.cedar"),
        "{checked:?}"
    );
    assert!(checked[0].policies.contains(&"federation-admin".to_owned()));
    for set in ["au", "civil-society", "ecowas", "un-hq", "xaa"] {
        let checked = checks(&policies().join("sharing").join(set)).unwrap();
        assert!(checked.len() == 1 && checked[0].ok, "{set}: {checked:?}");
    }
}

#[test]
fn a_broken_file_is_named_with_line_and_column() {
    let (dir, line) = broken_sharing();
    let checked = checks(dir.path()).unwrap();
    assert!(!checked[0].ok);
    let file = dir.path().join("sharing.cedar").display().to_string();
    assert!(
        checked[0].errors[0].starts_with(&format!("{file}:{line}:")),
        "{checked:?}"
    );
    assert!(checked[0].errors[0].contains("levl_rank"), "{checked:?}");
    let shown = render_check(&checked);
    assert!(
        shown.starts_with(&format!("ERROR  {file}\n       {file}:{line}:")),
        "{shown}"
    );
}

#[test]
fn access_policies_use_the_schema_beside_them_or_the_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(policies().join("access.cedar")).unwrap();
    std::fs::write(dir.path().join("access.cedar"), &text).unwrap();
    assert!(checks(dir.path()).unwrap()[0].ok, "built-in schema");
    std::fs::write(dir.path().join("tocsin.cedarschema"), "namespace Tocsin {").unwrap();
    let checked = checks(dir.path()).unwrap();
    let schema = dir.path().join("tocsin.cedarschema").display().to_string();
    assert!(
        !checked[0].ok && checked[0].errors[0].starts_with(&format!("{schema}:1:")),
        "{checked:?}"
    );
}

#[test]
fn a_directory_without_policies_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = checks(dir.path()).unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .to_string()
            .contains("has neither `access.cedar` nor `sharing.cedar`")
    );
    let error = checks(&dir.path().join("missing")).unwrap_err();
    assert!(error.to_string().ends_with("is not a directory"), "{error}");
}

#[test]
fn an_explanation_is_shown_field_by_field() {
    let reply = pb::ExplainSharingResponse {
        assessment_id: "a-1".into(),
        version: 2,
        tlp: pb::Tlp::Green as i32,
        to_org: "ecowas".into(),
        to_kind: "regional_body".into(),
        to_groups: vec!["au".into(), "ecowas".into()],
        verdicts: [
            ("share", true, "own-situations-to-ecowas"),
            ("share_factors", true, "factors-when-high"),
            ("share_indicators", false, ""),
            ("share_narrative", false, ""),
            ("relay", false, "own statement"),
        ]
        .iter()
        .map(|(action, allowed, why)| pb::SharingVerdict {
            action: (*action).into(),
            allowed: *allowed,
            reasons: if why.is_empty() {
                vec![]
            } else {
                vec![(*why).into()]
            },
        })
        .collect(),
        errors: vec![],
        received: Some(pb::SharedView {
            disclosed: vec!["share".into(), "factors".into()],
            situation: Some(pb::SituationSpec {
                title: "Northern XAA".into(),
                countries: vec!["XAA".into()],
                crimes_at_risk: vec![pb::Crime::CrimesAgainstHumanity as i32],
                ..Default::default()
            }),
            m49_region: "011".into(),
            regional_bodies: vec![],
            overall_risk: pb::OverallRisk::High as i32,
            ongoing: false,
            trend: pb::Trend::Deteriorated as i32,
            confidence: pb::Confidence::Medium as i32,
            horizon_months: 6,
            factors: vec![
                pb::SharedFactorLevel {
                    factor: 1,
                    level: pb::FactorLevel::High as i32,
                    indicators: vec![],
                },
                pb::SharedFactorLevel {
                    factor: 8,
                    level: pb::FactorLevel::Medium as i32,
                    indicators: vec![],
                },
            ],
            narrative: String::new(),
        }),
    };
    let view = ExplainView::from(&reply);
    assert_eq!(
        render_explain(&view),
        "\
assessment  a-1 version 2 (TLP:GREEN)
peer        ecowas (regional_body; groups au, ecowas)

ACTION            DECISION  WHY
share             allow     own-situations-to-ecowas
share_factors     allow     factors-when-high
share_indicators  deny      no policy permits it
share_narrative   deny      no policy permits it
relay             deny      own statement

ecowas would receive:
situation   Northern XAA
countries   XAA
crimes      crimes_against_humanity
region      011
risk        high
ongoing     no
trend       deteriorated
confidence  medium
horizon     6 months
factors     1 high, 8 medium; indicators withheld
narrative   withheld
"
    );
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(
        json["receives"]["factors"][0]["indicators"],
        serde_json::Value::Null
    );
    assert_eq!(json["receives"]["narrative"], serde_json::Value::Null);
    assert_eq!(json["verdicts"][1]["allowed"], true);

    let nothing = ExplainView {
        receives: None,
        ..view
    };
    assert!(render_explain(&nothing).ends_with("\necowas would receive nothing of this version.\n"));
}
