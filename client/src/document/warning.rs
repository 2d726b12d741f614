//! The warning file an author edits (`tocsin warning raise FILE`): YAML or
//! JSON mirroring the API's `WarningContent`, so the node's error paths
//! (`content.addressees[1].role`) point into the file. Vocabulary values are
//! the node's own (any case); `expires` is a time or a period from now.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::str::FromStr;
use tocsin_proto::v1 as pb;
use tocsin_server::model::warning::{Category, Certainty, Severity, Urgency, WarningLevel, period};

use super::{DocumentError, Situation, Tlp};
use crate::view::timestamp;

/// A template `tocsin warning template` prints; `warning raise` accepts it
/// once the assessment id is filled in.
pub const WARNING_TEMPLATE: &str = include_str!("warning_template.yaml");

/// Everything an author writes in a warning (the API's `WarningContent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningDocument {
    pub situation: Situation,
    pub assessment_id: String,
    pub assessment_version: u32,
    #[serde(deserialize_with = "term")]
    pub level: WarningLevel,
    #[serde(
        default,
        deserialize_with = "optional_term",
        skip_serializing_if = "Option::is_none"
    )]
    pub category: Option<Category>,
    #[serde(deserialize_with = "term")]
    pub urgency: Urgency,
    #[serde(deserialize_with = "term")]
    pub severity: Severity,
    #[serde(deserialize_with = "term")]
    pub certainty: Certainty,
    pub headline: String,
    pub description: String,
    #[serde(default)]
    pub instruction: String,
    pub addressees: Vec<Addressee>,
    pub expires: When,
    pub tlp: Tlp,
}

/// An organisation and the function there that must answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addressee {
    pub organisation: String,
    /// `focal_point` or `decision_maker`.
    pub role: String,
}

/// A moment as a user writes it: RFC 3339 (`2026-12-01T12:00:00Z`), a date
/// (`2026-12-01`, the end of that day in UTC), or a period from now (`30d`,
/// `12h`, `2w`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    At(DateTime<Utc>),
    In(TimeDelta),
}

impl When {
    pub fn resolve(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            When::At(at) => *at,
            When::In(delta) => now + *delta,
        }
    }
}

impl FromStr for When {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(When::At(at.with_timezone(&Utc)));
        }
        if let Ok(day) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            let end = day.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
            return end
                .map(When::At)
                .ok_or_else(|| format!("`{text}` is not a usable date"));
        }
        match period::parse(trimmed) {
            Ok(delta) if delta > TimeDelta::zero() => Ok(When::In(delta)),
            _ => Err(format!(
                "`{text}` is not a time: write RFC 3339 (`2026-12-01T12:00:00Z`), a date (`2026-12-01`) or a period from now (`30d`, `12h`, `2w`)"
            )),
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::At(at) => f.write_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            When::In(delta) => f.write_str(&period::format(*delta)),
        }
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        term(deserializer)
    }
}

/// A value read with its `FromStr` (any case, `-` for `_`), so that the
/// error names the value and the choices.
fn term<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(deserializer: D) -> Result<T, D::Error> {
    // Parsed inside the visitor, so that YAML errors point at the value.
    struct Visitor<T>(PhantomData<T>);
    impl<T: FromStr<Err = String>> de::Visitor<'_> for Visitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            text.parse().map_err(E::custom)
        }
    }
    deserializer.deserialize_str(Visitor(PhantomData))
}

fn optional_term<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    term(deserializer).map(Some)
}

impl WarningDocument {
    /// The wire content; a period in `expires` counts from `now`.
    pub fn to_proto(&self, now: DateTime<Utc>) -> pb::WarningContent {
        let expires = self.expires.resolve(now);
        pb::WarningContent {
            situation: Some(pb::SituationSpec::from(&self.situation)),
            assessment_id: self.assessment_id.clone(),
            assessment_version: self.assessment_version,
            level: self.level.to_string(),
            category: self.category.map(|c| c.to_string()).unwrap_or_default(),
            urgency: self.urgency.to_string(),
            severity: self.severity.to_string(),
            certainty: self.certainty.to_string(),
            headline: self.headline.clone(),
            description: self.description.clone(),
            instruction: self.instruction.clone(),
            addressees: self
                .addressees
                .iter()
                .map(|a| pb::WarningAddressee {
                    organisation: a.organisation.clone(),
                    role: a.role.clone(),
                })
                .collect(),
            expires: Some(prost_types::Timestamp {
                seconds: expires.timestamp(),
                nanos: 0,
            }),
            tlp: self.tlp.to_proto(),
            risk_factors: Vec::new(),
        }
    }

