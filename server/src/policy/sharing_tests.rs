//! The example sharing policies of `policies/sharing/`, decision by decision,
//! and the rules that hold whatever a policy says: TLP and the order of the
//! detail levels.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::model::assessment::OverallRisk::{self, High, Low, Moderate, VeryHigh};
use crate::model::marking::Tlp::{self, Amber, AmberStrict, Clear, Green, Red};
use crate::model::situation::Crime;
use crate::policy::sharing::{Peer, SharingAction, SharingDecision, SharingPolicy, StatementFacts};

/// The example sets, by directory name.
pub(super) const SETS: [&str; 5] = ["un-hq", "au", "ecowas", "xaa", "civil-society"];

/// The federation directory of the examples, plus `stranger`, which is in
/// none of it.
pub(super) const PEERS: [&str; 6] = ["un-hq", "au", "ecowas", "xaa", "civil-net", "stranger"];

pub(super) fn peer(id: &str) -> Peer {
    let (kind, groups): (&str, &[&str]) = match id {
        "un-hq" => ("un_office", &["un-system"]),
        "au" => ("regional_body", &["au"]),
        "ecowas" => ("regional_body", &["au", "ecowas"]),
        "xaa" => ("member_state", &["ecowas", "au"]),
        "civil-net" => ("civil_society", &["civil-society"]),
        _ => ("member_state", &[]),
    };
    Peer {
        id: id.into(),
        kind: kind.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

pub(super) fn set_dir(set: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../policies/sharing")
        .join(set)
}

/// The example set `name`, loaded once from its directory.
pub(super) fn set(name: &str) -> &'static SharingPolicy {
    static SETS_LOADED: OnceLock<BTreeMap<&str, SharingPolicy>> = OnceLock::new();
    let loaded = SETS_LOADED.get_or_init(|| {
        SETS.iter()
            .map(|s| {
                (
                    *s,
                    SharingPolicy::load(&set_dir(s)).unwrap_or_else(|e| panic!("{e}")),
                )
            })
            .collect()
    });
    loaded
        .get(name)
        .unwrap_or_else(|| panic!("no example set `{name}`"))
}

/// An assessment summary of a GREEN, high-risk situation in XAA (ECOWAS,
/// AU), originated by the node whose policy decides (filled in by `check`).
fn summary() -> StatementFacts {
    StatementFacts {
        kind: "assessment_summary".into(),
        tlp: Green,
        countries: BTreeSet::from(["XAA".into()]),
        m49_region: "011".into(),
        regional_bodies: BTreeSet::from(["ECOWAS".into(), "AU".into()]),
        crimes: BTreeSet::from([Crime::CrimesAgainstHumanity]),
        level: High,
        origin: String::new(),
        origin_kind: String::new(),
        received: false,
        named_recipients: BTreeSet::new(),
    }
}

trait With {
    fn tlp(self, tlp: Tlp) -> Self;
    fn level(self, level: OverallRisk) -> Self;
    fn kind(self, kind: &str) -> Self;
    /// A situation in `country`, of the given regional bodies.
    fn in_country(self, country: &str, bodies: &[&str]) -> Self;
    /// Received from `origin` (an organisation of the example directory).
    fn origin(self, origin: &str) -> Self;
    /// Originated by this node, of organisation `own`.
    fn own_by(self, own: &str) -> Self;
    fn named(self, recipients: &[&str]) -> Self;
}

impl With for StatementFacts {
    fn tlp(self, tlp: Tlp) -> Self {
        Self { tlp, ..self }
    }
    fn level(self, level: OverallRisk) -> Self {
        Self { level, ..self }
    }
    fn kind(self, kind: &str) -> Self {
        Self {
            kind: kind.into(),
            ..self
        }
    }
    fn in_country(self, country: &str, bodies: &[&str]) -> Self {
        Self {
            countries: BTreeSet::from([country.into()]),
            regional_bodies: bodies.iter().map(|b| b.to_string()).collect(),
            ..self
        }
    }
    fn origin(self, origin: &str) -> Self {
        Self {
            origin: origin.into(),
            origin_kind: peer(origin).kind,
            received: true,
            ..self
        }
    }
    fn own_by(self, own: &str) -> Self {
        Self {
            received: false,
            ..self.origin(own)
        }
    }
    fn named(self, recipients: &[&str]) -> Self {
        Self {
            named_recipients: recipients.iter().map(|r| r.to_string()).collect(),
            ..self
        }
    }
}

/// The allowed actions, short: `share factors indicators narrative relay`,
/// or `none`.
fn allowed(decision: &SharingDecision) -> String {
    let names: Vec<&str> = SharingAction::ALL
        .into_iter()
        .filter(|a| decision.allows(*a))
        .map(|a| a.as_str().trim_start_matches("share_"))
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(" ")
    }
}

