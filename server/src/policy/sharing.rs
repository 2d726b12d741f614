//! The node's sharing policy: which statements go to which peer
//! organisation, at what detail. Cedar decides from `sharing.cedar`,
//! validated against `policies/sharing.cedarschema`; the TLP rules and the
//! order of the detail levels hold here in code, whatever the policy says.

use cedar_policy::{Authorizer, Context, Entities, PolicyId, PolicySet, Request, Schema};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use crate::model::assessment::OverallRisk;
use crate::model::marking::Tlp;
use crate::model::situation::Crime;
use crate::policy::entities::uid;
use crate::policy::error::PolicyError;
use crate::policy::loading::{policy_ids, validated};
use crate::policy::sharing_decisions::DecisionCache;
use crate::policy::sharing_entities as entities;

/// The schema's file name; a policy directory may hold its own copy.
pub const SCHEMA_FILE: &str = "sharing.cedarschema";
/// The sharing policies' file name in a policy directory.
pub const POLICY_FILE: &str = "sharing.cedar";
/// The reason given for an action the TLP rules refuse.
pub const TLP_REASON: &str = "tlp";
/// The reason given for an action refused because evaluating it failed.
pub const ERROR_REASON: &str = "error";
/// The reason `relay` is refused for a statement this node originated.
pub const OWN_REASON: &str = "own statement";
/// The reason `share` and the detail actions are refused for a statement
/// this node received: it goes on only as its origin signed it.
pub const RECEIVED_REASON: &str = "received statement";

const EMBEDDED_SCHEMA: &str = include_str!("../../../policies/sharing.cedarschema");

/// What may be done with a statement for a peer: send it at some level of
/// detail, or forward it when this node received it from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SharingAction {
    /// Situation, overall risk, trend, confidence, horizon.
    Share,
    ShareFactors,
    ShareIndicators,
    ShareNarrative,
    /// Locations below admin-1 (admin-2 p-codes).
    ShareLocations,
    Relay,
}

impl SharingAction {
    /// Every action, each after the one it requires.
    pub const ALL: [SharingAction; 6] = [
        SharingAction::Share,
        SharingAction::ShareFactors,
        SharingAction::ShareIndicators,
        SharingAction::ShareNarrative,
        SharingAction::ShareLocations,
        SharingAction::Relay,
    ];

    /// The action's id in the schema (`Tocsin::Action::"<id>"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SharingAction::Share => "share",
            SharingAction::ShareFactors => "share_factors",
            SharingAction::ShareIndicators => "share_indicators",
            SharingAction::ShareNarrative => "share_narrative",
            SharingAction::ShareLocations => "share_locations",
            SharingAction::Relay => "relay",
        }
    }

    /// The action this one adds detail to: it is allowed only with that one.
    pub fn requires(self) -> Option<SharingAction> {
        match self {
            SharingAction::ShareFactors | SharingAction::ShareNarrative | SharingAction::ShareLocations => {
                Some(SharingAction::Share)
            }
            SharingAction::ShareIndicators => Some(SharingAction::ShareFactors),
            SharingAction::Share | SharingAction::Relay => None,
        }
    }
}

impl fmt::Display for SharingAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A peer organisation as the federation directory describes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Peer {
    pub id: String,
    /// un_office, regional_body, member_state or civil_society.
    pub kind: String,
    /// The directory's groups it belongs to, e.g. `au`, `un-system`.
    pub groups: BTreeSet<String>,
}

/// What a sharing policy may look at in a statement. The caller builds it
/// from the statement and the reference data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatementFacts {
    /// assessment_summary or retraction (later warning …).
    pub kind: String,
    pub tlp: Tlp,
    /// ISO 3166-1 alpha-3 codes.
    pub countries: BTreeSet<String>,
    /// UN M49 region code, e.g. `011`.
    pub m49_region: String,
    /// Regional bodies the countries belonged to on the statement's date,
    /// e.g. `ECOWAS`, `AU`.
    pub regional_bodies: BTreeSet<String>,
    pub crimes: BTreeSet<Crime>,
    pub level: OverallRisk,
    /// The organisation that originated the statement, and its kind.
    pub origin: String,
    pub origin_kind: String,
    /// True when this node received the statement from another and would
    /// forward it (`relay`); false for its own, which it shares (`share` and
    /// the detail actions).
    pub received: bool,
    /// The organisations a TLP:RED statement is addressed to: the only ones
    /// it may go to. Not used for other labels.
    pub named_recipients: BTreeSet<String>,
}

