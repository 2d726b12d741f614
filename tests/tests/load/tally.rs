//! What the load test's watchers saw: each subscriber's deliveries of each
//! warning with their times, and the acknowledgements that reached the
//! senders; whether that is everything, and the delivery latencies.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// A warning: `(sender, id)`.
pub(crate) type Key = (String, String);

/// One event a watcher saw.
#[derive(Debug)]
pub(crate) enum Seen {
    /// Subscriber `index` at UN HQ saw the warning arrive.
    Delivered { index: usize, key: Key, at: Instant },
    /// The sender saw UN HQ's acknowledgement.
    Acknowledged { key: Key },
}

#[derive(Debug)]
pub(crate) struct Tally {
    /// Per subscriber, each warning's delivery times.
    deliveries: Vec<BTreeMap<Key, Vec<Instant>>>,
    acknowledged: BTreeMap<Key, usize>,
}

impl Tally {
    pub(crate) fn new(subscribers: usize) -> Self {
        Self {
            deliveries: vec![BTreeMap::new(); subscribers],
            acknowledged: BTreeMap::new(),
        }
    }

    pub(crate) fn record(&mut self, seen: Seen) {
        match seen {
            Seen::Delivered { index, key, at } => {
                if let Some(subscriber) = self.deliveries.get_mut(index) {
                    subscriber.entry(key).or_default().push(at);
                }
            }
            Seen::Acknowledged { key } => *self.acknowledged.entry(key).or_default() += 1,
        }
    }

    /// Every subscriber has every warning of `expected`, and every sender
    /// its acknowledgement.
    pub(crate) fn complete(&self, expected: &BTreeMap<Key, Instant>) -> bool {
        self.deliveries
            .iter()
            .all(|seen| expected.keys().all(|k| seen.contains_key(k)))
            && expected.keys().all(|k| self.acknowledged.contains_key(k))
    }

    /// What is wrong: warnings a subscriber missed, saw twice or never sent,
    /// and acknowledgements missing or repeated; empty when all is well.
    pub(crate) fn faults(&self, expected: &BTreeMap<Key, Instant>) -> Vec<String> {
        let mut faults = Vec::new();
        for (index, seen) in self.deliveries.iter().enumerate() {
            let missing: BTreeSet<&Key> = expected.keys().filter(|k| !seen.contains_key(*k)).collect();
            if !missing.is_empty() {
                faults.push(format!(
                    "subscriber {index} missed {} warnings, e.g. {:?}",
                    missing.len(),
                    missing.first()
                ));
            }
            for (key, times) in seen {
                if !expected.contains_key(key) {
                    faults.push(format!("subscriber {index} saw warning {key:?}, never issued"));
                } else if times.len() != 1 {
                    faults.push(format!(
                        "subscriber {index} saw warning {key:?} {} times",
                        times.len()
                    ));
                }
            }
        }
        for key in expected.keys() {
            match self.acknowledged.get(key) {
                None => faults.push(format!("no acknowledgement of {key:?} reached its sender")),
                Some(1) => {}
                Some(n) => faults.push(format!(
                    "the acknowledgement of {key:?} reached its sender {n} times"
                )),
            }
        }
        faults
    }

    /// Every delivery's time since its warning was sent, sorted.
    pub(crate) fn latencies(&self, expected: &BTreeMap<Key, Instant>) -> Vec<Duration> {
        let mut all: Vec<Duration> = self
            .deliveries
            .iter()
            .flat_map(|seen| seen.iter())
            .filter_map(|(key, times)| {
                let sent = expected.get(key)?;
                Some(times.iter().map(|at| at.saturating_duration_since(*sent)))
            })
            .flatten()
            .collect();
        all.sort();
        all
    }

    /// How many deliveries, all subscribers together.
    pub(crate) fn delivered(&self) -> usize {
        self.deliveries
            .iter()
            .flat_map(|s| s.values())
            .map(Vec::len)
            .sum()
    }

    /// The last delivery's time.
    pub(crate) fn last_delivery(&self) -> Option<Instant> {
        self.deliveries
            .iter()
            .flat_map(|s| s.values())
            .flatten()
            .max()
            .copied()
    }
}

/// The `p`th percentile (0–100) of sorted `values`.
pub(crate) fn percentile(values: &[Duration], p: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let index = (values.len() * p / 100).min(values.len() - 1);
    values[index]
}
