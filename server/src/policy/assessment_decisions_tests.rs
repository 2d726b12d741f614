//! Deciding on many assessment versions at once: once per combination of
//! what the policy sees, unless a policy names a version.

use std::sync::atomic::Ordering;

use super::AssessmentDecisions;
use super::tests::{assessment, caller};
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::caller::Role;
use crate::policy::{AccessPolicy, Action, Resource};

const SCHEMA: &str = include_str!("../../../policies/tocsin.cedarschema");

/// Versions 1–3 of `a-1` by `author` and version 1 of `a-2`, published.
fn versions(author: &str) -> Vec<Assessment> {
    let mut all = Vec::new();
    for (id, version) in [("a-1", 1), ("a-1", 2), ("a-1", 3), ("a-2", 1)] {
        let mut a = assessment(AssessmentStatus::Published, author, "un-hq");
        a.id = id.into();
        a.version = version;
        all.push(a);
    }
    all
}

fn one_by_one(policy: &AccessPolicy, all: &[Assessment]) -> Vec<bool> {
    let caller = caller(&[Role::FocalPoint]);
    all.iter()
        .map(|a| {
            policy
                .authorize(&caller, "un-hq", Action::GetAssessment, Resource::Assessment(a))
                .allowed
        })
        .collect()
}

#[test]
fn versions_alike_are_decided_once_and_as_one_by_one() {
    let policy = AccessPolicy::embedded().unwrap();
    assert!(policy.decides_assessments_by_attributes());
    let mut all = versions("bob");
    all.push(assessment(AssessmentStatus::Draft, "bob", "un-hq"));
    let expected = one_by_one(&policy, &all);
    assert_eq!(expected, [true, true, true, true, false]);

    let before = policy.evaluations.load(Ordering::Relaxed);
    let caller = caller(&[Role::FocalPoint]);
    let mut decisions = AssessmentDecisions::new(&policy, &caller, "un-hq", Action::GetAssessment);
    let decided: Vec<bool> = all.iter().map(|a| decisions.allows(a)).collect();
    assert_eq!(decided, expected);
    // Published by bob, and bob's draft.
    assert_eq!(policy.evaluations.load(Ordering::Relaxed) - before, 2);
}

#[test]
fn a_policy_that_names_a_version_has_every_version_decided_on_its_own() {
    let text = r#"
        @id("read-all")
        permit (principal, action == Tocsin::Action::"GetAssessment", resource);

        @id("not-this-one")
        forbid (principal, action, resource)
        when { resource == Tocsin::Assessment::"a-1@2" };
    "#;
    let policy = AccessPolicy::from_texts(SCHEMA, "schema", text, "access.cedar").unwrap();
    assert!(!policy.decides_assessments_by_attributes());
    let all = versions("bob");
    let caller = caller(&[Role::FocalPoint]);
    let mut decisions = AssessmentDecisions::new(&policy, &caller, "un-hq", Action::GetAssessment);
    let decided: Vec<bool> = all.iter().map(|a| decisions.allows(a)).collect();
    assert_eq!(decided, [true, false, true, true]);
    assert_eq!(decided, one_by_one(&policy, &all));
}

#[test]
fn a_version_named_in_the_scope_counts_too() {
    let text = r#"
        @id("only-this-one")
        permit (
          principal,
          action == Tocsin::Action::"GetAssessment",
          resource == Tocsin::Assessment::"a-2@1"
        );
    "#;
    let policy = AccessPolicy::from_texts(SCHEMA, "schema", text, "access.cedar").unwrap();
    assert!(!policy.decides_assessments_by_attributes());
}
