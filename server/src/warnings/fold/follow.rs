//! How the fold follows the inbox: the whole inbox once at start, then
//! the arrival log (what was stored since), with the responses that wait
//! for their warning kept aside and tried again when something was folded.

use std::collections::BTreeMap;
use tokio::sync::watch;

use super::Folded;
use crate::federation::state::FederationState;
use crate::store::InboxEntry;
use crate::warnings::statements::is_warning_statement;
use crate::warnings::{Warnings, WarningsError};

/// Folds on start (the whole inbox) and whenever a warning or response
/// arrives (what arrived since, by the arrival log), until `shutdown`. It
/// starts on an arrival while the write that stored it is being flushed;
/// the fold's own flush covers that write, so nothing it announces or sends
/// rests on a statement a crash could take back.
pub async fn run(warnings: Warnings, state: FederationState, mut shutdown: watch::Receiver<bool>) {
    let mut inbox = state.warning_arrivals();
    let mut follow: Option<Follow> = None;
    loop {
        let pass = match &mut follow {
            Some(follow) => warnings.fold_new(&state, follow).await,
            None => warnings.fold_all(&state).await.map(|(folded, started)| {
                follow = Some(started);
                folded
            }),
        };
        match pass {
            Ok(0) => {}
            Ok(folded) => tracing::debug!(statements = folded, "warning statements folded in"),
            Err(e) => tracing::error!(error = %e, "cannot fold in warning statements"),
        }
        tokio::select! {
            changed = inbox.changed() => if changed.is_err() { return },
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// How many arrivals one read of the log takes.
const LOG_PAGE: usize = 1024;

/// Where the fold stands: the last arrival looked at, and the responses
/// waiting for their warning, tried again when anything was folded.
#[derive(Debug, Default)]
pub(crate) struct Follow {
    position: u64,
    waiting: BTreeMap<(String, String), InboxEntry>,
}

impl Warnings {
    /// Folds every warning statement in the inbox not folded yet; returns
    /// how many it folded.
    pub async fn fold_pending(&self, state: &FederationState) -> Result<usize, WarningsError> {
        Ok(self.fold_all(state).await?.0)
    }

    /// Folds the whole inbox (a store without an arrival log included);
    /// returns how many it folded and where to follow the arrival log from.
    pub(crate) async fn fold_all(&self, state: &FederationState) -> Result<(usize, Follow), WarningsError> {
        let mut follow = Follow {
            position: self.store.arrivals_head()?,
            waiting: BTreeMap::new(),
        };
        let mut folded = 0;
        for entry in self.store.inbox_where(is_warning_statement)? {
            match self.fold_entry(state, &entry).await? {
                Folded::Done => folded += 1,
                Folded::Waiting => {
                    follow
                        .waiting
                        .insert((entry.origin.clone(), entry.statement_id.clone()), entry);
                }
                Folded::Skipped => {}
            }
        }
        folded += self.retry_waiting(state, &mut follow, folded > 0).await?;
        self.store.forget_arrivals(follow.position)?;
        Ok((folded, follow))
    }

    /// Folds what arrived since `follow`'s position, then the responses
    /// that were waiting, if anything was folded; returns how many.
    pub(crate) async fn fold_new(
        &self,
        state: &FederationState,
        follow: &mut Follow,
    ) -> Result<usize, WarningsError> {
        let mut folded = 0;
        loop {
            let arrivals = self.store.arrivals_after(follow.position, LOG_PAGE)?;
            let Some(&(last, _, _)) = arrivals.last() else {
                break;
            };
            for (_, origin, id) in arrivals {
                if !is_warning_statement(&id) {
                    continue;
                }
                let Some(entry) = self.store.inbox_entry(&origin, &id)? else {
                    continue;
                };
                match self.fold_entry(state, &entry).await? {
                    Folded::Done => folded += 1,
                    Folded::Waiting => {
                        follow.waiting.insert((origin, id), entry);
                    }
                    Folded::Skipped => {}
                }
            }
            follow.position = last;
            self.store.forget_arrivals(last)?;
        }
        folded += self.retry_waiting(state, follow, folded > 0).await?;
        Ok(folded)
    }

    /// Tries the waiting responses again while that folds any (one may
    /// bring the warning another waits for); returns how many it folded.
    async fn retry_waiting(
        &self,
        state: &FederationState,
        follow: &mut Follow,
        mut progress: bool,
    ) -> Result<usize, WarningsError> {
        let mut folded = 0;
        while progress && !follow.waiting.is_empty() {
            progress = false;
            let waiting = std::mem::take(&mut follow.waiting);
            for (key, entry) in waiting {
                match self.fold_entry(state, &entry).await? {
                    Folded::Done => {
                        folded += 1;
                        progress = true;
                    }
                    Folded::Waiting => {
                        follow.waiting.insert(key, entry);
                    }
                    Folded::Skipped => {}
                }
            }
        }
        Ok(folded)
    }
}
