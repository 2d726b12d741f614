//! Conversions between the wire (`tocsin_proto::v1`) and the domain. Input
//! conversions fail with a `ValidationError` naming the request field.

use chrono::{DateTime, NaiveDate, Utc};
use tocsin_proto::v1 as pb;

use crate::assessments::AssessmentView;
use crate::model::ValidationError;
use crate::model::assessment::{
    AssessmentContent, AssessmentStatus, Confidence, FactorAssessment, FactorLevel, OverallRisk, Source,
    Trend, Trigger,
};
use crate::model::marking::Tlp;
use crate::model::shown;
use crate::model::situation::{Crime, ProtectedGroup, SituationSpec};

/// Decodes a wire enum that must be set to a known value.
pub(super) fn required<E, T>(
    field: &str,
    raw: i32,
    map: impl Fn(E) -> Option<T>,
) -> Result<T, ValidationError>
where
    E: TryFrom<i32>,
{
    let value = E::try_from(raw).map_err(|_| ValidationError::new(field, format!("unknown value {raw}")))?;
    map(value).ok_or_else(|| ValidationError::new(field, "must be set"))
}

/// Decodes a wire enum where the zero value means "no filter".
pub(super) fn optional<E, T>(
    field: &str,
    raw: i32,
    map: impl Fn(E) -> Option<T>,
) -> Result<Option<T>, ValidationError>
where
    E: TryFrom<i32>,
{
    if raw == 0 {
        return Ok(None);
    }
    required(field, raw, map).map(Some)
}

pub(super) fn tlp(t: pb::Tlp) -> Option<Tlp> {
    match t {
        pb::Tlp::Unspecified => None,
        pb::Tlp::Clear => Some(Tlp::Clear),
        pb::Tlp::Green => Some(Tlp::Green),
        pb::Tlp::Amber => Some(Tlp::Amber),
        pb::Tlp::AmberStrict => Some(Tlp::AmberStrict),
        pb::Tlp::Red => Some(Tlp::Red),
    }
}

pub(super) fn overall_risk(r: pb::OverallRisk) -> Option<OverallRisk> {
    match r {
        pb::OverallRisk::Unspecified => None,
        pb::OverallRisk::Low => Some(OverallRisk::Low),
        pb::OverallRisk::Moderate => Some(OverallRisk::Moderate),
        pb::OverallRisk::High => Some(OverallRisk::High),
        pb::OverallRisk::VeryHigh => Some(OverallRisk::VeryHigh),
    }
}

pub(super) fn status(s: pb::AssessmentStatus) -> Option<AssessmentStatus> {
    match s {
        pb::AssessmentStatus::Unspecified => None,
        pb::AssessmentStatus::Draft => Some(AssessmentStatus::Draft),
        pb::AssessmentStatus::InReview => Some(AssessmentStatus::InReview),
        pb::AssessmentStatus::Published => Some(AssessmentStatus::Published),
        pb::AssessmentStatus::Superseded => Some(AssessmentStatus::Superseded),
        pb::AssessmentStatus::Withdrawn => Some(AssessmentStatus::Withdrawn),
    }
}

fn trend(t: pb::Trend) -> Option<Trend> {
    match t {
        pb::Trend::Unspecified => None,
        pb::Trend::Deteriorated => Some(Trend::Deteriorated),
        pb::Trend::Unchanged => Some(Trend::Unchanged),
        pb::Trend::Improved => Some(Trend::Improved),
    }
}

fn confidence(c: pb::Confidence) -> Option<Confidence> {
    match c {
        pb::Confidence::Unspecified => None,
        pb::Confidence::Low => Some(Confidence::Low),
        pb::Confidence::Medium => Some(Confidence::Medium),
        pb::Confidence::High => Some(Confidence::High),
    }
}

fn factor_level(l: pb::FactorLevel) -> Option<FactorLevel> {
    match l {
        pb::FactorLevel::Unspecified => None,
        pb::FactorLevel::NotAssessed => Some(FactorLevel::NotAssessed),
        pb::FactorLevel::Absent => Some(FactorLevel::Absent),
        pb::FactorLevel::Low => Some(FactorLevel::Low),
        pb::FactorLevel::Medium => Some(FactorLevel::Medium),
        pb::FactorLevel::High => Some(FactorLevel::High),
    }
}

