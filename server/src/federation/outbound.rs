//! What this node tells the federation about a published assessment: for
//! every organisation in the directory, the sharing policy decides what it
//! may see; organisations that may see the same things get the same signed
//! view. Sources, notes, triggers, response options and locations below
//! admin-1 never enter a view: they have no field in it.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

use crate::federation::directory::Directory;
use crate::model::assessment::Assessment;
use crate::model::reference::ReferenceData;
use crate::model::statement::{
    Audience, Disclosure, SharedAssessment, SharedFactor, SharedSituation, Statement, StatementBody,
};
use crate::policy::sharing::{Peer, SharingDecision, SharingPolicy, StatementFacts};

/// One view of an assessment and the organisations it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub statement: Statement,
    /// Organisations this view is for: those allowed at least what it
    /// discloses.
    pub recipients: BTreeSet<String>,
}

/// Who this node is, for projecting its statements.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub id: &'a str,
    pub directory: &'a Directory,
    pub reference: &'a ReferenceData,
    pub policy: &'a SharingPolicy,
    pub epoch: u64,
    pub hop_limit: u32,
}

/// The facts the sharing policy sees about an assessment.
pub fn facts(origin: &Origin<'_>, assessment: &Assessment, received: bool) -> StatementFacts {
    let situation = &assessment.content.situation;
    let date = assessment
        .published_at
        .unwrap_or(assessment.updated_at)
        .date_naive();
    StatementFacts {
        kind: "assessment_summary".into(),
        tlp: assessment.content.tlp,
        countries: situation.countries.iter().cloned().collect(),
        m49_region: m49_region(origin.reference, &situation.countries),
        regional_bodies: situation.regional_bodies(origin.reference, date),
        crimes: situation.crimes_at_risk.clone(),
        level: assessment.content.overall_risk,
        origin: origin.id.to_owned(),
        origin_kind: origin
            .directory
            .organisation(origin.id)
            .map(|o| o.kind.as_str().to_owned())
            .unwrap_or_default(),
        received,
        named_recipients: BTreeSet::new(),
    }
}

/// The peer as the sharing policy sees it.
pub fn peer(directory: &Directory, id: &str) -> Option<Peer> {
    directory.organisation(id).map(|o| Peer {
        id: o.id.clone(),
        kind: o.kind.as_str().to_owned(),
        groups: o.groups.clone(),
    })
}

/// Every view of a published assessment this node may send, one per
/// distinct disclosure, each with its recipients. Empty when the policy
/// shares it with nobody.
pub fn project(origin: &Origin<'_>, assessment: &Assessment, now: DateTime<Utc>) -> Vec<View> {
    let facts = facts(origin, assessment, false);
    let mut groups: BTreeMap<BTreeSet<Disclosure>, BTreeSet<String>> = BTreeMap::new();
    for org in origin.directory.organisations().filter(|o| o.id != origin.id) {
        let Some(peer) = peer(origin.directory, &org.id) else {
            continue;
        };
        let decision = origin.policy.decide(&peer, &facts);
        if decision.share {
            groups
                .entry(disclosure(&decision))
                .or_default()
                .insert(org.id.clone());
        }
    }
    // Each view also goes to those allowed more, so that a node allowed the
    // detailed view can relay the bare one to others allowed only that.
    let views: Vec<(BTreeSet<Disclosure>, BTreeSet<String>)> = groups
        .keys()
        .map(|view| {
            let recipients = groups
                .iter()
                .filter(|(other, _)| other.is_superset(view))
                .flat_map(|(_, orgs)| orgs.iter().cloned())
                .collect();
            (view.clone(), recipients)
        })
        .collect();
    views
        .into_iter()
        .map(|(disclosed, recipients)| {
            let statement = Statement {
                id: statement_id(origin, assessment, &disclosed),
                origin: origin.id.to_owned(),
                issued_at: now,
                audience: Audience {
                    recipients: recipients.clone(),
                    hop_limit: origin.hop_limit,
                },
                tlp: assessment.content.tlp,
                body: StatementBody::AssessmentSummary(redact(origin, assessment, disclosed)),
            };
            View {
                statement,
                recipients,
            }
        })
        .collect()
}

/// The key that says a version was projected under an epoch.
pub fn projection_key(assessment: &Assessment, epoch: u64) -> String {
    format!("{}:{}:e{epoch}", assessment.id, assessment.version)
}

fn disclosure(decision: &SharingDecision) -> BTreeSet<Disclosure> {
    let mut disclosed = BTreeSet::from([Disclosure::Share]);
    if decision.factors {
        disclosed.insert(Disclosure::Factors);
    }
    if decision.indicators {
        disclosed.insert(Disclosure::Indicators);
    }
    if decision.narrative {
        disclosed.insert(Disclosure::Narrative);
    }
    if decision.locations {
        disclosed.insert(Disclosure::Locations);
    }
    disclosed
}

/// Deterministic: the same version, view and epoch always get the same id.
fn statement_id(origin: &Origin<'_>, assessment: &Assessment, disclosed: &BTreeSet<Disclosure>) -> String {
    let view: String = disclosed.iter().map(|d| &d.as_str()[..1]).collect();
    format!(
        "{}:{}:v{}:{view}:e{}",
        origin.id, assessment.id, assessment.version, origin.epoch
    )
}

fn redact(origin: &Origin<'_>, assessment: &Assessment, disclosed: BTreeSet<Disclosure>) -> SharedAssessment {
    let content = &assessment.content;
    let situation = &content.situation;
    let date = assessment
        .published_at
        .unwrap_or(assessment.updated_at)
        .date_naive();
    let factors = disclosed.contains(&Disclosure::Factors).then(|| {
        content
            .factors
            .iter()
            .map(|f| SharedFactor {
                factor: f.factor,
                level: f.level,
                indicators: disclosed
                    .contains(&Disclosure::Indicators)
                    .then(|| f.indicators.clone()),
            })
            .collect()
    });
    SharedAssessment {
        assessment_id: assessment.id.clone(),
        version: assessment.version,
        situation: SharedSituation {
            title: situation.title.clone(),
            countries: situation.countries.clone(),
            admin1: situation.admin1.clone(),
            // Locations below admin-1 only where `share_locations` allowed them.
            admin2: if disclosed.contains(&Disclosure::Locations) {
                situation.admin2.clone()
            } else {
                Vec::new()
            },
            m49_region: m49_region(origin.reference, &situation.countries),
            regional_bodies: situation
                .regional_bodies(origin.reference, date)
                .into_iter()
                .collect(),
            crimes_at_risk: situation.crimes_at_risk.clone(),
            protected_groups: situation.protected_groups.clone(),
        },
        overall_risk: content.overall_risk,
        ongoing: content.ongoing,
        trend: content.trend,
        confidence: content.confidence,
        horizon_months: content.horizon_months,
        published_at: assessment.published_at.unwrap_or(assessment.updated_at),
        factors,
        narrative: disclosed
            .contains(&Disclosure::Narrative)
            .then(|| content.narrative.clone()),
        disclosed,
    }
}

pub(crate) fn m49_region(reference: &ReferenceData, countries: &[String]) -> String {
    countries
        .first()
        .and_then(|c| reference.countries.lookup(c).ok())
        .and_then(|c| c.m49_region)
        .map(|r| r.code)
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
