//! Certificate fingerprints as the node prints them: `SHA256:` and the 64
//! lowercase hex digits of the SHA-256 of the DER certificate.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The SHA-256 fingerprint of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    #[error(
        "`{0}` is not a certificate fingerprint: expected `SHA256:` followed by 64 hex digits, as the node prints it"
    )]
    Malformed(String),
}

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHA256:")?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    /// Accepts `SHA256:<hex>` (prefix in any case), bare hex, and the
    /// colon-separated form `openssl x509 -fingerprint -sha256` prints.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || FingerprintError::Malformed(text.to_owned());
        let trimmed = text.trim();
        let hex = match trimmed.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("sha256:") => &trimmed[7..],
            _ => trimmed,
        };
        let digits: Vec<u8> = hex.bytes().filter(|b| *b != b':').collect();
        if digits.len() != 64 {
            return Err(malformed());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            let high = hex_value(pair[0]).ok_or_else(malformed)?;
            let low = hex_value(pair[1]).ok_or_else(malformed)?;
            *byte = high << 4 | low;
        }
        Ok(Self(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|v| u8::try_from(v).ok())
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "3f0a9c1be2d4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4";

    #[test]
    fn parses_the_form_the_node_prints_and_displays_it_back() {
        let text = format!("SHA256:{HEX}");
        let fp: Fingerprint = text.parse().unwrap();
        assert_eq!(fp.to_string(), text);
    }

    #[test]
    fn accepts_other_common_spellings() {
        let expected: Fingerprint = format!("SHA256:{HEX}").parse().unwrap();
        let upper = HEX.to_ascii_uppercase();
        let colons: Vec<String> = upper
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        for spelling in [
            HEX.to_owned(),
            format!("sha256:{upper}"),
            colons.join(":"),
            format!("  SHA256:{HEX}\n"),
        ] {
            assert_eq!(spelling.parse::<Fingerprint>().unwrap(), expected, "{spelling}");
        }
    }

    #[test]
    fn rejects_malformed_values_naming_them() {
        for bad in [
            "",
            "SHA256:",
            "SHA256:abc",
            &format!("SHA256:{HEX}00"),
            &format!("SHA1:{HEX}"),
        ] {
            let err = bad.parse::<Fingerprint>().unwrap_err();
            assert_eq!(err, FingerprintError::Malformed(bad.to_owned()));
        }
        let not_hex = format!("SHA256:{}zz", &HEX[..62]);
        let err = not_hex.parse::<Fingerprint>().unwrap_err();
        assert!(err.to_string().contains(&format!("`{not_hex}`")), "{err}");
    }

    #[test]
    fn fingerprint_of_der_is_the_sha256_of_the_bytes() {
        // SHA-256 of the empty string.
        let fp = Fingerprint::of_der(b"");
        assert_eq!(
            fp.to_string(),
            "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn round_trips_through_json_as_a_string() {
        let fp: Fingerprint = format!("SHA256:{HEX}").parse().unwrap();
        let json = serde_json::to_string(&fp).unwrap();
        assert_eq!(json, format!("\"SHA256:{HEX}\""));
        assert_eq!(serde_json::from_str::<Fingerprint>(&json).unwrap(), fp);
    }
}
