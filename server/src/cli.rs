//! The `tocsin-node` command line: parse arguments, load the configuration,
//! start the node, run until Ctrl-C or SIGTERM; or `keygen` a federation
//! signing key.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{Config, DEFAULT_CONFIG, LogFormat};
use crate::federation::keys::write_node_key;
use crate::model::signing::NodeKey;
use crate::node;

/// Runs a Tocsin node: one organisation's early-warning server.
#[derive(Debug, Parser)]
#[command(
    name = "tocsin-node",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "\
Examples:
  tocsin-node --sample-data               try Tocsin: embedded defaults, fictional assessments
  tocsin-node --config deploy/node.toml   run with a configuration file
  tocsin-node --print-default-config > node.toml
  tocsin-node keygen --out ecowas.key --id ecowas-2026
  tocsin-node demo                        four federated nodes: XAA, ECOWAS, AU, UN HQ

Every configuration key can also be set with TOCSIN_<SECTION>_<KEY>, e.g.
TOCSIN_API_LISTEN=127.0.0.1:8443. Exit status: 0 after a clean stop, 1 when
the node cannot start (the message names the file, key or value at fault)."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
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

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write a new Ed25519 federation signing key and print its directory entry.
    Keygen(KeygenArgs),
    /// Run a demonstration federation on this machine: XAA, ECOWAS, the AU
    /// and UN headquarters, with fictional assessments.
    Demo(DemoArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Where the federation's certificates, keys, configurations and data
    /// live; reused by later runs.
    #[arg(long, value_name = "DIR", default_value = "tocsin-demo")]
    dir: PathBuf,
    /// First of the loopback ports: each node takes three (API, sign-in,
    /// federation), ten apart.
    #[arg(long, value_name = "PORT", default_value_t = 7400)]
    base_port: u16,
    /// Log filter for all nodes.
    #[arg(long, value_name = "FILTER", default_value = "warn")]
    log: String,
}

#[derive(Debug, clap::Args)]
struct KeygenArgs {
    /// Where to write the private key (PKCS#8 PEM, mode 0600); never overwritten.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Key id for the federation directory (1 to 64 of a-z, 0-9, `-`, `_`);
    /// default: the first 16 hex digits of the public key's SHA-256.
    #[arg(long, value_name = "KEYID")]
    id: Option<String>,
}

/// Runs `tocsin-node` with the process's arguments and environment.
pub fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Keygen(keygen_args)) = &args.command {
        return match keygen(keygen_args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::Demo(demo_args)) = &args.command {
        return match demo(demo_args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
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

/// Generates a signing key, writes it to a new private file, and prints the
/// key id, the public key and the directory entry to paste. The private key
/// is never printed.
fn keygen(args: &KeygenArgs) -> anyhow::Result<()> {
    let mut key = NodeKey::generate()?;
    if let Some(id) = &args.id {
        key = key.with_key_id(id)?;
    }
    write_node_key(&args.out, &key)?;
    let not_before = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    println!(
        "wrote a new Ed25519 signing key to {out} (mode 0600)\n\
         key id      {id}\n\
         public key  {public}\n\
         \n\
         Add it under your organisation in the federation directory:\n\
         \n\
         [[organisation.key]]\n\
         id = \"{id}\"\n\
         public_key = \"{public}\"\n\
         not_before = {not_before}",
        out = args.out.display(),
        id = key.key_id(),
        public = key.public_key_base64(),
    );
    Ok(())
}

fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    let filter =
        log_filter(&args.log).with_context(|| format!("`--log`: `{}` is not a valid filter", args.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        // Listening before the demo says Ctrl-C stops it: a signal sent
        // right after that line must stop the nodes, not kill the process.
        let shutdown = shutdown_signal()?;
        crate::demo::run(&args.dir, args.base_port, shutdown).await
    })
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut config = Config::load(args.config.as_deref(), std::env::vars())?;
    config.node.sample_data |= args.sample_data;
    init_logging(&config)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let shutdown = shutdown_signal()?;
        let node = node::start(&config).await?;
        announce(&node);
        reload_on_hangup(&node, shutdown).await?;
        tracing::info!("stopping");
        node.shutdown().await?;
        Ok(())
    })
}

