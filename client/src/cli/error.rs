//! Every way a `tocsin` command can fail, the one line it prints, and its
//! exit code (documented in `tocsin --help`).

use std::io;
use std::path::PathBuf;
use tonic::Code;

use crate::config_dir::ConfigDirError;
use crate::connect::ConnectError;
use crate::credentials::CredentialsError;
use crate::document::DocumentError;
use crate::known_nodes::KnownNodesError;
use crate::login::LoginError;
use tocsin_server::federation::pki::PkiError;

/// Exit codes of `tocsin`.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    /// Connection, file or node failure.
    pub const FAILURE: u8 = 1;
    /// Wrong command line (also what clap uses).
    pub const USAGE: u8 = 2;
    /// Not logged in, token expired or refused.
    pub const UNAUTHENTICATED: u8 = 3;
    pub const PERMISSION_DENIED: u8 = 4;
    pub const NOT_FOUND: u8 = 5;
    /// Invalid input or failed precondition (the message names the field).
    pub const INVALID: u8 = 6;
    /// The node's certificate is not trusted.
    pub const UNTRUSTED: u8 = 7;
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigDirError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    KnownNodes(#[from] KnownNodesError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error("{}", status_text(.0))]
    Node(#[from] tonic::Status),
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot {action}: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("{failed} of {checked} policy files in `{}` do not load", dir.display())]
    PolicyCheck {
        dir: PathBuf,
        failed: usize,
        checked: usize,
    },
    #[error("audit chain broken at entry {seq} ({kind}): {message}")]
    AuditBroken { seq: u64, kind: String, message: String },
}

