//! The UN Framework of Analysis for Atrocity Crimes: 14 risk factors and their
//! numbered indicators, loaded from a data file shipped with the node.
//! (stub: replaced by the full implementation)

use crate::model::situation::Crime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    Common,
    Specific,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFactor {
    pub number: u8,
    pub name: String,
    pub kind: FactorKind,
    pub crime: Option<Crime>,
    pub indicators: Vec<Indicator>,
    pub complete: bool,
    pub provenance: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    factors: Vec<RiskFactor>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CatalogueError(String);

impl Catalogue {
    pub fn embedded() -> Result<Self, CatalogueError> {
        Ok(Self { factors: Vec::new() })
    }

    pub fn factor(&self, number: u8) -> Option<&RiskFactor> {
        self.factors.iter().find(|f| f.number == number)
    }

    pub fn factors(&self) -> &[RiskFactor] {
        &self.factors
    }

    /// `Err` names the code and the factor.
    pub fn check_indicator(&self, factor: u8, code: &str) -> Result<(), String> {
        let _ = (factor, code);
        Ok(())
    }
}
