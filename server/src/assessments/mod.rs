//! The node's assessment work: create, revise, review, publish, withdraw,
//! read, and the situations they describe. Each operation authorizes the caller with
//! the access policy, validates against the reference data, applies the
//! domain rule and writes through the store. No protobuf, no network.

mod situations;
mod withdraw;

pub use situations::SituationView;

use chrono::Utc;
use std::sync::Arc;

use crate::model::ValidationError;
use crate::model::assessment::{
    Assessment, AssessmentContent, AssessmentStatus, LifecycleError, OverallRisk,
};
use crate::model::audit::{AuditEvent, AuditKind, version_subject};
use crate::model::caller::Caller;
use crate::model::reference::ReferenceData;
use crate::model::shown;
use crate::policy::{AccessPolicy, Action, AssessmentDecisions, Resource};
use crate::store::{Store, StoreError};

/// Why an operation did not happen. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid {0}")]
    Invalid(#[from] ValidationError),
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{caller} may not {action} {target}")]
    Denied {
        caller: String,
        action: Action,
        target: String,
    },
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An assessment as a caller may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentView {
    pub assessment: Assessment,
    /// The caller may not read sources: they were removed from `assessment`.
    pub sources_withheld: bool,
}

/// Filters of `list`; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub country: Option<String>,
    pub regional_body: Option<String>,
    pub status: Option<AssessmentStatus>,
    pub min_risk: Option<OverallRisk>,
    pub all_versions: bool,
}

/// Assessment operations of one node.
#[derive(Debug, Clone)]
pub struct Assessments {
    store: Store,
    reference: Arc<ReferenceData>,
    policy: Arc<AccessPolicy>,
    organisation: String,
    /// Signalled after every publication (the federation shares it).
    published: Arc<tokio::sync::Notify>,
    /// Signalled after every publication too (thresholds may propose a
    /// warning).
    proposals: Arc<tokio::sync::Notify>,
}

