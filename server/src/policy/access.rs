//! The node's access policy: may this caller take this action on the node or
//! on this assessment? Cedar decides, from `policies/access.cedar` validated
//! against `policies/tocsin.cedarschema`.

use cedar_policy::{Authorizer, Context, Entities, PolicyId, PolicySet, Request, Schema};
use std::collections::BTreeSet;
use std::path::Path;

use crate::model::assessment::Assessment;
use crate::model::caller::Caller;
use crate::policy::entities;
use crate::policy::error::PolicyError;
use crate::policy::loading::{policy_ids, validated};

/// The schema's file name in a policy directory.
pub const SCHEMA_FILE: &str = "tocsin.cedarschema";
/// The access policies' file name in a policy directory.
pub const POLICY_FILE: &str = "access.cedar";

const EMBEDDED_SCHEMA: &str = include_str!("../../../policies/tocsin.cedarschema");
const EMBEDDED_POLICIES: &str = include_str!("../../../policies/access.cedar");

/// What a caller asks to do: one per RPC, plus `ReadSources`, which decides
/// whether an assessment's sources are part of a reply. The federation
/// administration RPCs (`ListPeers` … `ReloadSharingPolicy`), the warning,
/// subscription and audit actions are node-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    WhoAmI,
    CreateAssessment,
    ListAssessments,
    ListSituations,
    GetSituation,
    ReviseAssessment,
    SubmitAssessment,
    PublishAssessment,
    GetAssessment,
    ReadSources,
    WithdrawAssessment,
    ListPeers,
    ListQuarantine,
    ListRefusals,
    ExplainSharing,
    ReloadSharingPolicy,
    RaiseWarning,
    IssueWarning,
    ReadWarnings,
    AcknowledgeWarning,
    DecideWarning,
    RecordAction,
    CloseWarning,
    WriteAfterActionNote,
    ReadReport,
    ManageSubscriptions,
    ManageWebhooks,
    QueryAudit,
    VerifyAudit,
}

impl Action {
    pub const ALL: [Action; 29] = [
        Action::WhoAmI,
        Action::CreateAssessment,
        Action::ListAssessments,
        Action::ListSituations,
        Action::GetSituation,
        Action::ReviseAssessment,
        Action::SubmitAssessment,
        Action::PublishAssessment,
        Action::GetAssessment,
        Action::ReadSources,
        Action::WithdrawAssessment,
        Action::ListPeers,
        Action::ListQuarantine,
        Action::ListRefusals,
        Action::ExplainSharing,
        Action::ReloadSharingPolicy,
        Action::RaiseWarning,
        Action::IssueWarning,
        Action::ReadWarnings,
        Action::AcknowledgeWarning,
        Action::DecideWarning,
        Action::RecordAction,
        Action::CloseWarning,
        Action::WriteAfterActionNote,
        Action::ReadReport,
        Action::ManageSubscriptions,
        Action::ManageWebhooks,
        Action::QueryAudit,
        Action::VerifyAudit,
    ];

