//! Traffic Light Protocol 2.0 markings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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

    /// May a statement with this marking go straight from its origin to
    /// `recipient`, a member of the federation? TLP:RED goes only to the
    /// organisations named on the statement; every other label may go to any
    /// member the sharing policy allows. Holds whatever a policy says.
    pub fn may_send_direct(self, recipient: &str, named_recipients: &BTreeSet<String>) -> bool {
        match self {
            Tlp::Red => named_recipients.contains(recipient),
            Tlp::AmberStrict | Tlp::Amber | Tlp::Green | Tlp::Clear => true,
        }
    }

    /// May a node forward a statement with this marking that it received
    /// from another? TLP:RED, AMBER and AMBER+STRICT are never relayed;
    /// GREEN may be relayed inside the federation, which every peer is;
    /// CLEAR anywhere. Holds whatever a policy says.
    pub fn may_relay(self) -> bool {
        match self {
            Tlp::Clear | Tlp::Green => true,
            Tlp::Amber | Tlp::AmberStrict | Tlp::Red => false,
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
            format!(
                "unknown TLP label `{}` (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)",
                super::shown(s)
            )
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

    #[test]
    fn red_goes_only_to_named_recipients() {
        let named = BTreeSet::from(["au".to_owned()]);
        let none = BTreeSet::new();
        for (tlp, recipient, named, want) in [
            (Tlp::Red, "au", &named, true),
            (Tlp::Red, "ecowas", &named, false),
            (Tlp::Red, "au", &none, false),
            (Tlp::AmberStrict, "ecowas", &named, true),
            (Tlp::Amber, "ecowas", &none, true),
            (Tlp::Green, "ecowas", &none, true),
            (Tlp::Clear, "ecowas", &none, true),
        ] {
            assert_eq!(
                tlp.may_send_direct(recipient, named),
                want,
                "{tlp} to {recipient}"
            );
        }
    }

    #[test]
    fn only_green_and_clear_are_relayed() {
        let relayed: Vec<Tlp> = Tlp::ALL.into_iter().filter(|t| t.may_relay()).collect();
        assert_eq!(relayed, [Tlp::Clear, Tlp::Green]);
    }
}