/// The node's message; its code's name when it sent none.
fn status_text(status: &tonic::Status) -> String {
    let message = status.message().trim();
    match status.code() {
        _ if !message.is_empty() && status.code() != Code::Unavailable => message.to_owned(),
        Code::Unavailable => format!("the node is unavailable: {message}"),
        code => format!("the node answered `{code:?}`"),
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            CliError::Credentials(e) => match e {
                CredentialsError::NotLoggedIn { .. }
                | CredentialsError::Expired { .. }
                | CredentialsError::MalformedToken(_) => exit::UNAUTHENTICATED,
                CredentialsError::File(_) | CredentialsError::Damaged { .. } => exit::FAILURE,
            },
            CliError::Connect(e) => match e {
                ConnectError::NotTrusted { .. } | ConnectError::Mismatch { .. } | ConnectError::Trust(_) => {
                    exit::UNTRUSTED
                }
                ConnectError::BadToken => exit::UNAUTHENTICATED,
                ConnectError::Unreachable { .. } => exit::FAILURE,
            },
            CliError::Login(e) => match e {
                LoginError::BadIssuer { .. } => exit::USAGE,
                LoginError::Refused(_) => exit::INVALID,
                LoginError::Denied(_) | LoginError::NoIdToken | LoginError::BadIdToken(_) => {
                    exit::UNAUTHENTICATED
                }
                LoginError::Unreachable { .. } | LoginError::Http { .. } | LoginError::Discovery { .. } => {
                    exit::FAILURE
                }
            },
            CliError::Document(DocumentError::Invalid { .. }) => exit::INVALID,
            CliError::Pki(e) => match e {
                PkiError::Exists { .. } | PkiError::OrgId(_) | PkiError::Host(_) | PkiError::EmptyName => {
                    exit::INVALID
                }
                PkiError::Read { .. }
                | PkiError::Write { .. }
                | PkiError::Certificate { .. }
                | PkiError::NotPem(_) => exit::FAILURE,
            },
            CliError::PolicyCheck { .. } | CliError::AuditBroken { .. } => exit::INVALID,
            CliError::Node(status) => match status.code() {
                Code::Unauthenticated => exit::UNAUTHENTICATED,
                Code::PermissionDenied => exit::PERMISSION_DENIED,
                Code::NotFound => exit::NOT_FOUND,
                // `Aborted` is how the node refuses a stale version: the
                // user must start again from the latest one.
                Code::InvalidArgument
                | Code::FailedPrecondition
                | Code::Aborted
                | Code::OutOfRange
                | Code::AlreadyExists => exit::INVALID,
                _ => exit::FAILURE,
            },
            CliError::Document(_)
            | CliError::Config(_)
            | CliError::KnownNodes(_)
            | CliError::Write { .. }
            | CliError::Io { .. } => exit::FAILURE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Fingerprint;
    use crate::node_url::NodeUrl;
    use tonic::Status;

    fn node() -> NodeUrl {
        "https://127.0.0.1:7443".parse().unwrap()
    }

    #[test]
    fn node_status_codes_map_to_exit_codes() {
        let cases = [
            (Status::unauthenticated("token expired"), exit::UNAUTHENTICATED),
            (
                Status::permission_denied("analysts cannot publish"),
                exit::PERMISSION_DENIED,
            ),
            (Status::not_found("no assessment `a1`"), exit::NOT_FOUND),
            (Status::invalid_argument("invalid `content.tlp`"), exit::INVALID),
            (Status::failed_precondition("not in review"), exit::INVALID),
            (
                Status::aborted("assessment `a1` is at version 2, not 1"),
                exit::INVALID,
            ),
            (Status::already_exists("exists"), exit::INVALID),
            (Status::unavailable("connection reset"), exit::FAILURE),
            (Status::internal("boom"), exit::FAILURE),
        ];
        for (status, code) in cases {
            let err = CliError::from(status.clone());
            assert_eq!(err.exit_code(), code, "{status:?}");
        }
    }

    #[test]
    fn the_node_message_is_printed_as_is() {
        let message =
            "invalid `content.factors[0].indicators[1]`: unknown indicator `7.99` under risk factor 7";
        assert_eq!(
            CliError::from(Status::invalid_argument(message)).to_string(),
            message
        );
        assert_eq!(
            CliError::from(Status::not_found("")).to_string(),
            "the node answered `NotFound`"
        );
        assert!(
            CliError::from(Status::unavailable("reset"))
                .to_string()
                .contains("unavailable: reset")
        );
    }

    #[test]
    fn local_failures_map_to_exit_codes() {
        let fp = Fingerprint::of_der(b"x");
        let cases: Vec<(CliError, u8)> = vec![
            (CliError::Usage("choose".into()), exit::USAGE),
            (
                CredentialsError::NotLoggedIn { node: node() }.into(),
                exit::UNAUTHENTICATED,
            ),
            (
                ConnectError::NotTrusted {
                    node: node(),
                    presented: None,
                }
                .into(),
                exit::UNTRUSTED,
            ),
            (
                ConnectError::Mismatch {
                    node: node(),
                    expected: fp,
                    presented: fp,
                }
                .into(),
                exit::UNTRUSTED,
            ),
            (
                ConnectError::Unreachable {
                    node: node(),
                    reason: "refused".into(),
                }
                .into(),
                exit::FAILURE,
            ),
            (
                LoginError::Refused("unknown role `boss` (field `roles`)".into()).into(),
                exit::INVALID,
            ),
            (
                LoginError::Denied("access_denied".into()).into(),
                exit::UNAUTHENTICATED,
            ),
            (
                DocumentError::Invalid {
                    path: "a.yaml".into(),
                    message: "unknown field `x`".into(),
                }
                .into(),
                exit::INVALID,
            ),
            (PkiError::OrgId("UN HQ".into()).into(), exit::INVALID),
            (
                PkiError::Exists {
                    path: "ca/ca.crt".into(),
                }
                .into(),
                exit::INVALID,
            ),
            (
                PkiError::Read {
                    path: "ca/ca.key".into(),
                    message: "not found".into(),
                }
                .into(),
                exit::FAILURE,
            ),
            (
                CliError::PolicyCheck {
                    dir: "policies".into(),
                    failed: 1,
                    checked: 2,
                },
                exit::INVALID,
            ),
            (
                CliError::AuditBroken {
                    seq: 3,
                    kind: "edited".into(),
                    message: "entry 3 does not match its hash".into(),
                },
                exit::INVALID,
            ),
        ];
        for (err, code) in cases {
            assert_eq!(err.exit_code(), code, "{err}");
        }
    }
}
