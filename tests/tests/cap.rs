//! CAP 1.2 export: the exact XML of an alert, an update and a cancel notice
//! (committed under `tests/fixtures/cap/`), and every rendered document
//! valid against the OASIS CAP 1.2 schema according to `xmllint`.
//!
//! Needs `xmllint` (Debian/Ubuntu: `apt-get install -y libxml2-utils`); the
//! test fails if it is missing. After an intended change of the rendering:
//! `TOCSIN_REGENERATE_FIXTURES=1 cargo test -p tocsin-tests --test cap`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use tocsin_server::model::caller::Role;
use tocsin_server::model::cap::to_cap_xml;
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::situation::{Crime, ProtectedGroup, SituationSpec};
use tocsin_server::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, ResponseDeadlines, Severity, Urgency, Warning,
    WarningContent, WarningLevel,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("cap")
}

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn addressee(organisation: &str, role: Role) -> Addressee {
    Addressee {
        organisation: organisation.into(),
        role,
    }
}

fn content() -> WarningContent {
    WarningContent {
        situation: SituationSpec {
            title: "Northern XAA".into(),
            countries: vec!["XAA".into(), "XAB".into()],
            admin1: vec!["XA01".into()],
            admin2: vec![],
            crimes_at_risk: BTreeSet::from([Crime::CrimesAgainstHumanity, Crime::WarCrimes]),
            protected_groups: vec![ProtectedGroup {
                basis: "ethnic".into(),
                label: "Northern herders".into(),
            }],
        },
        assessment: AssessmentRef {
            id: "a-2026-017".into(),
            version: 3,
        },
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: "Warning: high risk of atrocity crimes in Northern XAA".into(),
        description: "Armed clashes spread along the northern corridor; militias recruit along \
                      ethnic lines ahead of the presidential election."
            .into(),
        instruction: "Deploy the regional envoy.\nBrief the Peace and Security Council.".into(),
        addressees: vec![
            addressee("xaa", Role::FocalPoint),
            addressee("au", Role::DecisionMaker),
            addressee("un-hq", Role::DecisionMaker),
        ],
        expires: t("2026-12-05T09:00:00Z"),
        tlp: Tlp::Amber,
        risk_factors: vec![7, 8],
    }
}

/// The alert, the update that supersedes it, and the cancel notice that
/// withdraws the update, each issued.
fn warnings() -> [Warning; 3] {
    let deadlines = ResponseDeadlines::default();
    let alert = Warning::new_draft(
        "w-2026-0001".into(),
        "ecowas",
        content(),
        "ana",
        t("2026-11-05T08:00:00Z"),
    )
    .issue("rita", &deadlines, t("2026-11-05T09:00:00.250Z"))
    .unwrap();
    let mut escalated = content();
    escalated.level = WarningLevel::Emergency;
    escalated.urgency = Urgency::Immediate;
    escalated.severity = Severity::Extreme;
    escalated.certainty = Certainty::Observed;
    escalated.category = Category::Security;
    escalated.headline = "Emergency: attacks on civilians in Northern XAA".into();
    escalated.description = "Attacks on herders' villages were reported on 5 & 6 November.".into();
    escalated.instruction = String::new();
    escalated.tlp = Tlp::Red;
    let update = alert
        .draft_update("w-2026-0002".into(), escalated, "ana", t("2026-11-06T06:00:00Z"))
        .unwrap()
        .issue("rita", &deadlines, t("2026-11-06T06:30:00Z"))
        .unwrap();
    let notice = update
        .draft_cancel(
            "w-2026-0003".into(),
            "The ceasefire holds; talks resume in <Abuja>.",
            "ana",
            t("2026-11-20T10:00:00Z"),
        )
        .unwrap();
    let public = WarningContent {
        tlp: Tlp::Clear,
        ..notice.content.clone()
    };
    let notice = notice
        .revise(public, t("2026-11-20T10:05:00Z"))
        .unwrap()
        .issue("rita", &deadlines, t("2026-11-20T10:15:00Z"))
        .unwrap();
    [alert, update, notice]
}

const SENDER_NAME: &str = "ECOWAS Early Warning Directorate";

