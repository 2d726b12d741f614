//! Who is calling: an authenticated user of this node and their roles.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A role a user holds at their organisation's node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Analyst,
    Reviewer,
    FocalPoint,
    DecisionMaker,
    Admin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Analyst,
        Role::Reviewer,
        Role::FocalPoint,
        Role::DecisionMaker,
        Role::Admin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Reviewer => "reviewer",
            Role::FocalPoint => "focal_point",
            Role::DecisionMaker => "decision_maker",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "unknown role `{s}` (expected one of analyst, reviewer, focal_point, decision_maker, admin, auditor)"
                )
            })
    }
}

/// An authenticated user, made once per request by the `auth` layer from a
/// verified ID token. Handlers take a `Caller`; they never read headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub`, stable at the issuer.
    pub subject: String,
    /// A display name (`name` or `preferred_username` claim), possibly empty.
    pub name: String,
    /// The issuer that vouched for this user.
    pub issuer: String,
    /// The organisation whose node this is.
    pub organisation: String,
    pub roles: BTreeSet<Role>,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("Decision-Maker".parse::<Role>(), Ok(Role::DecisionMaker));
        assert!("root".parse::<Role>().unwrap_err().contains("`root`"));
    }
}
