//! Statements on the wire: domain `Statement` ↔ `tocsin_proto::v1`. Only the
//! federation module uses this; decoding errors name the field at fault
//! (`body.assessment_summary.factors[0].level`).

use chrono::{DateTime, Utc};
use prost::Message;
use tocsin_proto::v1 as pb;

use crate::federation::wire_warning;
use crate::model::ValidationError;
use crate::model::assessment::{Confidence, FactorLevel, OverallRisk, Trend};
use crate::model::marking::Tlp;
use crate::model::signing::is_valid_id;
use crate::model::situation::{Crime, ProtectedGroup};
use crate::model::statement::{
    Audience, Disclosure, Retraction, SharedAssessment, SharedFactor, SharedSituation, Statement,
    StatementBody,
};

/// Longest statement id accepted.
const MAX_ID: usize = 200;

/// The statement's protobuf encoding: the bytes the origin signs.
pub(crate) fn encode_statement(statement: &Statement) -> Vec<u8> {
    to_wire(statement).encode_to_vec()
}

/// Decodes and checks a statement's bytes.
pub(crate) fn decode_statement(bytes: &[u8]) -> Result<Statement, ValidationError> {
    let wire = pb::Statement::decode(bytes).map_err(|e| ValidationError::new("", e.to_string()))?;
    from_wire(wire)
}

pub(crate) fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub(crate) fn datetime(
    field: &str,
    t: Option<prost_types::Timestamp>,
) -> Result<DateTime<Utc>, ValidationError> {
    let t = t.ok_or_else(|| ValidationError::new(field, "must be set"))?;
    u32::try_from(t.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(t.seconds, nanos))
        .ok_or_else(|| {
            ValidationError::new(
                field,
                format!("`{}s {}ns` is not a valid time", t.seconds, t.nanos),
            )
        })
}

fn to_wire(s: &Statement) -> pb::Statement {
    let body = match &s.body {
        StatementBody::AssessmentSummary(a) => pb::statement::Body::AssessmentSummary(wire_summary(a)),
        StatementBody::Retraction(r) => pb::statement::Body::Retraction(pb::Retraction {
            statement_ids: r.statement_ids.clone(),
            reason: r.reason.clone(),
        }),
        StatementBody::Warning(w) => pb::statement::Body::Warning(wire_warning::wire_warning(w)),
        StatementBody::Response(r) => pb::statement::Body::Response(wire_warning::wire_response(r)),
    };
    pb::Statement {
        id: s.id.clone(),
        origin: s.origin.clone(),
        issued_at: Some(timestamp(s.issued_at)),
        audience: Some(pb::Audience {
            recipients: s.audience.recipients.iter().cloned().collect(),
            hop_limit: s.audience.hop_limit,
        }),
        tlp: wire_tlp(s.tlp) as i32,
        body: Some(body),
    }
}

