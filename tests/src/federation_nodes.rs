//! Nodes of a test federation that can be stopped and started again on the
//! same data directory and federation port: in this process (`Federation`)
//! or as child processes (`spawn`), plus publishing many assessments at once
//! through the node API.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tocsin_client::connect::NodeClient;
use tocsin_proto::v1 as pb;
use tocsin_server::config::Config;
use tocsin_server::node::{self, RunningNode};
use tocsin_server::store::InboxEntry;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::federation_files::FederationFiles;
use crate::node::TestNode;
use crate::process::NodeProcess;

/// Longest a clean shutdown of one node may take.
const SHUTDOWN: Duration = Duration::from_secs(20);

/// In-process nodes over one set of federation files.
#[derive(Debug)]
pub struct Federation {
    pub nodes: BTreeMap<String, TestNode>,
    pub files: FederationFiles,
}

impl Federation {
    /// Starts a node for each of `orgs`, in that order.
    pub async fn start(files: FederationFiles, orgs: &[&str]) -> Result<Self> {
        let mut federation = Self {
            nodes: BTreeMap::new(),
            files,
        };
        for org in orgs {
            federation.start_node(org).await?;
        }
        Ok(federation)
    }

    /// Starts `org`'s node: on a new data directory the first time, on the
    /// one it had after `stop`.
    pub async fn start_node(&mut self, org: &str) -> Result<()> {
        let data = match self.nodes.remove(org) {
            Some(node) if node.running.is_some() => {
                self.nodes.insert(org.to_owned(), node);
                bail!("node `{org}` is already running");
            }
            Some(node) => node.data,
            None => tempfile::tempdir()?,
        };
        let config = Config::load(None, self.files.node_env(org, data.path())?)?;
        let running = node::start(&config)
            .await
            .with_context(|| format!("starting node `{org}`"))?;
        let node = TestNode {
            url: format!("https://{}", running.api_addr).parse()?,
            fingerprint: running.fingerprint.parse()?,
            running: Some(running),
            organisation: org.to_owned(),
            data,
        };
        self.nodes.insert(org.to_owned(), node);
        Ok(())
    }

    /// Shuts `org`'s node down cleanly, keeping its data directory; fails
    /// if that takes longer than `SHUTDOWN`.
    pub async fn stop(&mut self, org: &str) -> Result<()> {
        let running = self
            .nodes
            .get_mut(org)
            .and_then(|n| n.running.take())
            .with_context(|| format!("node `{org}` is not running"))?;
        tokio::time::timeout(SHUTDOWN, running.shutdown())
            .await
            .with_context(|| format!("node `{org}` did not shut down within {SHUTDOWN:?}"))??;
        Ok(())
    }

    pub fn node(&self, org: &str) -> Result<&TestNode> {
        self.nodes
            .get(org)
            .with_context(|| format!("no node `{org}` in this federation"))
    }

    pub fn running(&self, org: &str) -> Result<&RunningNode> {
        self.node(org)?
            .running
            .as_ref()
            .with_context(|| format!("node `{org}` is stopped"))
    }

    /// Waits on `org`'s inbox watch until the inbox satisfies `done`; fails
    /// after `within`, saying how many statements it held.
    pub async fn wait_for_inbox(
        &self,
        org: &str,
        within: Duration,
        done: impl Fn(&[InboxEntry]) -> bool,
    ) -> Result<Vec<InboxEntry>> {
        let running = self.running(org)?;
        let mut changes = running.inbox_changes().context("node does not federate")?;
        let wait = async {
            loop {
                changes.borrow_and_update();
                let inbox = running.store().inbox()?;
                if done(&inbox) {
                    return Ok::<_, anyhow::Error>(inbox);
                }
                changes.changed().await?;
            }
        };
        match tokio::time::timeout(within, wait).await {
            Ok(result) => result,
            Err(_) => {
                let held = running.store().inbox()?.len();
                bail!("`{org}` did not converge within {within:?}; its inbox holds {held} statements")
            }
        }
    }

