//! What peers and sharing policies see of a warning: its situation as
//! shared (M49 region and regional bodies at its sending, nothing below
//! admin-1) and its level on the policies' risk scale.

use crate::federation::outbound::m49_region;
use crate::federation::state::FederationState;
use crate::model::assessment::OverallRisk;
use crate::model::statement::SharedSituation;
use crate::model::warning::{Warning, WarningLevel};

/// A warning's situation as it is shared: M49 region and regional bodies at
/// its sending, no locations below admin-1.
pub fn shared_situation(state: &FederationState, warning: &Warning) -> SharedSituation {
    let situation = &warning.content.situation;
    let date = warning.sent().unwrap_or(warning.updated_at).date_naive();
    SharedSituation {
        title: situation.title.clone(),
        countries: situation.countries.clone(),
        admin1: situation.admin1.clone(),
        admin2: Vec::new(),
        m49_region: m49_region(&state.reference, &situation.countries),
        regional_bodies: situation
            .regional_bodies(&state.reference, date)
            .into_iter()
            .collect(),
        crimes_at_risk: situation.crimes_at_risk.clone(),
        protected_groups: situation.protected_groups.clone(),
    }
}

/// The level a sharing policy sees for a warning: watch is moderate,
/// warning is high, emergency is very high (`level_rank` 2, 3, 4).
pub fn policy_level(level: WarningLevel) -> OverallRisk {
    match level {
        WarningLevel::Watch => OverallRisk::Moderate,
        WarningLevel::Warning => OverallRisk::High,
        WarningLevel::Emergency => OverallRisk::VeryHigh,
    }
}
