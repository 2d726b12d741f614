//! The random inputs of `federation_leaks`: peers, sharing rules and
//! assessment drafts, the Cedar text of the rules, and an independent model
//! of what the rules allow each peer.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use tocsin_server::model::assessment::{FactorLevel, OverallRisk};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::statement::Disclosure;

pub(crate) const PEERS: [&str; 4] = ["peer-a", "peer-b", "peer-c", "peer-d"];
pub(crate) const GROUPS: [&str; 3] = ["g1", "g2", "g3"];
pub(crate) const KINDS: [&str; 4] = ["un_office", "regional_body", "member_state", "civil_society"];
pub(crate) const ACTIONS: [&str; 5] = [
    "share",
    "share_factors",
    "share_indicators",
    "share_narrative",
    "relay",
];
pub(crate) const LEVELS: [OverallRisk; 4] = [
    OverallRisk::Low,
    OverallRisk::Moderate,
    OverallRisk::High,
    OverallRisk::VeryHigh,
];
pub(crate) const FACTOR_LEVELS: [FactorLevel; 5] = [
    FactorLevel::NotAssessed,
    FactorLevel::Absent,
    FactorLevel::Low,
    FactorLevel::Medium,
    FactorLevel::High,
];

/// A peer of the directory: its kind and groups (indices).
#[derive(Debug, Clone)]
pub(crate) struct PeerSpec {
    pub(crate) kind: usize,
    pub(crate) groups: BTreeSet<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Principal {
    Any,
    Org(usize),
    Group(usize),
    Kind(usize),
}

#[derive(Debug, Clone)]
pub(crate) enum Condition {
    Always,
    LevelAtLeast(i64),
    TlpIn(BTreeSet<usize>),
    Country(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) forbid: bool,
    pub(crate) principal: Principal,
    pub(crate) actions: BTreeSet<usize>,
    pub(crate) condition: Condition,
}

pub(crate) fn rule() -> impl Strategy<Value = Rule> {
    let principal = prop_oneof![
        Just(Principal::Any),
        (0..PEERS.len()).prop_map(Principal::Org),
        (0..GROUPS.len()).prop_map(Principal::Group),
        (0..KINDS.len()).prop_map(Principal::Kind),
    ];
    let condition = prop_oneof![
        Just(Condition::Always),
        (1i64..=4).prop_map(Condition::LevelAtLeast),
        prop::collection::btree_set(0..Tlp::ALL.len(), 1..=3).prop_map(Condition::TlpIn),
        prop_oneof![Just("XAA"), Just("XAB")].prop_map(Condition::Country),
    ];
    (
        prop::bool::weighted(0.2),
        principal,
        prop::collection::btree_set(0..ACTIONS.len(), 1..=ACTIONS.len()),
        condition,
    )
        .prop_map(|(forbid, principal, actions, condition)| Rule {
            forbid,
            principal,
            actions,
            condition,
        })
}

pub(crate) fn peer_spec() -> impl Strategy<Value = PeerSpec> {
    (
        0..KINDS.len(),
        prop::collection::btree_set(0..GROUPS.len(), 0..=2),
    )
        .prop_map(|(kind, groups)| PeerSpec { kind, groups })
}

/// The random parts of an assessment; markers make each text findable.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) marker: u64,
    pub(crate) countries: BTreeSet<&'static str>,
    pub(crate) factors: BTreeMap<u8, (usize, Vec<usize>)>,
    pub(crate) level: usize,
    pub(crate) tlp: usize,
    pub(crate) sources: usize,
}

pub(crate) fn draft() -> impl Strategy<Value = Draft> {
    (
        any::<u64>(),
        prop::collection::btree_set(prop_oneof![Just("XAA"), Just("XAB")], 1..=2),
        prop::collection::btree_map(
            1u8..=14,
            (0..FACTOR_LEVELS.len(), prop::collection::vec(0usize..64, 0..4)),
            0..6,
        ),
        0..LEVELS.len(),
        0..Tlp::ALL.len(),
        1usize..=3,
    )
        .prop_map(|(marker, countries, factors, level, tlp, sources)| Draft {
            marker,
            countries,
            factors,
            level,
            tlp,
            sources,
        })
}

