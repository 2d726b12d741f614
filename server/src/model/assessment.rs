//! Assessments against the Framework of Analysis, and their versioned life:
//! `draft → in_review → published → superseded`, or `published → withdrawn`
//! when the organisation no longer stands behind a published version.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use crate::model::ValidationError;
use crate::model::marking::Tlp;
use crate::model::reference::ReferenceData;
use crate::model::situation::{SituationSpec, check_text};

mod lifecycle;
#[cfg(test)]
mod tests;

pub use lifecycle::{Assessment, LifecycleError, MAX_WITHDRAWAL_REASON, Withdrawal, check_withdrawal_reason};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorLevel {
    NotAssessed,
    Absent,
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverallRisk {
    Low,
    Moderate,
    High,
    VeryHigh,
}

impl OverallRisk {
    pub fn as_str(self) -> &'static str {
        match self {
            OverallRisk::Low => "low",
            OverallRisk::Moderate => "moderate",
            OverallRisk::High => "high",
            OverallRisk::VeryHigh => "very_high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Deteriorated,
    Unchanged,
    Improved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    InReview,
    Published,
    Superseded,
    /// A published version the organisation took back, with its reason.
    Withdrawn,
}

impl AssessmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "draft",
            AssessmentStatus::InReview => "in_review",
            AssessmentStatus::Published => "published",
            AssessmentStatus::Superseded => "superseded",
            AssessmentStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for AssessmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One risk factor's level and the indicators observed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactorAssessment {
    pub factor: u8,
    pub level: FactorLevel,
    #[serde(default)]
    pub indicators: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// Kinds of upcoming event that can trigger violence (Framework risk factor 8).
pub const TRIGGER_KINDS: [&str; 8] = [
    "election",
    "census",
    "referendum",
    "commemoration",
    "verdict",
    "religious_event",
    "security_operation",
    "other",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub kind: String,
    pub description: String,
    pub date: NaiveDate,
}

/// Where a finding came from. Local to the node: no federation message has a
/// field for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub reference: String,
    /// Admiralty reliability grade `A`–`F`, if graded.
    #[serde(default)]
    pub reliability: Option<char>,
    #[serde(default)]
    pub note: String,
}

/// Everything an author writes in an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentContent {
    pub situation: SituationSpec,
    pub factors: Vec<FactorAssessment>,
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

const MAX_NARRATIVE: usize = 50_000;
const MAX_NOTE: usize = 5_000;
const MAX_ITEMS: usize = 100;
const MAX_INDICATORS: usize = 40;

impl AssessmentContent {
    /// Validates against the Framework catalogue and the reference data. The
    /// error names the field, e.g. `factors[1].indicators[0]`.
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), ValidationError> {
        self.situation
            .validate(reference)
            .map_err(|e| e.under("situation"))?;
        let mut seen = BTreeSet::new();
        for (i, factor) in self.factors.iter().enumerate() {
            let at = format!("factors[{i}]");
            if reference.catalogue.factor(factor.factor).is_none() {
                return Err(ValidationError::new(
                    format!("{at}.factor"),
                    format!(
                        "unknown risk factor `{}` (the Framework has factors 1 to 14)",
                        factor.factor
                    ),
                ));
            }
            if !seen.insert(factor.factor) {
                return Err(ValidationError::new(
                    format!("{at}.factor"),
                    format!("risk factor `{}` assessed twice", factor.factor),
                ));
            }
            if factor.indicators.len() > MAX_INDICATORS {
                return Err(ValidationError::new(
                    format!("{at}.indicators"),
                    format!("at most {MAX_INDICATORS}"),
                ));
            }
            if matches!(factor.level, FactorLevel::NotAssessed | FactorLevel::Absent)
                && !factor.indicators.is_empty()
            {
                return Err(ValidationError::new(
                    format!("{at}.indicators"),
                    format!(
                        "a factor at level `{}` cannot cite indicators",
                        level_name(factor.level)
                    ),
                ));
            }
            let mut cited = BTreeSet::new();
            for (j, code) in factor.indicators.iter().enumerate() {
                let field = format!("{at}.indicators[{j}]");
                reference
                    .catalogue
                    .check_indicator(factor.factor, code)
                    .map_err(|m| ValidationError::new(&field, m))?;
                if !cited.insert(code) {
                    return Err(ValidationError::new(
                        field,
                        format!("indicator `{code}` cited twice"),
                    ));
                }
            }
            check_text(&format!("{at}.note"), &factor.note, 0, MAX_NOTE)?;
        }
        if !(1..=60).contains(&self.horizon_months) {
            return Err(ValidationError::new(
                "horizon_months",
                format!("{} is out of range: between 1 and 60 months", self.horizon_months),
            ));
        }
        if self.upcoming_triggers.len() > MAX_ITEMS {
            return Err(ValidationError::new(
                "upcoming_triggers",
                format!("at most {MAX_ITEMS}"),
            ));
        }
        for (i, trigger) in self.upcoming_triggers.iter().enumerate() {
            if !TRIGGER_KINDS.contains(&trigger.kind.as_str()) {
                return Err(ValidationError::new(
                    format!("upcoming_triggers[{i}].kind"),
                    format!(
                        "unknown trigger kind `{}` (expected one of {})",
                        trigger.kind,
                        TRIGGER_KINDS.join(", ")
                    ),
                ));
            }
            check_text(
                &format!("upcoming_triggers[{i}].description"),
                &trigger.description,
                1,
                MAX_NOTE,
            )?;
        }
        check_text("narrative", &self.narrative, 1, MAX_NARRATIVE)?;
        if self.response_options.len() > MAX_ITEMS {
            return Err(ValidationError::new(
                "response_options",
                format!("at most {MAX_ITEMS}"),
            ));
        }
        for (i, option) in self.response_options.iter().enumerate() {
            check_text(&format!("response_options[{i}]"), option, 1, MAX_NOTE)?;
        }
        if self.sources.len() > MAX_ITEMS {
            return Err(ValidationError::new("sources", format!("at most {MAX_ITEMS}")));
        }
        for (i, source) in self.sources.iter().enumerate() {
            check_text(&format!("sources[{i}].reference"), &source.reference, 1, MAX_NOTE)?;
            if let Some(grade) = source.reliability
                && !('A'..='F').contains(&grade)
            {
                return Err(ValidationError::new(
                    format!("sources[{i}].reliability"),
                    format!("`{grade}` is not a reliability grade (A to F)"),
                ));
            }
            check_text(&format!("sources[{i}].note"), &source.note, 0, MAX_NOTE)?;
        }
        Ok(())
    }

    /// The highest level any factor was assessed at, if any was.
    pub fn factor_level(&self, factor: u8) -> Option<FactorLevel> {
        self.factors.iter().find(|f| f.factor == factor).map(|f| f.level)
    }
}

fn level_name(level: FactorLevel) -> &'static str {
    match level {
        FactorLevel::NotAssessed => "not_assessed",
        FactorLevel::Absent => "absent",
        FactorLevel::Low => "low",
        FactorLevel::Medium => "medium",
        FactorLevel::High => "high",
    }
}
