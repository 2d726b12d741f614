//! Situations: where an assessment looks, which crimes and groups are at risk.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::model::ValidationError;
use crate::model::reference::ReferenceData;

/// The atrocity crimes of the Framework of Analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crime {
    Genocide,
    CrimesAgainstHumanity,
    WarCrimes,
    EthnicCleansing,
}

impl Crime {
    pub const ALL: [Crime; 4] = [
        Crime::Genocide,
        Crime::CrimesAgainstHumanity,
        Crime::WarCrimes,
        Crime::EthnicCleansing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Crime::Genocide => "genocide",
            Crime::CrimesAgainstHumanity => "crimes_against_humanity",
            Crime::WarCrimes => "war_crimes",
            Crime::EthnicCleansing => "ethnic_cleansing",
        }
    }
}

impl fmt::Display for Crime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Crime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Crime::ALL.into_iter().find(|c| c.as_str() == wanted).ok_or_else(|| {
            format!(
                "unknown crime `{s}` (expected genocide, crimes_against_humanity, war_crimes or ethnic_cleansing)"
            )
        })
    }
}

/// Why a group is protected: the Genocide Convention's four bases and the
/// wider grounds of persecution as a crime against humanity.
pub const GROUP_BASES: [&str; 8] = [
    "national",
    "ethnic",
    "racial",
    "religious",
    "political",
    "gender",
    "cultural",
    "other",
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedGroup {
    pub basis: String,
    pub label: String,
}

/// What an author says a situation is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationSpec {
    pub title: String,
    pub countries: Vec<String>,
    #[serde(default)]
    pub admin1: Vec<String>,
    #[serde(default)]
    pub admin2: Vec<String>,
    pub crimes_at_risk: BTreeSet<Crime>,
    #[serde(default)]
    pub protected_groups: Vec<ProtectedGroup>,
}

const MAX_TITLE: usize = 200;
const MAX_COUNTRIES: usize = 20;
const MAX_PCODES: usize = 100;
const MAX_GROUPS: usize = 50;
const MAX_LABEL: usize = 200;

impl SituationSpec {
    /// Checks codes against the reference data; errors name the field.
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), ValidationError> {
        check_text("title", &self.title, 1, MAX_TITLE)?;
        if self.countries.is_empty() {
            return Err(ValidationError::new(
                "countries",
                "at least one country is required",
            ));
        }
        if self.countries.len() > MAX_COUNTRIES {
            return Err(ValidationError::new(
                "countries",
                format!("at most {MAX_COUNTRIES} countries"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, code) in self.countries.iter().enumerate() {
            reference
                .countries
                .lookup(code)
                .map_err(|m| ValidationError::new(format!("countries[{i}]"), m))?;
            if !seen.insert(code) {
                return Err(ValidationError::new(
                    format!("countries[{i}]"),
                    format!("country `{code}` listed twice"),
                ));
            }
        }
        for (name, codes) in [("admin1", &self.admin1), ("admin2", &self.admin2)] {
            if codes.len() > MAX_PCODES {
                return Err(ValidationError::new(
                    name,
                    format!("at most {MAX_PCODES} p-codes"),
                ));
            }
            for (i, code) in codes.iter().enumerate() {
                check_pcode(code).map_err(|m| ValidationError::new(format!("{name}[{i}]"), m))?;
            }
        }
        if !self.admin2.is_empty() && self.admin1.is_empty() {
            return Err(ValidationError::new(
                "admin1",
                "admin-2 p-codes need the admin-1 p-codes they fall in",
            ));
        }
        if self.crimes_at_risk.is_empty() {
            return Err(ValidationError::new(
                "crimes_at_risk",
                "name at least one crime at risk",
            ));
        }
        if self.protected_groups.len() > MAX_GROUPS {
            return Err(ValidationError::new(
                "protected_groups",
                format!("at most {MAX_GROUPS} groups"),
            ));
        }
        for (i, group) in self.protected_groups.iter().enumerate() {
            if !GROUP_BASES.contains(&group.basis.as_str()) {
                return Err(ValidationError::new(
                    format!("protected_groups[{i}].basis"),
                    format!(
                        "unknown basis `{}` (expected one of {})",
                        group.basis,
                        GROUP_BASES.join(", ")
                    ),
                ));
            }
            check_text(
                &format!("protected_groups[{i}].label"),
                &group.label,
                1,
                MAX_LABEL,
            )?;
        }
        Ok(())
    }

    /// The canonical situation key: countries (sorted) joined by `+`, then
    /// `/` and the admin-1 p-codes, then `/` and the admin-2 p-codes.
    pub fn key(&self) -> String {
        area_key(&self.countries, &self.admin1, &self.admin2)
    }

    /// Regional bodies any of the situation's countries belongs to on `date`.
    pub fn regional_bodies(&self, reference: &ReferenceData, date: NaiveDate) -> BTreeSet<String> {
        self.countries
            .iter()
            .flat_map(|c| reference.memberships.bodies_at(c, date))
            .collect()
    }
}

/// OCHA p-codes: the country's alpha-2 code followed by digits, e.g. `NG036`.
fn check_pcode(code: &str) -> Result<(), String> {
    let ok = code.len() >= 3
        && code.len() <= 16
        && code.chars().take(2).all(|c| c.is_ascii_uppercase())
        && code.chars().skip(2).all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{code}` is not an OCHA p-code (two capital letters then digits, e.g. `NG036`)"
        ))
    }
}

/// Text that must be present (when `min` is 1), bounded, and free of control
/// characters other than newlines and tabs.
pub(crate) fn check_text(field: &str, text: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let len = text.chars().count();
    if len < min {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if len > max {
        return Err(ValidationError::new(
            field,
            format!("is {len} characters long; at most {max} allowed"),
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t' && *c != '\r')
    {
        return Err(ValidationError::new(
            field,
            format!("contains control character U+{:04X}", u32::from(c)),
        ));
    }
    Ok(())
}

/// A situation key from its area: countries (sorted, each once) joined by
/// `+`, then `/` and the admin-1 p-codes likewise, then `/` and the
/// admin-2 p-codes; a level left empty adds nothing.
pub fn area_key(countries: &[String], admin1: &[String], admin2: &[String]) -> String {
    let join = |codes: &[String]| {
        let mut sorted: Vec<&str> = codes.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.join("+")
    };
    let mut key = join(countries);
    for level in [admin1, admin2] {
        if !level.is_empty() {
            key.push('/');
            key.push_str(&join(level));
        }
    }
    key
}
