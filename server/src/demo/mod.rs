//! `tocsin-node demo`: a whole federation on one machine — XAA, ECOWAS, the
//! AU and UN headquarters, each a real node on loopback with its own PKI
//! certificate, signing key and example sharing policy — loaded with
//! fictional assessments, showing what travelled where and what each hop
//! was allowed to see, then serving the CLI until Ctrl-C.

mod report;
mod setup;
mod warning;

use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

use crate::config::Config;
use crate::node::{self, RunningNode};

/// How long the demonstration waits for the summary to reach UN HQ.
const TRAVEL_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts the demonstration federation under `dir` and runs it until
/// `shutdown` completes.
pub async fn run(
    dir: &Path,
    base_port: u16,
    shutdown: impl std::future::Future<Output = Result<()>>,
) -> Result<()> {
    let configs = setup::prepare(dir, base_port)?;
    let mut nodes: Vec<(&'static str, RunningNode)> = Vec::new();
    for (org, path) in setup::ORGS.iter().zip(&configs) {
        let config = Config::load(Some(path), std::iter::empty())?;
        let node = node::start(&config)
            .await
            .with_context(|| format!("starting the node of `{}`", org.id))?;
        nodes.push((org.id, node));
    }
    report::nodes(dir, &nodes);
    let last = nodes.last().map(|(_, n)| n).context("no node")?;
    match tokio::time::timeout(TRAVEL_TIMEOUT, report::wait_for_summary(last, "xaa")).await {
        Ok(result) => result?,
        Err(_) => println!("\nthe sample summary has not reached UN headquarters yet; see the nodes' logs"),
    }
    report::travel(dir, &nodes)?;
    let xaa = nodes.first().map(|(_, n)| n).context("no node")?;
    let issued = warning::issue(xaa).await?;
    match tokio::time::timeout(
        TRAVEL_TIMEOUT,
        warning::wait_for_receipts(xaa, &issued.warning.id),
    )
    .await
    {
        Ok(result) => warning::report(&result?),
        Err(_) => warning::report(&xaa.store().warning("xaa", &issued.warning.id)?.unwrap_or(issued)),
    }
    println!("\nThe nodes stay up for the CLI; Ctrl-C stops them.");
    shutdown.await?;
    for (_, node) in nodes {
        node.shutdown().await?;
    }
    Ok(())
}
