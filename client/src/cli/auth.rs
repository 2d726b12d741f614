//! `login`, `logout`, `whoami` and `pin`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{IsTerminal, Read};

use super::args::LoginArgs;
use super::error::CliError;
use super::session::{Session, print};
use crate::credentials::Credential;
use crate::fingerprint::Fingerprint;
use crate::login::{DEV_ISSUER, DevRequest, DevicePrompt, DeviceRequest, dev_token, device_token};
use crate::node_url::NodeUrl;
use crate::render;
use crate::view::WhoAmIView;
use tocsin_proto::v1 as pb;

#[derive(Debug, Serialize)]
struct LoginView {
    node: String,
    subject: String,
    issuer: String,
    expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

pub(super) async fn login(session: &Session, args: LoginArgs) -> Result<(), CliError> {
    let raw = if args.token_stdin {
        read_token_from_stdin()?
    } else if args.dev {
        let user = args
            .user
            .ok_or_else(|| CliError::Usage("`login --dev` needs `--user NAME`".to_owned()))?;
        let issuer = args.issuer.as_deref().unwrap_or(DEV_ISSUER);
        dev_token(
            issuer,
            &DevRequest {
                user,
                roles: args.roles,
                name: args.name,
            },
        )
        .await?
    } else {
        let (Some(issuer), Some(client_id)) = (args.issuer, args.client_id) else {
            return Err(CliError::Usage(
                "choose how to log in: `--dev --user NAME` on a node in embedded mode, or `--issuer URL --client-id ID` with your organisation's OpenID provider".to_owned(),
            ));
        };
        let request = DeviceRequest {
            issuer,
            client_id,
            client_secret: args.client_secret,
            scopes: args.scopes,
        };
        device_token(&request, show_device_prompt).await?
    };
    let credential = Credential::from_id_token(raw)?;
    session.credentials().put(&session.node, credential.clone())?;
    let view = LoginView {
        node: session.node.to_string(),
        subject: credential.subject.clone(),
        issuer: credential.issuer.clone(),
        expires_at: credential.expires_at,
        id_token: (args.print_token && session.json).then(|| credential.id_token.clone()),
    };
    let message = login_message(&view);
    if args.print_token && !session.json {
        eprint!("{message}");
        print(&format!("{}\n", credential.id_token))
    } else {
        session.emit(&view, |_| message)
    }
}

fn login_message(view: &LoginView) -> String {
    let until = view
        .expires_at
        .map(|at| format!(" until {}", at.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    format!("logged in to {} as {}{until}\n", view.node, view.subject)
}

fn read_token_from_stdin() -> Result<String, CliError> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("paste the ID token, then press Ctrl-D:");
    }
    let mut text = String::new();
    stdin.read_to_string(&mut text).map_err(|source| CliError::Io {
        action: "read the token from standard input",
        source,
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(CliError::Usage("no token on standard input".to_owned()));
    }
    Ok(token.to_owned())
}

/// The device-flow instructions go to standard error, so standard output
/// stays clean for `--print-token` and `--json`.
fn show_device_prompt(prompt: &DevicePrompt) {
    let minutes = prompt.expires_in.as_secs().div_ceil(60);
    eprintln!(
        "to log in, open {} in a browser and enter the code {} (valid for {minutes} minutes)",
        prompt.verification_uri, prompt.user_code
    );
    if let Some(complete) = &prompt.verification_uri_complete {
        eprintln!("or open {complete}");
    }
    eprintln!("waiting for the login to complete...");
}

pub(super) fn logout(session: &Session) -> Result<(), CliError> {
    #[derive(Serialize)]
    struct LogoutView {
        node: String,
        removed: bool,
    }
    let removed = session.credentials().remove(&session.node)?;
    let view = LogoutView {
        node: session.node.to_string(),
        removed,
    };
    session.emit(&view, |v| {
        if v.removed {
            format!("logged out of {}\n", v.node)
        } else {
            format!("not logged in to {}\n", v.node)
        }
    })
}

pub(super) async fn whoami(session: &Session) -> Result<(), CliError> {
    let reply = session
        .client()
        .await?
        .who_am_i(pb::WhoAmIRequest {})
        .await?
        .into_inner();
    session.emit(&WhoAmIView::from(&reply), render::whoami)
}

pub(super) fn pin(session: &Session, url: &NodeUrl, fingerprint: Fingerprint) -> Result<(), CliError> {
    #[derive(Serialize)]
    struct PinView {
        node: String,
        fingerprint: Fingerprint,
        replaced: Option<Fingerprint>,
    }
    let previous = session.known_nodes().pin(url, fingerprint, Utc::now())?;
    let view = PinView {
        node: url.to_string(),
        fingerprint,
        replaced: previous.map(|p| p.fingerprint).filter(|p| *p != fingerprint),
    };
    session.emit(&view, |v| match v.replaced {
        Some(old) => format!("pinned {} for {} (replaces {old})\n", v.fingerprint, v.node),
        None => format!("pinned {} for {}\n", v.fingerprint, v.node),
    })
}