/// The organisation whose node an example set is for.
fn own(set_name: &str) -> &str {
    if set_name == "civil-society" {
        "civil-net"
    } else {
        set_name
    }
}

/// Decides `facts` for `peer_id` with the example set `set_name` and
/// compares with `expect`: the allowed actions as `allowed` writes them,
/// then optionally `; action=reason,reason` for each action whose reasons to
/// check (`relay=` means none: nothing permits it). A statement without an
/// origin is the set's own.
#[track_caller]
fn check(set_name: &str, peer_id: &str, facts: StatementFacts, expect: &str) {
    let facts = if facts.origin.is_empty() {
        facts.own_by(own(set_name))
    } else {
        facts
    };
    let decision = set(set_name).decide(&peer(peer_id), &facts);
    let context = || format!("set `{set_name}`, peer `{peer_id}`, {facts:?}\n{decision}");
    let mut parts = expect.split(';');
    assert_eq!(
        allowed(&decision),
        parts.next().unwrap_or("").trim(),
        "{}",
        context()
    );
    assert!(decision.errors.is_empty(), "{}", context());
    for part in parts {
        let (action, why) = part
            .trim()
            .split_once('=')
            .unwrap_or_else(|| panic!("bad case `{part}`"));
        let want: Vec<&str> = why.split(',').filter(|w| !w.is_empty()).collect();
        assert_eq!(
            decision.reasons[action],
            want,
            "reasons for {action}: {}",
            context()
        );
    }
}

#[rustfmt::skip]
#[test]
fn un_hq_returns_high_risk_with_factors_to_regional_bodies() {
    let s = "un-hq";
    check(s, "au", summary(), "share factors; share=high-risk-to-regional-bodies; share_narrative=never-narrative");
    check(s, "au", summary(), "share factors; relay=own statement");
    check(s, "au", summary().level(VeryHigh), "share factors");
    check(s, "ecowas", summary(), "share factors");
    check(s, "au", summary().level(Moderate), "none; share=");
    check(s, "ecowas", summary().level(Low), "none");
    check(s, "au", summary().tlp(AmberStrict), "share factors");
    check(s, "au", summary().kind("retraction"), "share factors");
    check(s, "xaa", summary().level(VeryHigh), "none");
    check(s, "civil-net", summary().tlp(Clear), "none");
    check(s, "un-hq", summary(), "none");
    check(s, "stranger", summary().level(VeryHigh), "none; share=");
    check(s, "au", summary().tlp(Red), "none; share=tlp; share_factors=tlp");
    check(s, "au", summary().tlp(Red).named(&["au"]), "share factors");
    check(s, "ecowas", summary().tlp(Red).named(&["au"]), "none; share=tlp");
    check(s, "au", summary().origin("ecowas").tlp(Clear), "none; share=received statement; relay=");
}

