//! Property test of what leaves a node: for random assessments (factors and
//! indicators from the catalogue, marked sources, notes, triggers, response
//! options, admin-2 p-codes, narrative; any TLP and level) and random sharing
//! policies (Cedar permits and forbids of random actions to random peers,
//! groups or kinds, under random conditions), every projected view is
//! sealed and opened again, and checked against an independent model of the
//! policy: nothing local is in the sealed bytes, each part is disclosed only
//! to recipients allowed it, TLP:RED goes nowhere without named recipients.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::LazyLock;

use tocsin_server::federation::outbound::{Origin, project};
use tocsin_server::federation::{Directory, open, seal};
use tocsin_server::model::assessment::{
    Assessment, AssessmentContent, Confidence, FactorAssessment, FactorLevel, Source, Trend, Trigger,
};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::reference::ReferenceData;
use tocsin_server::model::signing::NodeKey;
use tocsin_server::model::situation::{Crime, ProtectedGroup, SituationSpec};
use tocsin_server::model::statement::{Disclosure, StatementBody};
use tocsin_server::policy::sharing::SharingPolicy;

#[path = "federation_leaks/model.rs"]
mod model;

use model::{
    Draft, FACTOR_LEVELS, GROUPS, KINDS, LEVELS, PEERS, PeerSpec, Rule, cedar, draft, expected, peer_spec,
    rule,
};

static REFERENCE: LazyLock<ReferenceData> = LazyLock::new(|| ReferenceData::embedded().unwrap());
static KEY: LazyLock<NodeKey> =
    LazyLock::new(|| NodeKey::from_seed(&[3; 32]).with_key_id("origin-test").unwrap());

/// Texts that must never leave the node, and the narrative, each unique.
struct Markers {
    local: Vec<String>,
    narrative: String,
}

fn assessment(draft: &Draft) -> (Assessment, Markers) {
    let m = draft.marker;
    let mut local = Vec::new();
    let mut mark = |what: &str| {
        let text = format!("{what}-{m:016x}-{}", local.len());
        local.push(text.clone());
        text
    };
    let catalogue = &REFERENCE.catalogue;
    let factors = draft
        .factors
        .iter()
        .map(|(number, (level, picks))| {
            let level = FACTOR_LEVELS[*level];
            let codes = &catalogue.factor(*number).unwrap().indicators;
            let mut indicators: Vec<String> = Vec::new();
            // Some factors have no indicators in the catalogue.
            if !codes.is_empty() && !matches!(level, FactorLevel::NotAssessed | FactorLevel::Absent) {
                for pick in picks {
                    let code = &codes[pick % codes.len()].code;
                    if !indicators.contains(code) {
                        indicators.push(code.clone());
                    }
                }
            }
            FactorAssessment {
                factor: *number,
                level,
                indicators,
                note: mark("NOTE"),
            }
        })
        .collect();
    let sources = (0..draft.sources)
        .map(|_| Source {
            reference: mark("SOURCE"),
            reliability: Some('B'),
            note: mark("SOURCENOTE"),
        })
        .collect();
    let admin2 = format!("XA{:014X}", m >> 8);
    let content = AssessmentContent {
        situation: SituationSpec {
            title: "Random situation".into(),
            countries: draft.countries.iter().map(|c| (*c).to_owned()).collect(),
            admin1: vec!["XA01".into()],
            admin2: vec![admin2.clone()],
            crimes_at_risk: BTreeSet::from([Crime::WarCrimes]),
            protected_groups: vec![ProtectedGroup {
                basis: "ethnic".into(),
                label: "Herders".into(),
            }],
        },
        factors,
        overall_risk: LEVELS[draft.level],
        ongoing: false,
        trend: Trend::Unchanged,
        confidence: Confidence::Low,
        horizon_months: 12,
        upcoming_triggers: vec![Trigger {
            kind: "election".into(),
            description: mark("TRIGGER"),
            date: NaiveDate::from_ymd_opt(2027, 3, 14).unwrap(),
        }],
        narrative: format!("Clashes reported. NARRATIVE-{m:016x}"),
        response_options: vec![mark("RESPONSE")],
        sources,
        tlp: Tlp::ALL[draft.tlp],
    };
    local.push(admin2);
    content.validate(&REFERENCE).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    let mut assessment = Assessment::new_draft("a-1".into(), content, "origin", "ada", at);
    assessment = assessment.submit(at).unwrap().publish("rev", at).unwrap();
    let narrative = format!("NARRATIVE-{m:016x}");
    (assessment, Markers { local, narrative })
}

