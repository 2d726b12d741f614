//! Tests of the federation PKI: files, names, and a real mutual-TLS
//! handshake (rustls, in memory) between two issued certificates.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::sync::Arc;
use x509_parser::extensions::GeneralName;

use super::*;

fn der(path: &Path) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn key(path: &Path) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn issues_certificates_naming_the_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = dir.path().join("ca");
    let ca = init_ca(&ca_dir, "Tocsin test federation").unwrap();
    assert_eq!(ca.cert, ca_dir.join("ca.crt"));
    let issued = issue(&ca_dir, "ecowas", dir.path(), &[]).unwrap();
    assert_eq!(issued.cert, dir.path().join("ecowas.crt"));
    #[cfg(unix)]
    assert_eq!((mode(&ca.key), mode(&issued.key)), (0o600, 0o600));

    let leaf_der = der(&issued.cert);
    assert_eq!(org_of_certificate(&leaf_der), Some("ecowas".into()));
    assert_eq!(read_certificate(&issued.cert).unwrap(), leaf_der.to_vec());
    assert_eq!(issued.fingerprint, fingerprint(&leaf_der));
    let ca_der = der(&ca.cert);
    assert_eq!(ca.fingerprint, fingerprint(&ca_der));
    assert_eq!(org_of_certificate(&ca_der), None);

    let (_, leaf) = x509_parser::parse_x509_certificate(&leaf_der).unwrap();
    let (_, ca_cert) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    assert_eq!(leaf.issuer(), ca_cert.subject());
    leaf.verify_signature(Some(ca_cert.public_key())).unwrap();
    let names: Vec<String> = leaf
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::URI(u) => format!("uri:{u}"),
            GeneralName::DNSName(d) => format!("dns:{d}"),
            GeneralName::IPAddress(ip) => format!("ip:{ip:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        ["uri:urn:tocsin:org:ecowas", "dns:localhost", "ip:[127, 0, 0, 1]"]
    );
    let eku = leaf.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);
    assert!(!leaf.is_ca());
}

#[test]
fn names_the_hosts_given() {
    let dir = tempfile::tempdir().unwrap();
    init_ca(dir.path(), "ca").unwrap();
    let hosts = ["node.ecowas.example".to_owned(), "::1".to_owned()];
    let issued = issue(dir.path(), "au", dir.path(), &hosts).unwrap();
    let leaf_der = der(&issued.cert);
    let (_, leaf) = x509_parser::parse_x509_certificate(&leaf_der).unwrap();
    let count = leaf
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .len();
    assert_eq!(count, 3);
    assert_eq!(org_of_certificate(&leaf_der), Some("au".into()));
}

#[test]
fn refuses_bad_input_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    init_ca(dir.path(), "ca").unwrap();
    let ca_key = std::fs::read(dir.path().join("ca.key")).unwrap();
    let error = init_ca(dir.path(), "ca").unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "`{}` already exists; refusing to overwrite it",
            dir.path().join("ca.crt").display()
        )
    );
    assert_eq!(std::fs::read(dir.path().join("ca.key")).unwrap(), ca_key);

    issue(dir.path(), "un-hq", dir.path(), &[]).unwrap();
    assert!(matches!(
        issue(dir.path(), "un-hq", dir.path(), &[]),
        Err(PkiError::Exists { .. })
    ));
    assert_eq!(
        issue(dir.path(), "UN HQ", dir.path(), &[])
            .unwrap_err()
            .to_string(),
        "`UN HQ` is not an organisation id: use 1 to 64 of a-z, 0-9, `-` and `_`"
    );
    assert_eq!(
        issue(dir.path(), "au", dir.path(), &["bad host/".into()])
            .unwrap_err()
            .to_string(),
        "`bad host/` is not a host name or IP address"
    );
    let elsewhere = dir.path().join("no-ca");
    let error = issue(&elsewhere, "au", dir.path(), &[]).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("cannot read `{}`", elsewhere.join("ca.key").display())),
        "{error}"
    );
    assert!(matches!(
        init_ca(&dir.path().join("x"), " "),
        Err(PkiError::EmptyName)
    ));
    let key_file = dir.path().join("ca.key");
    assert_eq!(
        read_certificate(&key_file).unwrap_err().to_string(),
        format!("`{}` holds no PEM certificate", key_file.display())
    );
}

#[test]
fn org_of_certificate_ignores_other_certificates() {
    assert_eq!(org_of_certificate(b"not a certificate"), None);
    let plain = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    assert_eq!(org_of_certificate(plain.cert.der()), None);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.subject_alt_names = vec![
        SanType::URI(Ia5String::try_from(org_uri("au")).unwrap()),
        SanType::URI(Ia5String::try_from(org_uri("igad")).unwrap()),
    ];
    let two = params.self_signed(&key).unwrap();
    assert_eq!(org_of_certificate(two.der()), None, "two organisations is none");
}

/// Both sides authenticate with certificates of the same CA, as federation
/// nodes do; the server reads the client's organisation from its certificate.
#[test]
fn certificates_work_for_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = init_ca(dir.path(), "Tocsin test federation").unwrap();
    let server = issue(dir.path(), "un-hq", dir.path(), &[]).unwrap();
    let client = issue(dir.path(), "ecowas", dir.path(), &[]).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der(&ca.cert)).unwrap();
    let roots = Arc::new(roots);
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .unwrap();
    let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![der(&server.cert)], key(&server.key))
        .unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![der(&client.cert)], key(&client.key))
        .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut client = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
    for _ in 0..10 {
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
        let mut bytes = Vec::new();
        client.write_tls(&mut bytes).unwrap();
        server.read_tls(&mut bytes.as_slice()).unwrap();
        server.process_new_packets().unwrap();
        let mut bytes = Vec::new();
        server.write_tls(&mut bytes).unwrap();
        client.read_tls(&mut bytes.as_slice()).unwrap();
        client.process_new_packets().unwrap();
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    let peer = server.peer_certificates().unwrap();
    assert_eq!(org_of_certificate(&peer[0]), Some("ecowas".into()));
}