/// What goes to one peer: a value, never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingDecision {
    pub share: bool,
    pub factors: bool,
    pub indicators: bool,
    pub narrative: bool,
    pub locations: bool,
    pub relay: bool,
    /// For every action (`share`, `share_factors`, …), why it was decided:
    /// the `@id`s of the matching permits when allowed, of the matching
    /// forbids when a policy forbade it, `tlp` when the TLP rules refused it,
    /// `requires <action>` when the detail it adds to was refused, `own
    /// statement` / `received statement` when the action does not apply to
    /// the statement, `error` when evaluating it failed; empty when nothing
    /// permits it.
    pub reasons: BTreeMap<&'static str, Vec<String>>,
    /// Evaluation errors, each prefixed with its action. An action whose
    /// evaluation errs is refused.
    pub errors: Vec<String>,
}

impl SharingDecision {
    /// Is `action` allowed?
    pub fn allows(&self, action: SharingAction) -> bool {
        match action {
            SharingAction::Share => self.share,
            SharingAction::ShareFactors => self.factors,
            SharingAction::ShareIndicators => self.indicators,
            SharingAction::ShareNarrative => self.narrative,
            SharingAction::ShareLocations => self.locations,
            SharingAction::Relay => self.relay,
        }
    }

    /// Why `action` was decided (see `reasons`).
    pub fn reasons_for(&self, action: SharingAction) -> &[String] {
        self.reasons.get(action.as_str()).map_or(&[], Vec::as_slice)
    }

    fn set(&mut self, action: SharingAction, allowed: bool, reasons: Vec<String>) {
        match action {
            SharingAction::Share => self.share = allowed,
            SharingAction::ShareFactors => self.factors = allowed,
            SharingAction::ShareIndicators => self.indicators = allowed,
            SharingAction::ShareNarrative => self.narrative = allowed,
            SharingAction::ShareLocations => self.locations = allowed,
            SharingAction::Relay => self.relay = allowed,
        }
        self.reasons.insert(action.as_str(), reasons);
    }

    fn denied(errors: Vec<String>) -> Self {
        let mut decision = SharingDecision {
            share: false,
            factors: false,
            indicators: false,
            narrative: false,
            locations: false,
            relay: false,
            reasons: BTreeMap::new(),
            errors,
        };
        for action in SharingAction::ALL {
            decision.set(action, false, vec![ERROR_REASON.to_owned()]);
        }
        decision
    }
}

/// One line per action: `share  allow  <reasons>`, as `tocsin policy
/// explain` shows it.
impl fmt::Display for SharingDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for action in SharingAction::ALL {
            let verdict = if self.allows(action) { "allow" } else { "deny" };
            let reasons = self.reasons_for(action);
            let why = if reasons.is_empty() {
                "no policy permits it".to_owned()
            } else {
                reasons.join(", ")
            };
            writeln!(f, "{:<17} {verdict:<5}  {why}", action.as_str())?;
        }
        for error in &self.errors {
            writeln!(f, "error: {error}")?;
        }
        Ok(())
    }
}

/// A validated sharing policy, ready to decide what each peer receives.
#[derive(Debug)]
pub struct SharingPolicy {
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
    /// What it decided so far: a policy decides the same for the same peer
    /// and facts, and a new policy (a new epoch) starts empty.
    pub(super) decisions: DecisionCache,
}

