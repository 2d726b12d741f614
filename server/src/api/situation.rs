//! Situations on the wire: this node's view of each, with its latest
//! published assessment, and every other organisation's shared summary.

use tocsin_proto::v1 as pb;

use crate::api::convert::{timestamp, wire_confidence, wire_level, wire_risk, wire_spec, wire_trend};
use crate::federation::received::ReceivedSummary;
use crate::federation::situations::FederatedSituation;
use crate::model::assessment::Assessment;

fn summary(a: &Assessment) -> pb::AssessmentSummary {
    pb::AssessmentSummary {
        assessment_id: a.id.clone(),
        version: a.version,
        overall_risk: wire_risk(a.content.overall_risk) as i32,
        ongoing: a.content.ongoing,
        trend: wire_trend(a.content.trend) as i32,
        confidence: wire_confidence(a.content.confidence) as i32,
        published_at: a.published_at.map(timestamp),
        organisation: a.organisation.clone(),
    }
}

/// A peer's summary: the share-level facts, and the factor levels when
/// disclosed. Indicators and narrative are not part of a situation.
fn shared(r: &ReceivedSummary) -> pb::SharedSummary {
    let s = &r.summary;
    pb::SharedSummary {
        organisation: r.origin.clone(),
        assessment_id: s.assessment_id.clone(),
        version: s.version,
        overall_risk: wire_risk(s.overall_risk) as i32,
        ongoing: s.ongoing,
        trend: wire_trend(s.trend) as i32,
        confidence: wire_confidence(s.confidence) as i32,
        horizon_months: s.horizon_months,
        issued_at: Some(timestamp(r.issued_at)),
        received_at: Some(timestamp(r.received_at)),
        path: r.path.clone(),
        disclosed: s.disclosed.iter().map(|d| d.as_str().to_owned()).collect(),
        factors: s
            .factors
            .iter()
            .flatten()
            .map(|f| pb::SharedFactorLevel {
                factor: u32::from(f.factor),
                level: wire_level(f.level) as i32,
                indicators: Vec::new(),
            })
            .collect(),
    }
}

pub(super) fn situation(federated: &FederatedSituation) -> pb::Situation {
    let view = &federated.situation;
    pb::Situation {
        id: view.id.clone(),
        spec: Some(wire_spec(&view.spec)),
        m49_region: view
            .m49_region
            .as_ref()
            .map(|r| r.code.clone())
            .unwrap_or_default(),
        m49_region_name: view
            .m49_region
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        regional_bodies: view.regional_bodies.clone(),
        latest: view.latest_published.as_ref().map(summary),
        assessment_count: view.assessment_count,
        shared: federated.shared.iter().map(shared).collect(),
    }
}
