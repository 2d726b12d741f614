//! Withdrawing a published assessment on this node and, when it federates,
//! retracting from every peer what it shared of that version. The
//! retraction is idempotent (its withdrawn mark), so `retract_withdrawn` can
//! finish the job for versions withdrawn when a retraction did not go out.

use crate::assessments::{AssessmentView, Assessments, ServiceError};
use crate::federation::retract::{retract, withdrawn_mark};
use crate::federation::state::FederationState;
use crate::model::assessment::AssessmentStatus;
use crate::model::caller::Caller;
use crate::store::StoreError;

/// Withdraws `version` of `id` (the latest when `None`) for `reason`, then
/// retracts every view of it this node shared. Without a federation, only
/// the first step. If the retraction cannot be written the version stays
/// withdrawn (and is never shared again) and the store error is returned.
pub async fn withdraw(
    assessments: &Assessments,
    federation: Option<&FederationState>,
    caller: &Caller,
    id: &str,
    version: Option<u32>,
    reason: &str,
) -> Result<AssessmentView, ServiceError> {
    let view = assessments.withdraw(caller, id, version, reason).await?;
    if let Some(state) = federation {
        let withdrawn = &view.assessment;
        let retraction = retract(state, &withdrawn.id, withdrawn.version, reason).await?;
        tracing::info!(
            assessment = %withdrawn.id,
            version = withdrawn.version,
            retraction = retraction.as_deref().unwrap_or("none: nothing was shared"),
            "assessment withdrawn"
        );
    }
    Ok(view)
}

/// Retracts every withdrawn version whose retraction is not recorded yet,
/// e.g. after a crash between withdrawing and retracting. Returns how many
/// versions it retracted. Meant for when the federation side starts.
pub async fn retract_withdrawn(state: &FederationState) -> Result<usize, StoreError> {
    let mut retracted = 0;
    for assessment in state.store.all_assessment_versions()? {
        if assessment.status != AssessmentStatus::Withdrawn
            || state
                .store
                .is_projected(&withdrawn_mark(&assessment.id, assessment.version))?
        {
            continue;
        }
        let reason = assessment
            .withdrawn
            .as_ref()
            .map_or("withdrawn by its organisation", |w| w.reason.as_str());
        retract(state, &assessment.id, assessment.version, reason).await?;
        retracted += 1;
    }
    Ok(retracted)
}
