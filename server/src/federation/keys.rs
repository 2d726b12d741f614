//! The node's signing key on disk: a PKCS#8 PEM file readable only by its
//! owner. Errors name the path; nothing here logs or prints the key.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use crate::model::signing::{NodeKey, SigningError, Zeroizing};

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the signing key `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("the signing key `{path}` is readable by other users (mode {mode:03o}); run `chmod 600 {path}`")]
    Permissions { path: String, mode: u32 },
    #[error("the signing key `{path}`: {source}")]
    Key { path: String, source: SigningError },
    #[error("`{path}` already exists; refusing to overwrite a signing key")]
    Exists { path: String },
    #[error("cannot write the signing key `{path}`: {message}")]
    Write { path: String, message: String },
}

/// Reads the node's signing key from `path`, under `key_id` (or the default
/// key id derived from the public key). On unix, a file that its group or
/// other users may read is refused.
pub fn load_node_key(path: &Path, key_id: Option<&str>) -> Result<NodeKey, KeyFileError> {
    let shown = path.display().to_string();
    let read_error = |e: std::io::Error| KeyFileError::Read {
        path: shown.clone(),
        message: e.to_string(),
    };
    let mut file = File::open(path).map_err(read_error)?;
    check_private(&file, &shown)?;
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text).map_err(read_error)?;
    let key = NodeKey::from_pkcs8_pem(&text).map_err(|source| KeyFileError::Key {
        path: shown.clone(),
        source,
    })?;
    match key_id {
        Some(id) => key
            .with_key_id(id)
            .map_err(|source| KeyFileError::Key { path: shown, source }),
        None => Ok(key),
    }
}

/// Writes `key` to a new file at `path`, readable only by its owner. An
/// existing file is never overwritten.
pub fn write_node_key(path: &Path, key: &NodeKey) -> Result<(), KeyFileError> {
    let shown = path.display().to_string();
    let pem = key.to_pkcs8_pem().map_err(|source| KeyFileError::Key {
        path: shown.clone(),
        source,
    })?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyFileError::Exists { path: shown.clone() },
        _ => KeyFileError::Write {
            path: shown.clone(),
            message: e.to_string(),
        },
    })?;
    let written = file.write_all(pem.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(KeyFileError::Write {
            path: shown,
            message: e.to_string(),
        });
    }
    Ok(())
}

#[cfg(unix)]
fn check_private(file: &File, path: &str) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|e| KeyFileError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_file: &File, _path: &str) -> Result<(), KeyFileError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_private_then_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        let key = NodeKey::from_seed(&[5; 32]);
        write_node_key(&path, &key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let loaded = load_node_key(&path, None).unwrap();
        assert_eq!(loaded.public_key_base64(), key.public_key_base64());
        assert_eq!(loaded.key_id(), key.key_id());
        let named = load_node_key(&path, Some("ecowas-2026")).unwrap();
        assert_eq!(named.key_id(), "ecowas-2026");
    }

    #[test]
    fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        std::fs::write(&path, "keep me").unwrap();
        let error = write_node_key(&path, &NodeKey::from_seed(&[5; 32])).unwrap_err();
        assert!(matches!(error, KeyFileError::Exists { .. }), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_keys_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        write_node_key(&path, &NodeKey::from_seed(&[5; 32])).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = load_node_key(&path, None).unwrap_err().to_string();
        assert!(error.contains(&format!("`{}`", path.display())), "{error}");
        assert!(error.contains("mode 644"), "{error}");
    }

    #[test]
    fn errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.key");
        let error = load_node_key(&missing, None).unwrap_err().to_string();
        assert!(error.contains(&format!("`{}`", missing.display())), "{error}");
        let garbage = dir.path().join("garbage.key");
        write_garbage(&garbage);
        let error = load_node_key(&garbage, None).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "the signing key `{}`: not an Ed25519",
                garbage.display()
            )),
            "{error}"
        );
        let error = load_node_key(&dir.path().join("x"), Some("Bad Id")).unwrap_err();
        assert!(matches!(error, KeyFileError::Read { .. }));
    }

    fn write_garbage(path: &Path) {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(path).unwrap().write_all(b"not a key").unwrap();
    }
}
