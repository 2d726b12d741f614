//! The fixed set the leak check publishes: at every node, one assessment
//! per TLP level and risk (low, high), each field carrying a marker string
//! of its own; and, from the example sharing policies, the topology and the
//! hop limits, exactly which view of each assessment every other node ends
//! up holding.

use std::collections::BTreeSet;
use tocsin_proto::v1 as pb;
use tocsin_server::model::statement::Disclosure;

/// The federation in line: each node subscribes to its neighbours.
pub(crate) const LINE: [&str; 5] = ["xaa", "ecowas", "au", "un-hq", "civil-society"];

/// XAA's statements may pass through one relay; everyone else's two.
pub(crate) fn hop_limit(origin: &str) -> u32 {
    if origin == "xaa" { 1 } else { 2 }
}

/// Whether a warning of `origin` can reach `node` along the line within
/// the origin's hop limit (statements take the same path).
pub(crate) fn reachable(origin: &str, node: &str) -> bool {
    let at = |org: &str| LINE.iter().position(|o| *o == org).unwrap_or(usize::MAX);
    let distance = at(origin).abs_diff(at(node));
    origin != node && distance <= usize::try_from(hop_limit(origin)).unwrap_or(0) + 1
}

pub(crate) const TLPS: [(pb::Tlp, &str); 5] = [
    (pb::Tlp::Clear, "clear"),
    (pb::Tlp::Green, "green"),
    (pb::Tlp::Amber, "amber"),
    (pb::Tlp::AmberStrict, "amber-strict"),
    (pb::Tlp::Red, "red"),
];

/// One assessment of the set and its markers.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) origin: &'static str,
    pub(crate) tlp: pb::Tlp,
    pub(crate) high: bool,
    /// Shared whenever the assessment is: proves a view arrived.
    pub(crate) title: String,
    pub(crate) narrative: String,
    /// Never leave the origin: sources and their notes, factor notes,
    /// trigger, response option, admin-2 p-code.
    pub(crate) local: Vec<String>,
    /// Sources alone: never logged, even by the origin.
    pub(crate) sources: Vec<String>,
}

impl Case {
    pub(crate) fn new(origin: &'static str, tlp: (pb::Tlp, &str), high: bool, index: usize) -> Self {
        let tag = format!("{origin}/{}/{}", tlp.1, if high { "high" } else { "low" });
        let sources = vec![format!("SRC[{tag}]"), format!("SRCNOTE[{tag}]")];
        let cc = if origin == "xaa" { "XA" } else { "NG" };
        let mut local = sources.clone();
        local.extend([
            format!("NOTE1[{tag}]"),
            format!("NOTE8[{tag}]"),
            format!("TRIG[{tag}]"),
            format!("RESP[{tag}]"),
            format!("{cc}LEAK{index:08}"),
        ]);
        Self {
            origin,
            tlp: tlp.0,
            high,
            title: format!("TITLE[{tag}]"),
            narrative: format!("NARR[{tag}]"),
            local,
            sources,
        }
    }

    pub(crate) fn content(&self) -> pb::AssessmentContent {
        let (country, admin1) = if self.origin == "xaa" {
            ("XAA", "XA01")
        } else {
            ("NGA", "NG001")
        };
        let level = |high| {
            if high {
                pb::FactorLevel::High as i32
            } else {
                pb::FactorLevel::Low as i32
            }
        };
        pb::AssessmentContent {
            situation: Some(pb::SituationSpec {
                title: self.title.clone(),
                countries: vec![country.into()],
                admin1: vec![admin1.into()],
                admin2: vec![self.local[6].clone()],
                crimes_at_risk: vec![pb::Crime::CrimesAgainstHumanity as i32],
                protected_groups: vec![pb::ProtectedGroup {
                    basis: "ethnic".into(),
                    label: "Herders".into(),
                }],
            }),
            factors: vec![
                pb::FactorAssessment {
                    factor: 1,
                    level: level(self.high),
                    indicators: vec!["1.1".into()],
                    note: self.local[2].clone(),
                },
                pb::FactorAssessment {
                    factor: 8,
                    level: pb::FactorLevel::Medium as i32,
                    indicators: vec!["8.8".into()],
                    note: self.local[3].clone(),
                },
            ],
            overall_risk: if self.high {
                pb::OverallRisk::High as i32
            } else {
                pb::OverallRisk::Low as i32
            },
            ongoing: false,
            trend: pb::Trend::Deteriorated as i32,
            confidence: pb::Confidence::Medium as i32,
            horizon_months: 6,
            upcoming_triggers: vec![pb::Trigger {
                kind: "election".into(),
                description: self.local[4].clone(),
                date: "2027-03-14".into(),
            }],
            narrative: self.narrative.clone(),
            response_options: vec![self.local[5].clone()],
            sources: vec![pb::Source {
                reference: self.sources[0].clone(),
                reliability: "B".into(),
                note: self.sources[1].clone(),
            }],
            tlp: self.tlp as i32,
        }
    }

    /// The most `node` may hold of this assessment — and, by the policies,
    /// the topology and the hop limits, exactly what it ends up holding:
    /// `None` when it may hold nothing.
    pub(crate) fn expected(&self, node: &str) -> Option<BTreeSet<Disclosure>> {
        use Disclosure::{Factors, Indicators, Narrative, Share};
        // TLP:RED needs named recipients, which an assessment has none of;
        // only CLEAR and GREEN are relayed.
        let open = matches!(self.tlp, pb::Tlp::Clear | pb::Tlp::Green);
        if self.tlp == pb::Tlp::Red {
            return None;
        }
        let views: &[Disclosure] = match (self.origin, node) {
            // Factor levels to ECOWAS when high; the bare summary of a high
            // risk to the AU, relayed by ECOWAS. XAA's hop limit of one stops
            // it there: UN HQ, two relays away, gets nothing.
            ("xaa", "ecowas") if self.high => &[Share, Factors],
            ("xaa", "ecowas") => &[Share],
            ("xaa", "au") if self.high && open => &[Share],
            // Member states get summaries of situations in the community;
            // the AU factors and indicators, and the AU relays open
            // statements of regional bodies on to UN HQ.
            ("ecowas", "xaa") => &[Share],
            ("ecowas", "au") => &[Share, Factors, Indicators],
            ("ecowas", "un-hq") if open => &[Share, Factors, Indicators],
            // The AU tells the UN system everything but the narrative.
            ("au", "un-hq") => &[Share, Factors, Indicators],
            // UN HQ returns high risk with factor levels to regional bodies;
            // ECOWAS, allowed it, is connected to the AU, which relays to UN
            // HQ only.
            ("un-hq", "au") if self.high => &[Share, Factors],
            // Civil society sends its open summaries with the narrative.
            ("civil-society", "un-hq") if open => &[Share, Narrative],
            _ => return None,
        };
        Some(views.iter().copied().collect())
    }
}

/// The whole set, in publishing order per origin.
pub(crate) fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for origin in LINE {
        for tlp in TLPS {
            for high in [false, true] {
                let index = cases.len();
                cases.push(Case::new(origin, tlp, high, index));
            }
        }
    }
    cases
}
