//! Which organisation a mutual-TLS peer is: the `urn:tocsin:org:<id>` URI in
//! its certificate's subject alternative names (as `tocsin pki issue` writes
//! it), checked against the federation directory.

/// The prefix of the URI SAN that names an organisation.
pub const ORG_URI_PREFIX: &str = "urn:tocsin:org:";

/// Whether `id` is a well-formed organisation id: 1 to 64 of `a-z`, `0-9`,
/// `-` and `_`.
pub fn is_org_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The organisation a DER certificate names; `None` when it names none,
/// several different ones, or an id that is not well formed.
pub fn org_of_certificate(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let sans = cert.subject_alternative_name().ok()??;
    let mut found: Option<&str> = None;
    for name in &sans.value.general_names {
        if let x509_parser::extensions::GeneralName::URI(uri) = name
            && let Some(id) = uri.strip_prefix(ORG_URI_PREFIX)
        {
            if !is_org_id(id) || found.is_some_and(|f| f != id) {
                return None;
            }
            found = Some(id);
        }
    }
    found.map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with(uris: &[&str]) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        for uri in uris {
            params.subject_alt_names.push(rcgen::SanType::URI(
                rcgen::string::Ia5String::try_from(*uri).unwrap(),
            ));
        }
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn reads_the_organisation_uri() {
        assert_eq!(
            org_of_certificate(&cert_with(&["urn:tocsin:org:ecowas"])),
            Some("ecowas".into())
        );
        assert_eq!(org_of_certificate(&cert_with(&[])), None);
        assert_eq!(
            org_of_certificate(&cert_with(&["urn:tocsin:org:a", "urn:tocsin:org:b"])),
            None
        );
        assert_eq!(org_of_certificate(&cert_with(&["urn:tocsin:org:Bad Id"])), None);
        assert_eq!(org_of_certificate(b"garbage"), None);
    }
}
