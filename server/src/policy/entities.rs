//! The Cedar entities of one access request, built fresh for every call from
//! the caller and the resource: a `User` with its `Role` parents, the `Node`
//! or an `Assessment`. Must match `policies/tocsin.cedarschema`.

use cedar_policy::{Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use crate::model::assessment::Assessment;
use crate::model::caller::Caller;

/// Entity and action type names in the schema's `Tocsin` namespace.
pub(crate) const USER: &str = "Tocsin::User";
pub(crate) const ROLE: &str = "Tocsin::Role";
pub(crate) const NODE: &str = "Tocsin::Node";
pub(crate) const ASSESSMENT: &str = "Tocsin::Assessment";
pub(crate) const ACTION: &str = "Tocsin::Action";

/// A uid of the given type; the id is taken verbatim, never parsed.
pub(crate) fn uid(type_name: &str, id: &str) -> Result<EntityUid, String> {
    let type_name = EntityTypeName::from_str(type_name).map_err(|e| e.to_string())?;
    Ok(EntityUid::from_type_name_and_id(type_name, EntityId::new(id)))
}

/// The caller as a `User` entity whose parents are its roles, and the roles.
pub(crate) fn user(caller: &Caller) -> Result<Vec<Entity>, String> {
    let mut roles = HashSet::new();
    let mut found = Vec::new();
    for role in &caller.roles {
        let role_uid = uid(ROLE, role.as_str())?;
        roles.insert(role_uid.clone());
        found.push(Entity::new_no_attrs(role_uid, HashSet::new()));
    }
    let attrs = strings([
        ("organisation", caller.organisation.as_str()),
        ("subject", caller.subject.as_str()),
    ]);
    let user = Entity::new(uid(USER, &caller.subject)?, attrs, roles).map_err(|e| e.to_string())?;
    found.push(user);
    Ok(found)
}

/// This node, identified by its organisation.
pub(crate) fn node(organisation: &str) -> Result<Entity, String> {
    Entity::new(
        uid(NODE, organisation)?,
        strings([("organisation", organisation)]),
        HashSet::new(),
    )
    .map_err(|e| e.to_string())
}

/// The uid of one assessment version: `<id>@<version>`.
pub(crate) fn assessment_uid(assessment: &Assessment) -> Result<EntityUid, String> {
    uid(ASSESSMENT, &format!("{}@{}", assessment.id, assessment.version))
}

/// One assessment version with the attributes policies may look at.
pub(crate) fn assessment(assessment: &Assessment) -> Result<Entity, String> {
    let AssessmentFacts {
        organisation,
        author,
        status,
        tlp,
    } = AssessmentFacts::of(assessment);
    let attrs = strings([
        ("organisation", organisation.as_str()),
        ("author", author.as_str()),
        ("status", status),
        ("tlp", tlp),
    ]);
    Entity::new(assessment_uid(assessment)?, attrs, HashSet::new()).map_err(|e| e.to_string())
}

/// All a policy sees of an assessment version besides its uid: the
/// attributes of its entity, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AssessmentFacts {
    pub organisation: String,
    pub author: String,
    pub status: &'static str,
    pub tlp: &'static str,
}

impl AssessmentFacts {
    pub(crate) fn of(assessment: &Assessment) -> Self {
        Self {
            organisation: assessment.organisation.clone(),
            author: assessment.author.clone(),
            status: assessment.status.as_str(),
            tlp: assessment.content.tlp.as_str(),
        }
    }
}

fn strings<const N: usize>(pairs: [(&str, &str); N]) -> HashMap<String, RestrictedExpression> {
    pairs
        .into_iter()
        .map(|(name, value)| {
            (
                name.to_owned(),
                RestrictedExpression::new_string(value.to_owned()),
            )
        })
        .collect()
}
