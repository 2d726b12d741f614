//! The `tocsin` command as a child process: one user's configuration
//! directory in a temporary directory, a hermetic environment, and what
//! each run printed and how it exited.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tempfile::TempDir;
use tocsin_client::node_url::NodeUrl;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// Longer than any command takes against a loopback node; a hung command
/// fails the test instead of blocking it.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// One user of the CLI: the binary, a configuration directory of their own
/// (`TOCSIN_CONFIG_DIR`) and the node (`TOCSIN_NODE`). Nothing else from the
/// test's environment reaches the command.
#[derive(Debug)]
pub struct Tocsin {
    binary: PathBuf,
    config: TempDir,
    env: Vec<(String, String)>,
}

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The exit code; -1 when killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// `stdout` parsed as JSON, naming the run when it is not.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.stdout).with_context(|| format!("stdout is not JSON: {self:?}"))
    }

    /// The run, which must have succeeded: fails the test otherwise.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }

    /// Fails the test unless the run exited with `code` after one
    /// `error: …` line naming every one of `needles`.
    pub fn failed(&self, code: i32, needles: &[&str]) {
        assert_eq!(self.code, code, "{self:?}");
        assert!(
            self.stderr.starts_with("error: ") && self.stderr.lines().count() == 1,
            "{self:?}"
        );
        for needle in needles {
            assert!(self.stderr.contains(needle), "`{needle}` missing: {self:?}");
        }
    }

    /// The value of a `label  value` line of human output on `stdout`.
    pub fn field(&self, label: &str) -> Option<&str> {
        self.stdout
            .lines()
            .find_map(|line| line.strip_prefix(label)?.strip_prefix(' ').map(str::trim))
    }
}

impl Tocsin {
    /// A user of `binary` (integration tests pass
    /// `env!("CARGO_BIN_EXE_cli-under-test")`) talking to `node`, with an
    /// empty configuration directory.
    pub fn new(binary: &str, node: &NodeUrl) -> Result<Self> {
        Ok(Self {
            binary: binary.into(),
            config: tempfile::tempdir()?,
            env: vec![("TOCSIN_NODE".to_owned(), node.to_string())],
        })
    }

    /// Sets an environment variable for every later run.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The configuration directory (`credentials.json`, `known_nodes.json`).
    pub fn config_dir(&self) -> &Path {
        self.config.path()
    }

    /// A path inside the configuration directory, for assessment files.
    pub fn file(&self, name: &str) -> PathBuf {
        self.config.path().join(name)
    }

    /// Runs `tocsin ARGS` with empty standard input and waits for it.
    pub async fn run(&self, args: &[&str]) -> Result<Run> {
        self.run_with_stdin(args, "").await
    }

    /// Runs `tocsin ARGS` with `stdin` as its standard input.
    pub async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Result<Run> {
        let mut child = self.spawn(args)?;
        let mut input = child.stdin.take().context("no stdin pipe")?;
        input.write_all(stdin.as_bytes()).await?;
        drop(input);
        let output = tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output())
            .await
            .with_context(|| format!("`tocsin {}` did not finish", args.join(" ")))??;
        Ok(Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout)?,
            stderr: String::from_utf8(output.stderr)?,
        })
    }

    /// Starts `tocsin ARGS` with piped standard input, output and error, for
    /// tests that talk to it while it runs; killed when dropped.
    pub fn spawn(&self, args: &[&str]) -> Result<Child> {
        Command::new(&self.binary)
            .args(args)
            .env_clear()
            .env("TOCSIN_CONFIG_DIR", self.config.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start `{}`", self.binary.display()))
    }
}
