//! Loading Cedar policy files, shared by the access and sharing policies:
//! parse the schema and the policies, name each policy by its `@id`, and
//! validate them in strict mode, with every problem at `file:line:column`.

use cedar_policy::{PolicyId, PolicySet, Schema, ValidationMode, Validator};
use std::collections::BTreeSet;
use std::str::FromStr;

use crate::policy::diagnostic::{position, problems};
use crate::policy::error::{PolicyError, Position, Problem};

/// Parses the schema and the policies, names each policy by its `@id`, and
/// validates the policies against the schema in strict mode. The names are
/// used in error messages only.
pub(crate) fn validated(
    schema_text: &str,
    schema_name: &str,
    policy_text: &str,
    policy_name: &str,
) -> Result<(Schema, PolicySet), PolicyError> {
    let (schema, _warnings) = Schema::from_cedarschema_str(schema_text).map_err(|e| PolicyError::Schema {
        file: schema_name.to_owned(),
        problems: problems(&e, schema_name, schema_text),
    })?;
    let parsed = PolicySet::from_str(policy_text).map_err(|e| PolicyError::Parse {
        file: policy_name.to_owned(),
        problems: problems(&e, policy_name, policy_text),
    })?;
    let policies = name_by_id(&parsed, policy_text, policy_name)?;
    let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
    if !result.validation_passed() {
        return Err(PolicyError::Validation {
            file: policy_name.to_owned(),
            schema: schema_name.to_owned(),
            problems: result
                .validation_errors()
                .flat_map(|e| problems(e, policy_name, policy_text))
                .collect(),
        });
    }
    Ok((schema, policies))
}

/// The `@id`s of a set's policies, sorted.
pub(crate) fn policy_ids(policies: &PolicySet) -> Vec<String> {
    let ids: BTreeSet<String> = policies.policies().map(|p| p.id().to_string()).collect();
    ids.into_iter().collect()
}

/// Renames every policy from Cedar's generated `policyN` to its `@id`
/// annotation, which must be present and unique.
fn name_by_id(parsed: &PolicySet, text: &str, file: &str) -> Result<PolicySet, PolicyError> {
    if parsed.templates().next().is_some() {
        return Err(PolicyError::Parse {
            file: file.to_owned(),
            problems: vec![Problem {
                file: file.to_owned(),
                position: None,
                message: "policy templates (`?principal`, `?resource`) are not used by the node".into(),
            }],
        });
    }
    // Cedar numbers policies `policy0`, `policy1`, … in file order, and keeps
    // each one's source text: together they give each policy's position.
    let mut in_order: Vec<_> = parsed.policies().collect();
    in_order.sort_by_key(|p| {
        p.id()
            .to_string()
            .trim_start_matches("policy")
            .parse::<usize>()
            .unwrap_or(usize::MAX)
    });
    let mut named = PolicySet::new();
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    for policy in in_order {
        let source = policy.to_string();
        let at: Option<Position> = text
            .get(cursor..)
            .and_then(|rest| rest.find(&source))
            .map(|found| {
                cursor += found + source.len();
                position(text, cursor - source.len())
            });
        let Some(id) = policy.annotation("id") else {
            return Err(PolicyError::MissingId {
                file: file.to_owned(),
                position: at,
            });
        };
        if !seen.insert(id.to_owned()) {
            return Err(PolicyError::DuplicateId {
                id: id.to_owned(),
                file: file.to_owned(),
                position: at,
            });
        }
        named
            .add(policy.new_id(PolicyId::new(id)))
            .map_err(|e| PolicyError::Parse {
                file: file.to_owned(),
                problems: vec![Problem {
                    file: file.to_owned(),
                    position: at,
                    message: e.to_string(),
                }],
            })?;
    }
    Ok(named)
}
