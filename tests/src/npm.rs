//! `npm ci` for the Node.js programs tests run, once per directory per test
//! process, and what such a program writes to a pipe, collected as it comes.

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tokio::process::Command;
use tokio::sync::Mutex;

/// The directories installed so far by this process.
static INSTALLED: Mutex<BTreeSet<PathBuf>> = Mutex::const_new(BTreeSet::new());

/// Installs the npm packages of `dir` from its committed lock file
/// (`npm ci`), unless this process did so already or `package` is already
/// in its `node_modules`.
pub async fn install_once(dir: &Path, package: &str) -> Result<()> {
    let mut installed = INSTALLED.lock().await;
    if installed.contains(dir) || dir.join("node_modules").join(package).is_dir() {
        return Ok(());
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .await
        .context("cannot run `npm` (is Node.js installed?)")?;
    if !output.status.success() {
        bail!(
            "`npm ci` in `{}` failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    installed.insert(dir.to_owned());
    Ok(())
}

/// Reads `pipe` (a child's stderr) to its end in a task, into the returned
/// text, so that a failing program's output can be shown whole.
pub fn collect(
    mut pipe: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> (
    std::sync::Arc<std::sync::Mutex<String>>,
    tokio::task::JoinHandle<()>,
) {
    use tokio::io::AsyncReadExt;
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&text);
    let reading = tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buf).await {
            if let Ok(mut text) = sink.lock() {
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
    (text, reading)
}
