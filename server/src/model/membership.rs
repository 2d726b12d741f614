//! Regional bodies and their dated membership.
//! (stub: replaced by the full implementation)

use chrono::NaiveDate;

#[derive(Debug, Clone, Default)]
pub struct Memberships {}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MembershipError(String);

impl Memberships {
    pub fn embedded() -> Result<Self, MembershipError> {
        Ok(Self {})
    }

    /// Bodies `country` belongs to on `date`, sorted.
    pub fn bodies_at(&self, country: &str, date: NaiveDate) -> Vec<String> {
        let _ = (country, date);
        Vec::new()
    }

    pub fn is_known_body(&self, body: &str) -> bool {
        let _ = body;
        true
    }
}
