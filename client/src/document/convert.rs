//! Documents to and from the wire: every field maps to the proto field of the
//! same name. From the wire, values this client does not know become
//! `unspecified` rather than errors, so a newer node can still be read.

use tocsin_proto::v1 as pb;

use super::{
    Confidence, Content, Crime, Date, Factor, FactorLevel, IndicatorCode, OverallRisk, ProtectedGroup,
    Reliability, Situation, Source, Tlp, Trend, Trigger,
};

impl From<&Content> for pb::AssessmentContent {
    fn from(content: &Content) -> Self {
        Self {
            situation: Some(pb::SituationSpec::from(&content.situation)),
            factors: content
                .factors
                .iter()
                .map(|f| pb::FactorAssessment {
                    factor: f.factor,
                    level: f.level.to_proto(),
                    indicators: f.indicators.iter().map(|code| code.0.clone()).collect(),
                    note: f.note.clone(),
                })
                .collect(),
            overall_risk: content.overall_risk.to_proto(),
            ongoing: content.ongoing,
            trend: content.trend.to_proto(),
            confidence: content.confidence.to_proto(),
            horizon_months: content.horizon_months,
            upcoming_triggers: content
                .upcoming_triggers
                .iter()
                .map(|t| pb::Trigger {
                    kind: t.kind.clone(),
                    description: t.description.clone(),
                    date: t.date.0.clone(),
                })
                .collect(),
            narrative: content.narrative.clone(),
            response_options: content.response_options.clone(),
            sources: content
                .sources
                .iter()
                .map(|s| pb::Source {
                    reference: s.reference.clone(),
                    reliability: s.reliability.map(String::from).unwrap_or_default(),
                    note: s.note.clone(),
                })
                .collect(),
            tlp: content.tlp.to_proto(),
        }
    }
}

impl From<&Situation> for pb::SituationSpec {
    fn from(situation: &Situation) -> Self {
        Self {
            title: situation.title.clone(),
            countries: situation.countries.clone(),
            admin1: situation.admin1.clone(),
            admin2: situation.admin2.clone(),
            crimes_at_risk: situation.crimes_at_risk.iter().map(|c| c.to_proto()).collect(),
            protected_groups: situation
                .protected_groups
                .iter()
                .map(|g| pb::ProtectedGroup {
                    basis: g.basis.clone(),
                    label: g.label.clone(),
                })
                .collect(),
        }
    }
}

impl From<&pb::AssessmentContent> for Content {
    fn from(content: &pb::AssessmentContent) -> Self {
        Self {
            situation: content
                .situation
                .as_ref()
                .map(Situation::from)
                .unwrap_or_else(empty_situation),
            factors: content
                .factors
                .iter()
                .map(|f| Factor {
                    factor: f.factor,
                    level: FactorLevel::from_proto(f.level),
                    indicators: f.indicators.iter().cloned().map(IndicatorCode).collect(),
                    note: f.note.clone(),
                })
                .collect(),
            overall_risk: OverallRisk::from_proto(content.overall_risk),
            ongoing: content.ongoing,
            trend: Trend::from_proto(content.trend),
            confidence: Confidence::from_proto(content.confidence),
            horizon_months: content.horizon_months,
            upcoming_triggers: content
                .upcoming_triggers
                .iter()
                .map(|t| Trigger {
                    kind: t.kind.clone(),
                    description: t.description.clone(),
                    date: Date(t.date.clone()),
                })
                .collect(),
            narrative: content.narrative.clone(),
            response_options: content.response_options.clone(),
            sources: content
                .sources
                .iter()
                .map(|s| Source {
                    reference: s.reference.clone(),
                    reliability: Reliability::parse(&s.reliability),
                    note: s.note.clone(),
                })
                .collect(),
            tlp: Tlp::from_proto(content.tlp),
        }
    }
}

impl From<&pb::SituationSpec> for Situation {
    fn from(spec: &pb::SituationSpec) -> Self {
        Self {
            title: spec.title.clone(),
            countries: spec.countries.clone(),
            admin1: spec.admin1.clone(),
            admin2: spec.admin2.clone(),
            crimes_at_risk: spec
                .crimes_at_risk
                .iter()
                .map(|c| Crime::from_proto(*c))
                .collect(),
            protected_groups: spec
                .protected_groups
                .iter()
                .map(|g| ProtectedGroup {
                    basis: g.basis.clone(),
                    label: g.label.clone(),
                })
                .collect(),
        }
    }
}

fn empty_situation() -> Situation {
    Situation {
        title: String::new(),
        countries: Vec::new(),
        admin1: Vec::new(),
        admin2: Vec::new(),
        crimes_at_risk: Vec::new(),
        protected_groups: Vec::new(),
    }
}
