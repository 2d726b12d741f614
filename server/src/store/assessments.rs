//! Assessment versions (`assessments`: `id\0version` → record) and the head
//! pointer of each assessment (`assessment_heads`: `id` → latest version).

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::model::assessment::Assessment;
use crate::model::assessment::AssessmentStatus::Published;
use crate::store::codec::{decode, decode_u32, encode, version_key};
use crate::store::{Store, StoreError};

const VERSIONS: &str = "assessments";
const HEADS: &str = "assessment_heads";

/// What a transaction must find at the head before it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Absent,
    Head(u32),
}

impl Store {
    /// Stores version 1 of a new assessment; refuses an existing id.
    pub async fn insert_assessment(&self, assessment: &Assessment) -> Result<(), StoreError> {
        self.write_versions(&assessment.id, Expect::Absent, &[assessment])
            .await
    }

    /// Stores `assessment` as the latest version of its id, provided the
    /// latest version is still `expected_head`. The same version number
    /// rewrites a draft; the next one adds a version.
    pub async fn update_assessment(
        &self,
        assessment: &Assessment,
        expected_head: u32,
    ) -> Result<(), StoreError> {
        self.write_versions(&assessment.id, Expect::Head(expected_head), &[assessment])
            .await
    }

    /// Publishes `published` and, in the same transaction, stores the
    /// previously published version now marked superseded.
    pub async fn publish_assessment(
        &self,
        published: &Assessment,
        superseded: Option<&Assessment>,
    ) -> Result<(), StoreError> {
        let mut records = vec![published];
        records.extend(superseded);
        self.write_versions(&published.id, Expect::Head(published.version), &records)
            .await
    }

    /// One version, or the latest when `version` is `None`.
    pub fn assessment(&self, id: &str, version: Option<u32>) -> Result<Option<Assessment>, StoreError> {
        let version = match version {
            Some(v) => v,
            None => match self.head(id)? {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        let key = version_key(id, version);
        self.assessments
            .get(&key)?
            .map(|bytes| decode(VERSIONS, &key, &bytes))
            .transpose()
    }

    /// The latest version number of `id`.
    pub fn head(&self, id: &str) -> Result<Option<u32>, StoreError> {
        self.heads
            .get(id.as_bytes())?
            .map(|bytes| decode_u32(HEADS, id.as_bytes(), &bytes))
            .transpose()
    }

    /// Every version of every assessment, ordered by id then version.
    pub fn all_assessment_versions(&self) -> Result<Vec<Assessment>, StoreError> {
        self.assessments
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                decode(VERSIONS, &key, &bytes)
            })
            .collect()
    }

    /// Every version of one assessment, oldest first.
    pub fn assessment_versions(&self, id: &str) -> Result<Vec<Assessment>, StoreError> {
        let mut prefix = id.as_bytes().to_vec();
        prefix.push(0);
        self.assessments
            .scan_prefix(prefix)
            .map(|entry| {
                let (key, bytes) = entry?;
                decode(VERSIONS, &key, &bytes)
            })
            .collect()
    }

    /// The latest version of every assessment, ordered by id.
    pub fn latest_assessments(&self) -> Result<Vec<Assessment>, StoreError> {
        let mut latest = Vec::new();
        for entry in self.heads.iter() {
            let (id, bytes) = entry?;
            let version = decode_u32(HEADS, &id, &bytes)?;
            let key = version_key(&String::from_utf8_lossy(&id), version);
            if let Some(bytes) = self.assessments.get(&key)? {
                latest.push(decode(VERSIONS, &key, &bytes)?);
            }
        }
        Ok(latest)
    }

    async fn write_versions(
        &self,
        id: &str,
        expect: Expect,
        records: &[&Assessment],
    ) -> Result<(), StoreError> {
        let encoded = records
            .iter()
            .map(|a| Ok((version_key(&a.id, a.version), encode(VERSIONS, a)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let new_head = records.iter().map(|a| a.version).max().unwrap_or_default();
        let pending = self.db.open_tree(crate::store::projection::PENDING)?;
        let result = (&self.assessments, &self.heads, &pending).transaction(|(versions, heads, pending)| {
            let found = heads
                .get(id.as_bytes())?
                .map(|b| decode_u32(HEADS, id.as_bytes(), &b))
                .transpose();
            let found = found.map_err(ConflictableTransactionError::Abort)?;
            match (expect, found) {
                (Expect::Absent, None) => {}
                (Expect::Absent, Some(_)) => {
                    return Err(ConflictableTransactionError::Abort(StoreError::AlreadyExists {
                        id: id.to_owned(),
                    }));
                }
                (Expect::Head(want), found) if Some(want) != found => {
                    return Err(ConflictableTransactionError::Abort(StoreError::Conflict {
                        id: id.to_owned(),
                        expected: want,
                        found: found.unwrap_or_default(),
                    }));
                }
                (Expect::Head(_), _) => {}
            }
            for (key, value) in &encoded {
                versions.insert(key.as_slice(), value.as_slice())?;
            }
            heads.insert(id.as_bytes(), &new_head.to_be_bytes())?;
            for (key, _) in encoded.iter().zip(records).filter(|(_, a)| a.status == Published) {
                pending.insert(key.0.as_slice(), &[])?;
            }
            Ok(())
        });
        match result {
            Ok(()) => self.durable().await,
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(StoreError::Io(e)),
        }
    }
}
