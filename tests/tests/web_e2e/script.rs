//! A browser script of `tests/e2e/` run by Node.js against real nodes: its
//! npm packages installed from the committed lock file on first use, a line
//! protocol over its stdin and stdout, and its whole output on failure.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tocsin_tests::npm::{collect, install_once};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

/// Where Debian's `chromium` package puts the browser the scripts drive.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Longest a script may take between two lines, or to finish.
const STEP: Duration = Duration::from_secs(120);

/// `tests/e2e/`.
pub(crate) fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e")
}

/// `target/e2e-screenshots/` of the workspace.
pub(crate) fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots")
}

/// Fails, saying how to install it, when Chromium is missing.
fn require_chromium() -> Result<()> {
    if !Path::new(CHROMIUM).is_file() {
        bail!(
            "the browser tests need Chromium at {CHROMIUM}; install it with \
             `apt-get install -y chromium chromium-driver` (Debian's packages)"
        );
    }
    Ok(())
}

/// A running script; killed when dropped.
pub(crate) struct Script {
    name: String,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    stdout: String,
    stderr: Arc<Mutex<String>>,
    stderr_done: Option<JoinHandle<()>>,
}

impl Script {
    /// Starts `node tests/e2e/<name>` with `env` (and where to put screenshots).
    pub(crate) async fn start(name: &str, env: &[(&str, String)]) -> Result<Self> {
        require_chromium()?;
        install_once(&dir(), "playwright-core").await?;
        let mut child = Command::new("node")
            .arg(dir().join(name))
            .current_dir(dir())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("TOCSIN_E2E_SCREENSHOTS", screenshots())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot run `node` (is Node.js installed?)")?;
        let pipe = child.stderr.take().context("no stderr pipe")?;
        let (stderr, stderr_done) = collect(pipe);
        let stdout = child.stdout.take().context("no stdout pipe")?;
        Ok(Self {
            name: name.to_owned(),
            stdin: child.stdin.take().context("no stdin pipe")?,
            child,
            lines: BufReader::new(stdout).lines(),
            stdout: String::new(),
            stderr,
            stderr_done: Some(stderr_done),
        })
    }

    /// Once the script has exited, waits (briefly) until its stderr is read
    /// to the end.
    async fn drain_stderr(&mut self) {
        if let Some(reading) = self.stderr_done.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), reading).await;
        }
    }

    /// What the script printed so far, for a failure message.
    fn output(&self) -> String {
        let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        format!(
            "--- stdout of {name}\n{}--- stderr of {name}\n{stderr}",
            self.stdout,
            name = self.name
        )
    }

    /// Waits for the script's `READY <what>` line.
    pub(crate) async fn ready(&mut self, what: &str) -> Result<()> {
        let wanted = format!("READY {what}");
        let outcome = tokio::time::timeout(STEP, async {
            while let Some(line) = self.lines.next_line().await? {
                self.stdout.push_str(&line);
                self.stdout.push('\n');
                if line == wanted {
                    return Ok(true);
                }
            }
            Ok::<_, std::io::Error>(false)
        })
        .await;
        match outcome {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => {
                let status = self.child.wait().await?;
                self.drain_stderr().await;
                bail!(
                    "{} ended ({status}) before `{wanted}`\n{}",
                    self.name,
                    self.output()
                )
            }
            Ok(Err(e)) => bail!("reading {}: {e}\n{}", self.name, self.output()),
            Err(_) => bail!(
                "no `{wanted}` from {} within {STEP:?}\n{}",
                self.name,
                self.output()
            ),
        }
    }

    /// Answers the script's `READY` with `GO <words>`.
    pub(crate) async fn go(&mut self, words: &str) -> Result<()> {
        self.stdin.write_all(format!("GO {words}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        Ok(())
    }

    /// Waits for the script to end; fails with its output unless it exited 0.
    pub(crate) async fn finish(mut self) -> Result<()> {
        let status: Result<ExitStatus> = tokio::time::timeout(STEP, async {
            while let Some(line) = self.lines.next_line().await? {
                self.stdout.push_str(&line);
                self.stdout.push('\n');
            }
            Ok(self.child.wait().await?)
        })
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("still running after {STEP:?}")));
        if status.is_ok() {
            self.drain_stderr().await;
        }
        match status {
            Ok(status) if status.success() => {
                print!("{}", self.stdout);
                Ok(())
            }
            Ok(status) => bail!("{} failed ({status})\n{}", self.name, self.output()),
            Err(e) => bail!("{}: {e}\n{}", self.name, self.output()),
        }
    }
}