#[rustfmt::skip]
#[test]
fn au_gives_the_un_system_all_but_narrative_and_relays_open_african_statements() {
    let s = "au";
    check(s, "un-hq", summary().level(Low), "share factors indicators; share_narrative=");
    check(s, "un-hq", summary().tlp(Amber), "share factors indicators");
    check(s, "un-hq", summary().tlp(Red), "none; share=tlp; share_indicators=tlp");
    check(s, "un-hq", summary().tlp(Red).named(&["un-hq"]), "share factors indicators; relay=own statement");
    check(s, "un-hq", summary().origin("ecowas"), "relay; relay=relay-african-to-un-hq; share=received statement");
    check(s, "un-hq", summary().origin("ecowas").tlp(Clear), "relay");
    check(s, "un-hq", summary().origin("ecowas").tlp(Amber), "none; relay=tlp");
    check(s, "un-hq", summary().origin("ecowas").tlp(AmberStrict), "none; relay=tlp");
    check(s, "un-hq", summary().origin("ecowas").tlp(Red).named(&["un-hq"]), "none; relay=tlp");
    check(s, "un-hq", summary().origin("xaa"), "relay; relay=relay-african-to-un-hq");
    check(s, "un-hq", summary().origin("xaa").tlp(Amber), "none; relay=tlp");
    check(s, "un-hq", summary().origin("civil-net").tlp(Clear), "none; relay=");
    check(s, "ecowas", summary(), "none");
    check(s, "ecowas", summary().origin("ecowas"), "none");
    check(s, "xaa", summary(), "none");
    check(s, "civil-net", summary().tlp(Clear), "none");
    check(s, "stranger", summary().tlp(Clear), "none");
}

#[rustfmt::skip]
#[test]
fn ecowas_informs_member_states_details_au_and_un_hq_and_relays_member_states_up() {
    let s = "ecowas";
    check(s, "xaa", summary(), "share; share=member-states-ecowas-situations");
    check(s, "xaa", summary().in_country("NGA", &["ECOWAS", "AU"]), "share");
    check(s, "xaa", summary().in_country("BFA", &["AU"]), "none");
    check(s, "xaa", summary().tlp(Red), "none; share=tlp");
    check(s, "xaa", summary().tlp(Red).named(&["xaa"]), "share");
    check(s, "au", summary(), "share factors indicators; share_narrative=");
    check(s, "un-hq", summary().in_country("BFA", &["AU"]), "share factors indicators");
    check(s, "au", summary().origin("xaa"), "relay; relay=relay-member-states-to-au");
    check(s, "au", summary().origin("xaa").tlp(Clear), "relay");
    check(s, "au", summary().origin("xaa").tlp(Amber), "none; relay=tlp");
    check(s, "au", summary().origin("xaa").tlp(AmberStrict), "none; relay=tlp");
    check(s, "au", summary().origin("xaa").tlp(Red).named(&["au"]), "none; relay=tlp");
    check(s, "un-hq", summary().origin("xaa"), "none; relay=");
    check(s, "au", summary().origin("un-hq"), "none; relay=");
    check(s, "civil-net", summary().tlp(Clear), "none");
    check(s, "stranger", summary(), "none");
}

#[rustfmt::skip]
#[test]
fn xaa_details_to_ecowas_and_bare_high_risk_summaries_to_au_and_un_hq() {
    let s = "xaa";
    check(s, "ecowas", summary(), "share factors; share_factors=factors-when-high");
    check(s, "ecowas", summary().level(VeryHigh), "share factors");
    check(s, "ecowas", summary().level(Moderate), "share; share_factors=");
    check(s, "ecowas", summary().level(Low).tlp(Amber), "share");
    check(s, "ecowas", summary().in_country("NGA", &["ECOWAS", "AU"]), "none");
    check(s, "ecowas", summary().tlp(Red), "none; share=tlp");
    check(s, "ecowas", summary().tlp(Red).named(&["ecowas"]), "share factors");
    check(s, "ecowas", summary().origin("civil-net").tlp(Clear), "none; relay=");
    check(s, "au", summary().tlp(Clear), "share; share=high-risk-summary-to-au-and-un; share_factors=detail-to-ecowas-only");
    check(s, "au", summary().level(Moderate), "none; share=");
    check(s, "au", summary().origin("ecowas").tlp(Clear), "none; relay=");
    check(s, "un-hq", summary().level(VeryHigh), "share; share=high-risk-summary-to-au-and-un");
    check(s, "un-hq", summary().tlp(Amber), "share; share_indicators=detail-to-ecowas-only");
    check(s, "xaa", summary(), "none");
    check(s, "stranger", summary(), "none; share=known-partners-only");
}

