//! Automatic proposals: when a published assessment crosses a configured
//! threshold, a warning draft is proposed for a reviewer to complete, edit
//! and issue. Nothing is issued automatically.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::{
    Addressee, AssessmentRef, Category, Certainty, MAX_HEADLINE, MAX_INSTRUCTION, Severity, Urgency,
    WarningContent, WarningLevel, check_org_id,
};
use crate::model::ValidationError;
use crate::model::assessment::{Assessment, AssessmentStatus, Confidence, FactorLevel, OverallRisk, Trend};
use crate::model::reference::ReferenceData;
use crate::model::situation::check_text;

/// A rule that proposes a warning at `level` to `addressees` when a
/// published assessment meets `condition`. In TOML:
///
/// ```toml
/// [[warnings.thresholds]]
/// name = "high overall risk"
/// condition = { overall_risk = "high" }
/// level = "warning"
/// addressees = [{ organisation = "au", role = "focal_point" }]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub name: String,
    pub condition: Condition,
    pub level: WarningLevel,
    #[serde(default)]
    pub addressees: Vec<Addressee>,
}

/// What an assessment must show for a threshold to be crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The overall risk is at least this (`{ overall_risk = "high" }`).
    OverallRisk(OverallRisk),
    /// Risk factor `factor` is at least at `level`
    /// (`{ factor = { factor = 7, level = "high" } }`).
    Factor { factor: u8, level: FactorLevel },
    /// Atrocity crimes are assessed as ongoing (`"ongoing"`).
    Ongoing,
}

impl Condition {
    pub fn holds(&self, assessment: &Assessment) -> bool {
        let content = &assessment.content;
        match self {
            Condition::OverallRisk(at_least) => content.overall_risk >= *at_least,
            Condition::Factor { factor, level } => content.factor_level(*factor).is_some_and(|l| l >= *level),
            Condition::Ongoing => content.ongoing,
        }
    }
}

/// A proposed warning: content for a reviewer to check and complete (it
/// has no addressees if no crossed threshold names any), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningDraft {
    pub content: WarningContent,
    /// The names of the thresholds crossed, in configuration order.
    pub crossed: Vec<String>,
}

