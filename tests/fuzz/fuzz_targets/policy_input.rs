//! Fuzz target: the policy input builders. Arbitrary callers, actions and
//! assessments go through `AccessPolicy::authorize` with the embedded access
//! policy, and arbitrary peers and statement facts through
//! `SharingPolicy::decide` with each committed sharing policy
//! (`policies/sharing/*`), so the Cedar entities and requests are built from
//! hostile strings (quotes, `::`, control characters, huge sets).
//!
//! Invariants that hold whatever the policies say: decisions are values
//! (no panic) and repeatable; an evaluation error denies; nothing is allowed
//! across organisations, to a caller without roles (but `WhoAmI`), or to
//! the author publishing their own assessment; a received statement is only
//! relayed, an own one never; TLP:RED goes only to named recipients; AMBER,
//! AMBER+STRICT and RED are never relayed; a detail level needs the one it
//! adds to.

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use tocsin_fuzz::{COUNTRIES, ORGS, list, text, time};
use tocsin_server::model::assessment::{
    Assessment, AssessmentContent, Confidence, FactorAssessment, FactorLevel, OverallRisk, Trend,
};
use tocsin_server::model::caller::{Caller, Role};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::situation::{Crime, SituationSpec};
use tocsin_server::policy::{
    AccessPolicy, Action, Peer, Resource, SharingAction, SharingPolicy, StatementFacts,
};

const SHARING: [&str; 5] = ["ecowas", "au", "un-hq", "xaa", "civil-society"];
const KINDS: &[&str] = &["un_office", "regional_body", "member_state", "civil_society", ""];
const GROUPS: &[&str] = &["au", "ecowas", "un-system", "AU", "\"", "a\"b::c"];
const STATEMENT_KINDS: &[&str] = &["assessment_summary", "retraction", "warning", ""];
const BODIES: &[&str] = &["ECOWAS", "AU", "SADC", "EU", ""];

fn access() -> &'static AccessPolicy {
    static POLICY: OnceLock<AccessPolicy> = OnceLock::new();
    POLICY.get_or_init(|| AccessPolicy::embedded().expect("the embedded access policy loads"))
}

fn sharing() -> &'static [SharingPolicy] {
    static POLICIES: OnceLock<Vec<SharingPolicy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/sharing");
        SHARING
            .iter()
            .map(|org| SharingPolicy::load(&root.join(org)).expect("a committed sharing policy loads"))
            .collect()
    })
}

fn some<T: Copy + Ord>(u: &mut Unstructured<'_>, all: &[T]) -> Result<BTreeSet<T>> {
    let mut set = BTreeSet::new();
    for item in all {
        if u.arbitrary()? {
            set.insert(*item);
        }
    }
    Ok(set)
}

fn strings(u: &mut Unstructured<'_>, plausible: &[&str]) -> Result<BTreeSet<String>> {
    Ok(list(u, 6, |u| text(u, plausible))?.into_iter().collect())
}

fn caller(u: &mut Unstructured<'_>) -> Result<Caller> {
    Ok(Caller {
        subject: text(u, &["ana", "rita", ""])?,
        name: u.arbitrary()?,
        issuer: text(u, &["https://idp.example"])?,
        organisation: text(u, ORGS)?,
        roles: some(u, &Role::ALL)?,
    })
}

fn assessment(u: &mut Unstructured<'_>) -> Result<Assessment> {
    let content = AssessmentContent {
        situation: SituationSpec {
            title: u.arbitrary()?,
            countries: list(u, 4, |u| text(u, COUNTRIES))?,
            admin1: list(u, 3, |u| u.arbitrary())?,
            admin2: list(u, 3, |u| u.arbitrary())?,
            crimes_at_risk: some(u, &Crime::ALL)?,
            protected_groups: Vec::new(),
        },
        factors: list(u, 3, |u| {
            Ok(FactorAssessment {
                factor: u.int_in_range(0..=16)?,
                level: *u.choose(&[FactorLevel::NotAssessed, FactorLevel::Low, FactorLevel::High])?,
                indicators: list(u, 3, |u| text(u, &["7.5", "8.8"]))?,
                note: u.arbitrary()?,
            })
        })?,
        overall_risk: *u.choose(&[
            OverallRisk::Low,
            OverallRisk::Moderate,
            OverallRisk::High,
            OverallRisk::VeryHigh,
        ])?,
        ongoing: u.arbitrary()?,
        trend: *u.choose(&[Trend::Deteriorated, Trend::Unchanged, Trend::Improved])?,
        confidence: *u.choose(&[Confidence::Low, Confidence::Medium, Confidence::High])?,
        horizon_months: u.arbitrary()?,
        upcoming_triggers: Vec::new(),
        narrative: u.arbitrary()?,
        response_options: Vec::new(),
        sources: Vec::new(),
        tlp: *u.choose(&Tlp::ALL)?,
    };
    let now = time(u)?;
    let draft = Assessment::new_draft(
        text(u, &["0190a1b2-0000-7000-8000-000000000001"])?,
        content,
        &text(u, ORGS)?,
        &text(u, &["ana", "rita"])?,
        now,
    );
    // Walk it some way through its life, as far as the lifecycle allows.
    let steps = u.int_in_range(0..=3)?;
    let mut current = draft;
    for step in 0..steps {
        let next = match step {
            0 => current.submit(now),
            1 => current.publish(&text(u, &["rita", "ana"])?, now),
            _ => current.withdraw("rita", "recanted", now),
        };
        match next {
            Ok(next) => current = next,
            Err(_) => break,
        }
    }
    Ok(current)
}

