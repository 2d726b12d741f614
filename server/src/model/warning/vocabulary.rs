//! The closed vocabularies of a warning: its level, the CAP 1.2 urgency,
//! severity, certainty, category and message type, and its status.
//!
//! Each value is written in `snake_case` in Tocsin's own formats
//! (`as_str`, serde) and as CAP spells it in CAP XML (`cap_value`).

/// Declares a closed vocabulary: the enum, `ALL`, `as_str`, `Display` (the
/// `snake_case` name) and `FromStr` (any case, `-` or space for `_`).
macro_rules! vocabulary_names {
    ($(#[$meta:meta])* $name:ident, $what:literal, [$($variant:ident => $text:literal),+ $(,)?]) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!(
                        "unknown {} `{}` (expected one of {})",
                        $what,
                        $crate::model::shown(s),
                        names.join(", ")
                    )
                })
            }
        }
    };
}
pub(crate) use vocabulary_names;

/// A vocabulary that CAP 1.2 also has: as [`vocabulary_names`], plus
/// `cap_value`, the value as CAP writes it (which parses too).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, [$($variant:ident => $text:literal / $cap:literal),+ $(,)?]) => {
        vocabulary_names!($(#[$meta])* $name, $what, [$($variant => $text),+]);

        impl $name {
            /// The value as CAP 1.2 (or, for Tocsin's own terms, CAP style) writes it.
            pub fn cap_value(self) -> &'static str {
                match self {
                    $($name::$variant => $cap),+
                }
            }
        }
    };
}

vocabulary!(
    /// How grave a warning is, in Tocsin's terms: a watch asks for attention,
    /// a warning for preparation, an emergency for action now.
    WarningLevel, "warning level", [
        Watch => "watch" / "Watch",
        Warning => "warning" / "Warning",
        Emergency => "emergency" / "Emergency",
    ]
);

vocabulary!(
    /// CAP `urgency`: how soon responsive action should be taken.
    Urgency, "urgency", [
        Immediate => "immediate" / "Immediate",
        Expected => "expected" / "Expected",
        Future => "future" / "Future",
        Past => "past" / "Past",
        Unknown => "unknown" / "Unknown",
    ]
);

vocabulary!(
    /// CAP `severity`: the expected harm.
    Severity, "severity", [
        Extreme => "extreme" / "Extreme",
        Severe => "severe" / "Severe",
        Moderate => "moderate" / "Moderate",
        Minor => "minor" / "Minor",
        Unknown => "unknown" / "Unknown",
    ]
);

vocabulary!(
    /// CAP `certainty`: how likely the harm is.
    Certainty, "certainty", [
        Observed => "observed" / "Observed",
        Likely => "likely" / "Likely",
        Possible => "possible" / "Possible",
        Unlikely => "unlikely" / "Unlikely",
        Unknown => "unknown" / "Unknown",
    ]
);

vocabulary!(
    /// CAP `category`; atrocity risk is a matter of safety or security.
    Category, "category", [
        Safety => "safety" / "Safety",
        Security => "security" / "Security",
    ]
);

vocabulary!(
    /// CAP `msgType`: a first warning, an update that supersedes earlier
    /// ones, or a cancel notice that withdraws them.
    MsgType, "message type", [
        Alert => "alert" / "Alert",
        Update => "update" / "Update",
        Cancel => "cancel" / "Cancel",
    ]
);

vocabulary!(
    /// Where a warning is in its life: `draft → issued`, then `superseded`
    /// (by an update), `cancelled` (by a cancel notice) or `closed` (after a
    /// decision). The last three are final.
    WarningStatus, "warning status", [
        Draft => "draft" / "Draft",
        Issued => "issued" / "Issued",
        Superseded => "superseded" / "Superseded",
        Cancelled => "cancelled" / "Cancelled",
        Closed => "closed" / "Closed",
    ]
);

// The vocabulary macro fixes the derives, so `Default` is written out.
#[allow(clippy::derivable_impls)]
impl Default for Category {
    fn default() -> Self {
        Category::Safety
    }
}

impl WarningStatus {
    /// Superseded, cancelled and closed warnings never change again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            WarningStatus::Superseded | WarningStatus::Cancelled | WarningStatus::Closed
        )
    }
}
