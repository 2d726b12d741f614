//! Faults between nodes: every subscription of a federation goes through a
//! fault-injecting TCP proxy (`tocsin_tests::fault_proxy`). Under a seeded
//! schedule of dropped, stalled, delayed, cut and reordered connections the
//! four-node chain XAA → ECOWAS → AU → UN HQ converges: every statement each
//! node may see arrives once, in origin order, and warning deliveries,
//! acknowledgements and escalations are neither lost nor duplicated. A peer
//! that stops reading holds up no other and the origin's memory stays bounded.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "federation_partitions/convergence.rs"]
mod convergence;
#[path = "federation_partitions/half_open.rs"]
mod half_open;
#[path = "federation_partitions/proxy.rs"]
mod proxy;
#[path = "federation_partitions/schedule.rs"]
mod schedule;
#[path = "federation_partitions/stalled_peer.rs"]
mod stalled_peer;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use tocsin_server::federation::cursor::Cursor;
use tocsin_server::store::{InboxEntry, OutboxEntry, Store};
use tocsin_tests::fault_proxy::FaultProxy;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;

/// A statement as the federation names it: origin and statement id.
type Key = (String, String);

/// Puts a proxy on every subscription of `specs`: `<subscriber>-><peer>`.
async fn proxy_every_link(files: &mut FederationFiles, specs: &[OrgSpec]) -> Vec<FaultProxy> {
    let mut proxies = Vec::new();
    for spec in specs {
        for peer in spec.subscribe {
            let target = SocketAddr::from(([127, 0, 0, 1], files.org(peer).unwrap().port));
            let proxy = FaultProxy::start(&format!("{}->{peer}", spec.id), target)
                .await
                .unwrap();
            files.route_through(spec.id, peer, proxy.port()).unwrap();
            proxies.push(proxy);
        }
    }
    proxies
}

/// What `receiver` may see: every entry meant for it in the outboxes of the
/// peers it subscribes to (the origin's own, and the ones they relay).
fn expected(receiver: &str, peers: &[&Store]) -> BTreeSet<Key> {
    peers
        .iter()
        .flat_map(|store| store.outbox_after(0, usize::MAX).unwrap())
        .filter(|(_, e)| e.recipients.contains(receiver))
        .map(|(_, e)| (e.origin, e.statement_id))
        .collect()
}

fn held(inbox: &[InboxEntry]) -> BTreeSet<Key> {
    inbox
        .iter()
        .map(|e| (e.origin.clone(), e.statement_id.clone()))
        .collect()
}

/// What differs between `receiver`'s inbox and what it may see.
fn differences(receiver: &str, inbox: &[InboxEntry], peers: &[&Store]) -> Vec<String> {
    let (want, have) = (expected(receiver, peers), held(inbox));
    let missing: Vec<_> = want.difference(&have).collect();
    let extra: Vec<_> = have.difference(&want).collect();
    let mut found = Vec::new();
    if !missing.is_empty() {
        found.push(format!(
            "`{receiver}` lacks {} statements: {missing:?}",
            missing.len()
        ));
    }
    if !extra.is_empty() {
        found.push(format!(
            "`{receiver}` holds {} unexpected statements: {extra:?}",
            extra.len()
        ));
    }
    found
}

/// Whether `receiver`'s cursor for `peer` covers the last entry `peer`'s
/// outbox holds for it: then nothing meant for it is still on the way.
fn lagging(receiver: &str, store: &Store, peer: &str, peer_store: &Store) -> Option<String> {
    let last = peer_store
        .outbox_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .rfind(|(_, e)| e.recipients.contains(receiver))
        .map_or(0, |(seq, _)| seq);
    let cursor = store
        .cursor(peer)
        .unwrap()
        .and_then(|bytes| Cursor::decode(&bytes).unwrap())
        .map_or(0, |c| c.seq);
    (cursor < last)
        .then(|| format!("`{receiver}`'s cursor for `{peer}` is at {cursor}, its last entry at {last}"))
}

/// Checks that `receiver` got each origin's statements in that origin's
/// outbox order: arrival times never go backwards along the sequence.
fn assert_origin_order(receiver: &str, inbox: &[InboxEntry], origins: &BTreeMap<&str, &Store>) {
    let arrived: BTreeMap<(&str, &str), &InboxEntry> = inbox
        .iter()
        .map(|e| ((e.origin.as_str(), e.statement_id.as_str()), e))
        .collect();
    for (origin, store) in origins {
        let sent: Vec<(u64, OutboxEntry)> = store
            .outbox_after(0, usize::MAX)
            .unwrap()
            .into_iter()
            .filter(|(_, e)| e.origin == *origin)
            .collect();
        let mut last: Option<(u64, &InboxEntry)> = None;
        for (seq, entry) in &sent {
            let Some(now) = arrived.get(&(*origin, entry.statement_id.as_str())) else {
                continue;
            };
            if let Some((before_seq, before)) = last {
                assert!(
                    before.received_at <= now.received_at,
                    "`{receiver}` got `{}` (seq {seq} of {origin}) at {} before `{}` (seq {before_seq}) at {}",
                    now.statement_id,
                    now.received_at,
                    before.statement_id,
                    before.received_at
                );
            }
            last = Some((*seq, now));
        }
    }
}

/// Nothing refused and nothing quarantined at `org`.
fn assert_clean(org: &str, store: &Store) {
    assert!(
        store.refusals().unwrap().is_empty(),
        "`{org}`: {:?}",
        store.refusals()
    );
    assert!(
        store.quarantine().unwrap().is_empty(),
        "`{org}`: {:?}",
        store.quarantine()
    );
}

/// The resident memory of process `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}
