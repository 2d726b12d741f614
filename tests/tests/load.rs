//! A bounded load test on loopback: the XAA → ECOWAS → AU → UN HQ chain as
//! four node processes, 50 subscribers watching UN HQ's warnings, and for
//! `TOCSIN_LOAD_SECS` seconds (default 60) XAA and ECOWAS publishing
//! assessments and issuing warnings to UN HQ, which acknowledges each. No
//! call fails; every warning reaches every subscriber exactly once and its
//! acknowledgement its sender; every statement reaches each recipient;
//! each node's resident memory and open descriptors stay flat after warm-up.
//! The figures are printed.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "load/peers.rs"]
mod peers;
#[path = "load/tally.rs"]
mod tally;
#[path = "load/watchers.rs"]
mod watchers;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tocsin_server::store::Store;
use tocsin_tests::federation::chain;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::proc_stats::{self, Series};
use tocsin_tests::warnings::addressed_to;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use peers::{Peer, Writer, assessment};
use tally::{Key, Tally, percentile};
use watchers::HEADLINE;

const SUBSCRIBERS: usize = 50;
/// Writers at each of XAA and ECOWAS, each on its own connections. (On
/// two cores in a debug build, two each outrun the federation: delivery
/// latency then grows for as long as the test runs.)
const WRITERS: usize = 1;
/// Each writer publishes an assessment and issues a warning this often.
const PERIOD: Duration = Duration::from_millis(400);
/// Longest the deliveries may take to complete once writing stops.
const DRAIN: Duration = Duration::from_secs(60);
/// Allowed growth of the last third's mean over the second third's.
const RSS_GROWTH: f64 = 0.25;
const RSS_SLACK_KIB: f64 = 16.0 * 1024.0;
const FD_GROWTH: f64 = 20.0;

