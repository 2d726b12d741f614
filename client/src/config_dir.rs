//! The CLI's configuration directory and its private files: written whole
//! (temporary file, then rename) with mode 0600 from creation, and refused on
//! read when other users could read or change them.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where `credentials.json` and `known_nodes.json` live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDir {
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigDirError {
    #[error("cannot find a configuration directory: set `TOCSIN_CONFIG_DIR`, `XDG_CONFIG_HOME` or `HOME`")]
    NotFound,
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "refusing to use `{path}`: its mode is {mode:04o}, so other users can {access} it; run `chmod 600 {path}`{advice}"
    )]
    Exposed {
        path: PathBuf,
        mode: u32,
        access: &'static str,
        advice: &'static str,
    },
}

/// Which other-user access makes a file unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Secrets: no access at all for group or others.
    Secret,
    /// Trust anchors: others may read but not change the file.
    Integrity,
}

impl ConfigDir {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `explicit` (from `TOCSIN_CONFIG_DIR` or a flag), else
    /// `$XDG_CONFIG_HOME/tocsin`, else `$HOME/.config/tocsin`.
    pub fn locate(explicit: Option<PathBuf>) -> Result<Self, ConfigDirError> {
        if let Some(path) = explicit.filter(|p| !p.as_os_str().is_empty()) {
            return Ok(Self::new(path));
        }
        let non_empty = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(xdg) = non_empty("XDG_CONFIG_HOME") {
            return Ok(Self::new(xdg.join("tocsin")));
        }
        non_empty("HOME")
            .map(|home| Self::new(home.join(".config").join("tocsin")))
            .ok_or(ConfigDirError::NotFound)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The file's bytes, `None` when it does not exist yet.
    pub fn read(&self, name: &str, guard: Guard) -> Result<Option<Vec<u8>>, ConfigDirError> {
        let path = self.file(name);
        let metadata = match fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ConfigDirError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        check_mode(&path, &metadata, guard)?;
        fs::read(&path).map(Some).map_err(|source| ConfigDirError::Io {
            action: "read",
            path,
            source,
        })
    }

    /// Replaces the file with `bytes`, creating the directory (0700) and the
    /// file (0600) as needed. Readers see the old or the new file, never half.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ConfigDirError> {
        let io_error = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| ConfigDirError::Io { action, path, source }
        };
        create_dir(&self.path).map_err(io_error("create", &self.path))?;
        let path = self.file(name);
        let temporary = self.file(&format!(".{name}.{}.tmp", std::process::id()));
        match fs::remove_file(&temporary) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_error("remove", &temporary)(e));
            }
            _ => {}
        }
        let mut file = create_private(&temporary).map_err(io_error("create", &temporary))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(io_error("write", &temporary))?;
        drop(file);
        fs::rename(&temporary, &path).map_err(io_error("replace", &path))
    }
}

#[cfg(unix)]
fn check_mode(path: &Path, metadata: &fs::Metadata, guard: Guard) -> Result<(), ConfigDirError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    let (forbidden, access, advice) = match guard {
        Guard::Secret => (0o077, "read", " and log in again if the tokens may have leaked"),
        Guard::Integrity => (0o022, "change", " and check the pinned fingerprints"),
    };
    if mode & forbidden != 0 {
        return Err(ConfigDirError::Exposed {
            path: path.to_path_buf(),
            mode,
            access,
            advice,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path, _: &fs::Metadata, _: Guard) -> Result<(), ConfigDirError> {
    Ok(())
}

#[cfg(unix)]
fn create_dir(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

#[cfg(not(unix))]
fn create_dir(path: &Path) -> io::Result<()> {
    fs::create_dir_all(path)
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_created_0600_in_a_0700_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path().join("tocsin"));
        dir.write("credentials.json", b"{}").unwrap();
        assert_eq!(mode(&dir.file("credentials.json")), 0o600);
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(
            dir.read("credentials.json", Guard::Secret).unwrap().unwrap(),
            b"{}"
        );
        // Only the file itself is left: no temporary file.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn rewriting_keeps_0600_and_replaces_the_content() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path());
        dir.write("a.json", b"one").unwrap();
        dir.write("a.json", b"two").unwrap();
        assert_eq!(fs::read(dir.file("a.json")).unwrap(), b"two");
        assert_eq!(mode(&dir.file("a.json")), 0o600);
    }

    #[test]
    fn a_secret_readable_by_others_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path());
        dir.write("credentials.json", b"{}").unwrap();
        let path = dir.file("credentials.json");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = dir.read("credentials.json", Guard::Secret).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, ConfigDirError::Exposed { mode: 0o644, .. }),
            "{text}"
        );
        assert!(text.contains("0644") && text.contains("chmod 600"), "{text}");
        // Group-readable alone is refused too.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(dir.read("credentials.json", Guard::Secret).is_err());
    }

    #[test]
    fn a_trust_file_may_be_readable_but_not_writable_by_others() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path());
        dir.write("known_nodes.json", b"{}").unwrap();
        let path = dir.file("known_nodes.json");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(dir.read("known_nodes.json", Guard::Integrity).unwrap().is_some());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        let err = dir.read("known_nodes.json", Guard::Integrity).unwrap_err();
        assert!(err.to_string().contains("change"), "{err}");
    }

    #[test]
    fn a_missing_file_reads_as_none() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path().join("absent"));
        assert!(dir.read("credentials.json", Guard::Secret).unwrap().is_none());
    }

    #[test]
    fn an_explicit_directory_wins() {
        let dir = ConfigDir::locate(Some(PathBuf::from("/somewhere/tocsin"))).unwrap();
        assert_eq!(dir.path(), Path::new("/somewhere/tocsin"));
    }
}
