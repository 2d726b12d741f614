//! The federation directory (TOML): every organisation, its endpoint and TLS
//! identity, and its signing keys with their validity windows. Retired keys
//! stay so old statements still verify; a revoked key verifies nothing
//! signed after its revocation.

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::federation::envelope::VerifyError;
use crate::model::signing::{is_valid_id, parse_public_key};

/// Why a directory was refused; each names the file and the organisation or
/// key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read the federation directory `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: duplicate organisation id `{org}`")]
    DuplicateOrganisation { file: String, org: String },
    #[error("{file}: key id `{key_id}` of `{org}` is already used by `{first}`")]
    DuplicateKey {
        file: String,
        org: String,
        key_id: String,
        first: String,
    },
    #[error(
        "{file}: organisation `{org}`: unknown kind `{kind}` (expected un_office, regional_body, member_state or civil_society)"
    )]
    UnknownKind { file: String, org: String, kind: String },
    #[error("{file}: organisation `{org}`: `{field}`: {message}")]
    Organisation {
        file: String,
        org: String,
        field: String,
        message: String,
    },
    #[error("{file}: organisation `{org}`, key `{key_id}`: `{field}`: {message}")]
    Key {
        file: String,
        org: String,
        key_id: String,
        field: String,
        message: String,
    },
}

/// What kind of organisation runs a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgKind {
    UnOffice,
    RegionalBody,
    MemberState,
    CivilSociety,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [
        OrgKind::UnOffice,
        OrgKind::RegionalBody,
        OrgKind::MemberState,
        OrgKind::CivilSociety,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::UnOffice => "un_office",
            OrgKind::RegionalBody => "regional_body",
            OrgKind::MemberState => "member_state",
            OrgKind::CivilSociety => "civil_society",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One organisation of the federation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub groups: BTreeSet<String>,
    /// Its `FederationService`, `https://host:port`.
    pub endpoint: String,
    /// `SHA256:<64 lowercase hex>` of its certificate, when pinned; else the
    /// directory's `ca_cert` vouches for it.
    pub tls_fingerprint: Option<String>,
    pub keys: Vec<DirectoryKey>,
}

/// One signing key of an organisation and when it may sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryKey {
    pub id: String,
    pub public_key: VerifyingKey,
    pub not_before: DateTime<Utc>,
    pub not_after: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl DirectoryKey {
    /// Whether this key (of `org`) verifies something signed at `at`: within
    /// `[not_before, not_after)`, and before its revocation if revoked.
    pub fn check_valid_at(&self, org: &str, at: DateTime<Utc>) -> Result<(), VerifyError> {
        if let Some(revoked_at) = self.revoked_at.filter(|r| at >= *r) {
            return Err(VerifyError::Revoked {
                org: org.to_owned(),
                key_id: self.id.clone(),
                revoked_at,
                at,
            });
        }
        if at < self.not_before || self.not_after.is_some_and(|end| at >= end) {
            return Err(VerifyError::KeyNotValidAt {
                org: org.to_owned(),
                key_id: self.id.clone(),
                at,
                not_before: self.not_before,
                until: self
                    .not_after
                    .map(|end| format!(" until {end}"))
                    .unwrap_or_default(),
            });
        }
        Ok(())
    }
}

