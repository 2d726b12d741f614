//! The assessment file an author edits: YAML (or JSON) mirroring the API's
//! `AssessmentContent` field for field, so the node's error paths
//! (`content.factors[0].indicators[1]`) point into the file, with enums as
//! readable strings. Unknown keys are refused, naming the key and line.

mod convert;
mod enums;
pub mod warning;

pub use enums::{AssessmentStatus, Confidence, Crime, FactorLevel, OverallRisk, Tlp, Trend, UnknownValue};

use serde::{Deserialize, Deserializer, Serialize, de};
use std::fmt;
use std::path::{Path, PathBuf};

/// A template `tocsin assessment new` writes; `assessment create` accepts it
/// unchanged.
pub const TEMPLATE: &str = include_str!("template.yaml");

/// Titles of the Framework of Analysis risk factors 1–14.
pub const FACTOR_NAMES: [&str; 14] = [
    "Situations of armed conflict or other forms of instability",
    "Record of serious violations of international human rights and humanitarian law",
    "Weakness of State structures",
    "Motives or incentives",
    "Capacity to commit atrocity crimes",
    "Absence of mitigating factors",
    "Enabling circumstances or preparatory action",
    "Triggering factors",
    "Intergroup tensions or patterns of discrimination against protected groups",
    "Signs of an intent to destroy in whole or in part a protected group",
    "Signs of a widespread or systematic attack against any civilian population",
    "Signs of a plan or policy to attack any civilian population",
    "Serious threats to those protected under international humanitarian law",
    "Serious threats to humanitarian or peacekeeping operations",
];

/// The title of risk factor `number`, if the Framework has it.
pub fn factor_name(number: u32) -> Option<&'static str> {
    let index = usize::try_from(number).ok()?.checked_sub(1)?;
    FACTOR_NAMES.get(index).copied()
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid assessment file `{path}`: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write the assessment as YAML: {0}")]
    Write(String),
}

/// Everything an author writes (the API's `AssessmentContent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    pub situation: Situation,
    #[serde(default)]
    pub factors: Vec<Factor>,
    pub overall_risk: OverallRisk,
    #[serde(default)]
    pub ongoing: bool,
    pub trend: Trend,
    pub confidence: Confidence,
    pub horizon_months: u32,
    #[serde(default)]
    pub upcoming_triggers: Vec<Trigger>,
    pub narrative: String,
    #[serde(default)]
    pub response_options: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    pub tlp: Tlp,
}

/// What the assessment is about (the API's `SituationSpec`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Situation {
    pub title: String,
    pub countries: Vec<String>,
    #[serde(default)]
    pub admin1: Vec<String>,
    #[serde(default)]
    pub admin2: Vec<String>,
    pub crimes_at_risk: Vec<Crime>,
    #[serde(default)]
    pub protected_groups: Vec<ProtectedGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedGroup {
    pub basis: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    pub factor: u32,
    pub level: FactorLevel,
    #[serde(default)]
    pub indicators: Vec<IndicatorCode>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub kind: String,
    pub description: String,
    pub date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reliability: Option<Reliability>,
    #[serde(default)]
    pub note: String,
}

/// An indicator code such as `"7.10"`. Written unquoted, YAML would read it
/// as a number and drop the trailing zero, so numbers are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct IndicatorCode(pub String);

impl<'de> Deserialize<'de> for IndicatorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = IndicatorCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an indicator code in quotes, such as \"7.10\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IndicatorCode, E> {
                Ok(IndicatorCode(text.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, number: f64) -> Result<IndicatorCode, E> {
                Err(E::custom(format!(
                    "indicator `{number}` must be in quotes, e.g. \"{number}\" (unquoted, \"7.10\" would read as 7.1)"
                )))
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<IndicatorCode, E> {
                Err(E::custom(format!(
                    "indicator `{number}` must be a code in quotes such as \"{number}.1\""
                )))
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<IndicatorCode, E> {
                self.visit_i64(i64::try_from(number).unwrap_or(i64::MAX))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Date(pub String);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) if date.format("%Y-%m-%d").to_string() == text => Ok(Date(text)),
            _ => Err(de::Error::custom(format!(
                "`{text}` is not a date (expected YYYY-MM-DD)"
            ))),
        }
    }
}

/// A source's reliability grade, `A` (reliable) to `F` (cannot be judged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Reliability(char);

impl Reliability {
    pub fn grade(self) -> char {
        self.0
    }

    pub fn parse(text: &str) -> Option<Self> {
        let mut chars = text.trim().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if ('A'..='F').contains(&c.to_ascii_uppercase()) => {
                Some(Self(c.to_ascii_uppercase()))
            }
            _ => None,
        }
    }
}

impl From<Reliability> for String {
    fn from(grade: Reliability) -> Self {
        grade.0.to_string()
    }
}

impl<'de> Deserialize<'de> for Reliability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Reliability::parse(&text)
            .ok_or_else(|| de::Error::custom(format!("`{text}` is not a reliability grade (A to F)")))
    }
}

/// Reads an assessment file; `.json` files (or text starting with `{`) are
/// JSON, anything else YAML.
pub fn load(path: &Path) -> Result<Content, DocumentError> {
    let text = std::fs::read_to_string(path).map_err(|source| DocumentError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    parse(&text, json).map_err(|message| DocumentError::Invalid {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses a document; the error names the key, value and line at fault.
pub fn parse(text: &str, json: bool) -> Result<Content, String> {
    if json || text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_norway::from_str(text).map_err(|e| e.to_string())
    }
}

/// The content as a YAML document (for `assessment show --yaml`).
pub fn to_yaml(content: &Content) -> Result<String, DocumentError> {
    serde_norway::to_string(content).map_err(|e| DocumentError::Write(e.to_string()))
}

#[cfg(test)]
mod tests;