/// Validates `path` against the CAP 1.2 schema; `Err` has xmllint's report.
fn xmllint(path: &Path) -> Result<(), String> {
    let schema = fixtures().join("CAP-v1.2.xsd");
    let output = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(path)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`xmllint` is not installed, so CAP XML cannot be checked against the schema: \
             install it (Debian/Ubuntu: `apt-get install -y libxml2-utils`)"
        ),
        Err(e) => panic!("cannot run xmllint: {e}"),
    };
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn alert_update_and_cancel_render_exactly() {
    let names = ["alert.xml", "update.xml", "cancel.xml"];
    let rendered: Vec<String> = warnings().iter().map(|w| to_cap_xml(w, SENDER_NAME)).collect();
    if std::env::var("TOCSIN_REGENERATE_FIXTURES").as_deref() == Ok("1") {
        for (name, xml) in names.iter().zip(&rendered) {
            std::fs::write(fixtures().join(name), xml).unwrap();
        }
    }
    for (name, xml) in names.iter().zip(&rendered) {
        let expected = std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| {
            panic!("cannot read tests/fixtures/cap/{name}: {e}; regenerate with TOCSIN_REGENERATE_FIXTURES=1")
        });
        assert_eq!(
            xml, &expected,
            "{name} differs; if the rendering changed on purpose, regenerate with \
             `TOCSIN_REGENERATE_FIXTURES=1 cargo test -p tocsin-tests --test cap` and review the diff"
        );
    }
    let [alert, update, cancel] = &rendered[..] else {
        unreachable!()
    };
    assert!(
        alert.contains("<sent>2026-11-05T09:00:00-00:00</sent>"),
        "no fraction, UTC as -00:00"
    );
    assert!(alert.contains("<scope>Restricted</scope>\n  <restriction>TLP:AMBER: "));
    assert!(
        alert.contains("<addresses>urn:tocsin:org:xaa urn:tocsin:org:au urn:tocsin:org:un-hq</addresses>")
    );
    assert!(!alert.contains("<references>"));
    assert!(!alert.contains("XA01"), "no sub-national codes");
    assert!(update.contains("<msgType>Update</msgType>"));
    assert!(
        update
            .contains("<references>urn:tocsin:org:ecowas,w-2026-0001,2026-11-05T09:00:00-00:00</references>")
    );
    assert!(update.contains("herders&apos; villages were reported on 5 &amp; 6 November"));
    assert!(!update.contains("<instruction>"), "no empty instruction");
    assert!(cancel.contains("<msgType>Cancel</msgType>"));
    assert!(cancel.contains("<scope>Public</scope>") && !cancel.contains("<restriction>"));
    assert!(cancel.contains("talks resume in &lt;Abuja&gt;."));
}

#[test]
fn rendered_cap_is_valid_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut documents: Vec<(String, String)> = warnings()
        .iter()
        .map(|w| (format!("{}.xml", w.id), to_cap_xml(w, SENDER_NAME)))
        .collect();
    // A draft with every character that needs escaping.
    let mut awkward = content();
    awkward.headline = "<script>alert('x') & \"more\"</script>".into();
    awkward.description = "line one\r\nline two\u{7} with a bell\u{0}".into();
    awkward.situation.title = "Région du Nord — \"XAA\"".into();
    let draft = Warning::new_draft(
        "w-draft".into(),
        "ecowas",
        awkward,
        "ana",
        t("2026-11-05T08:00:00Z"),
    );
    let xml = to_cap_xml(&draft, "ECOWAS <EWD> & partners");
    assert!(xml.contains("<status>Draft</status>"));
    assert!(xml.contains("&lt;script&gt;alert(&apos;x&apos;) &amp; &quot;more&quot;&lt;/script&gt;"));
    assert!(xml.contains("line one&#13;\nline two\u{FFFD} with a bell\u{FFFD}"));
    assert!(xml.contains("<senderName>ECOWAS &lt;EWD&gt; &amp; partners</senderName>"));
    documents.push(("draft.xml".into(), xml));

    for (name, xml) in &documents {
        let path = dir.path().join(name);
        std::fs::write(&path, xml).unwrap();
        if let Err(report) = xmllint(&path) {
            panic!("{name} is not valid CAP 1.2:\n{report}\n{xml}");
        }
    }

    // The check can fail: a status CAP does not know is refused.
    let invalid = documents[0]
        .1
        .replace("<status>Actual</status>", "<status>Real</status>");
    let path = dir.path().join("invalid.xml");
    std::fs::write(&path, invalid).unwrap();
    let report = xmllint(&path).unwrap_err();
    assert!(report.contains("status"), "{report}");
}
