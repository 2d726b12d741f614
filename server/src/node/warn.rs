//! Starting the warning side of a node: the `Warnings` service, and its
//! tasks — folding in what peers say about warnings, escalating what is
//! late, proposing warnings when thresholds are crossed.

use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::assessments::Assessments;
use crate::config::WarningsSection;
use crate::federation::state::FederationState;
use crate::model::reference::ReferenceData;
use crate::node::StartError;
use crate::store::Store;
use crate::warnings::{Warnings, run_escalator, run_folding, run_proposer};

/// The running warning side of a node.
#[derive(Debug)]
pub(super) struct WarningSide {
    pub(super) warnings: Warnings,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WarningSide {
    /// Turns true when the node stops (open warning streams end then).
    pub(super) fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Ends open streams and stops the tasks.
    pub(super) async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Ends open streams, so that the API server can stop.
    pub(super) fn end_streams(&self) {
        let _ = self.stop.send(true);
    }
}

pub(super) fn start(
    settings: &WarningsSection,
    store: &Store,
    reference: Arc<ReferenceData>,
    assessments: &Assessments,
    organisation: &str,
    federation: Option<&FederationState>,
) -> Result<WarningSide, StartError> {
    settings
        .validate_thresholds(&reference)
        .map_err(|(key, message)| StartError::Warnings(format!("`{key}`: {message}")))?;
    let warnings = Warnings::new(
        store.clone(),
        reference,
        assessments.clone(),
        organisation,
        settings.clone(),
        federation.cloned(),
    );
    let (stop, stopped) = watch::channel(false);
    let mut tasks = vec![
        tokio::spawn(run_escalator(warnings.clone(), stopped.clone())),
        tokio::spawn(run_proposer(
            warnings.clone(),
            assessments.proposal_signal(),
            stopped.clone(),
        )),
    ];
    if let Some(state) = federation {
        tasks.push(tokio::spawn(run_folding(
            warnings.clone(),
            state.clone(),
            stopped,
        )));
    }
    Ok(WarningSide {
        warnings,
        stop,
        tasks,
    })
}
