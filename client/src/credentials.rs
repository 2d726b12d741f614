//! Stored ID tokens, one per node URL, in `credentials.json` (mode 0600). A
//! token is never printed or logged; only `tocsin login --print-token` shows it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::config_dir::{ConfigDir, ConfigDirError, Guard};
use crate::node_url::NodeUrl;

const FILE: &str = "credentials.json";

/// An ID token and what the CLI needs to know about it without verifying it
/// (the node verifies it on every call).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub id_token: String,
    pub issuer: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("id_token", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(transparent)]
    File(#[from] ConfigDirError),
    #[error("`{path}` is damaged: {reason}; delete it and log in again")]
    Damaged { path: String, reason: String },
    #[error("not logged in to `{node}`: run `tocsin --node {node} login`")]
    NotLoggedIn { node: NodeUrl },
    #[error("the token for `{node}` expired at {at}: run `tocsin --node {node} login` again")]
    Expired { node: NodeUrl, at: DateTime<Utc> },
    #[error("the issuer returned a malformed ID token: {0}")]
    MalformedToken(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CredentialsFile {
    #[serde(default)]
    nodes: BTreeMap<String, Credential>,
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    exp: Option<i64>,
}

impl Credential {
    /// Reads issuer, subject, name and expiry from the token's claims. The
    /// signature is not checked here: that is the node's job.
    pub fn from_id_token(id_token: String) -> Result<Self, CredentialsError> {
        let malformed = |reason: &str| CredentialsError::MalformedToken(reason.to_owned());
        let mut parts = id_token.split('.');
        let payload = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_), Some(payload), Some(_), None) => payload,
            _ => return Err(malformed("not a JSON Web Token with three parts")),
        };
        let json = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| malformed("its claims are not base64url"))?;
        let claims: Claims = serde_json::from_slice(&json)
            .map_err(|e| CredentialsError::MalformedToken(format!("its claims do not parse: {e}")))?;
        let expires_at = match claims.exp {
            Some(exp) => Some(
                DateTime::from_timestamp(exp, 0)
                    .ok_or_else(|| malformed("its `exp` claim is out of range"))?,
            ),
            None => None,
        };
        Ok(Self {
            id_token,
            issuer: claims.iss,
            subject: claims.sub,
            name: claims.name,
            expires_at,
        })
    }
}

/// The `credentials.json` file of one configuration directory.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    dir: ConfigDir,
}

impl CredentialStore {
    pub fn new(dir: &ConfigDir) -> Self {
        Self { dir: dir.clone() }
    }

    pub fn get(&self, node: &NodeUrl) -> Result<Option<Credential>, CredentialsError> {
        Ok(self.load()?.nodes.remove(&node.to_string()))
    }

    /// The token to call `node` with, refused when missing or expired at `now`.
    pub fn usable(&self, node: &NodeUrl, now: DateTime<Utc>) -> Result<Credential, CredentialsError> {
        let credential = self
            .get(node)?
            .ok_or_else(|| CredentialsError::NotLoggedIn { node: node.clone() })?;
        match credential.expires_at {
            Some(at) if at <= now => Err(CredentialsError::Expired {
                node: node.clone(),
                at,
            }),
            _ => Ok(credential),
        }
    }

    pub fn put(&self, node: &NodeUrl, credential: Credential) -> Result<(), CredentialsError> {
        let mut file = self.load()?;
        file.nodes.insert(node.to_string(), credential);
        self.save(&file)
    }

    /// Forgets the token for `node`; `false` when there was none.
    pub fn remove(&self, node: &NodeUrl) -> Result<bool, CredentialsError> {
        let mut file = self.load()?;
        let removed = file.nodes.remove(&node.to_string()).is_some();
        if removed {
            self.save(&file)?;
        }
        Ok(removed)
    }

    fn load(&self) -> Result<CredentialsFile, CredentialsError> {
        match self.dir.read(FILE, Guard::Secret)? {
            None => Ok(CredentialsFile::default()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| CredentialsError::Damaged {
                path: self.dir.file(FILE).display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    fn save(&self, file: &CredentialsFile) -> Result<(), CredentialsError> {
        let mut bytes = serde_json::to_vec_pretty(file).map_err(|e| CredentialsError::Damaged {
            path: self.dir.file(FILE).display().to_string(),
            reason: e.to_string(),
        })?;
        bytes.push(b'\n');
        Ok(self.dir.write(FILE, &bytes)?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An unsigned token with the given claims (the CLI never checks signatures).
    pub(crate) fn token(claims: serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{header}.{body}.c2ln")
    }

    fn node() -> NodeUrl {
        "https://127.0.0.1:7443".parse().unwrap()
    }

    #[test]
    fn claims_are_read_from_the_token() {
        let raw = token(serde_json::json!({
            "iss": "http://127.0.0.1:7444", "sub": "ada", "name": "Ada", "exp": 1_900_000_000
        }));
        let credential = Credential::from_id_token(raw.clone()).unwrap();
        assert_eq!(credential.subject, "ada");
        assert_eq!(credential.issuer, "http://127.0.0.1:7444");
        assert_eq!(credential.name.as_deref(), Some("Ada"));
        assert_eq!(credential.expires_at.unwrap().timestamp(), 1_900_000_000);
        assert!(!format!("{credential:?}").contains(&raw));
    }

    #[test]
    fn a_malformed_token_is_refused() {
        for bad in [
            "abc",
            "a.b",
            "a.!!!.c",
            &format!("a.{}.c", URL_SAFE_NO_PAD.encode("{}")),
        ] {
            let err = Credential::from_id_token(bad.to_owned()).unwrap_err();
            assert!(matches!(err, CredentialsError::MalformedToken(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn tokens_are_stored_per_node_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(&ConfigDir::new(tmp.path()));
        let other: NodeUrl = "https://node.example.org:7443".parse().unwrap();
        let credential =
            Credential::from_id_token(token(serde_json::json!({"iss": "i", "sub": "ada"}))).unwrap();
        store.put(&node(), credential.clone()).unwrap();
        assert_eq!(store.get(&node()).unwrap(), Some(credential));
        assert_eq!(store.get(&other).unwrap(), None);
        assert!(store.remove(&node()).unwrap());
        assert!(!store.remove(&node()).unwrap());
        assert!(matches!(
            store.usable(&node(), Utc::now()),
            Err(CredentialsError::NotLoggedIn { .. })
        ));
    }

    #[test]
    fn an_expired_token_is_not_used() {
        let tmp = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(&ConfigDir::new(tmp.path()));
        let raw = token(serde_json::json!({"iss": "i", "sub": "ada", "exp": 1_000}));
        store
            .put(&node(), Credential::from_id_token(raw).unwrap())
            .unwrap();
        let err = store.usable(&node(), Utc::now()).unwrap_err();
        assert!(err.to_string().contains("expired at 1970-01-01"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn the_credentials_file_is_0600_and_refused_when_0644() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = ConfigDir::new(tmp.path());
        let store = CredentialStore::new(&dir);
        let raw = token(serde_json::json!({"iss": "i", "sub": "ada"}));
        store
            .put(&node(), Credential::from_id_token(raw).unwrap())
            .unwrap();
        let path = dir.file(FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = store.get(&node()).unwrap_err();
        assert!(err.to_string().contains("other users can read"), "{err}");
    }
}
