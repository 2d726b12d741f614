//! What the CLI shows of the node's replies: plain serialisable views, built
//! from the wire types. Their JSON is the `--json` output, so field names are
//! stable: add fields, never rename them.

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;
use tocsin_proto::v1 as pb;

use crate::document::{
    AssessmentStatus, Confidence, Content, Crime, FactorLevel, OverallRisk, ProtectedGroup, Situation, Trend,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentView {
    pub id: String,
    pub version: u32,
    pub status: AssessmentStatus,
    pub situation_id: String,
    pub organisation: String,
    pub author: String,
    pub published_by: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub published_at: Option<String>,
    /// True when the node's access policy withheld the sources from this reply.
    pub sources_withheld: bool,
    pub content: Option<Content>,
    /// Set when the version was withdrawn: why, by whom, when.
    pub withdrawn_reason: Option<String>,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<String>,
}

impl From<&pb::Assessment> for AssessmentView {
    fn from(a: &pb::Assessment) -> Self {
        Self {
            id: a.id.clone(),
            version: a.version,
            status: AssessmentStatus::from_proto(a.status),
            situation_id: a.situation_id.clone(),
            organisation: a.organisation.clone(),
            author: a.author.clone(),
            published_by: non_empty(&a.published_by),
            created_at: timestamp(a.created_at.as_ref()),
            updated_at: timestamp(a.updated_at.as_ref()),
            published_at: timestamp(a.published_at.as_ref()),
            sources_withheld: a.sources_withheld,
            content: a.content.as_ref().map(Content::from),
            withdrawn_reason: non_empty(&a.withdrawn_reason),
            withdrawn_by: non_empty(&a.withdrawn_by),
            withdrawn_at: timestamp(a.withdrawn_at.as_ref()),
        }
    }
}

/// One organisation's latest published assessment of a situation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryView {
    pub assessment_id: String,
    pub version: u32,
    pub organisation: String,
    pub overall_risk: OverallRisk,
    pub ongoing: bool,
    pub trend: Trend,
    pub confidence: Confidence,
    pub published_at: Option<String>,
}

impl From<&pb::AssessmentSummary> for SummaryView {
    fn from(s: &pb::AssessmentSummary) -> Self {
        Self {
            assessment_id: s.assessment_id.clone(),
            version: s.version,
            organisation: s.organisation.clone(),
            overall_risk: OverallRisk::from_proto(s.overall_risk),
            ongoing: s.ongoing,
            trend: Trend::from_proto(s.trend),
            confidence: Confidence::from_proto(s.confidence),
            published_at: timestamp(s.published_at.as_ref()),
        }
    }
}

/// One risk factor's level as another organisation shared it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedFactorView {
    pub factor: u32,
    pub level: FactorLevel,
}

/// Another organisation's latest summary of a situation, as shared with the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedSummaryView {
    pub organisation: String,
    pub assessment_id: String,
    pub version: u32,
    pub overall_risk: OverallRisk,
    pub ongoing: bool,
    pub trend: Trend,
    pub confidence: Confidence,
    pub horizon_months: u32,
    pub issued_at: Option<String>,
    pub received_at: Option<String>,
    /// The origin, each relay, the node.
    pub path: Vec<String>,
    pub disclosed: Vec<String>,
    /// Levels only, when the origin disclosed factors.
    pub factors: Vec<SharedFactorView>,
}