fn init_logging(config: &Config) -> anyhow::Result<()> {
    let filter = log_filter(&config.log.level)
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

/// The filter `text` names, with the store engine's own log lines capped at
/// `info`: sled writes its debug and trace lines also from thread-local
/// destructors as threads exit, where the log bridge can no longer run and
/// the process aborts.
fn log_filter(text: &str) -> anyhow::Result<tracing_subscriber::EnvFilter> {
    let filter = tracing_subscriber::EnvFilter::try_new(text)?;
    Ok(filter.add_directive("sled=info".parse()?))
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
    if let Some(web) = node.web_addr {
        text.push_str(&format!("web interface on https://{web}/\n"));
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Reloads the sharing policy on every SIGHUP until `shutdown` completes.
async fn reload_on_hangup(
    node: &node::RunningNode,
    shutdown: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("cannot listen for SIGHUP")?;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                result = &mut shutdown => return result,
                _ = hangup.recv() => match node.reload_sharing_policy().await {
                    Ok(epoch) => tracing::info!(epoch, "SIGHUP: sharing policy in force"),
                    Err(e) => tracing::error!(error = %e, "SIGHUP: sharing policy not reloaded"),
                },
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = node;
        shutdown.await
    }
}

/// Listens for SIGTERM from now on (a signal that comes before the returned
/// future is first awaited is not lost); the future completes on the first
/// SIGTERM or Ctrl-C. Call it inside the runtime.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C")?,
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_filter_keeps_the_store_engine_at_info_whatever_is_asked() {
        use tracing::Level;
        use tracing_subscriber::layer::SubscriberExt;
        for text in ["trace", "sled=trace,info"] {
            let subscriber = tracing_subscriber::registry().with(log_filter(text).unwrap());
            tracing::subscriber::with_default(subscriber, || {
                assert!(
                    !tracing::enabled!(target: "sled::pagecache", Level::DEBUG),
                    "{text}"
                );
                assert!(
                    tracing::enabled!(target: "sled::pagecache", Level::INFO),
                    "{text}"
                );
            });
        }
        let subscriber = tracing_subscriber::registry().with(log_filter("trace").unwrap());
        tracing::subscriber::with_default(subscriber, || {
            assert!(tracing::enabled!(target: "tocsin_server::federation", Level::TRACE));
        });
        assert!(log_filter("[[not a filter").is_err());
    }

    #[test]
    fn running_needs_no_subcommand_and_keygen_takes_its_own_flags() {
        let run = Args::try_parse_from(["tocsin-node", "--config", "node.toml", "--sample-data"]).unwrap();
        assert!(run.command.is_none() && run.sample_data);
        assert_eq!(run.config, Some(PathBuf::from("node.toml")));
        let keygen =
            Args::try_parse_from(["tocsin-node", "keygen", "--out", "k.pem", "--id", "au-2026"]).unwrap();
        let Some(Command::Keygen(k)) = keygen.command else {
            panic!("keygen expected")
        };
        assert_eq!(
            (k.out, k.id.as_deref()),
            (PathBuf::from("k.pem"), Some("au-2026"))
        );
        assert!(Args::try_parse_from(["tocsin-node", "--config", "x", "keygen", "--out", "k"]).is_err());
        assert!(Args::try_parse_from(["tocsin-node", "keygen"]).is_err());
    }

    #[test]
    fn keygen_writes_a_private_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("node.key");
        let args = KeygenArgs {
            out: out.clone(),
            id: Some("au-2026".into()),
        };
        keygen(&args).unwrap();
        let key = crate::federation::keys::load_node_key(&out, Some("au-2026")).unwrap();
        assert_eq!(key.key_id(), "au-2026");
        assert!(
            keygen(&args)
                .unwrap_err()
                .to_string()
                .contains("refusing to overwrite")
        );
        let bad = KeygenArgs {
            out: dir.path().join("other.key"),
            id: Some("Bad Id".into()),
        };
        assert!(keygen(&bad).is_err());
        assert!(!dir.path().join("other.key").exists());
    }
}