fn duration() -> Duration {
    let secs = std::env::var("TOCSIN_LOAD_SECS")
        .ok()
        .map(|s| {
            s.parse::<u64>()
                .expect("TOCSIN_LOAD_SECS is a whole number of seconds")
        })
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// Writes at `writer`'s node until `until`; returns each warning issued
/// with the time it was sent, and how many write calls were made.
async fn write(
    mut writer: Writer,
    org: String,
    name: String,
    until: Instant,
) -> anyhow::Result<(Vec<(Key, Instant)>, usize)> {
    let mut tick = tokio::time::interval(PERIOD);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let (mut issued, mut calls) = (Vec::new(), 0);
    for round in 0.. {
        tick.tick().await;
        if Instant::now() >= until {
            break;
        }
        let id = writer
            .publish(assessment(format!("{name} load round {round}")))
            .await?;
        let sent = Instant::now();
        let warning_id = writer
            .issue(addressed_to("un-hq", &id, &format!("{HEADLINE}{name} {round}")))
            .await?;
        calls += 5;
        issued.push(((org.clone(), warning_id), sent));
    }
    Ok((issued, calls))
}

/// Samples every node once a second until `until`.
async fn sample(pids: Vec<(String, u32)>, until: Instant) -> anyhow::Result<BTreeMap<String, Series>> {
    let mut series: BTreeMap<String, Series> = BTreeMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    while Instant::now() < until {
        tick.tick().await;
        for (org, pid) in &pids {
            series
                .entry(org.clone())
                .or_default()
                .push(proc_stats::sample(*pid)?);
        }
    }
    Ok(series)
}

/// Every statement a node made reached each of its recipients, and no node
/// refused or quarantined anything; returns statements made and delivered.
fn check_stores(stores: &BTreeMap<String, Store>) -> (usize, usize) {
    let (mut made, mut delivered) = (0, 0);
    for (org, store) in stores {
        assert!(
            store.refusals().unwrap().is_empty(),
            "`{org}` refused: {:?}",
            store.refusals()
        );
        assert!(
            store.quarantine().unwrap().is_empty(),
            "`{org}` quarantined: {:?}",
            store.quarantine()
        );
        let own = store.outbox_after(0, usize::MAX).unwrap();
        for (seq, entry) in own.iter().filter(|(_, e)| &e.origin == org) {
            made += 1;
            for recipient in &entry.recipients {
                let held = stores[recipient].inbox_entry(org, &entry.statement_id).unwrap();
                assert!(
                    held.is_some(),
                    "`{recipient}` never received `{}` (seq {seq}) from `{org}`",
                    entry.statement_id
                );
                delivered += 1;
            }
        }
    }
    (made, delivered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_subscribers_four_peers_and_sustained_writes() {
    let run = duration();
    let mut files = FederationFiles::create(&chain()).unwrap();
    for org in ["xaa", "ecowas"] {
        files
            .set(org, "TOCSIN_WARNINGS_ESCALATION_CHAIN", "xaa,ecowas,au,un-hq")
            .unwrap();
    }
    let mut peers = BTreeMap::new();
    for spec in chain() {
        peers.insert(spec.id.to_owned(), Peer::start(&files, spec.id).await.unwrap());
    }
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let (stop_tx, stop) = watch::channel(false);
    let mut streams = Vec::new();
    for index in 0..SUBSCRIBERS {
        let task = watchers::subscribe(&peers["un-hq"], index, seen_tx.clone(), stop.clone());
        streams.push(task.await.unwrap());
    }
    for org in ["xaa", "ecowas"] {
        let task = watchers::acknowledgements(&peers[org], seen_tx.clone(), stop.clone());
        streams.push(task.await.unwrap());
    }
    drop(seen_tx);
    let acknowledger = watchers::acknowledger(&peers["un-hq"], stop.clone())
        .await
        .unwrap();

    println!(
        "load: {SUBSCRIBERS} subscribers at un-hq, {WRITERS} writers each at xaa and ecowas every {PERIOD:?}, for {run:?}"
    );
    let started = Instant::now();
    let until = started + run;
    let mut writers = Vec::new();
    for org in ["xaa", "ecowas"] {
        for index in 0..WRITERS {
            let writer = Writer::at(&peers[org]).await.unwrap();
            let name = format!("{org}-{index}");
            writers.push(tokio::spawn(write(writer, org.to_owned(), name, until)));
        }
    }
    let pids: Vec<(String, u32)> = peers.iter().map(|(o, p)| (o.clone(), p.pid)).collect();
    let sampler = tokio::spawn(sample(pids, until));
    let mut expected: BTreeMap<Key, Instant> = BTreeMap::new();
    let mut calls = 0;
    for writer in writers {
        let (issued, made) = writer.await.unwrap().unwrap();
        expected.extend(issued);
        calls += made;
    }
    let wrote = started.elapsed();
    let series = sampler.await.unwrap().unwrap();

    // Every delivery and acknowledgement arrives, however long past the
    // writing it takes (up to `DRAIN`).
    let mut tally = Tally::new(SUBSCRIBERS);
    let drained = tokio::time::timeout(DRAIN, async {
        while !tally.complete(&expected) {
            let seen = seen_rx.recv().await.expect("every watcher ended");
            tally.record(seen);
        }
    })
    .await;
    let drain_time = started.elapsed().saturating_sub(wrote);
    stop_tx.send(true).unwrap();
    for stream in streams {
        stream.await.unwrap().unwrap();
    }
    let acknowledged = acknowledger.await.unwrap().unwrap();
    while let Ok(seen) = seen_rx.try_recv() {
        tally.record(seen);
    }
    let faults = tally.faults(&expected);
    assert!(
        drained.is_ok() && faults.is_empty(),
        "not everything arrived within {DRAIN:?} of the end of writing: {faults:#?}"
    );
    assert_eq!(
        acknowledged,
        expected.len(),
        "UN HQ acknowledged another number of warnings"
    );

    let mut stores = BTreeMap::new();
    let mut dirs = Vec::new();
    for (_, peer) in std::mem::take(&mut peers) {
        let (org, store, dir) = peer.stop().await.unwrap();
        stores.insert(org, store);
        dirs.push(dir);
    }
    let (made, statements_delivered) = check_stores(&stores);

    let latencies = tally.latencies(&expected);
    let deliveries = tally.delivered();
    let delivering = tally
        .last_delivery()
        .map_or(wrote, |last| last.saturating_duration_since(started));
    let secs = wrote.as_secs_f64();
    println!(
        "load: {calls} write calls in {wrote:.1?} ({:.1}/s), {} warnings, {acknowledged} acknowledgements",
        calls as f64 / secs,
        expected.len()
    );
    println!(
        "load: {deliveries} deliveries to subscribers in {delivering:.1?} ({:.1}/s), drained {drain_time:.1?} after writing",
        deliveries as f64 / delivering.as_secs_f64()
    );
    println!(
        "load: delivery latency p50 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        latencies.last().copied().unwrap_or_default()
    );
    println!("load: {made} statements made, {statements_delivered} deliveries between nodes, all stored");
    let mut flat = Vec::new();
    for (org, series) in &series {
        let (rss, fds) = (series.rss().unwrap(), series.fds().unwrap());
        println!(
            "load: {org:>6}: {} samples; RSS KiB min {} max {} mean 2nd third {:.0} last third {:.0}; \
             fds min {} max {} mean 2nd third {:.1} last third {:.1}",
            series.samples.len(),
            rss.min,
            rss.max,
            rss.middle,
            rss.last,
            fds.min,
            fds.max,
            fds.middle,
            fds.last
        );
        if rss.increase() > rss.middle * RSS_GROWTH + RSS_SLACK_KIB {
            flat.push(format!(
                "`{org}`'s memory grew from {:.0} to {:.0} KiB",
                rss.middle, rss.last
            ));
        }
        if fds.increase() > FD_GROWTH {
            flat.push(format!(
                "`{org}`'s descriptors grew from {:.1} to {:.1}",
                fds.middle, fds.last
            ));
        }
    }
    assert!(flat.is_empty(), "not flat after warm-up: {flat:?}");
}
