//! A real node in this process: its own temporary data directory, TLS on a
//! loopback port, and either the real OpenID provider or its own
//! development issuer.

use anyhow::{Context, Result};
use tempfile::TempDir;
use tocsin_client::connect::{NodeClient, authorised, connect};
use tocsin_client::fingerprint::Fingerprint;
use tocsin_client::node_url::NodeUrl;
use tocsin_client::verifier::Trust;
use tocsin_server::config::Config;
use tocsin_server::node::{self, RunningNode};

use crate::oidc::OidcProvider;

/// Who issues the tokens the node accepts.
#[derive(Debug, Clone, Copy)]
pub enum Issuer<'a> {
    /// The organisation's real provider.
    Provider(&'a OidcProvider),
    /// The node's own loopback development issuer.
    Dev,
}

/// A node serving on `127.0.0.1:<port>` until dropped or shut down.
#[derive(Debug)]
pub struct TestNode {
    pub running: Option<RunningNode>,
    pub url: NodeUrl,
    pub fingerprint: Fingerprint,
    pub organisation: String,
    pub data: TempDir,
}

impl TestNode {
    pub async fn start(organisation: &str, issuer: Issuer<'_>) -> Result<Self> {
        Self::start_with(organisation, issuer, &[]).await
    }

    /// Starts a node with extra `TOCSIN_…` configuration variables.
    pub async fn start_with(organisation: &str, issuer: Issuer<'_>, extra: &[(&str, &str)]) -> Result<Self> {
        let data = tempfile::tempdir()?;
        let running = launch(organisation, &data, issuer, extra).await?;
        let url: NodeUrl = format!("https://{}", running.api_addr).parse()?;
        let fingerprint: Fingerprint = running.fingerprint.parse()?;
        Ok(Self {
            running: Some(running),
            url,
            fingerprint,
            organisation: organisation.to_owned(),
            data,
        })
    }

    /// Shuts the node down and starts it again on the same data directory
    /// with the development issuer and `extra` variables (new ports).
    pub async fn restart(&mut self, extra: &[(&str, &str)]) -> Result<()> {
        if let Some(running) = self.running.take() {
            running.shutdown().await?;
        }
        let running = launch(&self.organisation, &self.data, Issuer::Dev, extra).await?;
        self.url = format!("https://{}", running.api_addr).parse()?;
        self.fingerprint = running.fingerprint.parse()?;
        self.running = Some(running);
        Ok(())
    }

    /// A `NodeService` client over pinned TLS presenting `token`.
    pub async fn client(&self, token: &str) -> Result<NodeClient> {
        let channel = connect(&self.url, &Trust::Pin(self.fingerprint)).await?;
        Ok(authorised(channel, token)?)
    }

    /// A raw channel over pinned TLS, for health, reflection and hand-made calls.
    pub async fn channel(&self) -> Result<tonic::transport::Channel> {
        Ok(connect(&self.url, &Trust::Pin(self.fingerprint)).await?)
    }

    /// The development issuer's URL (only with `Issuer::Dev`).
    pub fn dev_issuer(&self) -> Result<&str> {
        self.running
            .as_ref()
            .and_then(|r| r.dev_issuer.as_deref())
            .context("this node has no development issuer")
    }

    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(running) = self.running.take() {
            running.shutdown().await?;
        }
        Ok(())
    }
}

/// Starts a node of `organisation` on `data` with loopback ports.
async fn launch(
    organisation: &str,
    data: &TempDir,
    issuer: Issuer<'_>,
    extra: &[(&str, &str)],
) -> Result<RunningNode> {
    let mut env = vec![
        ("TOCSIN_NODE_ORGANISATION".to_owned(), organisation.to_owned()),
        (
            "TOCSIN_NODE_DATA_DIR".to_owned(),
            data.path().display().to_string(),
        ),
        ("TOCSIN_API_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "TOCSIN_AUTH_DEV_ISSUER_LISTEN".to_owned(),
            "127.0.0.1:0".to_owned(),
        ),
    ];
    if let Issuer::Provider(provider) = issuer {
        env.push(("TOCSIN_AUTH_ISSUER".to_owned(), provider.issuer().to_owned()));
    }
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = Config::load(None, env)?;
    Ok(node::start(&config).await?)
}
