//! The `tocsin-node` command line: parse arguments, load the configuration,
//! start the node, run until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{Config, DEFAULT_CONFIG, LogFormat};
use crate::node;

/// Runs a Tocsin node: one organisation's early-warning server.
#[derive(Debug, Parser)]
#[command(
    name = "tocsin-node",
    version,
    after_help = "\
Examples:
  tocsin-node --sample-data               try Tocsin: embedded defaults, fictional assessments
  tocsin-node --config deploy/node.toml   run with a configuration file
  tocsin-node --print-default-config > node.toml

Every configuration key can also be set with TOCSIN_<SECTION>_<KEY>, e.g.
TOCSIN_API_LISTEN=127.0.0.1:8443. Exit status: 0 after a clean stop, 1 when
the node cannot start (the message names the file, key or value at fault)."
)]
struct Args {
    /// Configuration file (TOML). Without it, the built-in defaults apply.
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Load fictional sample assessments into an empty store.
    #[arg(long)]
    sample_data: bool,
    /// Print the commented default configuration and exit.
    #[arg(long)]
    print_default_config: bool,
}

/// Runs `tocsin-node` with the process's arguments and environment.
pub fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_default_config {
        print!("{DEFAULT_CONFIG}");
        return ExitCode::SUCCESS;
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut config = Config::load(args.config.as_deref(), std::env::vars())?;
    config.node.sample_data |= args.sample_data;
    init_logging(&config)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let node = node::start(&config).await?;
        announce(&node);
        shutdown_signal().await?;
        tracing::info!("stopping");
        node.shutdown().await?;
        Ok(())
    })
}

fn init_logging(config: &Config) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .with_context(|| format!("`log.level`: `{}` is not a valid filter", config.log.level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log.format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

/// What a person starting the node needs to know, on stdout. A closed
/// stdout is no reason to stop serving, so write errors are ignored.
fn announce(node: &node::RunningNode) {
    use std::io::Write;
    let url = format!("https://{}", node.api_addr);
    let mut text = format!(
        "tocsin node listening on {url}\ncertificate fingerprint {}\n",
        node.fingerprint
    );
    if node.self_signed {
        text.push_str(&format!("  pin it:   tocsin pin {url} {}\n", node.fingerprint));
    }
    match &node.dev_issuer {
        Some(dev) => {
            text.push_str(&format!(
                "development issuer on {dev} (loopback only; not for production)\n"
            ));
            text.push_str(&format!(
                "  sign in:  tocsin --node {url} login --dev --user ada --role analyst\n"
            ));
        }
        None => text.push_str(&format!("users sign in with {}\n", node.issuer)),
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}
