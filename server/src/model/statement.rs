//! Statements: what one organisation says to others across the federation,
//! as the domain sees them. There is deliberately no field for sources,
//! witnesses, contacts, notes or deliberations.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::model::assessment::{Confidence, FactorLevel, OverallRisk, Trend};
use crate::model::marking::Tlp;
use crate::model::shared_warning::{SharedWarning, WarningResponse};
use crate::model::situation::{Crime, ProtectedGroup, area_key};

/// Anything an organisation says to others. Signed by its origin; never
/// edited: a later statement supersedes or retracts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Unique per origin; the same id always names the same bytes.
    pub id: String,
    /// Organisation id of the node that made and signed it.
    pub origin: String,
    pub issued_at: DateTime<Utc>,
    pub audience: Audience,
    pub tlp: Tlp,
    pub body: StatementBody,
}

/// Who may hold a statement, and how far it may travel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Audience {
    /// Organisation ids allowed to receive it, directly or relayed.
    pub recipients: BTreeSet<String>,
    /// How many relays may forward it (0: direct delivery only).
    pub hop_limit: u32,
}

// Statements are few and short-lived; boxing the summary would only make
// matching on it clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementBody {
    AssessmentSummary(SharedAssessment),
    Retraction(Retraction),
    Warning(SharedWarning),
    Response(WarningResponse),
}

impl StatementBody {
    /// The kind of statement, as logs and errors name it.
    pub fn kind(&self) -> &'static str {
        match self {
            StatementBody::AssessmentSummary(_) => "assessment_summary",
            StatementBody::Retraction(_) => "retraction",
            StatementBody::Warning(_) => "warning",
            StatementBody::Response(r) => r.kind.as_str(),
        }
    }
}

/// The shareable projection of a published assessment, redacted by the
/// origin's sharing policy before signing.
///
/// Invariant (checked when decoding from the wire): `factors` is `Some`
/// exactly when `disclosed` has [`Disclosure::Factors`], each factor's
/// `indicators` is `Some` exactly when it has [`Disclosure::Indicators`], and
/// `narrative` is `Some` exactly when it has [`Disclosure::Narrative`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAssessment {
    pub assessment_id: String,
    pub version: u32,
    pub situation: SharedSituation,
    pub overall_risk: OverallRisk,
    pub ongoing: bool,
    pub trend: Trend,
    pub confidence: Confidence,
    pub horizon_months: u32,
    pub published_at: DateTime<Utc>,
    pub factors: Option<Vec<SharedFactor>>,
    pub narrative: Option<String>,
    pub disclosed: BTreeSet<Disclosure>,
}

/// Where a shared assessment looks. `admin2` is empty unless a sharing
/// policy allows locations below admin-1.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedSituation {
    pub title: String,
    pub countries: Vec<String>,
    pub admin1: Vec<String>,
    pub admin2: Vec<String>,
    pub m49_region: String,
    pub regional_bodies: Vec<String>,
    pub crimes_at_risk: BTreeSet<Crime>,
    pub protected_groups: Vec<ProtectedGroup>,
}

impl SharedSituation {
    /// The situation key, as `SituationSpec::key` makes it: countries
    /// (sorted) joined by `+`, then `/` and the admin-1 p-codes.
    pub fn key(&self) -> String {
        area_key(&self.countries, &self.admin1, &[])
    }
}

/// One risk factor's level; the indicators only when they were disclosed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFactor {
    pub factor: u8,
    pub level: FactorLevel,
    pub indicators: Option<Vec<String>>,
}

/// Withdraws earlier statements of the same origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retraction {
    pub statement_ids: Vec<String>,
    pub reason: String,
}

/// What part of an assessment a sharing policy disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Disclosure {
    /// The situation, overall risk, trend, confidence and horizon.
    Share,
    Factors,
    Indicators,
    Narrative,
    /// Locations below admin-1.
    Locations,
}

impl Disclosure {
    pub const ALL: [Disclosure; 5] = [
        Disclosure::Share,
        Disclosure::Factors,
        Disclosure::Indicators,
        Disclosure::Narrative,
        Disclosure::Locations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Disclosure::Share => "share",
            Disclosure::Factors => "factors",
            Disclosure::Indicators => "indicators",
            Disclosure::Narrative => "narrative",
            Disclosure::Locations => "locations",
        }
    }
}

impl fmt::Display for Disclosure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Disclosure {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Disclosure::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown disclosure `{s}` (expected share, factors, indicators, narrative or locations)"
                )
            })
    }
}

impl SharedAssessment {
    /// Whether the optional parts match `disclosed` (see the type's
    /// invariant); the error names the first part that does not.
    pub fn check_disclosure(&self) -> Result<(), String> {
        let has = |d| self.disclosed.contains(&d);
        if self.factors.is_some() != has(Disclosure::Factors) {
            return Err("`factors` must be present exactly when `factors` is disclosed".into());
        }
        if has(Disclosure::Indicators) && !has(Disclosure::Factors) {
            return Err("`indicators` cannot be disclosed without `factors`".into());
        }
        for (i, factor) in self.factors.iter().flatten().enumerate() {
            if factor.indicators.is_some() != has(Disclosure::Indicators) {
                return Err(format!(
                    "`factors[{i}].indicators` must be present exactly when `indicators` is disclosed"
                ));
            }
        }
        if self.narrative.is_some() != has(Disclosure::Narrative) {
            return Err("`narrative` must be present exactly when `narrative` is disclosed".into());
        }
        if !self.situation.admin2.is_empty() && !has(Disclosure::Locations) {
            return Err("`situation.admin2` may be present only when `locations` is disclosed".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(
        disclosed: &[Disclosure],
        factors: bool,
        indicators: bool,
        narrative: bool,
    ) -> SharedAssessment {
        SharedAssessment {
            assessment_id: "a1".into(),
            version: 1,
            situation: SharedSituation::default(),
            overall_risk: OverallRisk::High,
            ongoing: false,
            trend: Trend::Deteriorated,
            confidence: Confidence::Medium,
            horizon_months: 6,
            published_at: DateTime::UNIX_EPOCH,
            factors: factors.then(|| {
                vec![SharedFactor {
                    factor: 7,
                    level: FactorLevel::High,
                    indicators: indicators.then(|| vec!["7.5".into()]),
                }]
            }),
            narrative: narrative.then(|| "text".into()),
            disclosed: disclosed.iter().copied().collect(),
        }
    }

    #[test]
    fn disclosure_matches_the_parts_present() {
        use Disclosure::*;
        for (disclosed, factors, indicators, narrative, ok) in [
            (&[Share][..], false, false, false, true),
            (&[Share, Factors][..], true, false, false, true),
            (
                &[Share, Factors, Indicators, Narrative][..],
                true,
                true,
                true,
                true,
            ),
            (&[Share][..], true, false, false, false),
            (&[Share, Factors][..], true, true, false, false),
            (&[Share, Indicators][..], false, false, false, false),
            (&[Share][..], false, false, true, false),
            (&[Share, Narrative][..], false, false, false, false),
        ] {
            let s = summary(disclosed, factors, indicators, narrative);
            assert_eq!(
                s.check_disclosure().is_ok(),
                ok,
                "{disclosed:?} {factors} {indicators} {narrative}"
            );
        }
    }

    #[test]
    fn disclosures_parse_by_name() {
        for d in Disclosure::ALL {
            assert_eq!(d.as_str().parse::<Disclosure>(), Ok(d));
        }
        assert!("sources".parse::<Disclosure>().unwrap_err().contains("`sources`"));
    }
}
