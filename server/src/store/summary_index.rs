//! The index of received assessment summaries by situation, in tree
//! `inbox_situations` (key: situation key, origin and statement id, each
//! ended by `\0` but the last; no value), so that a situation's history
//! reads its own summaries and nothing is held in memory per statement.
//! Each summary is indexed in the transaction that stores it. A store
//! whose inbox held summaries before the index existed (schema 2) has them
//! added once, by the first read of the whole inbox, which verifies every
//! statement it decodes; until then the index is marked incomplete.

use crate::store::federation::INBOX;
use crate::store::{Store, StoreError};

pub(super) const SUMMARIES: &str = "inbox_situations";
/// In tree `meta`: present once every stored summary is in the index.
const COMPLETE: &[u8] = b"inbox_situations_complete";

/// The index key of summary `id` of `origin`, about situation `situation`.
pub(super) fn summary_key(situation: &str, origin: &str, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(situation.len() + origin.len() + id.len() + 2);
    key.extend_from_slice(situation.as_bytes());
    key.push(0);
    key.extend_from_slice(origin.as_bytes());
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

impl Store {
    /// Marks the index complete in a store whose inbox is empty (a new
    /// store, or one that never received anything), at open.
    pub(super) fn start_summary_index(&self) -> Result<(), StoreError> {
        let meta = self.db.open_tree("meta")?;
        if meta.get(COMPLETE)?.is_none() && self.db.open_tree(INBOX)?.is_empty() {
            meta.insert(COMPLETE, &[])?;
        }
        Ok(())
    }

    /// Whether every summary in the inbox is in the index.
    pub fn summary_index_complete(&self) -> Result<bool, StoreError> {
        Ok(self.db.open_tree("meta")?.get(COMPLETE)?.is_some())
    }

    /// Adds `summaries` (situation key, origin, statement id: every summary
    /// in the inbox, each verified by the caller) and marks the index
    /// complete. Not flushed: the next flush makes it durable, and sled
    /// keeps the order of writes, so the mark never outlives the entries.
    pub fn complete_summary_index(&self, summaries: &[(String, String, String)]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (situation, origin, id) in summaries {
            batch.insert(summary_key(situation, origin, id), &[]);
        }
        self.db.open_tree(SUMMARIES)?.apply_batch(batch)?;
        self.db.open_tree("meta")?.insert(COMPLETE, &[])?;
        Ok(())
    }

    /// The `(origin, statement id)` of every summary indexed under
    /// situation `situation`, ordered by origin then id.
    pub fn summaries_of(&self, situation: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut prefix = situation.as_bytes().to_vec();
        prefix.push(0);
        self.db
            .open_tree(SUMMARIES)?
            .scan_prefix(&prefix)
            .map(|entry| {
                let (key, _) = entry?;
                let rest = String::from_utf8_lossy(&key[prefix.len()..]);
                let (origin, id) = rest.split_once('\0').unwrap_or((&rest, ""));
                Ok((origin.to_owned(), id.to_owned()))
            })
            .collect()
    }
}

#[cfg(test)]
impl Store {
    /// Makes this store look as one written before the index existed.
    pub(crate) fn forget_summary_index(&self) -> Result<(), StoreError> {
        self.db.open_tree(SUMMARIES)?.clear()?;
        self.db.open_tree("meta")?.remove(COMPLETE)?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "summary_index_tests.rs"]
mod tests;
