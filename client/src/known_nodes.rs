//! Pinned node certificates, in `known_nodes.json`: node URL → fingerprint.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::config_dir::{ConfigDir, ConfigDirError, Guard};
use crate::fingerprint::Fingerprint;
use crate::node_url::NodeUrl;

const FILE: &str = "known_nodes.json";

#[derive(Debug, thiserror::Error)]
pub enum KnownNodesError {
    #[error(transparent)]
    File(#[from] ConfigDirError),
    #[error("`{path}` is damaged: {reason}; fix or delete it and pin the nodes again")]
    Damaged { path: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub fingerprint: Fingerprint,
    pub pinned_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KnownNodesFile {
    #[serde(default)]
    nodes: BTreeMap<String, Pin>,
}

/// The `known_nodes.json` file of one configuration directory.
#[derive(Debug, Clone)]
pub struct KnownNodes {
    dir: ConfigDir,
}

impl KnownNodes {
    pub fn new(dir: &ConfigDir) -> Self {
        Self { dir: dir.clone() }
    }

    pub fn get(&self, node: &NodeUrl) -> Result<Option<Pin>, KnownNodesError> {
        Ok(self.load()?.nodes.remove(&node.to_string()))
    }

    /// Pins `fingerprint` for `node`, returning the pin it replaces.
    pub fn pin(
        &self,
        node: &NodeUrl,
        fingerprint: Fingerprint,
        now: DateTime<Utc>,
    ) -> Result<Option<Pin>, KnownNodesError> {
        let mut file = self.load()?;
        let previous = file.nodes.insert(
            node.to_string(),
            Pin {
                fingerprint,
                pinned_at: now,
            },
        );
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| self.damaged(&e))?;
        bytes.push(b'\n');
        self.dir.write(FILE, &bytes)?;
        Ok(previous)
    }

    fn load(&self) -> Result<KnownNodesFile, KnownNodesError> {
        match self.dir.read(FILE, Guard::Integrity)? {
            None => Ok(KnownNodesFile::default()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| self.damaged(&e)),
        }
    }

    fn damaged(&self, err: &serde_json::Error) -> KnownNodesError {
        KnownNodesError::Damaged {
            path: self.dir.file(FILE).display().to_string(),
            reason: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_kept_per_node_and_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let known = KnownNodes::new(&ConfigDir::new(tmp.path()));
        let node: NodeUrl = "https://127.0.0.1:7443".parse().unwrap();
        let first = Fingerprint::of_der(b"first");
        let second = Fingerprint::of_der(b"second");
        assert_eq!(known.get(&node).unwrap(), None);
        assert_eq!(known.pin(&node, first, Utc::now()).unwrap(), None);
        assert_eq!(known.get(&node).unwrap().unwrap().fingerprint, first);
        let replaced = known.pin(&node, second, Utc::now()).unwrap().unwrap();
        assert_eq!(replaced.fingerprint, first);
        assert_eq!(known.get(&node).unwrap().unwrap().fingerprint, second);
        let other: NodeUrl = "https://127.0.0.1:8443".parse().unwrap();
        assert_eq!(known.get(&other).unwrap(), None);
    }

    #[test]
    fn a_damaged_file_is_reported_with_its_path() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path());
        dir.write(FILE, br#"{"nodes": {"https://a:1": {"fingerprint": "nope"}}}"#)
            .unwrap();
        let err = KnownNodes::new(&dir)
            .get(&"https://a:1".parse().unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("known_nodes.json"), "{err}");
    }
}
