//! `tocsin-bench`: runs the benchmark scenarios against real nodes on
//! loopback and prints (and writes) the markdown table of figures.

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use tocsin_tests::bench::{self, SCENARIOS, Settings, footprint::AS_NODE};

/// The allocator of the node binary, since the nodes run in this process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tocsin benchmarks: warning delivery, catch-up, fan-out, footprint, ingest, TAXII side by side.
#[derive(Debug, Parser)]
struct Args {
    /// Tiny counts: checks every scenario works in well under a minute.
    #[arg(long)]
    smoke: bool,
    /// Run only this scenario (repeatable): delivery, catch-up, fan-out, footprint, ingest,
    /// taxii (against medallion, the TAXII 2.1 reference server, which needs python3 with venv).
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// Where the markdown table is also written.
    #[arg(long, default_value = "target/bench/results.md")]
    out: PathBuf,
    /// Warnings per topology in `delivery`.
    #[arg(long)]
    warnings: Option<usize>,
    /// Statements published while the peer is away in `catch-up`.
    #[arg(long)]
    catch_up: Option<usize>,
    /// Rounds per subscriber count in `fan-out`.
    #[arg(long)]
    fan_out_rounds: Option<usize>,
    /// Statements stored by the node in `footprint` (the goal is stated for 1,000,000).
    #[arg(long)]
    statements: Option<usize>,
    /// Statements streamed to one node in `ingest`, split across 1, 10 and 50 peers.
    #[arg(long)]
    ingest: Option<usize>,
    /// Objects added in batches of 100 and paged back on each side in `taxii`.
    #[arg(long)]
    taxii: Option<usize>,
    /// Publishing requests in flight at once.
    #[arg(long)]
    in_flight: Option<usize>,
}

fn main() -> ExitCode {
    // `footprint` starts this executable again as a node process.
    if std::env::var_os(AS_NODE).is_some() {
        return tocsin_server::cli::main();
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tocsin-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args = Args::parse();
    let binary = std::env::current_exe().context("finding this executable")?;
    let mut settings = Settings::new(args.smoke, binary);
    settings.scenarios = args.scenarios;
    settings.warnings = args.warnings.unwrap_or(settings.warnings);
    settings.catch_up = args.catch_up.unwrap_or(settings.catch_up);
    settings.fan_out_rounds = args.fan_out_rounds.unwrap_or(settings.fan_out_rounds);
    settings.footprint = args.statements.unwrap_or(settings.footprint);
    settings.ingest = args.ingest.unwrap_or(settings.ingest);
    settings.taxii = args.taxii.unwrap_or(settings.taxii);
    settings.in_flight = args.in_flight.unwrap_or(settings.in_flight);
    println!("tocsin-bench: scenarios {}", shown(&settings.scenarios));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(bench::run(&settings))?;
    let table = report.markdown(settings.smoke);
    println!("\n{table}");
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    }
    std::fs::write(&args.out, &table).with_context(|| format!("writing `{}`", args.out.display()))?;
    println!("written to {}", args.out.display());
    Ok(())
}

fn shown(chosen: &[String]) -> String {
    if chosen.is_empty() {
        SCENARIOS.join(", ")
    } else {
        chosen.join(", ")
    }
}
