//! Situations across the federation: for each situation, this node's own
//! latest published assessment and every other organisation's latest shared
//! summary, side by side and never averaged. A situation known only from
//! peers is listed too, described as its latest summary describes it.
//!
//! Situations are matched by key. Peers never receive admin-2 p-codes, so
//! their keys stop at admin-1 (`SharedSituation::key`): a local situation
//! keyed down to admin-2 (`XAA/XA01/XA0101`) gets no shared summaries, which
//! are listed under the admin-1 situation (`XAA/XA01`) instead.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use crate::assessments::{Assessments, ServiceError, SituationView};
use crate::federation::received::{ReceivedSummary, received_in_situation, received_summaries};
use crate::federation::state::FederationState;
use crate::model::caller::Caller;
use crate::model::geography::M49Region;
use crate::model::reference::ReferenceData;
use crate::model::situation::SituationSpec;

/// One situation as this node sees it across the federation.
#[derive(Debug, Clone, PartialEq)]
pub struct FederatedSituation {
    /// This node's view: its latest published assessment, if any, and for a
    /// situation known only from peers, the spec of its latest summary.
    pub situation: SituationView,
    /// Every other organisation's latest summary of it, ordered by
    /// organisation: one per organisation, however many assessments it made.
    pub shared: Vec<ReceivedSummary>,
}

/// Situations the caller may list (as `ListSituations` allows), with what
/// peers shared of each, matching an optional country and regional body,
/// ordered by key. A situation matches a body when this node's view or any
/// shared summary places it under that body.
pub fn situations(
    assessments: &Assessments,
    federation: Option<&FederationState>,
    caller: &Caller,
    country: Option<&str>,
    regional_body: Option<&str>,
) -> Result<Vec<FederatedSituation>, ServiceError> {
    let local = assessments.situations(caller, None, None)?;
    let received = match federation {
        Some(state) => received_summaries(state)?,
        None => Vec::new(),
    };
    Ok(merge(local, received, assessments.reference())
        .into_iter()
        .filter(|s| s.matches(country, regional_body))
        .collect())
}

/// One situation by key (as `GetSituation` allows), from this node's
/// assessments, from peers' summaries, or both.
pub fn situation(
    assessments: &Assessments,
    federation: Option<&FederationState>,
    caller: &Caller,
    id: &str,
) -> Result<FederatedSituation, ServiceError> {
    let local = match assessments.situation(caller, id) {
        Ok(view) => vec![view],
        Err(ServiceError::NotFound { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let received = match federation {
        Some(state) => received_in_situation(state, id)?,
        None => Vec::new(),
    };
    merge(local, received, assessments.reference())
        .into_iter()
        .find(|s| s.situation.id == id)
        .ok_or_else(|| ServiceError::NotFound {
            what: format!("situation `{id}`"),
        })
}

impl FederatedSituation {
    fn matches(&self, country: Option<&str>, regional_body: Option<&str>) -> bool {
        let view = &self.situation;
        country.is_none_or(|c| view.spec.countries.iter().any(|x| x == c))
            && regional_body.is_none_or(|b| {
                view.regional_bodies.iter().any(|x| x == b)
                    || self
                        .shared
                        .iter()
                        .any(|r| r.summary.situation.regional_bodies.iter().any(|x| x == b))
            })
    }
}

/// Puts each organisation's latest summary next to this node's view of the
/// same situation, and adds the situations only peers spoke of. Ordered by
/// key; nothing is combined across organisations.
pub fn merge(
    local: Vec<SituationView>,
    received: Vec<ReceivedSummary>,
    reference: &ReferenceData,
) -> Vec<FederatedSituation> {
    // Situation key → organisation → its latest summary of that situation.
    let mut by_key: BTreeMap<String, BTreeMap<String, ReceivedSummary>> = BTreeMap::new();
    for summary in received {
        let of_origin = by_key.entry(summary.situation_id()).or_default();
        match of_origin.get(&summary.origin) {
            Some(held) if recency(held) >= recency(&summary) => {}
            _ => {
                of_origin.insert(summary.origin.clone(), summary);
            }
        }
    }
    let mut merged: BTreeMap<String, FederatedSituation> = BTreeMap::new();
    for situation in local {
        let shared = by_key
            .remove(&situation.id)
            .map(|m| m.into_values().collect())
            .unwrap_or_default();
        merged.insert(situation.id.clone(), FederatedSituation { situation, shared });
    }
    for (id, of_origin) in by_key {
        let shared: Vec<ReceivedSummary> = of_origin.into_values().collect();
        let Some(described) = shared.iter().max_by_key(|r| recency(r)) else {
            continue;
        };
        let situation = from_summary(id.clone(), described, reference);
        merged.insert(id, FederatedSituation { situation, shared });
    }
    merged.into_values().collect()
}

/// Which of two summaries of one organisation is the later.
fn recency(r: &ReceivedSummary) -> (DateTime<Utc>, DateTime<Utc>, u32) {
    (r.summary.published_at, r.issued_at, r.summary.version)
}

/// A situation this node has no assessment of, as a peer's summary puts it:
/// the M49 region and regional bodies as shipped, admin-2 never.
fn from_summary(id: String, r: &ReceivedSummary, reference: &ReferenceData) -> SituationView {
    let s = &r.summary.situation;
    let m49_region = (!s.m49_region.is_empty()).then(|| {
        reference
            .countries
            .iter()
            .find_map(|c| c.m49_region.clone().filter(|m| m.code == s.m49_region))
            .unwrap_or_else(|| M49Region {
                code: s.m49_region.clone(),
                name: String::new(),
            })
    });
    SituationView {
        id,
        spec: SituationSpec {
            title: s.title.clone(),
            countries: s.countries.clone(),
            admin1: s.admin1.clone(),
            admin2: Vec::new(),
            crimes_at_risk: s.crimes_at_risk.clone(),
            protected_groups: s.protected_groups.clone(),
        },
        m49_region,
        regional_bodies: s.regional_bodies.clone(),
        latest_published: None,
        assessment_count: 0,
    }
}

#[cfg(test)]
mod store_tests;
#[cfg(test)]
mod tests;
