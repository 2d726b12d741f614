//! Withdrawing a published version: the organisation no longer stands behind
//! it. The version stays, marked withdrawn with the reason, who and when;
//! what the federation does about it is `federation::withdraw`.

use chrono::Utc;

use crate::assessments::{AssessmentView, Assessments, ServiceError};
use crate::model::assessment::{LifecycleError, check_withdrawal_reason};
use crate::model::audit::AuditKind;
use crate::model::caller::Caller;
use crate::model::shown;
use crate::policy::Action;

impl Assessments {
    /// Withdraws `version` of `id` (the latest when `None`) for `reason`.
    /// Only the latest version, published, can be withdrawn: a version with
    /// a later one is either superseded already or has a revision under way.
    pub async fn withdraw(
        &self,
        caller: &Caller,
        id: &str,
        version: Option<u32>,
        reason: &str,
    ) -> Result<AssessmentView, ServiceError> {
        let latest = self.latest(id)?;
        let target = match version {
            Some(v) if v != latest.version => {
                self.store
                    .assessment(id, Some(v))?
                    .ok_or_else(|| ServiceError::NotFound {
                        what: format!("assessment `{}` version {v}", shown(id)),
                    })?
            }
            _ => latest.clone(),
        };
        self.authorize_assessment(caller, Action::WithdrawAssessment, &target)?;
        check_withdrawal_reason(reason)?;
        let withdrawn = target.withdraw(&caller.subject, reason, Utc::now())?;
        if target.version != latest.version {
            return Err(LifecycleError::NotLatest {
                id: id.to_owned(),
                version: target.version,
                latest: latest.version,
                action: "withdrawn",
            }
            .into());
        }
        self.store.update_assessment(&withdrawn, latest.version).await?;
        self.record(caller, AuditKind::AssessmentWithdrawn, &withdrawn)
            .await?;
        Ok(self.view(caller, withdrawn))
    }
}

#[cfg(test)]
mod tests;