impl SharingPolicy {
    /// Reads `sharing.cedar` from `dir`, validated against the directory's
    /// `sharing.cedarschema` when it has one and the built-in schema
    /// otherwise.
    pub fn load(dir: &Path) -> Result<Self, PolicyError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let policy_path = dir.join(POLICY_FILE);
        let policies = read(&policy_path)?;
        let schema_path = dir.join(SCHEMA_FILE);
        let policy_name = policy_path.display().to_string();
        if schema_path.exists() {
            let schema = read(&schema_path)?;
            Self::from_texts(
                &schema,
                &schema_path.display().to_string(),
                &policies,
                &policy_name,
            )
        } else {
            Self::from_texts(EMBEDDED_SCHEMA, &embedded_schema_name(), &policies, &policy_name)
        }
    }

    /// A policy with no rules: nothing goes to any peer.
    pub fn deny_all() -> Result<Self, PolicyError> {
        Self::from_texts(
            EMBEDDED_SCHEMA,
            &embedded_schema_name(),
            "",
            "(no sharing policy)",
        )
    }

    /// Parses the schema and the policies, names each policy by its `@id`,
    /// and validates them in strict mode. The names are used in error
    /// messages only.
    pub fn from_texts(
        schema_text: &str,
        schema_name: &str,
        policy_text: &str,
        policy_name: &str,
    ) -> Result<Self, PolicyError> {
        let (schema, policies) = validated(schema_text, schema_name, policy_text, policy_name)?;
        Ok(Self {
            schema,
            policies,
            authorizer: Authorizer::new(),
            decisions: DecisionCache::default(),
        })
    }

    /// The `@id`s of the loaded policies, sorted.
    pub fn policy_ids(&self) -> Vec<String> {
        policy_ids(&self.policies)
    }

    /// What of the statement described by `facts` goes to `peer`. Only
    /// `relay` applies to a received statement, and only the others to this
    /// node's own. Default deny; then the TLP rules, then each detail level
    /// only with the one it adds to. Each peer and facts are evaluated once
    /// by this policy; later calls get the same decision from memory.
    pub fn decide(&self, peer: &Peer, facts: &StatementFacts) -> SharingDecision {
        self.decisions
            .get_or(peer, facts, || self.evaluate_all(peer, facts))
    }

    /// `decide`, evaluated.
    pub(super) fn evaluate_all(&self, peer: &Peer, facts: &StatementFacts) -> SharingDecision {
        let entities = match self.entities(peer, facts) {
            Ok(entities) => entities,
            Err(error) => return SharingDecision::denied(vec![error]),
        };
        let mut decision = SharingDecision::denied(Vec::new());
        for action in SharingAction::ALL {
            let relay = action == SharingAction::Relay;
            if relay != facts.received {
                let why = if facts.received {
                    RECEIVED_REASON
                } else {
                    OWN_REASON
                };
                decision.set(action, false, vec![why.to_owned()]);
                continue;
            }
            let (mut allowed, mut reasons) = self.evaluate(action, peer, &entities, &mut decision.errors);
            let tlp_allows = (!relay || facts.tlp.may_relay())
                && facts.tlp.may_send_direct(&peer.id, &facts.named_recipients);
            if !tlp_allows {
                (allowed, reasons) = (false, vec![TLP_REASON.to_owned()]);
            } else if let Some(needed) = action.requires()
                && allowed
                && !decision.allows(needed)
            {
                (allowed, reasons) = (false, vec![format!("requires {needed}")]);
            }
            decision.set(action, allowed, reasons);
        }
        decision
    }

    /// Cedar's answer for one action: allowed, and the policies that decided.
    fn evaluate(
        &self,
        action: SharingAction,
        peer: &Peer,
        entities: &Entities,
        errors: &mut Vec<String>,
    ) -> (bool, Vec<String>) {
        let request = uid(entities::ACTION, action.as_str()).and_then(|action_uid| {
            Request::new(
                entities::peer_uid(peer)?,
                action_uid,
                entities::statement_uid()?,
                Context::empty(),
                Some(&self.schema),
            )
            .map_err(|e| e.to_string())
        });
        let request = match request {
            Ok(request) => request,
            Err(error) => {
                errors.push(format!("{action}: {error}"));
                return (false, vec![ERROR_REASON.to_owned()]);
            }
        };
        let response = self.authorizer.is_authorized(&request, &self.policies, entities);
        let diagnostics = response.diagnostics();
        let failed: Vec<String> = diagnostics.errors().map(|e| format!("{action}: {e}")).collect();
        if !failed.is_empty() {
            // Cedar skips a policy that errs, a forbid as well as a permit:
            // rather than guess what it would have said, send nothing.
            errors.extend(failed);
            return (false, vec![ERROR_REASON.to_owned()]);
        }
        let reasons: BTreeSet<String> = diagnostics.reason().map(PolicyId::to_string).collect();
        (
            response.decision() == cedar_policy::Decision::Allow,
            reasons.into_iter().collect(),
        )
    }

    fn entities(&self, peer: &Peer, facts: &StatementFacts) -> Result<Entities, String> {
        let mut all = entities::peer(peer)?;
        all.push(entities::statement(facts)?);
        Entities::from_entities(all, Some(&self.schema)).map_err(|e| e.to_string())
    }
}

fn embedded_schema_name() -> String {
    format!("policies/{SCHEMA_FILE}")
}