pub(super) fn wire_situation(s: &SharedSituation) -> pb::SharedSituation {
    pb::SharedSituation {
        title: s.title.clone(),
        countries: s.countries.clone(),
        admin1: s.admin1.clone(),
        admin2: s.admin2.clone(),
        m49_region: s.m49_region.clone(),
        regional_bodies: s.regional_bodies.clone(),
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

pub(super) fn situation(situation: pb::SharedSituation) -> Result<SharedSituation, ValidationError> {
    let mut crimes_at_risk = std::collections::BTreeSet::new();
    for (i, raw) in situation.crimes_at_risk.iter().enumerate() {
        crimes_at_risk.insert(required(&format!("crimes_at_risk[{i}]"), *raw, crime)?);
    }
    Ok(SharedSituation {
        title: situation.title,
        countries: situation.countries,
        admin1: situation.admin1,
        admin2: situation.admin2,
        m49_region: situation.m49_region,
        regional_bodies: situation.regional_bodies,
        crimes_at_risk,
        protected_groups: situation
            .protected_groups
            .into_iter()
            .map(|g| ProtectedGroup {
                basis: g.basis,
                label: g.label,
            })
            .collect(),
    })
}

fn wire_summary(a: &SharedAssessment) -> pb::SharedAssessment {
    pb::SharedAssessment {
        assessment_id: a.assessment_id.clone(),
        version: a.version,
        situation: Some(wire_situation(&a.situation)),
        overall_risk: wire_risk(a.overall_risk) as i32,
        ongoing: a.ongoing,
        trend: wire_trend(a.trend) as i32,
        confidence: wire_confidence(a.confidence) as i32,
        horizon_months: a.horizon_months,
        published_at: Some(timestamp(a.published_at)),
        factors: a
            .factors
            .iter()
            .flatten()
            .map(|f| pb::SharedFactor {
                factor: u32::from(f.factor),
                level: wire_level(f.level) as i32,
                indicators: f.indicators.clone().unwrap_or_default(),
            })
            .collect(),
        narrative: a.narrative.clone().unwrap_or_default(),
        disclosed: a.disclosed.iter().map(|d| d.as_str().to_owned()).collect(),
    }
}

fn from_wire(s: pb::Statement) -> Result<Statement, ValidationError> {
    if s.id.is_empty() || s.id.len() > MAX_ID || s.id.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "id",
            format!(
                "`{}` is not a statement id: 1 to {MAX_ID} printable characters",
                s.id.escape_debug()
            ),
        ));
    }
    check_org("origin", &s.origin)?;
    let issued_at = datetime("issued_at", s.issued_at)?;
    let audience = s
        .audience
        .ok_or_else(|| ValidationError::new("audience", "must be set"))?;
    for (i, org) in audience.recipients.iter().enumerate() {
        check_org(&format!("audience.recipients[{i}]"), org)?;
    }
    let tlp = required("tlp", s.tlp, tlp)?;
    let body = match s
        .body
        .ok_or_else(|| ValidationError::new("body", "must be set"))?
    {
        pb::statement::Body::AssessmentSummary(a) => {
            StatementBody::AssessmentSummary(summary(a).map_err(|e| e.under("body.assessment_summary"))?)
        }
        pb::statement::Body::Retraction(r) => {
            if r.statement_ids.is_empty() {
                return Err(ValidationError::new(
                    "body.retraction.statement_ids",
                    "name at least one statement",
                ));
            }
            StatementBody::Retraction(Retraction {
                statement_ids: r.statement_ids,
                reason: r.reason,
            })
        }
        pb::statement::Body::Warning(w) => {
            StatementBody::Warning(wire_warning::warning(w).map_err(|e| e.under("body.warning"))?)
        }
        pb::statement::Body::Response(r) => {
            StatementBody::Response(wire_warning::response(r).map_err(|e| e.under("body.response"))?)
        }
    };
    Ok(Statement {
        id: s.id,
        origin: s.origin,
        issued_at,
        audience: Audience {
            recipients: audience.recipients.into_iter().collect(),
            hop_limit: audience.hop_limit,
        },
        tlp,
        body,
    })
}

pub(super) fn check_org(field: &str, id: &str) -> Result<(), ValidationError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("`{}` is not an organisation id", id.escape_debug()),
        ))
    }
}

fn summary(a: pb::SharedAssessment) -> Result<SharedAssessment, ValidationError> {
    let situation = a
        .situation
        .ok_or_else(|| ValidationError::new("situation", "must be set"))?;
    let mut disclosed = std::collections::BTreeSet::new();
    for (i, name) in a.disclosed.iter().enumerate() {
        let d = name
            .parse::<Disclosure>()
            .map_err(|m| ValidationError::new(format!("disclosed[{i}]"), m))?;
        disclosed.insert(d);
    }
    let with_indicators = disclosed.contains(&Disclosure::Indicators);
    let mut factors = Vec::with_capacity(a.factors.len());
    for (i, f) in a.factors.into_iter().enumerate() {
        let at = format!("factors[{i}]");
        let factor = u8::try_from(f.factor)
            .ok()
            .filter(|n| (1..=14).contains(n))
            .ok_or_else(|| {
                ValidationError::new(
                    format!("{at}.factor"),
                    format!("unknown risk factor `{}`", f.factor),
                )
            })?;
        if !with_indicators && !f.indicators.is_empty() {
            return Err(ValidationError::new(
                format!("{at}.indicators"),
                "present but `indicators` is not disclosed",
            ));
        }
        factors.push(SharedFactor {
            factor,
            level: required(&format!("{at}.level"), f.level, factor_level)?,
            indicators: with_indicators.then_some(f.indicators),
        });
    }
    let factors = if disclosed.contains(&Disclosure::Factors) {
        Some(factors)
    } else if factors.is_empty() {
        None
    } else {
        return Err(ValidationError::new(
            "factors",
            "present but `factors` is not disclosed",
        ));
    };
    let narrative = if disclosed.contains(&Disclosure::Narrative) {
        Some(a.narrative)
    } else if a.narrative.is_empty() {
        None
    } else {
        return Err(ValidationError::new(
            "narrative",
            "present but `narrative` is not disclosed",
        ));
    };
    let shared = SharedAssessment {
        assessment_id: a.assessment_id,
        version: a.version,
        situation: self::situation(situation).map_err(|e| e.under("situation"))?,
        overall_risk: required("overall_risk", a.overall_risk, overall_risk)?,
        ongoing: a.ongoing,
        trend: required("trend", a.trend, trend)?,
        confidence: required("confidence", a.confidence, confidence)?,
        horizon_months: a.horizon_months,
        published_at: datetime("published_at", a.published_at)?,
        factors,
        narrative,
        disclosed,
    };
    shared
        .check_disclosure()
        .map_err(|m| ValidationError::new("disclosed", m))?;
    Ok(shared)
}

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