/// Checks threshold configuration; the error names the entry
/// (`[1].condition.factor`).
pub fn validate_thresholds(
    thresholds: &[Threshold],
    reference: &ReferenceData,
) -> Result<(), ValidationError> {
    let mut names = BTreeSet::new();
    for (i, threshold) in thresholds.iter().enumerate() {
        let at = format!("[{i}]");
        check_text(&format!("{at}.name"), &threshold.name, 1, 100)?;
        if !names.insert(threshold.name.as_str()) {
            return Err(ValidationError::new(
                format!("{at}.name"),
                format!("threshold `{}` defined twice", threshold.name),
            ));
        }
        if let Condition::Factor { factor, .. } = threshold.condition
            && reference.catalogue.factor(factor).is_none()
        {
            return Err(ValidationError::new(
                format!("{at}.condition.factor"),
                format!("unknown risk factor `{factor}` (the Framework has factors 1 to 14)"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (j, addressee) in threshold.addressees.iter().enumerate() {
            let field = format!("{at}.addressees[{j}].organisation");
            check_org_id(&field, &addressee.organisation)?;
            if !seen.insert(addressee.organisation.as_str()) {
                return Err(ValidationError::new(
                    field,
                    format!("organisation `{}` addressed twice", addressee.organisation),
                ));
            }
        }
    }
    Ok(())
}

/// The draft a published assessment calls for, if it crosses any
/// threshold: the highest level among those crossed, CAP values that go
/// with it, a factual headline and description (never the narrative or the
/// sources), the response options as recommended actions, the addressees
/// of every crossed threshold, the assessment's TLP, and expiry at the end
/// of its horizon (30 days a month from publication).
pub fn proposals(assessment: &Assessment, thresholds: &[Threshold]) -> Option<WarningDraft> {
    if assessment.status != AssessmentStatus::Published {
        return None;
    }
    let published_at = assessment.published_at?;
    let crossed: Vec<&Threshold> = thresholds
        .iter()
        .filter(|t| t.condition.holds(assessment))
        .collect();
    let level = crossed.iter().map(|t| t.level).max()?;
    let content = &assessment.content;
    let (mut urgency, severity, mut certainty) = match level {
        WarningLevel::Watch => (Urgency::Future, Severity::Moderate, Certainty::Possible),
        WarningLevel::Warning => (Urgency::Expected, Severity::Severe, Certainty::Likely),
        WarningLevel::Emergency => (Urgency::Immediate, Severity::Extreme, Certainty::Likely),
    };
    if content.ongoing {
        urgency = Urgency::Immediate;
        certainty = Certainty::Observed;
    }
    let mut addressees: Vec<Addressee> = Vec::new();
    for addressee in crossed.iter().flat_map(|t| &t.addressees) {
        if !addressees
            .iter()
            .any(|a| a.organisation == addressee.organisation)
        {
            addressees.push(addressee.clone());
        }
    }
    let crossed: Vec<String> = crossed.iter().map(|t| t.name.clone()).collect();
    let horizon = TimeDelta::days(30 * i64::from(content.horizon_months));
    Some(WarningDraft {
        content: WarningContent {
            situation: content.situation.clone(),
            assessment: AssessmentRef::of(assessment),
            level,
            category: Category::Safety,
            urgency,
            severity,
            certainty,
            headline: headline(level, content.overall_risk, &content.situation.title),
            description: description(assessment, &crossed),
            instruction: shorten(&content.response_options.join("\n"), MAX_INSTRUCTION),
            addressees,
            expires: published_at + horizon,
            risk_factors: high_factors(assessment),
            tlp: content.tlp,
        },
        crossed,
    })
}

fn headline(level: WarningLevel, risk: OverallRisk, title: &str) -> String {
    let text = format!(
        "{}: {} risk of atrocity crimes in {title}",
        level.cap_value(),
        risk.as_str().replace('_', " ")
    );
    shorten(&text, MAX_HEADLINE)
}

fn description(assessment: &Assessment, crossed: &[String]) -> String {
    let content = &assessment.content;
    let mut text = format!(
        "Assessment `{}` version {} rates the overall risk of atrocity crimes {} \
         (trend {}, confidence {}, horizon {} months).",
        assessment.id,
        assessment.version,
        content.overall_risk.as_str().replace('_', " "),
        trend_name(content.trend),
        confidence_name(content.confidence),
        content.horizon_months,
    );
    if content.ongoing {
        text.push_str(" Atrocity crimes are assessed as ongoing.");
    }
    let crimes: Vec<String> = content
        .situation
        .crimes_at_risk
        .iter()
        .map(|c| c.as_str().replace('_', " "))
        .collect();
    if !crimes.is_empty() {
        text.push_str(&format!(" Crimes at risk: {}.", crimes.join(", ")));
    }
    let high: Vec<String> = content
        .factors
        .iter()
        .filter(|f| f.level == FactorLevel::High)
        .map(|f| f.factor.to_string())
        .collect();
    if !high.is_empty() {
        text.push_str(&format!(" Risk factors at high level: {}.", high.join(", ")));
    }
    text.push_str(&format!(" Thresholds crossed: {}.", crossed.join(", ")));
    text
}

fn trend_name(trend: Trend) -> &'static str {
    match trend {
        Trend::Deteriorated => "deteriorated",
        Trend::Unchanged => "unchanged",
        Trend::Improved => "improved",
    }
}

fn confidence_name(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

/// `text` cut to at most `max` characters, ending in `…` if cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The risk factors `assessment` rates high, ascending: what a warning
/// resting on it is about, for subscriptions to filter on.
pub fn high_factors(assessment: &Assessment) -> Vec<u8> {
    let mut factors: Vec<u8> = assessment
        .content
        .factors
        .iter()
        .filter(|f| f.level == FactorLevel::High)
        .map(|f| f.factor)
        .collect();
    factors.sort_unstable();
    factors.dedup();
    factors
}