impl Assessments {
    pub fn new(
        store: Store,
        reference: Arc<ReferenceData>,
        policy: Arc<AccessPolicy>,
        organisation: &str,
    ) -> Self {
        Self {
            store,
            reference,
            policy,
            organisation: organisation.to_owned(),
            published: Arc::new(tokio::sync::Notify::new()),
            proposals: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The second signal given after every publication, for warnings.
    pub fn proposal_signal(&self) -> Arc<tokio::sync::Notify> {
        self.proposals.clone()
    }

    /// The signal given after every publication.
    pub fn published_signal(&self) -> Arc<tokio::sync::Notify> {
        self.published.clone()
    }

    /// The node-wide permission check, for calls with no assessment yet.
    pub fn authorize_node(&self, caller: &Caller, action: Action) -> Result<(), ServiceError> {
        self.authorize(caller, action, Resource::Node, || {
            format!("on node `{}`", self.organisation)
        })
    }

    pub async fn create(
        &self,
        caller: &Caller,
        content: AssessmentContent,
    ) -> Result<AssessmentView, ServiceError> {
        self.authorize_node(caller, Action::CreateAssessment)?;
        self.validate(&content)?;
        let id = uuid::Uuid::now_v7().to_string();
        let draft = Assessment::new_draft(id, content, &self.organisation, &caller.subject, Utc::now());
        self.store.insert_assessment(&draft).await?;
        self.record(caller, AuditKind::AssessmentCreated, &draft).await?;
        Ok(self.view(caller, draft))
    }

    pub async fn revise(
        &self,
        caller: &Caller,
        id: &str,
        base_version: u32,
        content: AssessmentContent,
    ) -> Result<AssessmentView, ServiceError> {
        let latest = self.latest(id)?;
        self.authorize_assessment(caller, Action::ReviseAssessment, &latest)?;
        self.validate(&content)?;
        let revised = latest.revise(base_version, content, &caller.subject, Utc::now())?;
        self.store.update_assessment(&revised, latest.version).await?;
        self.record(caller, AuditKind::AssessmentRevised, &revised)
            .await?;
        Ok(self.view(caller, revised))
    }

    pub async fn submit(
        &self,
        caller: &Caller,
        id: &str,
        version: Option<u32>,
    ) -> Result<AssessmentView, ServiceError> {
        let latest = self.latest_at(id, version)?;
        self.authorize_assessment(caller, Action::SubmitAssessment, &latest)?;
        let submitted = latest.submit(Utc::now())?;
        self.store.update_assessment(&submitted, latest.version).await?;
        self.record(caller, AuditKind::AssessmentSubmitted, &submitted)
            .await?;
        Ok(self.view(caller, submitted))
    }

    pub async fn publish(
        &self,
        caller: &Caller,
        id: &str,
        version: Option<u32>,
    ) -> Result<AssessmentView, ServiceError> {
        let latest = self.latest_at(id, version)?;
        self.authorize_assessment(caller, Action::PublishAssessment, &latest)?;
        let now = Utc::now();
        let published = latest.publish(&caller.subject, now)?;
        let previous = match latest.version {
            1 => None,
            v => self.store.assessment(id, Some(v - 1))?,
        };
        let superseded = match previous {
            Some(p) if p.status == AssessmentStatus::Published => Some(p.supersede(now)?),
            _ => None,
        };
        self.store
            .publish_assessment(&published, superseded.as_ref())
            .await?;
        self.record(caller, AuditKind::AssessmentPublished, &published)
            .await?;
        self.published.notify_one();
        self.proposals.notify_one();
        Ok(self.view(caller, published))
    }

    pub fn get(
        &self,
        caller: &Caller,
        id: &str,
        version: Option<u32>,
    ) -> Result<AssessmentView, ServiceError> {
        let assessment = match version {
            None => self.latest(id)?,
            Some(v) => self
                .store
                .assessment(id, Some(v))?
                .ok_or_else(|| ServiceError::NotFound {
                    what: format!("assessment `{}` version {v}", shown(id)),
                })?,
        };
        self.authorize_assessment(caller, Action::GetAssessment, &assessment)?;
        Ok(self.view(caller, assessment))
    }

    /// The assessments the caller may read that match `filter`, newest
    /// first. Sources are never part of a listing.
    pub fn list(&self, caller: &Caller, filter: &ListFilter) -> Result<Vec<AssessmentView>, ServiceError> {
        self.authorize_node(caller, Action::ListAssessments)?;
        let today = Utc::now().date_naive();
        let readable = self.readable_versions(caller)?;
        let candidates: Vec<Assessment> = if filter.all_versions {
            readable
        } else {
            latest_of_each(readable)
        };
        let mut views: Vec<AssessmentView> = candidates
            .into_iter()
            .filter(|a| filter.status.is_none_or(|s| a.status == s))
            .filter(|a| filter.min_risk.is_none_or(|r| a.content.overall_risk >= r))
            .filter(|a| {
                filter
                    .country
                    .as_ref()
                    .is_none_or(|c| a.content.situation.countries.contains(c))
            })
            .filter(|a| {
                filter.regional_body.as_ref().is_none_or(|b| {
                    a.content
                        .situation
                        .regional_bodies(&self.reference, today)
                        .contains(b)
                })
            })
            .map(|mut assessment| {
                assessment.content.sources.clear();
                AssessmentView {
                    assessment,
                    sources_withheld: true,
                }
            })
            .collect();
        views.sort_by(|a, b| {
            (b.assessment.updated_at, &b.assessment.id, b.assessment.version).cmp(&(
                a.assessment.updated_at,
                &a.assessment.id,
                a.assessment.version,
            ))
        });
        Ok(views)
    }

    /// Every version the caller may read, ordered by id then version.
    fn readable_versions(&self, caller: &Caller) -> Result<Vec<Assessment>, ServiceError> {
        let all = self.store.all_assessment_versions()?;
        let mut decisions =
            AssessmentDecisions::new(&self.policy, caller, &self.organisation, Action::GetAssessment);
        Ok(all.into_iter().filter(|a| decisions.allows(a)).collect())
    }

    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// The node's store (the audit service reads the trail from it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The organisation whose node this is.
    pub fn organisation(&self) -> &str {
        &self.organisation
    }

    /// Records `kind` for `assessment` in the audit trail, after the write
    /// it describes; a failure fails the operation (the caller sees an
    /// error), so no user action goes unrecorded.
    async fn record(
        &self,
        caller: &Caller,
        kind: AuditKind,
        assessment: &Assessment,
    ) -> Result<(), StoreError> {
        let subject = version_subject(&assessment.id, assessment.version);
        let event = AuditEvent::new(kind, &caller.subject, &caller.organisation)
            .subject(subject)
            .detail(format!("status {}", assessment.status));
        self.store.append_audit(event).await.map(|_| ())
    }

    fn validate(&self, content: &AssessmentContent) -> Result<(), ServiceError> {
        content
            .validate(&self.reference)
            .map_err(|e| ServiceError::Invalid(e.under("content")))
    }

    fn latest(&self, id: &str) -> Result<Assessment, ServiceError> {
        self.store
            .assessment(id, None)?
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("assessment `{}`", shown(id)),
            })
    }

