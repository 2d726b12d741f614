//! The decisions of one sharing policy, remembered. A policy is loaded once
//! per epoch (a new policy is a new epoch) and decides the same for the same
//! peer and facts, so each pair is evaluated by Cedar once per epoch: a relay
//! receiving a stream of statements about one situation evaluates its
//! policy once per peer, not once per statement and peer.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::policy::sharing::{Peer, SharingDecision, StatementFacts};

/// Distinct (peer, facts) pairs held at most; past it the cache starts
/// over. Facts vary with situations, labels and levels, so a working set is
/// far smaller; the bound only keeps a flood of distinct facts from growing
/// memory without end.
const HELD_AT_MOST: usize = 4096;

/// The decisions made so far, by peer, then by facts (looked up by
/// reference: a hit clones nothing but the decision).
#[derive(Debug, Default)]
pub(super) struct DecisionCache {
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    by_peer: HashMap<Peer, HashMap<StatementFacts, SharingDecision>>,
    count: usize,
}

impl DecisionCache {
    /// The decision held for `peer` and `facts`, else `decide()`'s, then
    /// held. Cedar runs outside the lock.
    pub(super) fn get_or(
        &self,
        peer: &Peer,
        facts: &StatementFacts,
        decide: impl FnOnce() -> SharingDecision,
    ) -> SharingDecision {
        if let Some(decision) = self.lock().by_peer.get(peer).and_then(|m| m.get(facts)) {
            return decision.clone();
        }
        let decision = decide();
        let mut held = self.lock();
        if held.count >= HELD_AT_MOST {
            *held = Held::default();
        }
        let by_facts = held.by_peer.entry(peer.clone()).or_default();
        if by_facts.insert(facts.clone(), decision.clone()).is_none() {
            held.count += 1;
        }
        decision
    }

    /// How many decisions are held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().count
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
