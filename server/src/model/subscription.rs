//! Subscriptions: which warnings a user of this node wants to hear about
//! (`Filters`) and, optionally, where the node POSTs them (`Webhook`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use super::shown;
use crate::model::ValidationError;
use crate::model::reference::ReferenceData;
use crate::model::situation::Crime;
use crate::model::warning::{Warning, WarningLevel};

/// At most this many values in each filter set.
pub const MAX_FILTER_VALUES: usize = 50;
pub const MIN_SECRET: usize = 16;
pub const MAX_SECRET: usize = 256;
pub const MAX_URL: usize = 2048;

/// What a warning must have for a subscription to match it. Each non-empty
/// set matches when the warning has any of its values; all the criteria
/// given must match together. Empty filters match every warning.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// ISO 3166-1 alpha-3 codes of the situation's countries.
    #[serde(default)]
    pub countries: BTreeSet<String>,
    /// Regional bodies any of the situation's countries belonged to when the
    /// warning was sent (`ECOWAS`).
    #[serde(default)]
    pub regional_bodies: BTreeSet<String>,
    /// UN M49 region codes of the situation's countries (`011`).
    #[serde(default)]
    pub m49_regions: BTreeSet<String>,
    #[serde(default)]
    pub crimes: BTreeSet<Crime>,
    /// Risk factors (1–14) the warning's assessment rates high.
    #[serde(default)]
    pub risk_factors: BTreeSet<u8>,
    /// The warning's level is at least this.
    #[serde(default)]
    pub min_level: Option<WarningLevel>,
}

impl Filters {
    /// Checks every value against the reference data; the error names the
    /// field and the value's place in the (sorted) set: `countries[1]`.
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), ValidationError> {
        let sizes = [
            ("countries", self.countries.len()),
            ("regional_bodies", self.regional_bodies.len()),
            ("m49_regions", self.m49_regions.len()),
            ("risk_factors", self.risk_factors.len()),
        ];
        for (field, len) in sizes {
            if len > MAX_FILTER_VALUES {
                return Err(ValidationError::new(
                    field,
                    format!("{len} values; at most {MAX_FILTER_VALUES} allowed"),
                ));
            }
        }
        for (i, code) in self.countries.iter().enumerate() {
            reference
                .countries
                .lookup(code)
                .map_err(|m| ValidationError::new(format!("countries[{i}]"), m))?;
        }
        for (i, body) in self.regional_bodies.iter().enumerate() {
            if !reference.memberships.is_known_body(body) {
                return Err(ValidationError::new(
                    format!("regional_bodies[{i}]"),
                    format!(
                        "unknown regional body `{}` (expected one of {})",
                        shown(body),
                        reference.memberships.bodies().join(", ")
                    ),
                ));
            }
        }
        let regions: BTreeSet<&str> = reference
            .countries
            .iter()
            .filter_map(|c| c.m49_region.as_ref())
            .map(|r| r.code.as_str())
            .collect();
        for (i, code) in self.m49_regions.iter().enumerate() {
            if !regions.contains(code.as_str()) {
                return Err(ValidationError::new(
                    format!("m49_regions[{i}]"),
                    format!(
                        "unknown M49 region `{}` (expected the three-digit code of a region of a listed country, e.g. `011`)",
                        shown(code)
                    ),
                ));
            }
        }
        for (i, factor) in self.risk_factors.iter().enumerate() {
            if reference.catalogue.factor(*factor).is_none() {
                return Err(ValidationError::new(
                    format!("risk_factors[{i}]"),
                    format!("`{factor}` is not a risk factor of the Framework of Analysis (1 to 14)"),
                ));
            }
        }
        Ok(())
    }

    /// Whether `warning` passes every criterion given. Regional bodies are
    /// taken on the day the warning was sent (created, for a draft).
    pub fn matches(&self, warning: &Warning, reference: &ReferenceData) -> bool {
        let content = &warning.content;
        let situation = &content.situation;
        let regions = || {
            situation
                .countries
                .iter()
                .filter_map(|c| reference.countries.lookup(c).ok()?.m49_region.map(|r| r.code))
        };
        let bodies = || {
            let day = warning.sent().unwrap_or(warning.created_at).date_naive();
            situation.regional_bodies(reference, day)
        };
        self.min_level.is_none_or(|min| content.level >= min)
            && (self.crimes.is_empty() || !self.crimes.is_disjoint(&situation.crimes_at_risk))
            && (self.risk_factors.is_empty()
                || content.risk_factors.iter().any(|f| self.risk_factors.contains(f)))
            && any_of(&self.countries, situation.countries.iter().cloned())
            && (self.m49_regions.is_empty() || any_of(&self.m49_regions, regions()))
            && (self.regional_bodies.is_empty() || any_of(&self.regional_bodies, bodies()))
    }
}

/// Whether `wanted` is empty or holds one of `have`.
fn any_of(wanted: &BTreeSet<String>, have: impl IntoIterator<Item = String>) -> bool {
    wanted.is_empty() || have.into_iter().any(|v| wanted.contains(&v))
}

/// Where matching warnings are POSTed, and the secret that signs them. The
/// secret is never printed (`Debug` hides it) and never leaves the node.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Webhook {
    /// Checks the address (an absolute `https://` URL with a host, no user
    /// information, no fragment) and the secret (16 to 256 visible
    /// characters); errors name `url` or `secret` and never show the secret.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_url(&self.url).map_err(|m| ValidationError::new("url", m))?;
        let len = self.secret.chars().count();
        if !(MIN_SECRET..=MAX_SECRET).contains(&len) {
            return Err(ValidationError::new(
                "secret",
                format!("is {len} characters long; {MIN_SECRET} to {MAX_SECRET} required"),
            ));
        }
        if self.secret.chars().any(char::is_control) {
            return Err(ValidationError::new("secret", "contains a control character"));
        }
        Ok(())
    }
}

fn check_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL {
        return Err(format!("is {} bytes long; at most {MAX_URL} allowed", url.len()));
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(format!("`{}` is not an https:// address", shown(url)));
    };
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "`{}` contains white space or a control character",
            shown(url)
        ));
    }
    if url.contains('#') {
        return Err(format!("`{}` has a fragment", shown(url)));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!(
            "`{}` has user information; put credentials in the secret",
            shown(url)
        ));
    }
    let parsed: http::Uri = url
        .parse()
        .map_err(|e| format!("`{}` is not a valid address: {e}", shown(url)))?;
    if parsed.host().is_none_or(str::is_empty) {
        return Err(format!("`{}` has no host", shown(url)));
    }
    Ok(())
}

/// A user's subscription. Serialised only into the node's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub id: String,
    /// The subject of the user who made it.
    pub owner: String,
    /// The owner's organisation.
    pub organisation: String,
    pub filters: Filters,
    pub webhook: Option<Webhook>,
    pub created_at: DateTime<Utc>,
}

impl Subscription {
    /// Checks the filters and the webhook; errors name the field
    /// (`filters.countries[0]`, `webhook.url`).
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), ValidationError> {
        self.filters.validate(reference).map_err(|e| e.under("filters"))?;
        if let Some(webhook) = &self.webhook {
            webhook.validate().map_err(|e| e.under("webhook"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "subscription_tests.rs"]
mod tests;
