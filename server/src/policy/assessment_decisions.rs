//! One caller's one action decided on many assessment versions at once, as
//! a listing needs: versions alike in what the policy sees of them
//! (organisation, author, status, TLP) get the same decision, so each such
//! combination is evaluated once. A node holds many versions and few
//! combinations. When a policy names a version, every version is decided
//! on its own.

use std::collections::HashMap;

use crate::model::assessment::Assessment;
use crate::model::caller::Caller;
use crate::policy::access::{AccessPolicy, Action, Resource};
use crate::policy::entities::AssessmentFacts;

/// Decisions for one caller, node and action, remembered by facts.
#[derive(Debug)]
pub struct AssessmentDecisions<'a> {
    policy: &'a AccessPolicy,
    caller: &'a Caller,
    node_organisation: &'a str,
    action: Action,
    decided: HashMap<AssessmentFacts, bool>,
}

impl<'a> AssessmentDecisions<'a> {
    pub fn new(
        policy: &'a AccessPolicy,
        caller: &'a Caller,
        node_organisation: &'a str,
        action: Action,
    ) -> Self {
        Self {
            policy,
            caller,
            node_organisation,
            action,
            decided: HashMap::new(),
        }
    }

    /// Whether the caller may take the action on `assessment`.
    pub fn allows(&mut self, assessment: &Assessment) -> bool {
        let decide = || {
            self.policy
                .authorize(
                    self.caller,
                    self.node_organisation,
                    self.action,
                    Resource::Assessment(assessment),
                )
                .allowed
        };
        if !self.policy.decides_assessments_by_attributes() {
            return decide();
        }
        let facts = AssessmentFacts::of(assessment);
        if let Some(allowed) = self.decided.get(&facts) {
            return *allowed;
        }
        let allowed = decide();
        self.decided.insert(facts, allowed);
        allowed
    }
}
