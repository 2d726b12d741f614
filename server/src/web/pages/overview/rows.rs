//! One Overview row per situation across the federation: this node's latest
//! published assessment and every peer's latest shared one, reduced to what
//! the table, the filters and the map need — the highest overall risk any
//! organisation gives, the trend of the latest assessment, who assessed.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

use crate::federation::situations::FederatedSituation;
use crate::model::assessment::{OverallRisk, Trend};
use crate::model::situation::Crime;

/// What one organisation last said of a situation.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Said {
    pub(super) organisation: String,
    pub(super) risk: OverallRisk,
    pub(super) trend: Trend,
    pub(super) published_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) countries: Vec<String>,
    pub(super) regional_bodies: BTreeSet<String>,
    /// The UN M49 region's name, when the countries have one.
    pub(super) region: Option<String>,
    pub(super) crimes: BTreeSet<Crime>,
    /// Newest first.
    pub(super) said: Vec<Said>,
}

impl Row {
    pub(super) fn from_situation(own: &str, found: &FederatedSituation) -> Self {
        let view = &found.situation;
        let mut said: Vec<Said> = view
            .latest_published
            .iter()
            .filter_map(|a| {
                Some(Said {
                    organisation: own.to_owned(),
                    risk: a.content.overall_risk,
                    trend: a.content.trend,
                    published_at: a.published_at?,
                })
            })
            .collect();
        said.extend(found.shared.iter().map(|r| Said {
            organisation: r.origin.clone(),
            risk: r.summary.overall_risk,
            trend: r.summary.trend,
            published_at: r.summary.published_at,
        }));
        said.sort_by_key(|s| std::cmp::Reverse(s.published_at));
        let mut regional_bodies: BTreeSet<String> = view.regional_bodies.iter().cloned().collect();
        regional_bodies.extend(
            found
                .shared
                .iter()
                .flat_map(|r| r.summary.situation.regional_bodies.iter().cloned()),
        );
        Self {
            id: view.id.clone(),
            title: view.spec.title.clone(),
            countries: view.spec.countries.clone(),
            regional_bodies,
            region: view.m49_region.as_ref().map(|r| r.name.clone()),
            crimes: view.spec.crimes_at_risk.clone(),
            said,
        }
    }

    /// The highest overall risk any organisation gives.
    pub(super) fn risk(&self) -> Option<OverallRisk> {
        self.said.iter().map(|s| s.risk).max()
    }

    /// The latest assessment's trend and date.
    pub(super) fn latest(&self) -> Option<&Said> {
        self.said.first()
    }

    /// The organisations that assessed it, each once, newest first.
    pub(super) fn assessed_by(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.said
            .iter()
            .map(|s| s.organisation.as_str())
            .filter(|o| seen.insert(*o))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn said(org: &str, risk: OverallRisk, day: u32) -> Said {
        Said {
            organisation: org.into(),
            risk,
            trend: Trend::Unchanged,
            published_at: Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_row_takes_the_highest_risk_and_the_latest_assessment() {
        let mut row = Row {
            id: "XAA".into(),
            title: "Northern XAA".into(),
            countries: vec!["XAA".into()],
            regional_bodies: BTreeSet::new(),
            region: None,
            crimes: BTreeSet::new(),
            said: vec![
                said("ecowas", OverallRisk::Moderate, 20),
                said("xaa", OverallRisk::VeryHigh, 10),
                said("ecowas", OverallRisk::Low, 5),
            ],
        };
        assert_eq!(row.risk(), Some(OverallRisk::VeryHigh));
        assert_eq!(row.latest().map(|s| s.organisation.as_str()), Some("ecowas"));
        assert_eq!(row.assessed_by(), vec!["ecowas", "xaa"]);
        row.said.clear();
        assert_eq!(row.risk(), None);
    }
}
