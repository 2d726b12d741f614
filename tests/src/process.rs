//! A node as a separate operating-system process, for tests that kill it
//! (SIGKILL) and start it again on the same data directory.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tocsin_client::connect::{NodeClient, WarningClient, authorised, authorised_warnings, connect};
use tocsin_client::fingerprint::Fingerprint;
use tocsin_client::node_url::NodeUrl;
use tocsin_client::verifier::Trust;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopped node's last log lines may take to be read.
const LOG_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How many of its last log lines a node that did not stop cleanly shows.
const LOG_TAIL_LINES: usize = 60;

/// A running `tocsin-node` process with the embedded development issuer.
#[derive(Debug)]
pub struct NodeProcess {
    child: Child,
    pub url: NodeUrl,
    pub fingerprint: Fingerprint,
    pub dev_issuer: String,
    pub data_dir: PathBuf,
    log: Arc<Mutex<String>>,
    /// Reads the node's stderr into `log` until the node closes it.
    log_reader: tokio::task::JoinHandle<()>,
}

impl NodeProcess {
    /// Starts the node binary (integration tests pass
    /// `env!("CARGO_BIN_EXE_node-under-test")`) on `data_dir` with loopback
    /// ports chosen by the OS, and waits until it announces that it serves.
    pub async fn start(binary: &str, data_dir: &Path, extra_args: &[&str]) -> Result<Self> {
        Self::start_with(binary, data_dir, extra_args, "warn").await
    }

    /// `start` with a `tracing` filter for the node's log, which is kept
    /// (see `log`).
    pub async fn start_with(
        binary: &str,
        data_dir: &Path,
        extra_args: &[&str],
        log_level: &str,
    ) -> Result<Self> {
        Self::start_env(binary, data_dir, extra_args, log_level, &[]).await
    }

    /// `start_with` and more `TOCSIN_…` variables, applied last (so they may
    /// replace the defaults above, e.g. the organisation), for a node that
    /// federates.
    pub async fn start_env(
        binary: &str,
        data_dir: &Path,
        extra_args: &[&str],
        log_level: &str,
        env: &[(String, String)],
    ) -> Result<Self> {
        let mut child = Command::new(binary)
            .args(extra_args)
            .env("TOCSIN_NODE_ORGANISATION", "xaa-gov")
            .env("TOCSIN_NODE_DATA_DIR", data_dir)
            .env("TOCSIN_API_LISTEN", "127.0.0.1:0")
            .env("TOCSIN_AUTH_DEV_ISSUER_LISTEN", "127.0.0.1:0")
            .env("TOCSIN_LOG_LEVEL", log_level)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start node-under-test")?;
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().context("no stderr")?;
        let sink = Arc::clone(&log);
        let log_reader = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        });
        let stdout = child.stdout.take().context("no stdout")?;
        let announce = async {
            let mut lines = BufReader::new(stdout).lines();
            let (mut url, mut fingerprint, mut issuer) = (None, None, None);
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix("tocsin node listening on ") {
                    url = Some(rest.trim().to_owned());
                } else if let Some(rest) = line.strip_prefix("certificate fingerprint ") {
                    fingerprint = Some(rest.trim().to_owned());
                } else if let Some(rest) = line.strip_prefix("development issuer on ") {
                    issuer = rest.split_whitespace().next().map(str::to_owned);
                }
                if let (Some(u), Some(f), Some(i)) = (&url, &fingerprint, &issuer) {
                    let found = (u.clone(), f.clone(), i.clone());
                    // Keep draining, so that the node never writes into a closed pipe.
                    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                    return Ok::<_, anyhow::Error>(found);
                }
            }
            bail!("the node exited before announcing itself")
        };
        let (url, fingerprint, dev_issuer) = tokio::time::timeout(START_TIMEOUT, announce)
            .await
            .context("node did not start in time")??;
        Ok(Self {
            child,
            url: url.parse()?,
            fingerprint: fingerprint.parse()?,
            dev_issuer,
            data_dir: data_dir.to_owned(),
            log,
            log_reader,
        })
    }

    /// Everything the node has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A token from the node's development issuer.
    pub async fn token(&self, user: &str, roles: &[&str]) -> Result<String> {
        let (status, body) = crate::oidc::dev_issuer_token(
            &self.dev_issuer,
            &serde_json::json!({"user": user, "roles": roles}),
        )
        .await?;
        if status != 200 {
            bail!("dev issuer refused: {status} {body}");
        }
        body["id_token"]
            .as_str()
            .map(str::to_owned)
            .context("no id_token in reply")
    }

    pub async fn client(&self, token: &str) -> Result<NodeClient> {
        let channel = connect(&self.url, &Trust::Pin(self.fingerprint)).await?;
        Ok(authorised(channel, token)?)
    }

    /// A `WarningService` client over pinned TLS presenting `token`.
    pub async fn warnings(&self, token: &str) -> Result<WarningClient> {
        let channel = connect(&self.url, &Trust::Pin(self.fingerprint)).await?;
        Ok(authorised_warnings(channel, token)?)
    }

    /// SIGKILL: no chance to flush or clean up.
    pub async fn kill(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// SIGTERM, then waits for the node to exit and returns all it logged.
    /// A node that does not exit cleanly is an error that names its exit
    /// status and shows the end of its log, where a panic or an abort
    /// leaves its message.
    pub async fn terminate(mut self) -> Result<String> {
        let pid = self.child.id().context("node already exited")?;
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM {pid} failed");
        }
        let status = self.child.wait().await?;
        // The node has exited, so its stderr is closed: read what is left.
        let _ = tokio::time::timeout(LOG_DRAIN_TIMEOUT, &mut self.log_reader).await;
        let log = self.log();
        if !status.success() {
            bail!(
                "the node did not stop cleanly ({status}); the end of its log:\n{}",
                tail(&log, LOG_TAIL_LINES)
            );
        }
        Ok(log)
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> &str {
    let Some(before_last) = lines.checked_sub(1) else {
        return "";
    };
    let body = text.strip_suffix('\n').unwrap_or(text);
    let start = body
        .rmatch_indices('\n')
        .nth(before_last)
        .map_or(0, |(at, _)| at + 1);
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a\nb\n", 5), "a\nb\n");
        assert_eq!(tail("", 3), "");
        assert_eq!(tail("a\n", 0), "");
    }
}
