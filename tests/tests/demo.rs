//! The main job, end to end: `tocsin-node demo` starts four federated nodes,
//! shows the sample summary travelling XAA → ECOWAS → AU → UN HQ with what
//! each hop may see, serves until SIGTERM, and starts again on its files.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");

/// A base port with its 32 successors free right now.
fn free_base() -> u16 {
    tocsin_tests::ports::free_ports(33).unwrap()
}

/// Runs the demo until it says the nodes are up; returns what it printed.
async fn run_demo(dir: &std::path::Path, base: u16) -> String {
    let mut child = Command::new(NODE)
        .args([
            "demo",
            "--dir",
            dir.to_str().unwrap(),
            "--base-port",
            &base.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
            if line.contains("Ctrl-C stops them") {
                return;
            }
        }
        panic!("the demo ended early:\n{printed}");
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the demo did not come up");
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "the demo did not stop cleanly: {status}\n{printed}"
    );
    printed
}

#[tokio::test]
async fn the_demo_shows_a_summary_travelling_to_un_hq_and_restarts_on_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let base = free_base();
    let printed = run_demo(&demo_dir, base).await;
    for node in ["xaa", "ecowas", "au", "un-hq"] {
        assert!(
            printed.contains(&format!("\n{node} ")),
            "{node} missing:\n{printed}"
        );
    }
    // Each hop sees what XAA's policy allowed it: ECOWAS the factors too,
    // the AU and UN HQ the bare summary, relayed.
    for line in [
        "xaa → ecowas ",
        "TLP:GREEN: share, factors",
        "xaa → ecowas → au ",
        "xaa → ecowas → au → un-hq",
    ] {
        assert!(printed.contains(line), "`{line}` missing:\n{printed}");
    }
    assert!(
        !printed.contains("→ un-hq                  XAA     high       TLP:GREEN: share, factors"),
        "{printed}"
    );
    assert!(demo_dir.join("directory.toml").exists() && demo_dir.join("un-hq/node.toml").exists());
    // XAA's warning reaches both addressees, UN HQ through two relays, and
    // their nodes' receipts come back.
    assert!(printed.contains("XAA's warning "), "{printed}");
    for org in ["ecowas", "un-hq"] {
        let line = printed
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("to {org} ")));
        assert!(
            line.is_some_and(|l| l.contains("delivered after") && l.ends_with(" ms")),
            "no delivery to {org}:\n{printed}"
        );
    }

    // Again, on the same files and data: nothing is regenerated.
    let key = std::fs::read(demo_dir.join("xaa/signing.pem")).unwrap();
    let printed = run_demo(&demo_dir, base).await;
    assert!(printed.contains("xaa → ecowas → au → un-hq"), "{printed}");
    assert_eq!(
        printed.matches("XAA's warning ").count(),
        1,
        "one warning, not a new one each run"
    );
    assert_eq!(std::fs::read(demo_dir.join("xaa/signing.pem")).unwrap(), key);
}