impl From<&pb::SharedSummary> for SharedSummaryView {
    fn from(s: &pb::SharedSummary) -> Self {
        Self {
            organisation: s.organisation.clone(),
            assessment_id: s.assessment_id.clone(),
            version: s.version,
            overall_risk: OverallRisk::from_proto(s.overall_risk),
            ongoing: s.ongoing,
            trend: Trend::from_proto(s.trend),
            confidence: Confidence::from_proto(s.confidence),
            horizon_months: s.horizon_months,
            issued_at: timestamp(s.issued_at.as_ref()),
            received_at: timestamp(s.received_at.as_ref()),
            path: s.path.clone(),
            disclosed: s.disclosed.clone(),
            factors: s
                .factors
                .iter()
                .map(|f| SharedFactorView {
                    factor: f.factor,
                    level: FactorLevel::from_proto(f.level),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SituationView {
    pub id: String,
    pub title: String,
    pub countries: Vec<String>,
    pub admin1: Vec<String>,
    pub admin2: Vec<String>,
    pub crimes_at_risk: Vec<Crime>,
    pub protected_groups: Vec<ProtectedGroup>,
    pub m49_region: String,
    pub m49_region_name: String,
    pub regional_bodies: Vec<String>,
    pub assessment_count: u32,
    /// The node's own latest published assessment.
    pub latest: Option<SummaryView>,
    /// Every other organisation's latest shared summary, side by side.
    pub shared: Vec<SharedSummaryView>,
}

impl From<&pb::Situation> for SituationView {
    fn from(s: &pb::Situation) -> Self {
        let spec = s.spec.as_ref().map(Situation::from);
        let spec = spec.unwrap_or_else(|| Situation::from(&pb::SituationSpec::default()));
        Self {
            id: s.id.clone(),
            title: spec.title,
            countries: spec.countries,
            admin1: spec.admin1,
            admin2: spec.admin2,
            crimes_at_risk: spec.crimes_at_risk,
            protected_groups: spec.protected_groups,
            m49_region: s.m49_region.clone(),
            m49_region_name: s.m49_region_name.clone(),
            regional_bodies: s.regional_bodies.clone(),
            assessment_count: s.assessment_count,
            latest: s.latest.as_ref().map(SummaryView::from),
            shared: s.shared.iter().map(SharedSummaryView::from).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoAmIView {
    pub subject: String,
    pub name: String,
    pub organisation: String,
    pub roles: Vec<String>,
    pub issuer: String,
}

impl From<&pb::WhoAmIResponse> for WhoAmIView {
    fn from(w: &pb::WhoAmIResponse) -> Self {
        Self {
            subject: w.subject.clone(),
            name: w.name.clone(),
            organisation: w.organisation.clone(),
            roles: w.roles.clone(),
            issuer: w.issuer.clone(),
        }
    }
}

/// RFC 3339 in UTC to the second, e.g. `2026-01-02T03:04:05Z`.
pub fn timestamp(ts: Option<&prost_types::Timestamp>) -> Option<String> {
    let ts = ts?;
    let nanos = u32::try_from(ts.nanos).unwrap_or(0);
    DateTime::from_timestamp(ts.seconds, nanos).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_767_323_045,
            nanos: 5,
        };
        assert_eq!(timestamp(Some(&ts)).as_deref(), Some("2026-01-02T03:04:05Z"));
        assert_eq!(timestamp(None), None);
    }

    #[test]
    fn an_assessment_view_has_stable_json_field_names() {
        let wire = pb::Assessment {
            id: "a1".into(),
            version: 2,
            status: pb::AssessmentStatus::InReview as i32,
            situation_id: "XAA".into(),
            organisation: "ecowas".into(),
            author: "ada".into(),
            ..Default::default()
        };
        let json = serde_json::to_value(AssessmentView::from(&wire)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "a1", "version": 2, "status": "in_review", "situation_id": "XAA",
                "organisation": "ecowas", "author": "ada", "published_by": null,
                "created_at": null, "updated_at": null, "published_at": null,
                "sources_withheld": false, "content": null,
                "withdrawn_reason": null, "withdrawn_by": null, "withdrawn_at": null
            })
        );
    }

    #[test]
    fn a_situation_view_flattens_the_spec() {
        let wire = pb::Situation {
            id: "XAA".into(),
            spec: Some(pb::SituationSpec {
                title: "North".into(),
                countries: vec!["XAA".into()],
                crimes_at_risk: vec![pb::Crime::Genocide as i32],
                ..Default::default()
            }),
            regional_bodies: vec!["AU".into()],
            latest: Some(pb::AssessmentSummary {
                overall_risk: pb::OverallRisk::VeryHigh as i32,
                ..Default::default()
            }),
            ..Default::default()
        };
        let view = SituationView::from(&wire);
        assert_eq!(view.title, "North");
        assert_eq!(view.crimes_at_risk, [Crime::Genocide]);
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["latest"]["overall_risk"], "very_high");
        assert_eq!(json["regional_bodies"][0], "AU");
        assert_eq!(json["shared"], serde_json::json!([]));
    }

    #[test]
    fn shared_summaries_carry_path_disclosure_and_factor_levels() {
        let wire = pb::Situation {
            id: "XAA".into(),
            shared: vec![pb::SharedSummary {
                organisation: "xaa".into(),
                assessment_id: "a1".into(),
                version: 3,
                overall_risk: pb::OverallRisk::High as i32,
                trend: pb::Trend::Improved as i32,
                confidence: pb::Confidence::Low as i32,
                horizon_months: 6,
                issued_at: Some(prost_types::Timestamp {
                    seconds: 1_767_323_045,
                    nanos: 0,
                }),
                path: vec!["xaa".into(), "ecowas".into()],
                disclosed: vec!["share".into(), "factors".into()],
                factors: vec![pb::SharedFactorLevel {
                    factor: 7,
                    level: pb::FactorLevel::Medium as i32,
                    indicators: vec![],
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = serde_json::to_value(SituationView::from(&wire)).unwrap();
        assert_eq!(
            json["shared"][0],
            serde_json::json!({
                "organisation": "xaa", "assessment_id": "a1", "version": 3,
                "overall_risk": "high", "ongoing": false, "trend": "improved",
                "confidence": "low", "horizon_months": 6,
                "issued_at": "2026-01-02T03:04:05Z", "received_at": null,
                "path": ["xaa", "ecowas"], "disclosed": ["share", "factors"],
                "factors": [{"factor": 7, "level": "medium"}]
            })
        );
    }
}
