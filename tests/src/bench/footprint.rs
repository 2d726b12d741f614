//! The `footprint` scenario: resident memory of one node process idle and
//! after storing `M` statements, and the bytes on disk per statement.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::publish::publish_many;
use super::report::{Report, Row};
use crate::proc_stats;
use crate::process::NodeProcess;

/// Set in a child's environment to make `tocsin-bench` run as a node.
pub const AS_NODE: &str = "TOCSIN_BENCH_AS_NODE";

/// How many times memory is read, `SETTLE` apart, for each figure.
const READINGS: usize = 5;
const SETTLE: Duration = Duration::from_millis(200);

/// Starts `binary` as a node (with `AS_NODE` set), reads its memory idle,
/// publishes `count` assessments at it and reads memory and disk again.
pub async fn footprint(report: &mut Report, binary: &Path, count: usize, in_flight: usize) -> Result<()> {
    let data = tempfile::tempdir()?;
    let env = vec![(AS_NODE.to_owned(), "1".to_owned())];
    let node = NodeProcess::start_env(&binary.display().to_string(), data.path(), &[], "warn", &env)
        .await
        .context("starting the footprint node")?;
    let pid = proc_stats::node_pid(data.path())?;
    let idle = readings(pid).await?;
    let analyst = node.client(&node.token("ada", &["analyst"]).await?).await?;
    let reviewer = node.client(&node.token("rev", &["reviewer"]).await?).await?;
    publish_many(&analyst, &reviewer, "footprint", count, in_flight).await?;
    let loaded = readings(pid).await?;
    let bytes = dir_size(data.path())?;
    node.terminate().await?;

    report.add(Row::of("footprint", "idle node, resident memory", "MiB", &idle));
    let measure = format!("after {count} statements, resident memory");
    report.add(Row::of("footprint", &measure, "MiB", &loaded));
    let per_statement = bytes as f64 / count.max(1) as f64;
    report.add(Row::of(
        "footprint",
        "on disk per statement",
        "bytes",
        &[per_statement],
    ));
    let (idle_mib, loaded_mib) = (median(&idle), median(&loaded));
    let per_million = (loaded_mib - idle_mib) * 1_000_000.0 / count.max(1) as f64;
    report.note(format!(
        "footprint: one node process (no federation), {count} assessments published through its API \
         ({in_flight} in flight); memory is VmRSS; disk is the whole data directory ({:.1} MiB) / {count}.",
        bytes as f64 / MIB
    ));
    report.note(format!(
        "footprint EXTRAPOLATION, not measured: linear growth would put 1,000,000 statements at about \
         {:.0} MiB resident ({idle_mib:.1} idle + {per_million:.0}) and {:.2} GiB on disk.",
        idle_mib + per_million,
        per_statement * 1_000_000.0 / (MIB * 1024.0)
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

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    super::report::percentile(&sorted, 50.0)
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
