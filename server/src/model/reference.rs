//! All reference data a node validates against, bundled.
//! (stub: replaced by the full implementation)

use crate::model::catalogue::Catalogue;
use crate::model::geography::Countries;
use crate::model::membership::Memberships;

#[derive(Debug, Clone)]
pub struct ReferenceData {
    pub catalogue: Catalogue,
    pub countries: Countries,
    pub memberships: Memberships,
}
