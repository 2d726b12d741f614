//! Traffic Light Protocol 2.0 markings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A TLP 2.0 label, ordered from least to most restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "CLEAR")]
    Clear,
    #[serde(rename = "GREEN")]
    Green,
    #[serde(rename = "AMBER")]
    Amber,
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    #[serde(rename = "RED")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    /// The label as TLP 2.0 writes it, without the `TLP:` prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.as_str())
    }
}

impl FromStr for Tlp {
    type Err = String;

    /// Accepts `AMBER+STRICT`, `TLP:AMBER+STRICT`, `amber_strict`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase().replace('_', "+");
        let bare = upper.strip_prefix("TLP:").unwrap_or(&upper);
        Tlp::ALL.into_iter().find(|t| t.as_str() == bare).ok_or_else(|| {
            format!("unknown TLP label `{s}` (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (text, want) in [
            ("CLEAR", Tlp::Clear),
            ("tlp:green", Tlp::Green),
            ("AMBER", Tlp::Amber),
            ("AMBER+STRICT", Tlp::AmberStrict),
            ("amber_strict", Tlp::AmberStrict),
            ("TLP:RED", Tlp::Red),
        ] {
            assert_eq!(text.parse::<Tlp>(), Ok(want), "{text}");
        }
        assert!("WHITE".parse::<Tlp>().unwrap_err().contains("`WHITE`"));
        assert!(Tlp::Clear < Tlp::Red);
        assert_eq!(Tlp::AmberStrict.to_string(), "TLP:AMBER+STRICT");
    }
}
