//! `pki init|issue`: the federation PKI, offline, with the node's own code
//! (`tocsin_server::federation::pki`).

use serde::Serialize;
use std::path::Path;
use tocsin_server::federation::pki::{self, CertFiles};

use super::admin_args::{IssueArgs, PkiCommand};
use super::error::CliError;
use super::session::emit;
use crate::table::fields;

/// What `pki init` and `pki issue` wrote; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct WrittenView {
    pub(super) certificate: String,
    pub(super) key: String,
    /// `SHA256:<hex>` of the certificate.
    pub(super) fingerprint: String,
    /// The organisation the certificate names, read back from it (none for a CA).
    pub(super) organisation: Option<String>,
}

pub(super) fn run(json: bool, command: PkiCommand) -> Result<(), CliError> {
    let (what, files) = match command {
        PkiCommand::Init { dir, name } => ("CA", pki::init_ca(&dir, &name)?),
        PkiCommand::Issue(args) => ("certificate", issue(&args)?),
    };
    let view = WrittenView {
        certificate: files.cert.display().to_string(),
        key: files.key.display().to_string(),
        fingerprint: files.fingerprint.clone(),
        organisation: pki::org_of_certificate(&pki::read_certificate(&files.cert)?),
    };
    emit(json, &view, |v| render(what, v))
}

fn issue(args: &IssueArgs) -> Result<CertFiles, CliError> {
    let out = args.out.as_deref().unwrap_or(Path::new("."));
    Ok(pki::issue(&args.ca, &args.org, out, &args.hosts)?)
}

fn render(what: &str, v: &WrittenView) -> String {
    let mut pairs = vec![
        ("certificate", v.certificate.clone()),
        (
            "key",
            format!("{} (private: keep it on the node, mode 0600)", v.key),
        ),
        ("fingerprint", v.fingerprint.clone()),
    ];
    if let Some(org) = &v.organisation {
        pairs.push(("organisation", format!("{org} ({}{org})", pki::ORG_URI_PREFIX)));
    }
    format!("wrote the {what}:\n{}", fields(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_written() {
        let view = WrittenView {
            certificate: "out/ecowas.crt".into(),
            key: "out/ecowas.key".into(),
            fingerprint: "SHA256:ab".into(),
            organisation: Some("ecowas".into()),
        };
        assert_eq!(
            render("certificate", &view),
            "wrote the certificate:\n\
             certificate   out/ecowas.crt\n\
             key           out/ecowas.key (private: keep it on the node, mode 0600)\n\
             fingerprint   SHA256:ab\n\
             organisation  ecowas (urn:tocsin:org:ecowas)\n"
        );
    }
}
