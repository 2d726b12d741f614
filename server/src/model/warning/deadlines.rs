//! Configurable response deadlines and the escalation chain.
//!
//! In configuration files periods are written as text: a whole number and a
//! unit, `90m`, `6h`, `14d` (see [`period`]).

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::{Urgency, check_org_id};
use crate::model::ValidationError;

/// The acknowledgement period for each CAP urgency: an addressee must
/// acknowledge an issued warning within this time of its sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AckDeadlines {
    #[serde(with = "period")]
    pub immediate: TimeDelta,
    #[serde(with = "period")]
    pub expected: TimeDelta,
    #[serde(with = "period")]
    pub future: TimeDelta,
    #[serde(with = "period")]
    pub past: TimeDelta,
    #[serde(with = "period")]
    pub unknown: TimeDelta,
}

impl Default for AckDeadlines {
    /// Immediate 6 h, Expected 72 h, Future 14 d, Past and Unknown 72 h.
    fn default() -> Self {
        Self {
            immediate: TimeDelta::hours(6),
            expected: TimeDelta::hours(72),
            future: TimeDelta::days(14),
            past: TimeDelta::hours(72),
            unknown: TimeDelta::hours(72),
        }
    }
}

impl AckDeadlines {
    /// The acknowledgement period for `urgency`.
    pub fn period(&self, urgency: Urgency) -> TimeDelta {
        match urgency {
            Urgency::Immediate => self.immediate,
            Urgency::Expected => self.expected,
            Urgency::Future => self.future,
            Urgency::Past => self.past,
            Urgency::Unknown => self.unknown,
        }
    }
}

/// The deadlines fixed on a warning when it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseDeadlines {
    pub acknowledgement: AckDeadlines,
    /// Each addressee decides (act, monitor, no action) within this time of
    /// the sending. Default 7 days.
    #[serde(with = "period")]
    pub decision: TimeDelta,
}

impl Default for ResponseDeadlines {
    fn default() -> Self {
        Self {
            acknowledgement: AckDeadlines::default(),
            decision: TimeDelta::days(7),
        }
    }
}

/// The longest configurable period: one year.
const MAX_PERIOD_DAYS: i64 = 366;

impl ResponseDeadlines {
    /// Every period must be positive and at most a year; the error names it
    /// (`acknowledgement.immediate`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let a = &self.acknowledgement;
        for (field, value) in [
            ("acknowledgement.immediate", a.immediate),
            ("acknowledgement.expected", a.expected),
            ("acknowledgement.future", a.future),
            ("acknowledgement.past", a.past),
            ("acknowledgement.unknown", a.unknown),
            ("decision", self.decision),
        ] {
            if value <= TimeDelta::zero() || value > TimeDelta::days(MAX_PERIOD_DAYS) {
                return Err(ValidationError::new(
                    field,
                    format!(
                        "`{}` is out of range: more than zero and at most {MAX_PERIOD_DAYS}d",
                        period::format(value)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Who answers for an organisation that does not respond in time, in order:
/// `["xaa", "ecowas", "au", "un-hq"]`. An organisation escalates to the one
/// after it; an organisation not in the chain escalates to the first; the
/// last escalates to nobody.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EscalationChain(pub Vec<String>);

impl EscalationChain {
    pub fn new<S: Into<String>>(organisations: impl IntoIterator<Item = S>) -> Self {
        Self(organisations.into_iter().map(Into::into).collect())
    }

    /// Organisation ids, each once; the error names the entry (`[2]`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut seen = BTreeSet::new();
        for (i, org) in self.0.iter().enumerate() {
            check_org_id(&format!("[{i}]"), org)?;
            if !seen.insert(org) {
                return Err(ValidationError::new(
                    format!("[{i}]"),
                    format!("organisation `{org}` is in the chain twice"),
                ));
            }
        }
        Ok(())
    }

    /// The organisations that answer, in turn, for `organisation`: those
    /// after it in the chain, or the whole chain if it is not in it.
    pub fn above(&self, organisation: &str) -> &[String] {
        match self.0.iter().position(|o| o == organisation) {
            Some(i) => &self.0[i + 1..],
            None => &self.0,
        }
    }

    /// The organisations between `from` and `to` on the way up the chain
    /// (from its start when `from` is not in it); none when `to` is not
    /// above `from`. A warning from `from` to `to` names them as recipients,
    /// so that they may relay it there.
    pub fn between(&self, from: &str, to: &str) -> &[String] {
        let above = self.above(from);
        match above.iter().position(|o| o == to) {
            Some(j) => &above[..j],
            None => &[],
        }
    }
}

/// Serde for [`TimeDelta`] as text: a whole number and a unit `s`, `m`,
/// `h`, `d` or `w` (`6h`, `14d`). Written in the largest exact unit.
pub mod period {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    const UNITS: [(char, i64); 5] = [('w', 604_800), ('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

    /// Reads `6h`, `14d`, `90m`; refuses anything else, naming it.
    pub fn parse(text: &str) -> Result<TimeDelta, String> {
        let bad = || {
            format!(
                "`{}` is not a period (a whole number and s, m, h, d or w: `6h`, `14d`)",
                crate::model::shown(text)
            )
        };
        let trimmed = text.trim();
        let unit = trimmed.chars().last().ok_or_else(bad)?;
        let seconds = UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, s)| *s)
            .ok_or_else(bad)?;
        let number = &trimmed[..trimmed.len() - unit.len_utf8()];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let count: i64 = number.parse().map_err(|_| bad())?;
        count
            .checked_mul(seconds)
            .and_then(TimeDelta::try_seconds)
            .ok_or_else(bad)
    }

    /// Writes the period in the largest unit that divides it: `6h`, `14d`.
    pub fn format(value: TimeDelta) -> String {
        let seconds = value.num_seconds();
        let (unit, size) = UNITS
            .iter()
            .copied()
            .find(|(_, size)| seconds % size == 0)
            .unwrap_or(('s', 1));
        format!("{}{unit}", seconds / size)
    }

    pub fn serialize<S: Serializer>(value: &TimeDelta, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TimeDelta, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }
}
