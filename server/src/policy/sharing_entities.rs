//! The Cedar entities of one sharing decision, built fresh from the peer and
//! the statement's facts: an `Organisation` with its `Group` parents and a
//! `Statement`. Must match `policies/sharing.cedarschema`.

use cedar_policy::{Entity, EntityUid, RestrictedExpression};
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::model::assessment::OverallRisk;
use crate::policy::entities::uid;
use crate::policy::sharing::{Peer, StatementFacts};

/// Entity and action type names in the schema's `Tocsin` namespace.
pub(crate) const ORGANISATION: &str = "Tocsin::Organisation";
pub(crate) const GROUP: &str = "Tocsin::Group";
pub(crate) const STATEMENT: &str = "Tocsin::Statement";
pub(crate) const ACTION: &str = "Tocsin::Action";

/// The one statement of a decision has a fixed id: policies look at its
/// attributes, never at its identity.
const STATEMENT_ID: &str = "statement";

/// The overall risk as a number policies can compare: 1 (low) to 4 (very high).
pub(crate) fn level_rank(level: OverallRisk) -> i64 {
    match level {
        OverallRisk::Low => 1,
        OverallRisk::Moderate => 2,
        OverallRisk::High => 3,
        OverallRisk::VeryHigh => 4,
    }
}

/// The peer as an `Organisation` whose parents are its groups, and the groups.
pub(crate) fn peer(peer: &Peer) -> Result<Vec<Entity>, String> {
    let mut groups = HashSet::new();
    let mut found = Vec::new();
    for group in &peer.groups {
        let group_uid = uid(GROUP, group)?;
        groups.insert(group_uid.clone());
        found.push(Entity::new_no_attrs(group_uid, HashSet::new()));
    }
    let attrs = HashMap::from([
        ("id".to_owned(), string(&peer.id)),
        ("kind".to_owned(), string(&peer.kind)),
    ]);
    found.push(Entity::new(peer_uid(peer)?, attrs, groups).map_err(|e| e.to_string())?);
    Ok(found)
}

pub(crate) fn peer_uid(peer: &Peer) -> Result<EntityUid, String> {
    uid(ORGANISATION, &peer.id)
}

pub(crate) fn statement_uid() -> Result<EntityUid, String> {
    uid(STATEMENT, STATEMENT_ID)
}

/// The statement with the attributes policies may look at.
pub(crate) fn statement(facts: &StatementFacts) -> Result<Entity, String> {
    let attrs = HashMap::from([
        ("kind".to_owned(), string(&facts.kind)),
        ("tlp".to_owned(), string(facts.tlp.as_str())),
        ("countries".to_owned(), strings(&facts.countries)),
        ("m49_region".to_owned(), string(&facts.m49_region)),
        ("regional_bodies".to_owned(), strings(&facts.regional_bodies)),
        (
            "crimes".to_owned(),
            RestrictedExpression::new_set(facts.crimes.iter().map(|c| string(c.as_str()))),
        ),
        ("level".to_owned(), string(facts.level.as_str())),
        (
            "level_rank".to_owned(),
            RestrictedExpression::new_long(level_rank(facts.level)),
        ),
        ("origin".to_owned(), string(&facts.origin)),
        ("origin_kind".to_owned(), string(&facts.origin_kind)),
    ]);
    Entity::new(statement_uid()?, attrs, HashSet::new()).map_err(|e| e.to_string())
}

fn string(value: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(value.to_owned())
}

fn strings(values: &BTreeSet<String>) -> RestrictedExpression {
    RestrictedExpression::new_set(values.iter().map(|v| string(v)))
}
