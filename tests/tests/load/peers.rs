//! The load test's nodes: one child process per organisation of the chain
//! federation, clients of each by role, and the assessments and warnings
//! the writers send (their warnings: `tocsin_tests::warnings::addressed_to`).

use anyhow::{Context, Result};
use std::path::Path;
use tempfile::TempDir;
use tocsin_client::connect::{NodeClient, WarningClient, authorised_warnings, connect};
use tocsin_client::verifier::Trust;
use tocsin_proto::v1 as pb;
use tocsin_server::store::Store;
use tocsin_tests::content;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::spawn;
use tocsin_tests::proc_stats;
use tocsin_tests::process::NodeProcess;

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");

/// One organisation's node process and its data directory.
pub(crate) struct Peer {
    pub(crate) org: String,
    pub(crate) process: NodeProcess,
    pub(crate) pid: u32,
    pub(crate) data: TempDir,
}

impl Peer {
    pub(crate) async fn start(files: &FederationFiles, org: &str) -> Result<Self> {
        let data = tempfile::tempdir()?;
        let process = spawn(NODE, files, org, data.path()).await?;
        let pid = proc_stats::node_pid(data.path())?;
        Ok(Self {
            org: org.to_owned(),
            process,
            pid,
            data,
        })
    }

    pub(crate) async fn node(&self, user: &str, role: &str) -> Result<NodeClient> {
        let token = self.process.token(user, &[role]).await?;
        self.process.client(&token).await
    }

    /// A `WarningService` client on its own connection.
    pub(crate) async fn warnings(&self, user: &str, role: &str) -> Result<WarningClient> {
        let token = self.process.token(user, &[role]).await?;
        let channel = connect(&self.process.url, &Trust::Pin(self.process.fingerprint)).await?;
        Ok(authorised_warnings(channel, &token)?)
    }

    /// Stops the node with SIGTERM and opens its store.
    pub(crate) async fn stop(self) -> Result<(String, Store, TempDir)> {
        self.process
            .terminate()
            .await
            .with_context(|| format!("stopping `{}`", self.org))?;
        let store = Store::open(&store_dir(self.data.path()))?;
        Ok((self.org, store, self.data))
    }
}

fn store_dir(data: &Path) -> std::path::PathBuf {
    data.join("store")
}

/// An assessment of Northern XAA rated high, TLP:GREEN, so that the
/// example policies send a summary to every other node.
pub(crate) fn assessment(narrative: String) -> pb::AssessmentContent {
    content::with(|c| {
        c.tlp = pb::Tlp::Green as i32;
        c.narrative = narrative;
    })
}

/// The clients one writer needs at its node.
pub(crate) struct Writer {
    pub(crate) analyst: NodeClient,
    pub(crate) reviewer: NodeClient,
    pub(crate) drafter: WarningClient,
    pub(crate) issuer: WarningClient,
}

impl Writer {
    pub(crate) async fn at(peer: &Peer) -> Result<Self> {
        Ok(Self {
            analyst: peer.node("ada", "analyst").await?,
            reviewer: peer.node("rev", "reviewer").await?,
            drafter: peer.warnings("ada", "analyst").await?,
            issuer: peer.warnings("rev", "reviewer").await?,
        })
    }

    /// Creates, submits and publishes `content` (three calls); returns its id.
    pub(crate) async fn publish(&mut self, content: pb::AssessmentContent) -> Result<String> {
        let id = self
            .analyst
            .create_assessment(pb::CreateAssessmentRequest {
                content: Some(content),
            })
            .await?
            .into_inner()
            .id;
        let version = 1;
        self.analyst
            .submit_assessment(pb::SubmitAssessmentRequest {
                id: id.clone(),
                version,
            })
            .await?;
        self.reviewer
            .publish_assessment(pb::PublishAssessmentRequest {
                id: id.clone(),
                version,
            })
            .await?;
        Ok(id)
    }

    /// Raises and issues `content` (two calls); returns the warning's id.
    pub(crate) async fn issue(&mut self, content: pb::WarningContent) -> Result<String> {
        let draft = self
            .drafter
            .raise_warning(pb::RaiseWarningRequest {
                content: Some(content),
            })
            .await?
            .into_inner();
        let issued = self
            .issuer
            .issue_warning(pb::IssueWarningRequest { id: draft.id })
            .await?
            .into_inner();
        anyhow::ensure!(
            issued.status == "issued",
            "status `{}` after issuing",
            issued.status
        );
        Ok(issued.id)
    }
}

/// `(sender, id)` of the warning an event is about.
pub(crate) fn key(event: &pb::WarningEvent) -> Result<(String, String)> {
    let warning = event.warning.as_ref().context("an event without its warning")?;
    Ok((warning.sender.clone(), warning.id.clone()))
}
