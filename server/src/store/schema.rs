//! The store's schema version, written once and checked at every open.

use std::path::Path;

use crate::store::StoreError;

/// Version of the on-disk layout this code reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

const KEY: &[u8] = b"schema_version";

/// Writes the version into a new store; checks it in an existing one. Writes
/// nothing when the check fails.
pub(super) fn check_or_init(db: &sled::Db, path: &Path) -> Result<(), StoreError> {
    match db.get(KEY)? {
        Some(bytes) => {
            let found = <[u8; 4]>::try_from(bytes.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::SchemaRecord {
                    path: path.to_owned(),
                })?;
            if found == SCHEMA_VERSION {
                return Ok(());
            }
            let advice = if found > SCHEMA_VERSION {
                "it was written by a newer Tocsin: run that version or restore a backup"
            } else {
                "no migration from that version exists"
            };
            Err(StoreError::SchemaVersion {
                path: path.to_owned(),
                found,
                expected: SCHEMA_VERSION,
                advice,
            })
        }
        None => {
            let used = db.tree_names().len() > 1 || !db.is_empty();
            if used {
                return Err(StoreError::NotTocsin {
                    path: path.to_owned(),
                });
            }
            db.insert(KEY, &SCHEMA_VERSION.to_be_bytes())?;
            db.flush()?;
            Ok(())
        }
    }
}
