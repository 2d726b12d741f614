//! Proposes draft warnings for published assessments that cross a
//! configured threshold: at start (catching up on publications before a
//! crash) and after every publication. Each version is considered once.

use std::sync::Arc;
use tokio::sync::{Notify, watch};

use super::Warnings;
use crate::model::assessment::AssessmentStatus;

/// Runs until `shutdown`; does nothing when no threshold is configured.
pub async fn run(warnings: Warnings, published: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    if warnings.settings.thresholds.is_empty() {
        return;
    }
    loop {
        match warnings.store.latest_assessments() {
            Ok(latest) => {
                for assessment in latest.iter().filter(|a| a.status == AssessmentStatus::Published) {
                    match warnings.propose(assessment).await {
                        Ok(Some(draft)) => {
                            tracing::info!(assessment = %assessment.id, warning = %draft.id, "warning proposed for review");
                        }
                        Ok(None) => {}
                        Err(e) => tracing::error!(error = %e, "cannot propose a warning"),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read published assessments"),
        }
        tokio::select! {
            () = published.notified() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}