    /// The action's id in the schema (`Tocsin::Action::"<id>"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::WhoAmI => "WhoAmI",
            Action::CreateAssessment => "CreateAssessment",
            Action::ListAssessments => "ListAssessments",
            Action::ListSituations => "ListSituations",
            Action::GetSituation => "GetSituation",
            Action::ReviseAssessment => "ReviseAssessment",
            Action::SubmitAssessment => "SubmitAssessment",
            Action::PublishAssessment => "PublishAssessment",
            Action::GetAssessment => "GetAssessment",
            Action::ReadSources => "ReadSources",
            Action::WithdrawAssessment => "WithdrawAssessment",
            Action::ListPeers => "ListPeers",
            Action::ListQuarantine => "ListQuarantine",
            Action::ListRefusals => "ListRefusals",
            Action::ExplainSharing => "ExplainSharing",
            Action::ReloadSharingPolicy => "ReloadSharingPolicy",
            Action::RaiseWarning => "RaiseWarning",
            Action::IssueWarning => "IssueWarning",
            Action::ReadWarnings => "ReadWarnings",
            Action::AcknowledgeWarning => "AcknowledgeWarning",
            Action::DecideWarning => "DecideWarning",
            Action::RecordAction => "RecordAction",
            Action::CloseWarning => "CloseWarning",
            Action::WriteAfterActionNote => "WriteAfterActionNote",
            Action::ReadReport => "ReadReport",
            Action::ManageSubscriptions => "ManageSubscriptions",
            Action::ManageWebhooks => "ManageWebhooks",
            Action::QueryAudit => "QueryAudit",
            Action::VerifyAudit => "VerifyAudit",
        }
    }

    /// True for node-wide actions (resource `Resource::Node`), false for
    /// actions on one assessment.
    pub fn on_node(self) -> bool {
        matches!(
            self,
            Action::WhoAmI
                | Action::CreateAssessment
                | Action::ListAssessments
                | Action::ListSituations
                | Action::GetSituation
                | Action::ListPeers
                | Action::ListQuarantine
                | Action::ListRefusals
                | Action::ExplainSharing
                | Action::ReloadSharingPolicy
                | Action::RaiseWarning
                | Action::IssueWarning
                | Action::ReadWarnings
                | Action::AcknowledgeWarning
                | Action::DecideWarning
                | Action::RecordAction
                | Action::CloseWarning
                | Action::WriteAfterActionNote
                | Action::ReadReport
                | Action::ManageSubscriptions
                | Action::ManageWebhooks
                | Action::QueryAudit
                | Action::VerifyAudit
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action is taken on.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// The node itself, for node-wide actions.
    Node,
    /// One assessment version.
    Assessment(&'a Assessment),
}

/// The outcome of one authorization: a value, never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The `@id`s of the policies that determined the decision: the matching
    /// permits when allowed, the matching forbids when denied (empty when
    /// denied because nothing permits).
    pub reasons: Vec<String>,
    /// Evaluation errors. Any error denies the request, since Cedar skips
    /// a policy that errors, a `forbid` included.
    pub errors: Vec<String>,
}

impl Decision {
    fn error(error: String) -> Self {
        Self {
            allowed: false,
            reasons: Vec::new(),
            errors: vec![error],
        }
    }
}

/// A validated access policy, ready to authorize calls.
#[derive(Debug)]
pub struct AccessPolicy {
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
    /// Whether a policy names an assessment version (`Assessment::"…"`),
    /// so that a decision on one may differ from another's with the same
    /// attributes.
    names_assessments: bool,
    /// How many requests were evaluated.
    #[cfg(test)]
    pub(crate) evaluations: std::sync::atomic::AtomicUsize,
}

impl AccessPolicy {
    /// Reads `tocsin.cedarschema` and `access.cedar` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, PolicyError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| PolicyError::Read { path, source })
        };
        let schema = read(SCHEMA_FILE)?;
        let policies = read(POLICY_FILE)?;
        Self::from_texts(
            &schema,
            &dir.join(SCHEMA_FILE).display().to_string(),
            &policies,
            &dir.join(POLICY_FILE).display().to_string(),
        )
    }

    /// Reads `access.cedar` from `dir`, validated against the directory's
    /// `tocsin.cedarschema` when it has one and the built-in schema
    /// otherwise (as `tocsin policy check` does).
    pub fn load_with_schema_fallback(dir: &Path) -> Result<Self, PolicyError> {
        if dir.join(SCHEMA_FILE).exists() {
            return Self::load(dir);
        }
        let path = dir.join(POLICY_FILE);
        let policies = std::fs::read_to_string(&path).map_err(|source| PolicyError::Read {
            path: path.clone(),
            source,
        })?;
        Self::from_texts(
            EMBEDDED_SCHEMA,
            &format!("built-in {SCHEMA_FILE}"),
            &policies,
            &path.display().to_string(),
        )
    }

    /// The policy shipped with this build, from the repository's `policies/`.
    pub fn embedded() -> Result<Self, PolicyError> {
        Self::from_texts(
            EMBEDDED_SCHEMA,
            &format!("policies/{SCHEMA_FILE}"),
            EMBEDDED_POLICIES,
            &format!("policies/{POLICY_FILE}"),
        )
    }

    /// Parses the schema and the policies, names each policy by its `@id`,
    /// and validates the policies against the schema in strict mode. The
    /// names are used in error messages only.
    pub fn from_texts(
        schema_text: &str,
        schema_name: &str,
        policy_text: &str,
        policy_name: &str,
    ) -> Result<Self, PolicyError> {
        let (schema, policies) = validated(schema_text, schema_name, policy_text, policy_name)?;
        // Unreadable as JSON: assume the worst.
        let names_assessments = policies
            .clone()
            .to_json()
            .map_or(true, |json| names_an_assessment(&json));
        Ok(Self {
            schema,
            policies,
            authorizer: Authorizer::new(),
            names_assessments,
            #[cfg(test)]
            evaluations: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Whether the decision on an assessment version depends only on the
    /// caller, the action and the version's attributes (organisation,
    /// author, status, TLP): true unless a policy names a version. Callers
    /// deciding on many versions at once may then decide once per
    /// combination of attributes.
    pub fn decides_assessments_by_attributes(&self) -> bool {
        !self.names_assessments
    }

    /// The `@id`s of the loaded policies, sorted.
    pub fn policy_ids(&self) -> Vec<String> {
        policy_ids(&self.policies)
    }

    /// May `caller` take `action` on `resource` at the node of
    /// `node_organisation`? A request that does not fit the schema (e.g. a
    /// node-wide action on an assessment) is denied with an error.
    pub fn authorize(
        &self,
        caller: &Caller,
        node_organisation: &str,
        action: Action,
        resource: Resource<'_>,
    ) -> Decision {
        let (request, entities) = match self.request(caller, node_organisation, action, resource) {
            Ok(built) => built,
            Err(error) => return Decision::error(error),
        };
        #[cfg(test)]
        self.evaluations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = self.authorizer.is_authorized(&request, &self.policies, &entities);
        let diagnostics = response.diagnostics();
        let reasons: BTreeSet<String> = diagnostics.reason().map(PolicyId::to_string).collect();
        let errors: Vec<String> = diagnostics.errors().map(|e| e.to_string()).collect();
        // Cedar skips a policy whose evaluation errors, a `forbid` included:
        // any error therefore denies.
        Decision {
            allowed: response.decision() == cedar_policy::Decision::Allow && errors.is_empty(),
            reasons: reasons.into_iter().collect(),
            errors,
        }
    }

    fn request(
        &self,
        caller: &Caller,
        node_organisation: &str,
        action: Action,
        resource: Resource<'_>,
    ) -> Result<(Request, Entities), String> {
        let mut all = entities::user(caller)?;
        let resource_uid = match resource {
            Resource::Node => {
                let node = entities::node(node_organisation)?;
                let uid = node.uid();
                all.push(node);
                uid
            }
            Resource::Assessment(assessment) => {
                all.push(entities::assessment(assessment)?);
                entities::assessment_uid(assessment)?
            }
        };
        let principal = entities::uid(entities::USER, &caller.subject)?;
        let action_uid = entities::uid(entities::ACTION, action.as_str())?;
        let request = Request::new(
            principal,
            action_uid,
            resource_uid,
            Context::empty(),
            Some(&self.schema),
        )
        .map_err(|e| e.to_string())?;
        let entities = Entities::from_entities(all, Some(&self.schema)).map_err(|e| e.to_string())?;
        Ok((request, entities))
    }
}

/// Whether the JSON form of a policy set holds an entity literal of type
/// `…Assessment` (in a scope constraint or a condition).
fn names_an_assessment(json: &serde_json::Value) -> bool {
    match json {
        serde_json::Value::Object(fields) => {
            let assessment_type = fields
                .get("type")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|t| t.rsplit("::").next() == Some("Assessment"));
            (assessment_type && fields.contains_key("id")) || fields.values().any(names_an_assessment)
        }
        serde_json::Value::Array(items) => items.iter().any(names_an_assessment),
        _ => false,
    }
}
