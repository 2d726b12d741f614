//! Published versions waiting to be projected (`projection_pending`:
//! `id\0version` → nothing), written in the transaction that publishes
//! them, so the projector visits what was published, not every version.

use crate::model::assessment::Assessment;
use crate::store::codec::decode;
use crate::store::{Store, StoreError};

pub(super) const PENDING: &str = "projection_pending";
const VERSIONS: &str = "assessments";

impl Store {
    /// The published versions waiting for the projector, with their keys,
    /// oldest assessment id first; a key whose version is gone is skipped.
    pub fn pending_projections(&self) -> Result<Vec<(Vec<u8>, Assessment)>, StoreError> {
        let mut found = Vec::new();
        for entry in self.db.open_tree(PENDING)?.iter() {
            let (key, _) = entry?;
            if let Some(bytes) = self.assessments.get(&key)? {
                found.push((key.to_vec(), decode(VERSIONS, &key, &bytes)?));
            }
        }
        Ok(found)
    }

    /// Forgets pending keys the projector has dealt with. Not flushed: one
    /// that comes back after a crash is found projected and forgotten again.
    pub fn forget_pending_projections(&self, keys: &[Vec<u8>]) -> Result<(), StoreError> {
        let tree = self.db.open_tree(PENDING)?;
        for key in keys {
            tree.remove(key.as_slice())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::model::assessment::{Assessment, AssessmentStatus};
    use crate::model::fixtures;
    use crate::store::Store;

    fn versions(store: &Store) -> Vec<(String, u32, AssessmentStatus)> {
        let pending = store.pending_projections().unwrap();
        pending
            .into_iter()
            .map(|(_, a)| (a.id, a.version, a.status))
            .collect()
    }

    #[tokio::test]
    async fn publishing_lists_the_version_for_the_projector_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let draft = Assessment::new_draft("a1".into(), fixtures::content(), "ecowas", "ada", now);
        {
            let store = Store::open(dir.path()).unwrap();
            store.insert_assessment(&draft).await.unwrap();
            assert_eq!(versions(&store), []);
            let v1 = draft.submit(now).unwrap().publish("rev", now).unwrap();
            store.update_assessment(&v1, 1).await.unwrap();
            let v2 = v1.revise(1, fixtures::content(), "ada", now).unwrap();
            store.update_assessment(&v2, 1).await.unwrap();
            let v2 = v2.submit(now).unwrap().publish("rev", now).unwrap();
            store
                .publish_assessment(&v2, Some(&v1.supersede(now).unwrap()))
                .await
                .unwrap();
        }
        // Pending survives a restart: a crash before projection loses nothing.
        let store = Store::open(dir.path()).unwrap();
        use AssessmentStatus::{Published, Superseded};
        assert_eq!(
            versions(&store),
            [("a1".into(), 1, Superseded), ("a1".into(), 2, Published)]
        );
        let keys: Vec<Vec<u8>> = store
            .pending_projections()
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        store.forget_pending_projections(&keys[..1]).unwrap();
        assert_eq!(versions(&store), [("a1".into(), 2, Published)]);
        store.forget_pending_projections(&keys).unwrap();
        assert_eq!(versions(&store), []);
    }
}
