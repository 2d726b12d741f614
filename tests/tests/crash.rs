//! Crash safety: two federated node processes, XAA and ECOWAS,
//! replicating both ways while one of them — mostly XAA, sometimes ECOWAS
//! — takes a sustained mix of writes (assessments created, submitted and
//! published; warnings raised and issued; the peer's warnings acknowledged)
//! and is killed with SIGKILL at a seeded random moment. After each kill
//! and restart on the same data directory: every acknowledged write is
//! there, nothing is applied twice, the audit chain verifies, the cursor and
//! inbox agree, and replication completes both ways. At the end the two
//! stores are checked against each other.
//!
//! `TOCSIN_CRASH_SEED` replays a run (the seed is printed first);
//! `TOCSIN_CRASH_ROUNDS` sets the number of kills (default 50).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "crash/offline.rs"]
mod offline;
#[path = "crash/online.rs"]
mod online;
#[path = "crash/run.rs"]
mod run;
#[path = "crash/workload.rs"]
mod workload;

use std::time::{Duration, Instant};

/// Longest the whole test may run.
const TEST_LIMIT: Duration = Duration::from_secs(600);

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|e| panic!("`{name}` must be a number, not `{value}`: {e}")),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_replication_completes() {
    let seed = env_number("TOCSIN_CRASH_SEED").unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map_or(0, |d| d.as_nanos() as u64)
    });
    let rounds = env_number("TOCSIN_CRASH_ROUNDS").unwrap_or(50) as usize;
    println!("crash harness: seed {seed} (TOCSIN_CRASH_SEED={seed} replays it), {rounds} rounds");
    let started = Instant::now();
    let summary = tokio::time::timeout(TEST_LIMIT, run::run(seed, rounds))
        .await
        .unwrap_or_else(|_| panic!("seed {seed}: the harness ran past {TEST_LIMIT:?}"))
        .unwrap_or_else(|e| panic!("seed {seed}: {e:#}"));
    println!("{summary}");
    println!(
        "crash harness: seed {seed}, {rounds} rounds in {:?}",
        started.elapsed()
    );
    assert_eq!(summary.rounds, rounds);
    assert!(summary.acknowledged > 0, "no write was ever acknowledged");
}
