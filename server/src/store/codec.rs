//! How records are laid out as bytes: JSON values, big-endian composite keys.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::StoreError;

pub(super) fn encode<T: Serialize>(tree: &'static str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Encode {
        tree,
        reason: e.to_string(),
    })
}

/// [`encode`] into room for about `size` bytes, for records written often
/// whose size is known beforehand (no growing on the way).
pub(super) fn encode_sized<T: Serialize>(
    tree: &'static str,
    value: &T,
    size: usize,
) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(size);
    serde_json::to_writer(&mut out, value).map_err(|e| StoreError::Encode {
        tree,
        reason: e.to_string(),
    })?;
    Ok(out)
}

pub(super) fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        key: String::from_utf8_lossy(key).into_owned(),
        reason: e.to_string(),
    })
}

/// `id`, a NUL separator, then the version big-endian, so that a prefix scan
/// over `id\0` yields the versions in order.
pub(super) fn version_key(id: &str, version: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.len() + 5);
    key.extend_from_slice(id.as_bytes());
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

pub(super) fn decode_u32(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<u32, StoreError> {
    <[u8; 4]>::try_from(bytes)
        .map(u32::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree,
            key: String::from_utf8_lossy(key).into_owned(),
            reason: format!("expected 4 bytes, found {}", bytes.len()),
        })
}

/// Bytes as base64 text inside JSON records.
pub(crate) mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// A list of byte strings as base64 texts inside JSON records.
pub(crate) mod base64_list {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(list: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(|b| STANDARD.encode(b)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .into_iter()
            .map(|t| STANDARD.decode(t).map_err(serde::de::Error::custom))
            .collect()
    }
}