fn crime(c: pb::Crime) -> Option<Crime> {
    match c {
        pb::Crime::Unspecified => None,
        pb::Crime::Genocide => Some(Crime::Genocide),
        pb::Crime::CrimesAgainstHumanity => Some(Crime::CrimesAgainstHumanity),
        pb::Crime::WarCrimes => Some(Crime::WarCrimes),
        pb::Crime::EthnicCleansing => Some(Crime::EthnicCleansing),
    }
}

/// The request's `content`, as the domain sees it. Errors are relative to
/// the content (`factors[0].level`); the caller prefixes them.
pub(super) fn content(c: pb::AssessmentContent) -> Result<AssessmentContent, ValidationError> {
    let situation = c
        .situation
        .ok_or_else(|| ValidationError::new("situation", "must be set"))?;
    let situation = situation_spec(situation).map_err(|e| e.under("situation"))?;
    let factors = c
        .factors
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let at = format!("factors[{i}]");
            Ok(FactorAssessment {
                factor: u8::try_from(f.factor).map_err(|_| {
                    ValidationError::new(
                        format!("{at}.factor"),
                        format!("unknown risk factor `{}`", f.factor),
                    )
                })?,
                level: required(&format!("{at}.level"), f.level, factor_level)?,
                indicators: f.indicators,
                note: f.note,
            })
        })
        .collect::<Result<_, ValidationError>>()?;
    let upcoming_triggers = c
        .upcoming_triggers
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let date = NaiveDate::parse_from_str(&t.date, "%Y-%m-%d").map_err(|_| {
                ValidationError::new(
                    format!("upcoming_triggers[{i}].date"),
                    format!("`{}` is not a date (YYYY-MM-DD)", shown(&t.date)),
                )
            })?;
            Ok(Trigger {
                kind: t.kind,
                description: t.description,
                date,
            })
        })
        .collect::<Result<_, ValidationError>>()?;
    let sources = c
        .sources
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let mut grade = s.reliability.chars();
            let reliability = match (grade.next(), grade.next()) {
                (None, _) => None,
                (Some(g), None) => Some(g),
                _ => {
                    return Err(ValidationError::new(
                        format!("sources[{i}].reliability"),
                        format!("`{}` is not a reliability grade (A to F)", shown(&s.reliability)),
                    ));
                }
            };
            Ok(Source {
                reference: s.reference,
                reliability,
                note: s.note,
            })
        })
        .collect::<Result<_, ValidationError>>()?;
    Ok(AssessmentContent {
        situation,
        factors,
        overall_risk: required("overall_risk", c.overall_risk, overall_risk)?,
        ongoing: c.ongoing,
        trend: required("trend", c.trend, trend)?,
        confidence: required("confidence", c.confidence, confidence)?,
        horizon_months: c.horizon_months,
        upcoming_triggers,
        narrative: c.narrative,
        response_options: c.response_options,
        sources,
        tlp: required("tlp", c.tlp, tlp)?,
    })
}

pub(super) fn situation_spec(s: pb::SituationSpec) -> Result<SituationSpec, ValidationError> {
    let crimes_at_risk = s
        .crimes_at_risk
        .iter()
        .enumerate()
        .map(|(i, raw)| required(&format!("crimes_at_risk[{i}]"), *raw, crime))
        .collect::<Result<_, _>>()?;
    Ok(SituationSpec {
        title: s.title,
        countries: s.countries,
        admin1: s.admin1,
        admin2: s.admin2,
        crimes_at_risk,
        protected_groups: s
            .protected_groups
            .into_iter()
            .map(|g| ProtectedGroup {
                basis: g.basis,
                label: g.label,
            })
            .collect(),
    })
}

pub(super) fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub(super) fn wire_tlp(t: Tlp) -> pb::Tlp {
    match t {
        Tlp::Clear => pb::Tlp::Clear,
        Tlp::Green => pb::Tlp::Green,
        Tlp::Amber => pb::Tlp::Amber,
        Tlp::AmberStrict => pb::Tlp::AmberStrict,
        Tlp::Red => pb::Tlp::Red,
    }
}

pub(super) fn wire_risk(r: OverallRisk) -> pb::OverallRisk {
    match r {
        OverallRisk::Low => pb::OverallRisk::Low,
        OverallRisk::Moderate => pb::OverallRisk::Moderate,
        OverallRisk::High => pb::OverallRisk::High,
        OverallRisk::VeryHigh => pb::OverallRisk::VeryHigh,
    }
}

pub(super) fn wire_trend(t: Trend) -> pb::Trend {
    match t {
        Trend::Deteriorated => pb::Trend::Deteriorated,
        Trend::Unchanged => pb::Trend::Unchanged,
        Trend::Improved => pb::Trend::Improved,
    }
}

