//! Signed-in web sessions, kept on disk so that a restart does not sign
//! everyone out. A session is keyed by the SHA-256 of its id: the cookie's
//! secret itself is never stored, so reading the store gives no session.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::codec::{decode, encode};
use crate::store::{Store, StoreError};

const TREE: &str = "web_sessions";

/// What a session remembers: the verified user, its CSRF token, language
/// and when it was last used (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub subject: String,
    pub name: String,
    pub issuer: String,
    pub organisation: String,
    pub roles: Vec<String>,
    pub csrf: String,
    pub lang: String,
    pub last_seen: i64,
}

fn key(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

impl Store {
    fn web_sessions_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(TREE)?)
    }

    /// Stores session `id`; durable when this returns.
    pub async fn put_web_session(&self, id: &str, session: &StoredSession) -> Result<(), StoreError> {
        self.web_sessions_tree()?
            .insert(key(id), encode(TREE, session)?)?;
        self.durable().await
    }

    /// Records a later use of session `id`; not flushed (losing a touch to a
    /// crash only makes the session end a little sooner).
    pub fn touch_web_session(&self, id: &str, session: &StoredSession) -> Result<(), StoreError> {
        self.web_sessions_tree()?
            .insert(key(id), encode(TREE, session)?)?;
        Ok(())
    }

    /// Session `id`, if stored.
    pub fn web_session(&self, id: &str) -> Result<Option<StoredSession>, StoreError> {
        let k = key(id);
        match self.web_sessions_tree()?.get(k)? {
            Some(bytes) => decode(TREE, b"(session)", &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Ends session `id`; durable when this returns.
    pub async fn end_web_session(&self, id: &str) -> Result<(), StoreError> {
        self.web_sessions_tree()?.remove(key(id))?;
        self.durable().await
    }

    /// Removes sessions last used before `cutoff` (Unix seconds), and any
    /// record that cannot be read; returns how many went.
    pub fn purge_web_sessions(&self, cutoff: i64) -> Result<usize, StoreError> {
        let tree = self.web_sessions_tree()?;
        let mut gone = 0;
        for entry in tree.iter() {
            let (k, bytes) = entry?;
            let stale =
                decode::<StoredSession>(TREE, b"(session)", &bytes).map_or(true, |s| s.last_seen < cutoff);
            if stale {
                tree.remove(k)?;
                gone += 1;
            }
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(last_seen: i64) -> StoredSession {
        StoredSession {
            subject: "ada".into(),
            name: "Ada".into(),
            issuer: "https://issuer.example".into(),
            organisation: "au".into(),
            roles: vec!["analyst".into()],
            csrf: "token".into(),
            lang: "fr".into(),
            last_seen,
        }
    }

    #[tokio::test]
    async fn sessions_survive_reopening_and_are_keyed_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_web_session("secret-id", &session(100)).await.unwrap();
            store.put_web_session("old-id", &session(10)).await.unwrap();
            let tree = store.web_sessions_tree().unwrap();
            assert!(tree.get(b"secret-id").unwrap().is_none(), "the id is not the key");
            assert!(
                tree.iter()
                    .all(|e| !String::from_utf8_lossy(&e.unwrap().1).contains("secret-id")),
                "the id is stored nowhere"
            );
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.web_session("secret-id").unwrap(), Some(session(100)));
        assert_eq!(store.purge_web_sessions(50).unwrap(), 1);
        assert!(store.web_session("old-id").unwrap().is_none());
        store.end_web_session("secret-id").await.unwrap();
        assert!(store.web_session("secret-id").unwrap().is_none());
    }
}
