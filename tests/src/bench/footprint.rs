//! The `footprint` scenario: resident memory of one node process idle and
//! after it stored `M` statements received from its peers, and the bytes on
//! disk per statement. The peers are `RoguePeer`s in this process serving
//! genuinely signed summaries (as in `ingest`), so a million statements
//! arrive in about a minute; the node is a child process so that its memory
//! is its own.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ingest::{names, scripts, specs};
use super::report::{Report, Row};
use crate::federation_files::FederationFiles;
use crate::proc_stats;
use crate::process::NodeProcess;
use crate::rogue::RoguePeer;

/// Set in a child's environment to make `tocsin-bench` run as a node.
pub const AS_NODE: &str = "TOCSIN_BENCH_AS_NODE";

/// How many times memory is read, `SETTLE` apart, for each figure.
const READINGS: usize = 5;
const SETTLE: Duration = Duration::from_millis(200);
/// The storing node, and how many peers send to it.
const TARGET: &str = "un-hq";
const PEERS: usize = 10;

/// Starts `binary` as a node (with `AS_NODE` set) subscribed to `PEERS`
/// peers that are not serving yet, reads its memory idle, lets the peers
/// serve `count` statements in all and reads memory and disk once it has
/// stored them.
pub async fn footprint(report: &mut Report, binary: &Path, count: usize) -> Result<()> {
    let peers = names(PEERS);
    let files = FederationFiles::create(&specs(TARGET, &peers))?;
    let per_peer = count.div_ceil(PEERS);
    let scripts = scripts(&files, TARGET, &peers, per_peer)?;
    let data = tempfile::tempdir()?;
    let mut env = files.node_env(TARGET, data.path())?;
    env.push((AS_NODE.to_owned(), "1".to_owned()));
    let node = NodeProcess::start_env(&binary.display().to_string(), data.path(), &[], "warn", &env)
        .await
        .context("starting the footprint node")?;
    let pid = proc_stats::node_pid(data.path())?;
    let idle = readings(pid).await?;
    let ca = files.ca_pem()?;
    let mut rogues = Vec::with_capacity(PEERS);
    for (peer, script) in peers.iter().zip(scripts) {
        let org = files.org(peer)?;
        rogues.push(RoguePeer::serve_once(org.port, &org.cert, &ca, script).await?);
    }
    let within = Duration::from_secs(120) + Duration::from_millis(count as u64 / 2);
    let stored = async {
        for rogue in &rogues {
            rogue.wait_until_resumed_at(per_peer as u64).await?;
        }
        Ok::<_, anyhow::Error>(())
    };
    tokio::time::timeout(within, stored)
        .await
        .with_context(|| format!("`{TARGET}` did not store {count} statements within {within:?}"))??;
    drop(rogues);
    let loaded = readings(pid).await?;
    let bytes = dir_size(data.path())?;
    node.terminate().await?;

    let total = per_peer * PEERS;
    report.add(Row::of("footprint", "idle node, resident memory", "MiB", &idle));
    let measure = format!("after {total} statements, resident memory");
    report.add(Row::of("footprint", &measure, "MiB", &loaded));
    let per_statement = bytes as f64 / total.max(1) as f64;
    report.add(Row::of(
        "footprint",
        "on disk per statement",
        "bytes",
        &[per_statement],
    ));
    report.note(format!(
        "footprint: one node process storing {total} signed TLP:GREEN summaries from {PEERS} peers, each \
         verified, policy-checked, audited and stored as in production; memory is VmRSS (idle: \
         before the peers serve; after: once every peer saw the node come back with the cursor of \
         its last statement); disk is the whole data directory ({:.1} MiB) / {total}.",
        bytes as f64 / MIB
    ));
    Ok(())
}

const MIB: f64 = 1024.0 * 1024.0;

async fn readings(pid: u32) -> Result<Vec<f64>> {
    let mut mib = Vec::with_capacity(READINGS);
    for _ in 0..READINGS {
        tokio::time::sleep(SETTLE).await;
        mib.push(proc_stats::sample(pid)?.rss_kib as f64 / 1024.0);
    }
    Ok(mib)
}

/// The bytes of every file under `dir`.
pub fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    let mut pending: Vec<PathBuf> = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).with_context(|| format!("listing `{}`", next.display()))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    Ok(total)
}