pub(super) fn wire_confidence(c: Confidence) -> pb::Confidence {
    match c {
        Confidence::Low => pb::Confidence::Low,
        Confidence::Medium => pb::Confidence::Medium,
        Confidence::High => pb::Confidence::High,
    }
}

fn wire_status(s: AssessmentStatus) -> pb::AssessmentStatus {
    match s {
        AssessmentStatus::Draft => pb::AssessmentStatus::Draft,
        AssessmentStatus::InReview => pb::AssessmentStatus::InReview,
        AssessmentStatus::Published => pb::AssessmentStatus::Published,
        AssessmentStatus::Superseded => pb::AssessmentStatus::Superseded,
        AssessmentStatus::Withdrawn => pb::AssessmentStatus::Withdrawn,
    }
}

pub(super) fn wire_level(l: FactorLevel) -> pb::FactorLevel {
    match l {
        FactorLevel::NotAssessed => pb::FactorLevel::NotAssessed,
        FactorLevel::Absent => pb::FactorLevel::Absent,
        FactorLevel::Low => pb::FactorLevel::Low,
        FactorLevel::Medium => pb::FactorLevel::Medium,
        FactorLevel::High => pb::FactorLevel::High,
    }
}

pub(super) fn wire_crime(c: Crime) -> pb::Crime {
    match c {
        Crime::Genocide => pb::Crime::Genocide,
        Crime::CrimesAgainstHumanity => pb::Crime::CrimesAgainstHumanity,
        Crime::WarCrimes => pb::Crime::WarCrimes,
        Crime::EthnicCleansing => pb::Crime::EthnicCleansing,
    }
}

pub(super) fn wire_spec(s: &SituationSpec) -> pb::SituationSpec {
    pb::SituationSpec {
        title: s.title.clone(),
        countries: s.countries.clone(),
        admin1: s.admin1.clone(),
        admin2: s.admin2.clone(),
        crimes_at_risk: s.crimes_at_risk.iter().map(|c| wire_crime(*c) as i32).collect(),
        protected_groups: s
            .protected_groups
            .iter()
            .map(|g| pb::ProtectedGroup {
                basis: g.basis.clone(),
                label: g.label.clone(),
            })
            .collect(),
    }
}

fn wire_content(c: &AssessmentContent) -> pb::AssessmentContent {
    pb::AssessmentContent {
        situation: Some(wire_spec(&c.situation)),
        factors: c
            .factors
            .iter()
            .map(|f| pb::FactorAssessment {
                factor: u32::from(f.factor),
                level: wire_level(f.level) as i32,
                indicators: f.indicators.clone(),
                note: f.note.clone(),
            })
            .collect(),
        overall_risk: wire_risk(c.overall_risk) as i32,
        ongoing: c.ongoing,
        trend: wire_trend(c.trend) as i32,
        confidence: wire_confidence(c.confidence) as i32,
        horizon_months: c.horizon_months,
        upcoming_triggers: c
            .upcoming_triggers
            .iter()
            .map(|t| pb::Trigger {
                kind: t.kind.clone(),
                description: t.description.clone(),
                date: t.date.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        narrative: c.narrative.clone(),
        response_options: c.response_options.clone(),
        sources: c
            .sources
            .iter()
            .map(|s| pb::Source {
                reference: s.reference.clone(),
                reliability: s.reliability.map(String::from).unwrap_or_default(),
                note: s.note.clone(),
            })
            .collect(),
        tlp: wire_tlp(c.tlp) as i32,
    }
}

pub(super) fn assessment(view: &AssessmentView) -> pb::Assessment {
    let a = &view.assessment;
    pb::Assessment {
        id: a.id.clone(),
        version: a.version,
        status: wire_status(a.status) as i32,
        content: Some(wire_content(&a.content)),
        organisation: a.organisation.clone(),
        author: a.author.clone(),
        published_by: a.published_by.clone().unwrap_or_default(),
        created_at: Some(timestamp(a.created_at)),
        updated_at: Some(timestamp(a.updated_at)),
        published_at: a.published_at.map(timestamp),
        situation_id: a.situation_id(),
        sources_withheld: view.sources_withheld,
        withdrawn_reason: a.withdrawn.as_ref().map(|w| w.reason.clone()).unwrap_or_default(),
        withdrawn_by: a.withdrawn.as_ref().map(|w| w.by.clone()).unwrap_or_default(),
        withdrawn_at: a.withdrawn.as_ref().map(|w| timestamp(w.at)),
    }
}
