//! The benchmark harness (`tocsin-bench`): real nodes on
//! loopback with mutual TLS, signed statements and durable stores, each
//! scenario run with warm-up and repetitions, the figures as a markdown
//! table.

pub mod catch_up;
pub mod footprint;
pub mod ingest;
pub mod publish;
pub mod report;
pub mod taxii;
pub mod taxii_medallion;
pub mod taxii_tocsin;
pub mod warning;

use anyhow::{Result, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use report::Report;

/// Every scenario, in the order they run.
pub const SCENARIOS: &[&str] = &["delivery", "catch-up", "fan-out", "footprint", "ingest", "taxii"];

/// What to run, and how much.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Tiny counts: checks that every scenario works, gives no figures.
    pub smoke: bool,
    /// Names from `SCENARIOS`; empty for all.
    pub scenarios: Vec<String>,
    /// Warnings per topology in `delivery`.
    pub warnings: usize,
    /// Statements published while the peer is away in `catch-up`.
    pub catch_up: usize,
    /// Rounds per subscriber count in `fan-out`.
    pub fan_out_rounds: usize,
    /// Statements stored in `footprint`.
    pub footprint: usize,
    /// Statements streamed to one node in `ingest`, split across the peers.
    pub ingest: usize,
    /// Objects added and paged back on each side in `taxii`.
    pub taxii: usize,
    /// Requests in flight while publishing many statements.
    pub in_flight: usize,
    /// The executable that runs a node when `footprint::AS_NODE` is set.
    pub node_binary: PathBuf,
}

impl Settings {
    /// The full counts, or the smoke counts.
    pub fn new(smoke: bool, node_binary: PathBuf) -> Self {
        Self {
            smoke,
            scenarios: Vec::new(),
            warnings: if smoke { 20 } else { 1_000 },
            catch_up: if smoke { 200 } else { 100_000 },
            fan_out_rounds: if smoke { 3 } else { 20 },
            footprint: if smoke { 200 } else { 1_000_000 },
            ingest: if smoke { 50 } else { 20_000 },
            taxii: if smoke { 300 } else { 10_000 },
            in_flight: 16,
            node_binary,
        }
    }

    fn wanted(&self, scenario: &str) -> bool {
        self.scenarios.is_empty() || self.scenarios.iter().any(|s| s == scenario)
    }
}

/// Runs the chosen scenarios, printing progress; fails on the first error.
pub async fn run(settings: &Settings) -> Result<Report> {
    for name in &settings.scenarios {
        if !SCENARIOS.contains(&name.as_str()) {
            bail!("unknown scenario `{name}`; known: {}", SCENARIOS.join(", "));
        }
    }
    let mut report = Report::default();
    let warm_up = if settings.smoke { 1 } else { 5 };
    for &scenario in SCENARIOS.iter().filter(|s| settings.wanted(s)) {
        println!("{scenario}: starting");
        let started = Instant::now();
        match scenario {
            "delivery" => warning::delivery(&mut report, settings.warnings, warm_up).await?,
            "catch-up" => {
                // Catching up is slower than publishing was; allow for it.
                let within = Duration::from_secs(120) + Duration::from_millis(20 * settings.catch_up as u64);
                catch_up::catch_up(&mut report, settings.catch_up, 1, settings.in_flight, within).await?;
            }
            "fan-out" => {
                warning::fan_out(&mut report, &[50, 200], settings.fan_out_rounds, warm_up).await?;
            }
            "footprint" => {
                footprint::footprint(&mut report, &settings.node_binary, settings.footprint).await?;
            }
            "ingest" => {
                let repetitions = if settings.smoke { 1 } else { 3 };
                ingest::ingest(&mut report, &[1, 10, 50], settings.ingest, repetitions).await?;
            }
            // One round: medallion pages 10,000 objects back in minutes.
            "taxii" => taxii::taxii(&mut report, settings.taxii, 1).await?,
            other => bail!("scenario `{other}` is listed but not implemented"),
        }
        println!("{scenario}: done in {:.1?}", started.elapsed());
    }
    Ok(report)
}
