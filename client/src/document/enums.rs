//! The proto enums as the readable strings a document and the CLI use
//! (`very_high`, `AMBER+STRICT`), and their wire numbers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use tocsin_proto::v1 as pb;

/// A value that names none of an enum's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}` (expected one of {expected})")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! wire_enum {
    (
        $(#[$doc:meta])*
        $name:ident ($what:literal) => $pb:ident {
            $($variant:ident = $text:literal $(| $alias:literal)*),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text $(, alias = $alias)*)] $variant,)+
            /// A value the node sent that this client does not know; never
            /// accepted in a document.
            #[serde(rename = "unspecified", skip_deserializing)]
            Unspecified,
        }

        impl $name {
            /// The readable names, in wire order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unspecified => "unspecified",
                }
            }

            pub fn to_proto(self) -> i32 {
                match self {
                    $($name::$variant => pb::$pb::$variant as i32,)+
                    $name::Unspecified => pb::$pb::Unspecified as i32,
                }
            }

            pub fn from_proto(value: i32) -> Self {
                match pb::$pb::try_from(value) {
                    $(Ok(pb::$pb::$variant) => $name::$variant,)+
                    _ => $name::Unspecified,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $(if text == $text $(|| text == $alias)* {
                    return Ok($name::$variant);
                })+
                Err(UnknownValue {
                    what: $what,
                    value: text.to_owned(),
                    expected: Self::NAMES.join(", "),
                })
            }
        }
    };
}

wire_enum! {
    /// Traffic Light Protocol 2.0 marking.
    Tlp ("TLP marking") => Tlp {
        Clear = "CLEAR" | "clear",
        Green = "GREEN" | "green",
        Amber = "AMBER" | "amber",
        AmberStrict = "AMBER+STRICT" | "amber+strict",
        Red = "RED" | "red",
    }
}

wire_enum! {
    /// Level of one Framework of Analysis risk factor.
    FactorLevel ("factor level") => FactorLevel {
        NotAssessed = "not_assessed",
        Absent = "absent",
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

wire_enum! {
    /// Overall risk of atrocity crimes.
    OverallRisk ("overall risk") => OverallRisk {
        Low = "low",
        Moderate = "moderate",
        High = "high",
        VeryHigh = "very_high",
    }
}

wire_enum! {
    Trend ("trend") => Trend {
        Deteriorated = "deteriorated",
        Unchanged = "unchanged",
        Improved = "improved",
    }
}

wire_enum! {
    Confidence ("confidence") => Confidence {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

wire_enum! {
    /// The atrocity crimes.
    Crime ("crime") => Crime {
        Genocide = "genocide",
        CrimesAgainstHumanity = "crimes_against_humanity",
        WarCrimes = "war_crimes",
        EthnicCleansing = "ethnic_cleansing",
    }
}

wire_enum! {
    AssessmentStatus ("status") => AssessmentStatus {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
        Superseded = "superseded",
        Withdrawn = "withdrawn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_through_the_wire_number() {
        for name in Tlp::NAMES {
            let tlp: Tlp = name.parse().unwrap();
            assert_eq!(Tlp::from_proto(tlp.to_proto()), tlp);
            assert_eq!(tlp.as_str(), *name);
        }
        for name in OverallRisk::NAMES {
            let risk: OverallRisk = name.parse().unwrap();
            assert_eq!(OverallRisk::from_proto(risk.to_proto()).as_str(), *name);
        }
        assert_eq!(Tlp::AmberStrict.to_proto(), pb::Tlp::AmberStrict as i32);
        assert_eq!(OverallRisk::VeryHigh.to_proto(), 4);
        assert_eq!(AssessmentStatus::InReview.to_proto(), 2);
    }

    #[test]
    fn unknown_wire_numbers_become_unspecified() {
        assert_eq!(Crime::from_proto(0), Crime::Unspecified);
        assert_eq!(Crime::from_proto(99), Crime::Unspecified);
        assert_eq!(Crime::Unspecified.to_proto(), 0);
    }

    #[test]
    fn parsing_names_the_bad_value_and_the_choices() {
        let err = "extreme".parse::<OverallRisk>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown overall risk `extreme` (expected one of low, moderate, high, very_high)"
        );
        assert!("unspecified".parse::<AssessmentStatus>().is_err());
        assert_eq!("amber+strict".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
    }

    #[test]
    fn unspecified_is_never_read_from_a_document() {
        let err = serde_json::from_str::<Trend>("\"unspecified\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `unspecified`"), "{err}");
        assert_eq!(
            serde_json::to_string(&Trend::Unspecified).unwrap(),
            "\"unspecified\""
        );
    }
}