pub(crate) fn cedar(rules: &[Rule]) -> String {
    let mut text = String::new();
    for (index, rule) in rules.iter().enumerate() {
        let effect = if rule.forbid { "forbid" } else { "permit" };
        let (principal, mut conditions) = match &rule.principal {
            Principal::Any => ("principal".to_owned(), vec![]),
            Principal::Org(i) => (
                format!("principal == Tocsin::Organisation::{:?}", PEERS[*i]),
                vec![],
            ),
            Principal::Group(g) => (format!("principal in Tocsin::Group::{:?}", GROUPS[*g]), vec![]),
            Principal::Kind(k) => (
                "principal".to_owned(),
                vec![format!("principal.kind == {:?}", KINDS[*k])],
            ),
        };
        match &rule.condition {
            Condition::Always => {}
            Condition::LevelAtLeast(n) => conditions.push(format!("resource.level_rank >= {n}")),
            Condition::TlpIn(set) => {
                let labels: Vec<String> = set
                    .iter()
                    .map(|t| format!("{:?}", Tlp::ALL[*t].as_str()))
                    .collect();
                conditions.push(format!("[{}].contains(resource.tlp)", labels.join(", ")));
            }
            Condition::Country(c) => conditions.push(format!("resource.countries.contains({c:?})")),
        }
        let actions: Vec<String> = rule
            .actions
            .iter()
            .map(|a| format!("Tocsin::Action::{:?}", ACTIONS[*a]))
            .collect();
        let when = if conditions.is_empty() {
            String::new()
        } else {
            format!(" when {{ {} }}", conditions.join(" && "))
        };
        writeln!(
            text,
            "@id(\"r{index}\")\n{effect} ({principal}, action in [{}], resource){when};",
            actions.join(", ")
        )
        .unwrap();
    }
    text
}

/// The model: does `rule` apply to peer `p` and `action` for `draft`?
pub(crate) fn matches(rule: &Rule, p: usize, peer: &PeerSpec, action: usize, draft: &Draft) -> bool {
    let principal = match &rule.principal {
        Principal::Any => true,
        Principal::Org(i) => *i == p,
        Principal::Group(g) => peer.groups.contains(g),
        Principal::Kind(k) => *k == peer.kind,
    };
    let condition = match &rule.condition {
        Condition::Always => true,
        Condition::LevelAtLeast(n) => draft.level as i64 + 1 >= *n,
        Condition::TlpIn(set) => set.contains(&draft.tlp),
        Condition::Country(c) => draft.countries.contains(c),
    };
    principal && condition && rule.actions.contains(&action)
}

/// The model's disclosure for peer `p`: empty when nothing may go to it.
pub(crate) fn expected(rules: &[Rule], p: usize, peer: &PeerSpec, draft: &Draft) -> BTreeSet<Disclosure> {
    let allowed = |action| {
        rules
            .iter()
            .any(|r| !r.forbid && matches(r, p, peer, action, draft))
            && !rules
                .iter()
                .any(|r| r.forbid && matches(r, p, peer, action, draft))
    };
    // No named recipients: TLP:RED goes to nobody.
    if Tlp::ALL[draft.tlp] == Tlp::Red || !allowed(0) {
        return BTreeSet::new();
    }
    let mut disclosed = BTreeSet::from([Disclosure::Share]);
    if allowed(1) {
        disclosed.insert(Disclosure::Factors);
        if allowed(2) {
            disclosed.insert(Disclosure::Indicators);
        }
    }
    if allowed(3) {
        disclosed.insert(Disclosure::Narrative);
    }
    disclosed
}
