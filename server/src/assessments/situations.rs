//! Situations as this node sees them: every assessed situation with its
//! reference-data context and the latest published assessment.

use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet};

use crate::assessments::{Assessments, ServiceError};
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::caller::Caller;
use crate::model::geography::M49Region;
use crate::model::shown;
use crate::model::situation::SituationSpec;
use crate::policy::Action;

/// One situation: what it covers and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct SituationView {
    pub id: String,
    /// As written in the latest published assessment, else the latest one
    /// the caller may read.
    pub spec: SituationSpec,
    pub m49_region: Option<M49Region>,
    /// Regional bodies the situation's countries belong to today.
    pub regional_bodies: Vec<String>,
    pub latest_published: Option<Assessment>,
    /// Distinct assessments of the situation the caller may read.
    pub assessment_count: u32,
}

impl Assessments {
    /// Situations with at least one assessment the caller may read, matching
    /// an optional country and regional body, ordered by key.
    pub fn situations(
        &self,
        caller: &Caller,
        country: Option<&str>,
        regional_body: Option<&str>,
    ) -> Result<Vec<SituationView>, ServiceError> {
        self.authorize_node(caller, Action::ListSituations)?;
        let views = self.situation_views(caller)?;
        Ok(views
            .into_iter()
            .filter(|v| country.is_none_or(|c| v.spec.countries.iter().any(|x| x == c)))
            .filter(|v| regional_body.is_none_or(|b| v.regional_bodies.iter().any(|x| x == b)))
            .collect())
    }

    pub fn situation(&self, caller: &Caller, id: &str) -> Result<SituationView, ServiceError> {
        self.authorize_node(caller, Action::GetSituation)?;
        self.situation_views(caller)?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("situation `{}`", shown(id)),
            })
    }

    fn situation_views(&self, caller: &Caller) -> Result<Vec<SituationView>, ServiceError> {
        let mut by_key: BTreeMap<String, Vec<Assessment>> = BTreeMap::new();
        for assessment in self.readable_versions(caller)? {
            by_key
                .entry(assessment.situation_id())
                .or_default()
                .push(assessment);
        }
        let today = Utc::now().date_naive();
        let reference = self.reference();
        Ok(by_key
            .into_iter()
            .map(|(id, assessments)| {
                let latest_published = assessments
                    .iter()
                    .filter(|a| a.status == AssessmentStatus::Published)
                    .max_by_key(|a| a.published_at)
                    .cloned();
                let newest = assessments.iter().max_by_key(|a| a.updated_at);
                let spec = latest_published
                    .as_ref()
                    .or(newest)
                    .map(|a| a.content.situation.clone())
                    .unwrap_or_default();
                let m49_region = spec
                    .countries
                    .first()
                    .and_then(|c| reference.countries.lookup(c).ok())
                    .and_then(|c| c.m49_region);
                let regional_bodies = spec.regional_bodies(reference, today).into_iter().collect();
                SituationView {
                    id,
                    spec,
                    m49_region,
                    regional_bodies,
                    latest_published,
                    assessment_count: u32::try_from(
                        assessments.iter().map(|a| &a.id).collect::<BTreeSet<_>>().len(),
                    )
                    .unwrap_or(u32::MAX),
                }
            })
            .collect())
    }
}