fn directory(peers: &[PeerSpec]) -> Directory {
    let mut text = String::from("ca_cert = \"ca.crt\"\n");
    let mut org = |id: &str, kind: &str, groups: Vec<&str>, key: Option<&NodeKey>| {
        let groups: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
        write!(
            text,
            "[[organisation]]\nid = {id:?}\nname = {id:?}\nkind = {kind:?}\ngroups = [{}]\n\
             endpoint = \"https://127.0.0.1:1\"\n",
            groups.join(", ")
        )
        .unwrap();
        if let Some(key) = key {
            write!(
                text,
                "[[organisation.key]]\nid = {:?}\npublic_key = {:?}\nnot_before = 2020-01-01T00:00:00Z\n",
                key.key_id(),
                key.public_key_base64()
            )
            .unwrap();
        }
    };
    org("origin", "regional_body", vec![], Some(&KEY));
    for (id, peer) in PEERS.iter().zip(peers) {
        org(
            id,
            KINDS[peer.kind],
            peer.groups.iter().map(|g| GROUPS[*g]).collect(),
            None,
        );
    }
    Directory::from_toml(&text, "directory.toml").unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Checks one case; returns the disclosures of the views it made.
fn check(
    peers: &[PeerSpec],
    rules: &[Rule],
    draft: &Draft,
) -> Result<Vec<BTreeSet<Disclosure>>, TestCaseError> {
    let directory = directory(peers);
    let text = cedar(rules);
    let policy = SharingPolicy::from_texts(
        include_str!("../../policies/sharing.cedarschema"),
        "sharing.cedarschema",
        &text,
        "sharing.cedar",
    )
    .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    let (assessment, markers) = assessment(draft);
    let origin = Origin {
        id: "origin",
        directory: &directory,
        reference: &REFERENCE,
        policy: &policy,
        epoch: 1,
        hop_limit: 2,
    };
    let views = project(&origin, &assessment, Utc::now());
    let expect: BTreeMap<&str, BTreeSet<Disclosure>> = PEERS
        .iter()
        .zip(peers)
        .enumerate()
        .map(|(p, (id, peer))| (*id, expected(rules, p, peer, draft)))
        .collect();
    let distinct: BTreeSet<&BTreeSet<Disclosure>> = expect.values().filter(|d| !d.is_empty()).collect();
    let made: BTreeSet<BTreeSet<Disclosure>> = views
        .iter()
        .map(|v| match &v.statement.body {
            StatementBody::AssessmentSummary(s) => s.disclosed.clone(),
            _ => BTreeSet::new(),
        })
        .collect();
    prop_assert_eq!(
        made.iter().collect::<BTreeSet<_>>(),
        distinct,
        "views made\n{}",
        text
    );
    for view in &views {
        let sealed = seal(&view.statement, &KEY).encode_to_vec();
        for local in &markers.local {
            prop_assert!(!contains(&sealed, local), "`{}` left the node\n{}", local, text);
        }
        let statement = open(&seal(&view.statement, &KEY), &directory, 1 << 20)
            .unwrap()
            .into_value();
        prop_assert_eq!(&statement, &view.statement);
        prop_assert_eq!(&statement.audience.recipients, &view.recipients);
        prop_assert!(
            statement.tlp != Tlp::Red,
            "a TLP:RED view without named recipients"
        );
        let StatementBody::AssessmentSummary(summary) = &statement.body else {
            return Err(TestCaseError::fail("not a summary"));
        };
        prop_assert!(summary.situation.admin2.is_empty());
        for (peer, allowed) in &expect {
            let recipient = view.recipients.contains(*peer);
            prop_assert_eq!(
                recipient,
                allowed.is_superset(&summary.disclosed),
                "{} allowed {:?}, view {:?}\n{}",
                peer,
                allowed,
                summary.disclosed,
                text
            );
        }
        let narrated = summary.disclosed.contains(&Disclosure::Narrative);
        prop_assert_eq!(contains(&sealed, &markers.narrative), narrated);
        prop_assert_eq!(summary.narrative.is_some(), narrated);
        let content = &assessment.content;
        match &summary.factors {
            None => prop_assert!(!summary.disclosed.contains(&Disclosure::Factors)),
            Some(factors) => {
                prop_assert!(summary.disclosed.contains(&Disclosure::Factors));
                prop_assert_eq!(factors.len(), content.factors.len());
                let indicators = summary.disclosed.contains(&Disclosure::Indicators);
                for (shared, local) in factors.iter().zip(&content.factors) {
                    prop_assert_eq!((shared.factor, shared.level), (local.factor, local.level));
                    prop_assert_eq!(&shared.indicators, &indicators.then(|| local.indicators.clone()));
                }
            }
        }
    }
    Ok(made.into_iter().collect())
}

#[test]
fn views_disclose_only_what_the_policy_allows_each_recipient() {
    let config = ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let seen = std::cell::RefCell::new(BTreeSet::new());
    let strategy = (
        prop::collection::vec(peer_spec(), PEERS.len()),
        prop::collection::vec(rule(), 0..7),
        draft(),
    );
    proptest::test_runner::TestRunner::new(config)
        .run(&strategy, |(peers, rules, draft)| {
            let disclosed = check(&peers, &rules, &draft)?;
            seen.borrow_mut().extend(disclosed);
            Ok(())
        })
        .unwrap();
    // The cases reached every kind of view, not only "share nothing".
    let seen = seen.into_inner();
    for view in [
        vec![Disclosure::Share],
        vec![Disclosure::Share, Disclosure::Factors, Disclosure::Indicators],
        vec![Disclosure::Share, Disclosure::Narrative],
    ] {
        let view: BTreeSet<Disclosure> = view.into_iter().collect();
        assert!(
            seen.contains(&view),
            "no case made the view {view:?}; seen {seen:?}"
        );
    }
}