#[rustfmt::skip]
#[test]
fn civil_society_sends_open_summaries_with_narrative_to_the_un_system() {
    let s = "civil-society";
    check(s, "un-hq", summary().tlp(Clear), "share narrative; share_narrative=open-summaries-to-un-system");
    check(s, "un-hq", summary().level(Low), "share narrative; share_factors=");
    check(s, "un-hq", summary().tlp(Amber), "none; share=");
    check(s, "un-hq", summary().tlp(AmberStrict), "none");
    check(s, "un-hq", summary().tlp(Red).named(&["un-hq"]), "none; share=");
    check(s, "un-hq", summary().tlp(Red), "none; share=tlp");
    check(s, "au", summary().tlp(Clear), "none");
    check(s, "ecowas", summary().tlp(Clear), "none");
    check(s, "stranger", summary().tlp(Clear), "none");
}

/// A policy that permits `actions` (a Cedar list) to everyone, so only the
/// code's rules remain.
fn permit(actions: &[&str]) -> SharingPolicy {
    let list: Vec<String> = actions
        .iter()
        .map(|a| format!("Tocsin::Action::\"{a}\""))
        .collect();
    let text = format!(
        "@id(\"all\")\npermit (principal, action in [{}], resource);\n",
        list.join(", ")
    );
    SharingPolicy::from_texts(
        include_str!("../../../policies/sharing.cedarschema"),
        "sharing.cedarschema",
        &text,
        "sharing.cedar",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

const EVERY_ACTION: [&str; 5] = [
    "share",
    "share_factors",
    "share_indicators",
    "share_narrative",
    "relay",
];

#[test]
fn the_tlp_rules_hold_even_when_a_policy_permits_everything() {
    let policy = permit(&EVERY_ACTION);
    let all = "share factors indicators narrative";
    for (tlp, named, own, received) in [
        (Clear, &[][..], all, "relay"),
        (Green, &[], all, "relay"),
        (Amber, &[], all, "none"),
        (AmberStrict, &[], all, "none"),
        (Red, &[], "none", "none"),
        (Red, &["ecowas"], "none", "none"),
        (Red, &["au"], all, "none"),
    ] {
        let facts = summary().tlp(tlp).named(named);
        let decision = policy.decide(&peer("au"), &facts.clone().own_by("ecowas"));
        assert_eq!(allowed(&decision), own, "own {tlp} named {named:?}\n{decision}");
        let decision = policy.decide(&peer("au"), &facts.origin("xaa"));
        assert_eq!(
            allowed(&decision),
            received,
            "received {tlp} named {named:?}\n{decision}"
        );
        if !decision.relay {
            assert_eq!(decision.reasons["relay"], ["tlp"], "{decision}");
        }
    }
}

#[test]
fn detail_needs_the_level_it_adds_to() {
    let own = summary().own_by("ecowas");
    let d = permit(&["share", "share_indicators"]).decide(&peer("au"), &own);
    assert_eq!(allowed(&d), "share", "{d}");
    assert_eq!(d.reasons["share_indicators"], ["requires share_factors"], "{d}");
    let d = permit(&EVERY_ACTION[1..]).decide(&peer("au"), &own);
    assert_eq!(allowed(&d), "none", "{d}");
    assert_eq!(d.reasons["share_factors"], ["requires share"], "{d}");
    assert_eq!(d.reasons["share_indicators"], ["requires share_factors"], "{d}");
    assert_eq!(d.reasons["share_narrative"], ["requires share"], "{d}");
    assert_eq!(d.reasons["relay"], ["own statement"], "{d}");
}

/// Every example set, peer and kind of statement: the invariants hold and
/// every action has its reasons entry.
#[test]
fn no_example_decision_breaks_the_rules() {
    let mut decided = 0;
    for set_name in SETS {
        for peer_id in PEERS {
            let origins = ["un-hq", "au", "ecowas", "xaa", "civil-net"];
            let statements = origins.iter().map(|o| summary().origin(o));
            for statement in statements.chain([summary().own_by(own(set_name))]) {
                for tlp in Tlp::ALL {
                    for level in [Low, Moderate, High, VeryHigh] {
                        let facts = statement.clone().tlp(tlp).level(level);
                        let d = set(set_name).decide(&peer(peer_id), &facts);
                        let context = format!("{set_name} → {peer_id}: {facts:?}\n{d}");
                        assert!(d.errors.is_empty(), "{context}");
                        assert_eq!(d.reasons.len(), SharingAction::ALL.len(), "{context}");
                        assert!(d.share || !(d.factors || d.narrative), "{context}");
                        assert!(d.factors || !d.indicators, "{context}");
                        assert!(!facts.received || !d.share, "{context}");
                        assert!(facts.received || !d.relay, "{context}");
                        assert!(tlp != Red || !d.share, "{context}");
                        assert!(tlp.may_relay() || !d.relay, "{context}");
                        assert!(peer_id != "stranger" || allowed(&d) == "none", "{context}");
                        decided += 1;
                    }
                }
            }
        }
    }
    assert_eq!(decided, 5 * 6 * 6 * 5 * 4);
}

#[test]
fn the_explanation_shows_each_action_and_what_decided_it() {
    let decision = set("ecowas").decide(&peer("au"), &summary().own_by("ecowas"));
    assert_eq!(
        decision.to_string(),
        concat!(
            "share             allow  au-and-un-hq-with-indicators\n",
            "share_factors     allow  au-and-un-hq-with-indicators\n",
            "share_indicators  allow  au-and-un-hq-with-indicators\n",
            "share_narrative   deny   no policy permits it\n",
            "share_locations   deny   no policy permits it\n",
            "relay             deny   own statement\n",
        )
    );
    let decision = set("ecowas").decide(&peer("au"), &summary().origin("xaa").tlp(Amber));
    assert!(
        decision.to_string().ends_with("relay             deny   tlp\n"),
        "{decision}"
    );
}

#[test]
fn each_peer_and_facts_are_evaluated_once_per_policy() {
    let policy = SharingPolicy::load(&set_dir("ecowas")).unwrap();
    let (au, xaa) = (peer("au"), peer("xaa"));
    let green = StatementFacts {
        origin: "ecowas".into(),
        origin_kind: "regional_body".into(),
        ..summary()
    };
    let red = green.clone().tlp(Red);
    let first = policy.decide(&au, &green);
    assert_eq!(policy.decisions.len(), 1);
    assert_eq!(policy.decide(&au, &green), first);
    assert_eq!(
        policy.decisions.len(),
        1,
        "the same question is answered from memory"
    );
    // Another label or another peer is another question.
    let red_to_au = policy.decide(&au, &red);
    let green_to_xaa = policy.decide(&xaa, &green);
    assert_eq!(policy.decisions.len(), 3);
    // What is remembered is what Cedar says.
    for (peer, facts, held) in [
        (&au, &green, &first),
        (&au, &red, &red_to_au),
        (&xaa, &green, &green_to_xaa),
    ] {
        assert_eq!(&policy.evaluate_all(peer, facts), held);
    }
    assert_ne!(
        allowed(&first),
        allowed(&red_to_au),
        "TLP:RED goes to named recipients only"
    );
    // A policy loaded again is a new epoch: it starts with nothing held.
    let reloaded = SharingPolicy::load(&set_dir("ecowas")).unwrap();
    assert_eq!(reloaded.decisions.len(), 0);
}