fn tlp(t: pb::Tlp) -> Option<Tlp> {
    match t {
        pb::Tlp::Unspecified => None,
        pb::Tlp::Clear => Some(Tlp::Clear),
        pb::Tlp::Green => Some(Tlp::Green),
        pb::Tlp::Amber => Some(Tlp::Amber),
        pb::Tlp::AmberStrict => Some(Tlp::AmberStrict),
        pb::Tlp::Red => Some(Tlp::Red),
    }
}

fn wire_tlp(t: Tlp) -> pb::Tlp {
    match t {
        Tlp::Clear => pb::Tlp::Clear,
        Tlp::Green => pb::Tlp::Green,
        Tlp::Amber => pb::Tlp::Amber,
        Tlp::AmberStrict => pb::Tlp::AmberStrict,
        Tlp::Red => pb::Tlp::Red,
    }
}

fn overall_risk(r: pb::OverallRisk) -> Option<OverallRisk> {
    match r {
        pb::OverallRisk::Unspecified => None,
        pb::OverallRisk::Low => Some(OverallRisk::Low),
        pb::OverallRisk::Moderate => Some(OverallRisk::Moderate),
        pb::OverallRisk::High => Some(OverallRisk::High),
        pb::OverallRisk::VeryHigh => Some(OverallRisk::VeryHigh),
    }
}

fn wire_risk(r: OverallRisk) -> pb::OverallRisk {
    match r {
        OverallRisk::Low => pb::OverallRisk::Low,
        OverallRisk::Moderate => pb::OverallRisk::Moderate,
        OverallRisk::High => pb::OverallRisk::High,
        OverallRisk::VeryHigh => pb::OverallRisk::VeryHigh,
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

fn wire_trend(t: Trend) -> pb::Trend {
    match t {
        Trend::Deteriorated => pb::Trend::Deteriorated,
        Trend::Unchanged => pb::Trend::Unchanged,
        Trend::Improved => pb::Trend::Improved,
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

fn wire_confidence(c: Confidence) -> pb::Confidence {
    match c {
        Confidence::Low => pb::Confidence::Low,
        Confidence::Medium => pb::Confidence::Medium,
        Confidence::High => pb::Confidence::High,
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

fn wire_level(l: FactorLevel) -> pb::FactorLevel {
    match l {
        FactorLevel::NotAssessed => pb::FactorLevel::NotAssessed,
        FactorLevel::Absent => pb::FactorLevel::Absent,
        FactorLevel::Low => pb::FactorLevel::Low,
        FactorLevel::Medium => pb::FactorLevel::Medium,
        FactorLevel::High => pb::FactorLevel::High,
    }
}

pub(super) fn crime(c: pb::Crime) -> Option<Crime> {
    match c {
        pb::Crime::Unspecified => None,
        pb::Crime::Genocide => Some(Crime::Genocide),
        pb::Crime::CrimesAgainstHumanity => Some(Crime::CrimesAgainstHumanity),
        pb::Crime::WarCrimes => Some(Crime::WarCrimes),
        pb::Crime::EthnicCleansing => Some(Crime::EthnicCleansing),
    }
}

fn wire_crime(c: Crime) -> pb::Crime {
    match c {
        Crime::Genocide => pb::Crime::Genocide,
        Crime::CrimesAgainstHumanity => pb::Crime::CrimesAgainstHumanity,
        Crime::WarCrimes => pb::Crime::WarCrimes,
        Crime::EthnicCleansing => pb::Crime::EthnicCleansing,
    }
}
