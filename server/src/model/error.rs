//! The one error a domain validation returns: which field, and what is wrong.

use std::fmt;

/// Invalid domain input. `field` is the path of the offending field in the
/// request as a user wrote it (`content.factors[2].indicators[0]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, seen from one level up: `factors[2]` becomes
    /// `content.factors[2]` with prefix `content`.
    pub fn under(mut self, prefix: &str) -> Self {
        if self.field.is_empty() {
            self.field = prefix.to_owned();
        } else if self.field.starts_with('[') {
            self.field = format!("{prefix}{}", self.field);
        } else {
            self.field = format!("{prefix}.{}", self.field);
        }
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)
    }
}

/// Longest part of an untrusted value an error message repeats.
const SHOWN_CHARS: usize = 64;

/// An untrusted value as an error message quotes it: whole when short, else
/// its first characters and `…`, so a huge value never becomes a huge error.
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}…", &value[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_prefixes_paths() {
        let e = ValidationError::new("indicators[0]", "unknown indicator `7.99`");
        assert_eq!(e.under("factors[2]").field, "factors[2].indicators[0]");
        let e = ValidationError::new("[3]", "bad");
        assert_eq!(e.under("countries").field, "countries[3]");
        assert_eq!(
            ValidationError::new("tlp", "missing")
                .under("content")
                .to_string(),
            "`content.tlp`: missing"
        );
    }

    #[test]
    fn shown_cuts_long_values_at_a_character() {
        assert_eq!(shown("XAA"), "XAA");
        let exact = "é".repeat(64);
        assert_eq!(shown(&exact), exact);
        assert_eq!(shown(&"é".repeat(65)), format!("{exact}…"));
        assert_eq!(shown(&"a".repeat(1 << 20)).chars().count(), 65);
    }
}
