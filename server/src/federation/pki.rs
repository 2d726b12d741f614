//! A small federation PKI, for `tocsin pki`: a CA (`ca.crt`, `ca.key`) and,
//! per organisation, a certificate for mutual TLS that names the organisation
//! in a URI SAN `urn:tocsin:org:<id>`, which `identity` reads back. Private
//! keys are written 0600; no file is ever overwritten.

use chrono::{Datelike, Days, NaiveDate, Utc};
use rcgen::string::Ia5String;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::tls::fingerprint;

pub use crate::federation::identity::{ORG_URI_PREFIX, is_org_id, org_of_certificate};

pub const CA_CERT_FILE: &str = "ca.crt";
pub const CA_KEY_FILE: &str = "ca.key";
/// Hosts an organisation certificate names when none are given.
pub const DEFAULT_HOSTS: [&str; 2] = ["localhost", "127.0.0.1"];

const CA_YEARS: i32 = 10;
const ORG_YEARS: i32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("`{path}` already exists; refusing to overwrite it")]
    Exists { path: String },
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("cannot write `{path}`: {message}")]
    Write { path: String, message: String },
    #[error("`{0}` is not an organisation id: use 1 to 64 of a-z, 0-9, `-` and `_`")]
    OrgId(String),
    #[error("`{0}` is not a host name or IP address")]
    Host(String),
    #[error("the CA name must not be empty")]
    EmptyName,
    #[error("{what}: {message}")]
    Certificate { what: String, message: String },
    #[error("`{0}` holds no PEM certificate")]
    NotPem(String),
}

/// A certificate and its private key, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// `SHA256:<hex>` of the DER certificate.
    pub fingerprint: String,
}

/// The URI SAN of organisation `org_id`.
pub fn org_uri(org_id: &str) -> String {
    format!("{ORG_URI_PREFIX}{org_id}")
}

/// Creates a new CA named `name` in `dir` (created if missing): `ca.crt`
/// and `ca.key` (0600), valid for ten years.
pub fn init_ca(dir: &Path, name: &str) -> Result<CertFiles, PkiError> {
    if name.trim().is_empty() {
        return Err(PkiError::EmptyName);
    }
    let (cert_path, key_path) = (dir.join(CA_CERT_FILE), dir.join(CA_KEY_FILE));
    refuse_existing(&cert_path, &key_path)?;
    let key = KeyPair::generate().map_err(|e| rcgen_error("cannot generate the CA key", e))?;
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    set_validity(&mut params, CA_YEARS);
    let cert = params
        .self_signed(&key)
        .map_err(|e| rcgen_error("cannot make the CA certificate", e))?;
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    write_new(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_new(&cert_path, cert.pem().as_bytes(), false)?;
    Ok(CertFiles {
        cert: cert_path,
        key: key_path,
        fingerprint: fingerprint(cert.der()),
    })
}

/// Issues `<org_id>.crt` and `<org_id>.key` (0600) in `out_dir`, signed by
/// the CA in `ca_dir`, for both server and client authentication, naming
/// `urn:tocsin:org:<org_id>` and `hosts` (DNS names or IP addresses;
/// default `localhost` and `127.0.0.1`).
pub fn issue(ca_dir: &Path, org_id: &str, out_dir: &Path, hosts: &[String]) -> Result<CertFiles, PkiError> {
    if !is_org_id(org_id) {
        return Err(PkiError::OrgId(org_id.to_owned()));
    }
    let cert_path = out_dir.join(format!("{org_id}.crt"));
    let key_path = out_dir.join(format!("{org_id}.key"));
    refuse_existing(&cert_path, &key_path)?;
    let ca_cert_path = ca_dir.join(CA_CERT_FILE);
    let ca_key_path = ca_dir.join(CA_KEY_FILE);
    let ca_key = KeyPair::from_pem(&read(&ca_key_path)?)
        .map_err(|e| rcgen_error(&format!("`{}`", ca_key_path.display()), e))?;
    let issuer = Issuer::from_ca_cert_pem(&read(&ca_cert_path)?, ca_key)
        .map_err(|e| rcgen_error(&format!("`{}`", ca_cert_path.display()), e))?;

    let mut sans = vec![SanType::URI(ia5(&org_uri(org_id))?)];
    let defaults: Vec<String> = DEFAULT_HOSTS.iter().map(|h| (*h).to_owned()).collect();
    for host in if hosts.is_empty() { &defaults } else { hosts } {
        sans.push(host_san(host)?);
    }
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(org_id);
    params.subject_alt_names = sans;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, ORG_YEARS);
    let key = KeyPair::generate().map_err(|e| rcgen_error("cannot generate the key", e))?;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| rcgen_error(&format!("cannot issue the certificate of `{org_id}`"), e))?;
    std::fs::create_dir_all(out_dir).map_err(|e| write_error(out_dir, e))?;
    write_new(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_new(&cert_path, cert.pem().as_bytes(), false)?;
    Ok(CertFiles {
        cert: cert_path,
        key: key_path,
        fingerprint: fingerprint(cert.der()),
    })
}

/// The first certificate of a PEM file, in DER.
pub fn read_certificate(path: &Path) -> Result<Vec<u8>, PkiError> {
    let pem = read(path)?;
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map(|der| der.to_vec())
        .map_err(|_| PkiError::NotPem(path.display().to_string()))
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn host_san(host: &str) -> Result<SanType, PkiError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !valid {
        return Err(PkiError::Host(host.to_owned()));
    }
    Ok(SanType::DnsName(ia5(host)?))
}

fn ia5(text: &str) -> Result<Ia5String, PkiError> {
    Ia5String::try_from(text.to_owned()).map_err(|_| PkiError::Host(text.to_owned()))
}

/// Valid from yesterday (tolerating clock skew) for `years` years.
fn set_validity(params: &mut CertificateParams, years: i32) {
    let start = Utc::now().date_naive() - Days::new(1);
    let end =
        NaiveDate::from_ymd_opt(start.year() + years, start.month(), start.day().min(28)).unwrap_or(start);
    let ymd = |d: NaiveDate| {
        // Months are 1..=12 and days 1..=31: both fit a u8.
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    params.not_before = ymd(start);
    params.not_after = ymd(end);
}

fn refuse_existing(cert: &Path, key: &Path) -> Result<(), PkiError> {
    for path in [cert, key] {
        if path.exists() {
            return Err(PkiError::Exists {
                path: path.display().to_string(),
            });
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(|e| PkiError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Writes a new file (0600 when `private`); an existing one is an error.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), PkiError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => PkiError::Exists {
            path: path.display().to_string(),
        },
        _ => write_error(path, e),
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| write_error(path, e))
}

fn write_error(path: &Path, e: std::io::Error) -> PkiError {
    PkiError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn rcgen_error(what: &str, e: rcgen::Error) -> PkiError {
    PkiError::Certificate {
        what: what.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests;