    /// The content as a file to edit (`warning show --yaml`); the error
    /// names the field the node sent a value for that is not in the vocabulary.
    pub fn from_proto(content: &pb::WarningContent) -> Result<Self, DocumentError> {
        let bad = |e: String| DocumentError::Write(e);
        let expires = timestamp(content.expires.as_ref())
            .ok_or_else(|| bad("the warning has no expiry time".to_owned()))?;
        Ok(Self {
            situation: content
                .situation
                .as_ref()
                .map(Situation::from)
                .unwrap_or_else(|| Situation::from(&pb::SituationSpec::default())),
            assessment_id: content.assessment_id.clone(),
            assessment_version: content.assessment_version,
            level: content.level.parse().map_err(bad)?,
            category: match content.category.as_str() {
                "" => None,
                text => Some(text.parse().map_err(bad)?),
            },
            urgency: content.urgency.parse().map_err(bad)?,
            severity: content.severity.parse().map_err(bad)?,
            certainty: content.certainty.parse().map_err(bad)?,
            headline: content.headline.clone(),
            description: content.description.clone(),
            instruction: content.instruction.clone(),
            addressees: content
                .addressees
                .iter()
                .map(|a| Addressee {
                    organisation: a.organisation.clone(),
                    role: a.role.clone(),
                })
                .collect(),
            expires: expires.parse().map_err(bad)?,
            tlp: Tlp::from_proto(content.tlp),
        })
    }
}

/// Reads a warning file; `.json` files (or text starting with `{`) are
/// JSON, anything else YAML.
pub fn load_warning(path: &Path) -> Result<WarningDocument, DocumentError> {
    let text = std::fs::read_to_string(path).map_err(|source| DocumentError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    parse_warning(&text, json).map_err(|message| DocumentError::Invalid {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses a warning document; the error names the key, value and line at fault.
pub fn parse_warning(text: &str, json: bool) -> Result<WarningDocument, String> {
    if json || text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_norway::from_str(text).map_err(|e| e.to_string())
    }
}

/// The document as YAML (for `warning show --yaml`).
pub fn warning_to_yaml(document: &WarningDocument) -> Result<String, DocumentError> {
    serde_norway::to_string(document).map_err(|e| DocumentError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-20T10:00:00Z".parse().unwrap()
    }

    fn template() -> WarningDocument {
        parse_warning(WARNING_TEMPLATE, false).unwrap()
    }

    #[test]
    fn the_template_parses_and_converts_to_the_wire() {
        let document = template();
        assert_eq!(document.level, WarningLevel::Warning);
        assert_eq!(document.addressees.len(), 2);
        assert_eq!(document.expires, When::In(TimeDelta::days(30)));
        let wire = document.to_proto(now());
        assert_eq!(wire.level, "warning");
        assert_eq!(wire.urgency, "expected");
        assert_eq!(wire.category, "");
        assert_eq!(wire.tlp, pb::Tlp::Amber as i32);
        assert_eq!(wire.addressees[1].role, "decision_maker");
        assert_eq!(wire.expires.unwrap().seconds, now().timestamp() + 30 * 86_400);
        assert_eq!(wire.situation.unwrap().countries, ["XAA"]);
    }

    #[test]
    fn vocabulary_values_are_read_in_any_case_and_bad_ones_named_with_their_line() {
        let text = WARNING_TEMPLATE.replacen("level: warning", "level: Emergency", 1);
        assert_eq!(
            parse_warning(&text, false).unwrap().level,
            WarningLevel::Emergency
        );
        let text = WARNING_TEMPLATE.replacen("urgency: expected", "urgency: soon", 1);
        let err = parse_warning(&text, false).unwrap_err();
        assert!(err.contains("unknown urgency `soon`"), "{err}");
        assert!(err.contains("immediate, expected"), "{err}");
        let line = WARNING_TEMPLATE
            .lines()
            .position(|l| l.starts_with("urgency:"))
            .unwrap()
            + 1;
        assert!(err.contains(&format!("line {line}")), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = WARNING_TEMPLATE.replacen("tlp: AMBER", "tlp: AMBER\nurgent: true", 1);
        let err = parse_warning(&text, false).unwrap_err();
        assert!(err.contains("unknown field `urgent`"), "{err}");
    }

    #[test]
    fn times_are_rfc3339_dates_or_periods_from_now() {
        let at: When = "2026-12-01T12:00:00+01:00".parse().unwrap();
        assert_eq!(at.resolve(now()).to_rfc3339(), "2026-12-01T11:00:00+00:00");
        let day: When = "2026-12-01".parse().unwrap();
        assert_eq!(day.resolve(now()).to_rfc3339(), "2026-12-01T23:59:59+00:00");
        let period: When = "12h".parse().unwrap();
        assert_eq!(period.resolve(now()).to_rfc3339(), "2026-11-20T22:00:00+00:00");
        assert_eq!(period.to_string(), "12h");
        for bad in ["soon", "0d", "-3d", "2026-13-01"] {
            let err = bad.parse::<When>().unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn the_content_of_a_warning_reads_back_as_a_document() {
        let wire = template().to_proto(now());
        let back = WarningDocument::from_proto(&wire).unwrap();
        assert_eq!(back.expires, When::At("2026-12-20T10:00:00Z".parse().unwrap()));
        assert_eq!(back.to_proto(now()), wire);
        let yaml = warning_to_yaml(&back).unwrap();
        assert!(yaml.contains("expires: 2026-12-20T10:00:00Z"), "{yaml}");
        assert_eq!(parse_warning(&yaml, false).unwrap(), back);
    }
}
