//! All reference data a node validates against, bundled: the Framework
//! catalogue, the countries and the regional bodies.
//!
//! Each data set is embedded in the binary; a node configuration may replace
//! any of them with a text it has read from a file (`from_texts`). The model
//! does no file I/O: the caller reads the files.

use crate::model::catalogue::{Catalogue, CatalogueError};
use crate::model::geography::{Countries, CountriesError};
use crate::model::membership::{MembershipError, Memberships};

#[derive(Debug, Clone)]
pub struct ReferenceData {
    pub catalogue: Catalogue,
    pub countries: Countries,
    pub memberships: Memberships,
}

/// Which data set failed and why.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("framework of analysis: {0}")]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Countries(#[from] CountriesError),
    #[error(transparent)]
    Memberships(#[from] MembershipError),
    #[error("regional bodies: member of `{body}`: {message}")]
    UnknownMember { body: String, message: String },
}

impl ReferenceData {
    /// The data shipped with the node.
    pub fn embedded() -> Result<Self, ReferenceError> {
        Self::from_texts(None, None, None)
    }

    /// Each text replaces the embedded data set of that kind; `None` keeps
    /// the embedded one. Every member of a regional body must be a country
    /// the countries list accepts.
    pub fn from_texts(
        catalogue: Option<&str>,
        countries: Option<&str>,
        memberships: Option<&str>,
    ) -> Result<Self, ReferenceError> {
        let catalogue = match catalogue {
            Some(text) => Catalogue::from_yaml(text)?,
            None => Catalogue::embedded()?,
        };
        let countries = match countries {
            Some(text) => Countries::from_tsv(text)?,
            None => Countries::embedded()?,
        };
        let memberships = match memberships {
            Some(text) => Memberships::from_yaml(text)?,
            None => Memberships::embedded()?,
        };
        for (body, country) in memberships.countries() {
            countries
                .lookup(country)
                .map_err(|message| ReferenceError::UnknownMember {
                    body: body.to_owned(),
                    message,
                })?;
        }
        Ok(Self {
            catalogue,
            countries,
            memberships,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn embedded_data_loads() {
        let r = ReferenceData::embedded().unwrap();
        assert_eq!(r.catalogue.factors().len(), 14);
        assert_eq!(r.countries.len(), 249);
        assert!(r.memberships.is_known_body("ECOWAS"));
    }

    #[test]
    fn each_text_replaces_one_data_set() {
        let catalogue = "factors:\n- {number: 1, name: A, kind: common, provenance: p, complete: false}\n";
        let countries = "alpha3\tname\tm49_code\tm49_name\nMLI\tMali\t011\tWestern Africa\n";
        let bodies = "bodies:\n- {id: SAHEL, name: S, founded: 2020-01-01, members: [{country: MLI, from: 2020-01-01}, {country: XAA, from: 2020-01-01}]}\n";
        let r = ReferenceData::from_texts(Some(catalogue), None, None).unwrap();
        assert_eq!(r.catalogue.factors().len(), 1);
        assert_eq!(r.countries.len(), 249);
        let r = ReferenceData::from_texts(None, Some(countries), Some(bodies)).unwrap();
        assert_eq!(r.catalogue.factors().len(), 14);
        assert_eq!(r.countries.len(), 1);
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(r.memberships.bodies_at("XAA", day), ["SAHEL"]);
        assert!(!r.memberships.is_known_body("ECOWAS"));
    }

    /// `want` is a fragment of the error of `from_texts`.
    fn check(texts: (Option<&str>, Option<&str>, Option<&str>), want: &str) {
        let got = ReferenceData::from_texts(texts.0, texts.1, texts.2)
            .unwrap_err()
            .to_string();
        assert!(got.contains(want), "`{got}` lacks `{want}`");
    }

    #[test]
    fn errors_name_the_data_set() {
        check(
            (Some("factors: []\n"), None, None),
            "framework of analysis: catalogue field `factors`",
        );
        check((None, Some("MLI\tMali\t\t\n"), None), "countries: the first line");
        check((None, None, Some("bodies: 3\n")), "regional bodies are not valid");
        let countries = "alpha3\tname\tm49_code\tm49_name\nMLI\tMali\t011\tWestern Africa\n";
        check(
            (None, Some(countries), None),
            "regional bodies: member of `AU`: unknown country code",
        );
    }
}