/// The federation directory: organisations by id, keys by key id (unique
/// across the federation).
#[derive(Debug, Clone)]
pub struct Directory {
    ca_cert: Option<PathBuf>,
    organisations: BTreeMap<String, Organisation>,
    /// Key id → (organisation id, index in its `keys`).
    keys: BTreeMap<String, (String, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    ca_cert: Option<PathBuf>,
    #[serde(default)]
    organisation: Vec<RawOrganisation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    id: String,
    name: String,
    kind: String,
    #[serde(default)]
    groups: Vec<String>,
    endpoint: String,
    tls_fingerprint: Option<String>,
    #[serde(default)]
    key: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    id: String,
    public_key: String,
    not_before: toml::value::Datetime,
    not_after: Option<toml::value::Datetime>,
    revoked_at: Option<toml::value::Datetime>,
}

impl Directory {
    /// Reads the directory file; a relative `ca_cert` is taken relative to it.
    pub fn load(path: &Path) -> Result<Self, DirectoryError> {
        let text = std::fs::read_to_string(path).map_err(|e| DirectoryError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut directory = Self::from_toml(&text, &path.display().to_string())?;
        if let (Some(ca), Some(parent)) = (&directory.ca_cert, path.parent()) {
            directory.ca_cert = Some(parent.join(ca));
        }
        Ok(directory)
    }

    /// Parses and checks a directory; `origin_name` (the file name) prefixes errors.
    pub fn from_toml(text: &str, origin_name: &str) -> Result<Self, DirectoryError> {
        let file = origin_name.to_owned();
        let raw: RawDirectory = toml::from_str(text).map_err(|e| DirectoryError::Parse {
            file: file.clone(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut organisations = BTreeMap::new();
        let mut keys: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for raw_org in raw.organisation {
            let org = organisation(&file, raw_org, raw.ca_cert.is_some())?;
            if organisations.contains_key(&org.id) {
                return Err(DirectoryError::DuplicateOrganisation { file, org: org.id });
            }
            for (index, key) in org.keys.iter().enumerate() {
                if let Some((first, _)) = keys.get(&key.id) {
                    return Err(DirectoryError::DuplicateKey {
                        file,
                        org: org.id.clone(),
                        key_id: key.id.clone(),
                        first: first.clone(),
                    });
                }
                keys.insert(key.id.clone(), (org.id.clone(), index));
            }
            organisations.insert(org.id.clone(), org);
        }
        Ok(Self {
            ca_cert: raw.ca_cert,
            organisations,
            keys,
        })
    }

    pub fn organisation(&self, id: &str) -> Option<&Organisation> {
        self.organisations.get(id)
    }

    /// Every organisation, by id.
    pub fn organisations(&self) -> impl Iterator<Item = &Organisation> {
        self.organisations.values()
    }

    /// The federation CA certificate file, if the directory names one.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The organisation owning key `key_id`, and the key.
    pub fn key_by_id(&self, key_id: &str) -> Option<(&Organisation, &DirectoryKey)> {
        let (org_id, index) = self.keys.get(key_id)?;
        let org = self.organisations.get(org_id)?;
        Some((org, org.keys.get(*index)?))
    }

    /// The public key `key_id` of `org`, if it verifies something signed at
    /// `signed_at` (rotation and revocation).
    pub fn key_for(
        &self,
        org: &str,
        key_id: &str,
        signed_at: DateTime<Utc>,
    ) -> Result<&VerifyingKey, VerifyError> {
        match self.key_by_id(key_id) {
            Some((owner, key)) if owner.id == org => {
                key.check_valid_at(org, signed_at)?;
                Ok(&key.public_key)
            }
            _ => Err(VerifyError::NotOrgKey {
                org: org.to_owned(),
                key_id: key_id.escape_debug().to_string(),
            }),
        }
    }
}

fn organisation(file: &str, raw: RawOrganisation, has_ca: bool) -> Result<Organisation, DirectoryError> {
    let org_error = |field: &str, message: String| DirectoryError::Organisation {
        file: file.to_owned(),
        org: raw.id.clone(),
        field: field.to_owned(),
        message,
    };
    if !is_valid_id(&raw.id) {
        return Err(org_error("id", "use 1 to 64 of a-z, 0-9, `-` and `_`".into()));
    }
    if raw.name.trim().is_empty() {
        return Err(org_error("name", "must not be empty".into()));
    }
    let kind = OrgKind::ALL
        .into_iter()
        .find(|k| k.as_str() == raw.kind)
        .ok_or_else(|| DirectoryError::UnknownKind {
            file: file.to_owned(),
            org: raw.id.clone(),
            kind: raw.kind.clone(),
        })?;
    let mut groups = BTreeSet::new();
    for group in &raw.groups {
        if !is_valid_id(group) {
            return Err(org_error(
                "groups",
                format!("`{group}` is not a group id: use 1 to 64 of a-z, 0-9, `-` and `_`"),
            ));
        }
        groups.insert(group.clone());
    }
    check_endpoint(&raw.endpoint).map_err(|m| org_error("endpoint", m))?;
    let tls_fingerprint = match &raw.tls_fingerprint {
        Some(text) => Some(fingerprint(text).map_err(|m| org_error("tls_fingerprint", m))?),
        None if has_ca => None,
        None => {
            return Err(org_error(
                "tls_fingerprint",
                "missing: pin the certificate, or name the federation CA with a top-level `ca_cert`".into(),
            ));
        }
    };
    let mut keys = Vec::with_capacity(raw.key.len());
    for key in &raw.key {
        keys.push(directory_key(file, &raw.id, key)?);
    }
    Ok(Organisation {
        id: raw.id,
        name: raw.name,
        kind,
        groups,
        endpoint: raw.endpoint,
        tls_fingerprint,
        keys,
    })
}

fn directory_key(file: &str, org: &str, raw: &RawKey) -> Result<DirectoryKey, DirectoryError> {
    let key_error = |field: &str, message: String| DirectoryError::Key {
        file: file.to_owned(),
        org: org.to_owned(),
        key_id: raw.id.clone(),
        field: field.to_owned(),
        message,
    };
    if !is_valid_id(&raw.id) {
        return Err(key_error("id", "use 1 to 64 of a-z, 0-9, `-` and `_`".into()));
    }
    let public_key = parse_public_key(&raw.public_key).map_err(|e| key_error("public_key", e.to_string()))?;
    let time = |field: &str, value: &toml::value::Datetime| {
        DateTime::parse_from_rfc3339(&value.to_string())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                key_error(
                    field,
                    format!("`{value}` needs a date, a time and a time zone, e.g. 2026-01-01T00:00:00Z"),
                )
            })
    };
    let not_before = time("not_before", &raw.not_before)?;
    let not_after = raw.not_after.as_ref().map(|t| time("not_after", t)).transpose()?;
    let revoked_at = raw
        .revoked_at
        .as_ref()
        .map(|t| time("revoked_at", t))
        .transpose()?;
    if let Some(end) = not_after.filter(|end| *end <= not_before) {
        return Err(key_error(
            "not_after",
            format!("{end} is not after `not_before` {not_before}"),
        ));
    }
    Ok(DirectoryKey {
        id: raw.id.clone(),
        public_key,
        not_before,
        not_after,
        revoked_at,
    })
}

fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|_| format!("`{endpoint}` is not a URL"))?;
    if uri.scheme_str() != Some("https") || uri.authority().is_none() {
        return Err(format!("`{endpoint}` must be an https:// URL with a host"));
    }
    Ok(())
}

/// `SHA256:<64 hex>` (prefix in any case, colons allowed) → `SHA256:<lowercase hex>`.
fn fingerprint(text: &str) -> Result<String, String> {
    let bad = || format!("`{text}` is not a certificate fingerprint: expected `SHA256:` and 64 hex digits");
    let hex = match text.trim().get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("sha256:") => &text.trim()[7..],
        _ => return Err(bad()),
    };
    let digits: String = hex.chars().filter(|c| *c != ':').collect();
    if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(format!("SHA256:{}", digits.to_ascii_lowercase()))
}
