//! Configuration loading: defaults, file, environment, and errors that name
//! the file and key.

use std::io::Write;

use crate::config::{Config, LogFormat};

fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn error(path_text: Option<&str>, vars: &[(&str, &str)]) -> String {
    let f = path_text.map(file);
    Config::load(f.as_ref().map(|f| f.path()), env(vars))
        .unwrap_err()
        .to_string()
}

#[test]
fn built_in_defaults_are_valid() {
    let config = Config::load(None, env(&[])).unwrap();
    assert_eq!(config.api.listen.to_string(), "127.0.0.1:7443");
    assert_eq!(config.auth.dev_issuer_listen.to_string(), "127.0.0.1:7444");
    assert_eq!(config.log.format, LogFormat::Human);
    assert!(config.auth.issuer.is_empty());
}

#[test]
fn file_overrides_defaults_and_environment_overrides_file() {
    let f = file("[node]\norganisation = \"ecowas\"\n[api]\nlisten = \"127.0.0.1:9000\"\n");
    let config = Config::load(
        Some(f.path()),
        env(&[
            ("TOCSIN_API_LISTEN", "127.0.0.1:9001"),
            ("TOCSIN_NODE_SAMPLE_DATA", "true"),
            ("TOCSIN_NODE", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(config.node.organisation, "ecowas");
    assert_eq!(config.api.listen.to_string(), "127.0.0.1:9001");
    assert!(config.node.sample_data);
    assert_eq!(config.node.data_dir.to_str(), Some("tocsin-data"));
}

#[test]
fn errors_name_the_origin_and_key() {
    for (text, vars, wanted) in [
        (Some("[api]\nlisten = \"nowhere\"\n"), &[][..], "api"),
        (Some("[api]\nlisten = \"nowhere\"\n"), &[][..], "nowhere"),
        (Some("[node]\nbogus = 1\n"), &[][..], "bogus"),
        (Some("[node\n"), &[][..], "line 1"),
        (
            Some("[node]\norganisation = \"Bad Org\"\n"),
            &[][..],
            "`node.organisation`: `Bad Org`",
        ),
        (
            Some("[auth]\ndev_issuer_listen = \"10.0.0.1:7444\"\n"),
            &[][..],
            "`auth.dev_issuer_listen`",
        ),
        (Some("[auth]\nissuer = \"ftp://idp\"\n"), &[][..], "`auth.issuer`"),
        (
            Some("[auth.role_map]\nstaff = \"boss\"\n"),
            &[][..],
            "`auth.role_map.staff`: unknown role `boss`",
        ),
        (Some("[api]\ntls_cert = \"a.pem\"\n"), &[][..], "`api.tls_cert`"),
        (None, &[("TOCSIN_API_BOGUS", "1")][..], "TOCSIN_API_BOGUS"),
        (
            None,
            &[("TOCSIN_NODE_SAMPLE_DATA", "maybe")][..],
            "`maybe` is not a boolean",
        ),
        (None, &[("TOCSIN_LOG_FORMAT", "xml")][..], "TOCSIN_LOG_FORMAT"),
    ] {
        let message = error(text, vars);
        assert!(
            message.contains(wanted),
            "{text:?} {vars:?}: `{message}` lacks `{wanted}`"
        );
    }
}

#[test]
fn file_errors_name_the_file() {
    let f = file("[api]\nlisten = 5\n");
    let message = Config::load(Some(f.path()), env(&[])).unwrap_err().to_string();
    assert!(message.starts_with(&f.path().display().to_string()), "{message}");
    let message = Config::load(Some(std::path::Path::new("/no/such.toml")), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(message.contains("/no/such.toml"), "{message}");
}

#[test]
fn shipped_examples_load() {
    let deploy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy");
    let local = Config::load(Some(&deploy.join("local.toml")), env(&[])).unwrap();
    assert!(local.node.sample_data);
    assert!(local.auth.issuer.is_empty());
    let org = Config::load(Some(&deploy.join("node.toml")), env(&[])).unwrap();
    assert_eq!(org.auth.issuer, "https://login.ecowas.example");
    assert_eq!(org.role_map().len(), 6);
    assert_eq!(org.log.format, LogFormat::Json);
}

#[test]
fn printed_default_is_the_default() {
    let printed = file(crate::config::DEFAULT_CONFIG);
    assert_eq!(
        Config::load(Some(printed.path()), env(&[])).unwrap(),
        Config::load(None, env(&[])).unwrap()
    );
}

#[test]
fn federation_needs_its_keys_and_takes_lists_from_the_environment() {
    let message = error(Some("[federation]\ndirectory = \"fed.toml\"\n"), &[]);
    assert!(message.contains("`federation.signing_key`"), "{message}");
    let config = Config::load(
        None,
        env(&[
            ("TOCSIN_FEDERATION_DIRECTORY", "fed.toml"),
            ("TOCSIN_FEDERATION_SIGNING_KEY", "k.pem"),
            ("TOCSIN_FEDERATION_TLS_CERT", "c.pem"),
            ("TOCSIN_FEDERATION_TLS_KEY", "c.key"),
            ("TOCSIN_FEDERATION_SUBSCRIBE", "au, ecowas"),
        ]),
    )
    .unwrap();
    assert!(config.federation.enabled());
    assert_eq!(config.federation.subscribe, ["au", "ecowas"]);
    assert!(!Config::load(None, env(&[])).unwrap().federation.enabled());
}