    /// The latest version, which must be `version` when one is given.
    fn latest_at(&self, id: &str, version: Option<u32>) -> Result<Assessment, ServiceError> {
        let latest = self.latest(id)?;
        match version {
            Some(v) if v != latest.version => Err(LifecycleError::StaleVersion {
                id: id.to_owned(),
                base: v,
                latest: latest.version,
            }
            .into()),
            _ => Ok(latest),
        }
    }

    fn view(&self, caller: &Caller, mut assessment: Assessment) -> AssessmentView {
        let readable = self.allowed(caller, Action::ReadSources, &assessment);
        let sources_withheld = !readable && !assessment.content.sources.is_empty();
        if !readable {
            assessment.content.sources.clear();
        }
        AssessmentView {
            assessment,
            sources_withheld,
        }
    }

    /// Whether the access policy lets `caller` do `action` on `assessment`
    /// (pages show a button only where it does).
    pub fn allowed(&self, caller: &Caller, action: Action, assessment: &Assessment) -> bool {
        self.policy
            .authorize(
                caller,
                &self.organisation,
                action,
                Resource::Assessment(assessment),
            )
            .allowed
    }

    fn authorize_assessment(
        &self,
        caller: &Caller,
        action: Action,
        a: &Assessment,
    ) -> Result<(), ServiceError> {
        self.authorize(caller, action, Resource::Assessment(a), || {
            format!("assessment `{}` version {} ({})", a.id, a.version, a.status)
        })
    }

    fn authorize(
        &self,
        caller: &Caller,
        action: Action,
        resource: Resource<'_>,
        target: impl FnOnce() -> String,
    ) -> Result<(), ServiceError> {
        let decision = self
            .policy
            .authorize(caller, &self.organisation, action, resource);
        if decision.allowed {
            return Ok(());
        }
        let roles: Vec<&str> = caller.roles.iter().map(|r| r.as_str()).collect();
        let caller = format!(
            "`{}` (roles: {})",
            caller.subject,
            if roles.is_empty() {
                "none".into()
            } else {
                roles.join(", ")
            }
        );
        let mut target = target();
        if !decision.reasons.is_empty() {
            target.push_str(&format!(": forbidden by {}", decision.reasons.join(", ")));
        }
        Err(ServiceError::Denied {
            caller,
            action,
            target,
        })
    }
}

/// The last version of each id, from versions ordered by id then version.
fn latest_of_each(versions: Vec<Assessment>) -> Vec<Assessment> {
    let mut latest: Vec<Assessment> = Vec::new();
    for assessment in versions {
        match latest.last_mut() {
            Some(last) if last.id == assessment.id => *last = assessment,
            _ => latest.push(assessment),
        }
    }
    latest
}

#[cfg(test)]
mod tests;