    /// Waits until `org` has stored `more` statements from peers since it
    /// started, on its inbox watch (which counts them), without reading the
    /// inbox; fails after `within`.
    pub async fn wait_for_stored(&self, org: &str, more: u64, within: Duration) -> Result<()> {
        let running = self.running(org)?;
        let changes = running.inbox_changes().context("node does not federate")?;
        let what = format!("`{org}` storing {more} statements");
        wait_on_watch(changes, within, &what, |stored| stored >= more).await
    }

    /// Waits until `org`'s outbox reaches sequence number `head` (its
    /// projector has caught up with what was published); fails after `within`.
    pub async fn wait_for_outbox(&self, org: &str, head: u64, within: Duration) -> Result<()> {
        let running = self.running(org)?;
        let changes = running.outbox_changes().context("node does not federate")?;
        let what = format!("`{org}`'s outbox reaching {head}");
        wait_on_watch(changes, within, &what, |at| at >= head).await
    }
}

/// Waits on `watch` until `done` holds for its value; fails after `within`,
/// naming `what` and the last value seen.
async fn wait_on_watch(
    mut watch: tokio::sync::watch::Receiver<u64>,
    within: Duration,
    what: &str,
    done: impl Fn(u64) -> bool,
) -> Result<()> {
    let reached = tokio::time::timeout(within, watch.wait_for(|value| done(*value)))
        .await
        .map(|waited| waited.is_ok());
    match reached {
        Ok(true) => Ok(()),
        Ok(false) => bail!("{what}: the node stopped"),
        Err(_) => bail!("{what}: not reached within {within:?} (at {})", *watch.borrow()),
    }
}

/// Starts `org`'s node as a child process of `binary` on `data_dir`.
pub async fn spawn(binary: &str, files: &FederationFiles, org: &str, data_dir: &Path) -> Result<NodeProcess> {
    let env = files.node_env(org, data_dir)?;
    NodeProcess::start_env(binary, data_dir, &[], "warn", &env)
        .await
        .with_context(|| format!("starting node process `{org}`"))
}

/// A token from a development issuer with one role.
pub async fn dev_token(issuer: &str, user: &str, role: &str) -> Result<String> {
    let (status, body) =
        crate::oidc::dev_issuer_token(issuer, &serde_json::json!({"user": user, "roles": [role]})).await?;
    if status != 200 {
        bail!("the development issuer refused: {status} {body}");
    }
    body["id_token"]
        .as_str()
        .map(str::to_owned)
        .context("no id_token in the reply")
}

/// Creates, submits and publishes one assessment per `contents` at `node`,
/// with at most `in_flight` at a time; returns the ids in the order given.
pub async fn publish_all(
    node: &TestNode,
    contents: Vec<pb::AssessmentContent>,
    in_flight: usize,
) -> Result<Vec<String>> {
    let issuer = node.dev_issuer()?;
    let analyst = node.client(&dev_token(issuer, "ada", "analyst").await?).await?;
    let reviewer = node.client(&dev_token(issuer, "rev", "reviewer").await?).await?;
    let permits = Arc::new(Semaphore::new(in_flight.max(1)));
    let mut tasks = JoinSet::new();
    for (index, content) in contents.into_iter().enumerate() {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let (analyst, reviewer) = (analyst.clone(), reviewer.clone());
        tasks.spawn(async move {
            let published = publish_one(analyst, reviewer, content).await;
            drop(permit);
            published.map(|id| (index, id))
        });
    }
    let mut ids = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, id) = joined??;
        ids.insert(index, id);
    }
    Ok(ids.into_values().collect())
}

async fn publish_one(
    mut analyst: NodeClient,
    mut reviewer: NodeClient,
    content: pb::AssessmentContent,
) -> Result<String> {
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(content),
        })
        .await?
        .into_inner()
        .id;
    let version = 1;
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.clone(),
            version,
        })
        .await?;
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.clone(),
            version,
        })
        .await?;
    Ok(id)
}
