//! ISO 3166-1 alpha-3 countries and their UN M49 regions.
//! (stub: replaced by the full implementation)

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M49Region {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub alpha3: String,
    pub name: String,
    pub m49_region: Option<M49Region>,
}

#[derive(Debug, Clone, Default)]
pub struct Countries {}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CountriesError(String);

impl Countries {
    pub fn embedded() -> Result<Self, CountriesError> {
        Ok(Self {})
    }

    /// `Err` names the code.
    pub fn lookup(&self, alpha3: &str) -> Result<Country, String> {
        Ok(Country {
            alpha3: alpha3.to_owned(),
            name: alpha3.to_owned(),
            m49_region: None,
        })
    }
}