fn check_access(u: &mut Unstructured<'_>) -> Result<()> {
    let caller = caller(u)?;
    let node = text(u, ORGS)?;
    let action = *u.choose(&Action::ALL)?;
    let assessment = if u.arbitrary()? {
        Some(assessment(u)?)
    } else {
        None
    };
    let resource = assessment.as_ref().map_or(Resource::Node, Resource::Assessment);
    let decision = access().authorize(&caller, &node, action, resource);
    assert_eq!(
        decision,
        access().authorize(&caller, &node, action, resource),
        "an access decision is not repeatable"
    );
    if !decision.allowed {
        return Ok(());
    }
    assert!(decision.errors.is_empty(), "allowed with evaluation errors");
    // The node is the resource of node-wide actions only; an assessment
    // carries its own organisation.
    if assessment.is_none() {
        assert_eq!(
            caller.organisation, node,
            "allowed on another organisation's node"
        );
    }
    if let Some(a) = &assessment {
        assert_eq!(
            a.organisation, caller.organisation,
            "allowed on another organisation's assessment"
        );
        if action == Action::PublishAssessment {
            assert_ne!(
                a.author, caller.subject,
                "an author published their own assessment"
            );
        }
    }
    if action != Action::WhoAmI {
        assert!(
            !caller.roles.is_empty(),
            "{action} allowed to a caller without roles"
        );
    }
    Ok(())
}

fn check_sharing(u: &mut Unstructured<'_>) -> Result<()> {
    let policy = u.choose(sharing())?;
    let peer = Peer {
        id: text(u, ORGS)?,
        kind: text(u, KINDS)?,
        groups: strings(u, GROUPS)?,
    };
    let facts = StatementFacts {
        kind: text(u, STATEMENT_KINDS)?,
        tlp: *u.choose(&Tlp::ALL)?,
        countries: strings(u, COUNTRIES)?,
        m49_region: text(u, &["011", "202", "150"])?,
        regional_bodies: strings(u, BODIES)?,
        crimes: some(u, &Crime::ALL)?,
        level: *u.choose(&[
            OverallRisk::Low,
            OverallRisk::Moderate,
            OverallRisk::High,
            OverallRisk::VeryHigh,
        ])?,
        origin: text(u, ORGS)?,
        origin_kind: text(u, KINDS)?,
        received: u.arbitrary()?,
        named_recipients: strings(u, ORGS)?,
    };
    let decision = policy.decide(&peer, &facts);
    assert_eq!(
        decision,
        policy.decide(&peer, &facts),
        "a sharing decision is not repeatable"
    );
    for action in SharingAction::ALL {
        if !decision.allows(action) {
            continue;
        }
        assert_eq!(
            action == SharingAction::Relay,
            facts.received,
            "{action} allowed for the wrong side"
        );
        if facts.tlp == Tlp::Red {
            assert!(
                facts.named_recipients.contains(&peer.id),
                "TLP:RED allowed to an unnamed peer"
            );
        }
        if action == SharingAction::Relay {
            assert!(
                matches!(facts.tlp, Tlp::Clear | Tlp::Green),
                "{} relayed",
                facts.tlp
            );
        }
        if let Some(needed) = action.requires() {
            assert!(decision.allows(needed), "{action} allowed without {needed}");
        }
        assert!(
            !decision.errors.iter().any(|e| e.starts_with(action.as_str())),
            "{action} allowed although its evaluation erred"
        );
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = if u.arbitrary().unwrap_or(false) {
        check_sharing(&mut u)
    } else {
        check_access(&mut u)
    };
});
