//! The store's schema version, written once and checked at every open;
//! a store of an older version this code can read is upgraded in place.

use std::path::Path;

use crate::store::StoreError;

/// Version of the on-disk layout this code reads and writes.
///
/// 2: inbox and outbox entries in a binary layout (`binary.rs`), the
/// signed envelope kept as bytes rather than base64 text. Version 1 stores
/// open as they are: their JSON entries are still read. The number goes
/// up so that a build that knows only version 1 refuses the store instead
/// of failing on its first binary entry.
///
/// 3: received assessment summaries indexed by situation
/// (`summary_index.rs`). Older stores open with the index marked
/// incomplete; the first read of the whole inbox completes it. The number
/// goes up so that a build without the index refuses the store instead of
/// storing summaries it leaves out of it.
pub const SCHEMA_VERSION: u32 = 3;

/// The oldest version this code reads, and so upgrades by writing its own.
const OLDEST_READ: u32 = 1;

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
            if (OLDEST_READ..SCHEMA_VERSION).contains(&found) {
                db.insert(KEY, &SCHEMA_VERSION.to_be_bytes())?;
                db.flush()?;
                tracing::info!(from = found, to = SCHEMA_VERSION, "store schema upgraded");
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
