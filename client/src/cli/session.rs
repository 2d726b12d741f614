//! What every command needs: the node, the configuration directory, how to
//! trust the node, the token, and where output goes.

use chrono::Utc;
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;
use tonic::transport::Channel;

use super::args::Cli;
use super::error::CliError;
use crate::config_dir::ConfigDir;
use crate::connect::{NodeClient, WarningClient, authorised, authorised_warnings, connect, untrusted};
use crate::credentials::CredentialStore;
use crate::fingerprint::Fingerprint;
use crate::known_nodes::KnownNodes;
use crate::node_url::NodeUrl;
use crate::verifier::Trust;

#[derive(Debug)]
pub(super) struct Session {
    pub(super) node: NodeUrl,
    pub(super) dir: ConfigDir,
    pub(super) json: bool,
    fingerprint: Option<Fingerprint>,
    ca_cert: Option<PathBuf>,
    token: Option<String>,
}

impl Session {
    pub(super) fn new(cli: &Cli) -> Result<Self, CliError> {
        Ok(Self {
            node: cli.node.clone(),
            dir: ConfigDir::locate(cli.config_dir.clone())?,
            json: cli.json,
            fingerprint: cli.fingerprint,
            ca_cert: cli.ca_cert.clone(),
            token: cli.token.clone().filter(|t| !t.trim().is_empty()),
        })
    }

    pub(super) fn credentials(&self) -> CredentialStore {
        CredentialStore::new(&self.dir)
    }

    pub(super) fn known_nodes(&self) -> KnownNodes {
        KnownNodes::new(&self.dir)
    }

    /// `--ca-cert`, else `--fingerprint`, else the pin in `known_nodes.json`.
    pub(super) fn trust(&self) -> Result<Option<Trust>, CliError> {
        if let Some(path) = &self.ca_cert {
            return Ok(Some(Trust::CaFile(path.clone())));
        }
        if let Some(fingerprint) = self.fingerprint {
            return Ok(Some(Trust::Pin(fingerprint)));
        }
        Ok(self
            .known_nodes()
            .get(&self.node)?
            .map(|pin| Trust::Pin(pin.fingerprint)))
    }

    /// A client for the node with the caller's token: refused before any
    /// connection when there is no usable token, and never connecting to a
    /// node whose certificate is not trusted.
    pub(super) async fn client(&self) -> Result<NodeClient, CliError> {
        let (channel, token) = self.channel().await?;
        Ok(authorised(channel, &token)?)
    }

    /// A `WarningService` client, on the same terms as [`Session::client`].
    pub(super) async fn warnings(&self) -> Result<WarningClient, CliError> {
        let (channel, token) = self.channel().await?;
        Ok(authorised_warnings(channel, &token)?)
    }

    /// A channel to a trusted node and the caller's token.
    pub(super) async fn channel(&self) -> Result<(Channel, String), CliError> {
        let token = match &self.token {
            Some(token) => token.trim().to_owned(),
            None => self.credentials().usable(&self.node, Utc::now())?.id_token,
        };
        let Some(trust) = self.trust()? else {
            return Err(untrusted(&self.node).await.into());
        };
        Ok((connect(&self.node, &trust).await?, token))
    }

    /// Prints `view` as JSON with `--json`, else `human(view)`.
    pub(super) fn emit<T: Serialize>(
        &self,
        view: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<(), CliError> {
        emit(self.json, view, human)
    }
}

/// Prints `view` as JSON when `json`, else `human(view)`; for commands that
/// need no node.
pub(super) fn emit<T: Serialize>(
    json: bool,
    view: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), CliError> {
    if json {
        let mut text = serde_json::to_string_pretty(view).map_err(|e| CliError::Io {
            action: "write JSON",
            source: io::Error::other(e),
        })?;
        text.push('\n');
        print(&text)
    } else {
        print(&human(view))
    }
}

/// Writes to standard output; a closed pipe (`tocsin list | head`) is not an error.
pub(super) fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Io {
            action: "write to standard output",
            source: e,
        }),
        _ => Ok(()),
    }
}
