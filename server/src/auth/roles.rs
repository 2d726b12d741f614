//! Turns the configured role claim of a verified ID token into node roles.

use crate::model::caller::Role;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The roles named by `claim` in `claims`. The claim is a string or an array
/// of strings; a name with dots (`realm_access.roles`) is also looked up as a
/// path of nested objects when no top-level claim has that exact name.
/// With an empty `role_map` the values are role names (`analyst`); otherwise
/// only values listed in `role_map` count. Unknown values are ignored.
pub(crate) fn roles_from_claims(
    claims: &BTreeMap<String, Value>,
    claim: &str,
    role_map: &BTreeMap<String, Role>,
) -> BTreeSet<Role> {
    let Some(value) = find_claim(claims, claim) else {
        return BTreeSet::new();
    };
    let values: Vec<&str> = match value {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    values
        .into_iter()
        .filter_map(|value| {
            if role_map.is_empty() {
                value.parse::<Role>().ok()
            } else {
                role_map.get(value).copied()
            }
        })
        .collect()
}

fn find_claim<'a>(claims: &'a BTreeMap<String, Value>, claim: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(claim) {
        return Some(value);
    }
    let mut parts = claim.split('.');
    let mut current = claims.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(claims: Value, claim: &str, role_map: &[(&str, Role)], expect: &[Role]) {
        let claims: BTreeMap<String, Value> = serde_json::from_value(claims).unwrap();
        let role_map = role_map.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let got = roles_from_claims(&claims, claim, &role_map);
        assert_eq!(got, expect.iter().copied().collect::<BTreeSet<_>>(), "{claims:?}");
    }

    #[test]
    fn role_names_as_string_or_array() {
        check(json!({"roles": "analyst"}), "roles", &[], &[Role::Analyst]);
        check(
            json!({"roles": ["analyst", "Decision-Maker", "focal_point"]}),
            "roles",
            &[],
            &[Role::Analyst, Role::DecisionMaker, Role::FocalPoint],
        );
    }

    #[test]
    fn unknown_values_and_other_types_are_ignored() {
        check(
            json!({"roles": ["root", "auditor", 7, null]}),
            "roles",
            &[],
            &[Role::Auditor],
        );
        check(json!({"roles": 7}), "roles", &[], &[]);
        check(json!({"roles": {"analyst": true}}), "roles", &[], &[]);
        check(json!({"groups": ["analyst"]}), "roles", &[], &[]);
        check(json!({}), "roles", &[], &[]);
    }

    #[test]
    fn role_map_translates_and_excludes_unmapped_names() {
        let map = [("ew-analysts", Role::Analyst), ("ew-admins", Role::Admin)];
        check(
            json!({"groups": ["ew-admins", "staff"]}),
            "groups",
            &map,
            &[Role::Admin],
        );
        // With a map, plain role names no longer count.
        check(json!({"groups": ["analyst"]}), "groups", &map, &[]);
    }

    #[test]
    fn dotted_claim_names_follow_nested_objects() {
        let claims = json!({"realm_access": {"roles": ["reviewer"]}});
        check(claims, "realm_access.roles", &[], &[Role::Reviewer]);
        // An exact top-level name wins over the path.
        let claims = json!({"a.b": "admin", "a": {"b": "auditor"}});
        check(claims, "a.b", &[], &[Role::Admin]);
        check(json!({"a": "x"}), "a.b", &[], &[]);
    }
}
