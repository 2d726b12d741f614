//! The node's configuration: one TOML file plus `TOCSIN_<SECTION>_<KEY>`
//! environment overrides, loaded and validated once at start. Nothing else in
//! the node reads environment variables.

mod env;
mod warnings;
mod web;

pub use warnings::{FeedSection, WarningsSection, WebhooksSection};
pub use web::WebSection;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::model::caller::Role;

/// The commented default configuration, as `--print-default-config` prints it.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

/// A configuration problem, naming where it came from and which key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: `{key}`: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub node: NodeSection,
    pub api: ApiSection,
    pub auth: AuthSection,
    pub policy: PolicySection,
    pub reference: ReferenceSection,
    pub federation: FederationSection,
    pub warnings: WarningsSection,
    pub webhooks: WebhooksSection,
    pub feed: FeedSection,
    pub web: WebSection,
    pub log: LogSection,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    pub organisation: String,
    pub data_dir: PathBuf,
    pub sample_data: bool,
    /// Bound of the store's page cache, in MiB.
    pub store_cache_mib: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    pub listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSection {
    pub issuer: String,
    pub audience: String,
    pub role_claim: String,
    pub dev_issuer_listen: SocketAddr,
    #[serde(default)]
    pub role_map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSection {
    pub catalogue: PathBuf,
    pub countries: PathBuf,
    pub memberships: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationSection {
    pub directory: PathBuf,
    pub listen: SocketAddr,
    pub signing_key: PathBuf,
    pub signing_key_id: String,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub ca_cert: PathBuf,
    pub sharing_policy: PathBuf,
    pub subscribe: Vec<String>,
    pub hop_limit: u32,
    pub max_message_bytes: usize,
}

impl FederationSection {
    /// True when the node takes part in a federation.
    pub fn enabled(&self) -> bool {
        !self.directory.as_os_str().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

impl Config {
    /// Loads `path` (or the built-in defaults when `None`) over the defaults,
    /// applies the `TOCSIN_…` variables in `env`, and validates the result.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = parse_table("built-in defaults", DEFAULT_CONFIG)?;
        let origin = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                let origin = path.display().to_string();
                merge(&mut table, parse_table(&origin, &text)?);
                origin
            }
            None => "built-in defaults".to_owned(),
        };
        let overridden = env::apply(&mut table, env)?;
        let origin = if overridden.is_empty() {
            origin
        } else {
            format!("{origin} (with {})", overridden.join(", "))
        };
        let config = typed(table, &origin)?;
        config.validate(&origin)?;
        Ok(config)
    }

    /// The role mapping as typed roles.
    pub fn role_map(&self) -> BTreeMap<String, Role> {
        self.auth
            .role_map
            .iter()
            .filter_map(|(claim, role)| Some((claim.clone(), role.parse().ok()?)))
            .collect()
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            origin: origin.to_owned(),
            key: key.to_owned(),
            message,
        };
        let org = &self.node.organisation;
        let org_ok = !org.is_empty()
            && org.len() <= 64
            && org
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !org_ok {
            return Err(invalid(
                "node.organisation",
                format!("`{org}` is not an organisation id (1–64 of a-z, 0-9, `-`, `_`)"),
            ));
        }
        if self.node.data_dir.as_os_str().is_empty() {
            return Err(invalid("node.data_dir", "must not be empty".into()));
        }
        if !(4..=65_536).contains(&self.node.store_cache_mib) {
            return Err(invalid(
                "node.store_cache_mib",
                format!("{} is out of range: 4 to 65536", self.node.store_cache_mib),
            ));
        }
        if self.api.tls_cert.as_os_str().is_empty() != self.api.tls_key.as_os_str().is_empty() {
            return Err(invalid(
                "api.tls_cert",
                "set both `api.tls_cert` and `api.tls_key`, or neither".into(),
            ));
        }
        if !self.auth.issuer.is_empty() {
            let ok = self.auth.issuer.starts_with("https://") || self.auth.issuer.starts_with("http://");
            if !ok {
                return Err(invalid(
                    "auth.issuer",
                    format!("`{}` is not an http(s) URL", self.auth.issuer),
                ));
            }
        } else if !self.auth.dev_issuer_listen.ip().is_loopback() {
            return Err(invalid(
                "auth.dev_issuer_listen",
                format!(
                    "`{}` is not a loopback address; the development issuer only listens on loopback",
                    self.auth.dev_issuer_listen
                ),
            ));
        }
        if self.auth.audience.is_empty() {
            return Err(invalid("auth.audience", "must not be empty".into()));
        }
        if self.auth.role_claim.is_empty() {
            return Err(invalid("auth.role_claim", "must not be empty".into()));
        }
        let fed = &self.federation;
        if fed.enabled() {
            for (key, path) in [
                ("federation.signing_key", &fed.signing_key),
                ("federation.tls_cert", &fed.tls_cert),
                ("federation.tls_key", &fed.tls_key),
            ] {
                if path.as_os_str().is_empty() {
                    return Err(invalid(key, "required when `federation.directory` is set".into()));
                }
            }
            if !(1024..=64 * 1024 * 1024).contains(&fed.max_message_bytes) {
                return Err(invalid(
                    "federation.max_message_bytes",
                    format!("{} is out of range: 1024 to 67108864", fed.max_message_bytes),
                ));
            }
            if fed.hop_limit > 8 {
                return Err(invalid(
                    "federation.hop_limit",
                    format!("{} is out of range: 0 to 8", fed.hop_limit),
                ));
            }
        }
        let section = |name: &str, result: Result<(), (String, String)>| {
            result.map_err(|(key, message)| invalid(&format!("{name}.{key}"), message))
        };
        section("warnings", self.warnings.validate())?;
        section("webhooks", self.webhooks.validate())?;
        section("feed", self.feed.validate())?;
        section("web", self.web.validate())?;
        for (claim, role) in &self.auth.role_map {
            role.parse::<Role>()
                .map_err(|message| invalid(&format!("auth.role_map.{claim}"), message))?;
        }
        Ok(())
    }
}

fn parse_table(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
        origin: origin.to_owned(),
        message: e.to_string(),
    })
}

/// Types the merged table; an error names the key path and the value found.
fn typed(table: toml::Table, origin: &str) -> Result<Config, ConfigError> {
    let value = toml::Value::Table(table);
    serde_path_to_error::deserialize(value.clone()).map_err(|e| {
        let key = e.path().to_string();
        let found = key
            .split('.')
            .try_fold(&value, |v, k| v.get(k))
            .map(|v| format!(" (found `{v}`)"));
        ConfigError::Invalid {
            origin: origin.to_owned(),
            key,
            message: format!("{}{}", e.inner().message(), found.unwrap_or_default()),
        }
    })
}

/// Overlays `top` on `base`, section by section.
fn merge(base: &mut toml::Table, top: toml::Table) {
    for (key, value) in top {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base)), toml::Value::Table(top)) => merge(base, top),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests;
