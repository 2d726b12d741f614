//! Projection of a published assessment into views per peer, under the
//! example and hand-written sharing policies.

use chrono::Utc;
use std::collections::BTreeSet;
use std::path::Path;

use crate::federation::directory::Directory;
use crate::federation::outbound::{Origin, View, project};
use crate::model::assessment::{Assessment, OverallRisk};
use crate::model::fixtures;
use crate::model::marking::Tlp;
use crate::model::reference::ReferenceData;
use crate::model::statement::{Disclosure, StatementBody};
use crate::policy::sharing::SharingPolicy;

const DIRECTORY: &str = r#"
ca_cert = "ca.crt"
[[organisation]]
id = "xaa"
name = "XAA"
kind = "member_state"
groups = ["ecowas", "au"]
endpoint = "https://127.0.0.1:1"
[[organisation]]
id = "ecowas"
name = "ECOWAS"
kind = "regional_body"
groups = ["au", "ecowas"]
endpoint = "https://127.0.0.1:2"
[[organisation]]
id = "au"
name = "AU"
kind = "regional_body"
groups = ["au"]
endpoint = "https://127.0.0.1:3"
[[organisation]]
id = "un-hq"
name = "UN HQ"
kind = "un_office"
groups = ["un-system"]
endpoint = "https://127.0.0.1:4"
"#;

fn published(risk: OverallRisk, tlp: Tlp) -> Assessment {
    let mut content = fixtures::content();
    content.overall_risk = risk;
    content.tlp = tlp;
    content.situation.admin1 = vec!["XA01".into()];
    content.situation.admin2 = vec!["XA0101".into()];
    content.factors[0].note = "note: the deputy governor's statement".into();
    let now = Utc::now();
    let draft = Assessment::new_draft("a1".into(), content, "xaa", "ada", now);
    draft.submit(now).unwrap().publish("rev", now).unwrap()
}

fn views(policy: &SharingPolicy, assessment: &Assessment) -> Vec<View> {
    let directory = Directory::from_toml(DIRECTORY, "directory.toml").unwrap();
    let reference = ReferenceData::embedded().unwrap();
    let origin = Origin {
        id: "xaa",
        directory: &directory,
        reference: &reference,
        policy,
        epoch: 3,
        hop_limit: 2,
    };
    project(&origin, assessment, Utc::now())
}

fn example(set: &str) -> SharingPolicy {
    SharingPolicy::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../policies/sharing")
            .join(set),
    )
    .unwrap()
}

fn summary(view: &View) -> &crate::model::statement::SharedAssessment {
    match &view.statement.body {
        StatementBody::AssessmentSummary(summary) => summary,
        other => panic!("not a summary: {}", other.kind()),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn xaa_gives_ecowas_factors_and_everyone_allowed_the_bare_summary() {
    let views = views(&example("xaa"), &published(OverallRisk::High, Tlp::Green));
    let shapes: Vec<(BTreeSet<Disclosure>, BTreeSet<String>, String)> = views
        .iter()
        .map(|v| {
            (
                summary(v).disclosed.clone(),
                v.recipients.clone(),
                v.statement.id.clone(),
            )
        })
        .collect();
    assert_eq!(
        shapes,
        [
            (
                [Disclosure::Share].into(),
                set(&["au", "ecowas", "un-hq"]),
                "xaa:a1:v1:s:e3".to_owned()
            ),
            (
                [Disclosure::Share, Disclosure::Factors].into(),
                set(&["ecowas"]),
                "xaa:a1:v1:sf:e3".to_owned()
            ),
        ]
    );
    for view in &views {
        let shared = summary(view);
        assert_eq!(view.statement.audience.recipients, view.recipients);
        assert!(shared.narrative.is_none(), "narrative left XAA");
        assert!(shared.situation.admin2.is_empty(), "admin-2 left XAA");
        assert_eq!(shared.situation.admin1, ["XA01"]);
        if let Some(factors) = &shared.factors {
            assert!(
                factors.iter().all(|f| f.indicators.is_none()),
                "indicators left XAA"
            );
        }
        shared.check_disclosure().unwrap();
    }
}

#[test]
fn below_the_threshold_or_red_nobody_beyond_the_policy_gets_anything() {
    let moderate = views(&example("xaa"), &published(OverallRisk::Moderate, Tlp::Green));
    assert_eq!(
        moderate.iter().map(|v| v.recipients.clone()).collect::<Vec<_>>(),
        [set(&["ecowas"])]
    );
    assert!(views(&example("xaa"), &published(OverallRisk::VeryHigh, Tlp::Red)).is_empty());
}

#[test]
fn everything_goes_only_where_a_policy_allows_it_and_sources_never_do() {
    let all = SharingPolicy::from_texts(
        include_str!("../../../policies/sharing.cedarschema"),
        "sharing.cedarschema",
        "@id(\"all\")\npermit (principal, action, resource);\n",
        "sharing.cedar",
    )
    .unwrap();
    let assessment = published(OverallRisk::High, Tlp::Green);
    let views = views(&all, &assessment);
    assert_eq!(views.len(), 1);
    let shared = summary(&views[0]);
    assert_eq!(shared.disclosed.len(), Disclosure::ALL.len());
    assert_eq!(shared.situation.admin2, ["XA0101"]);
    assert_eq!(
        shared.narrative.as_deref(),
        Some(assessment.content.narrative.as_str())
    );
    let key = crate::model::signing::NodeKey::from_seed(&[1; 32]);
    let sealed = prost::Message::encode_to_vec(&crate::federation::envelope::seal(&views[0].statement, &key));
    let text = String::from_utf8_lossy(&sealed);
    for secret in [
        &assessment.content.sources[0].reference,
        &assessment.content.factors[0].note,
    ] {
        assert!(!text.contains(secret.as_str()), "`{secret}` left the node");
    }
}
