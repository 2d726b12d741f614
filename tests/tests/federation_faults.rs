//! The federation loses nothing and applies nothing twice when a peer is
//! down or dies: a peer that was stopped while 1,000 statements were
//! published gets every one, once, in origin order; a receiving node killed
//! with SIGKILL mid-stream, again and again, ends with every statement once,
//! its cursor at the origin's head, and each relay made once.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use tocsin_proto::v1 as pb;
use tocsin_server::federation::cursor::Cursor;
use tocsin_server::store::{InboxEntry, OutboxEntry, Store};
use tocsin_tests::content;
use tocsin_tests::fault_proxy::FaultProxy;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::{Federation, dev_token, publish_all, spawn};

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");
/// Longest a whole test may run.
const TEST_LIMIT: Duration = Duration::from_secs(300);
/// Longest a backlog may take to arrive after the receiver is back.
const CATCH_UP: Duration = Duration::from_secs(120);
/// Requests in flight while publishing.
const IN_FLIGHT: usize = 16;
/// Bytes per second on the link a receiver is killed on mid-stream.
const SLOW_LINK: u64 = 128 * 1024;
/// How often a condition nothing signals is looked at.
const POLL: Duration = Duration::from_millis(20);

fn xaa() -> OrgSpec {
    OrgSpec {
        id: "xaa",
        kind: "member_state",
        groups: &["ecowas", "au"],
        sharing: Some("xaa"),
        subscribe: &[],
    }
}

fn ecowas() -> OrgSpec {
    OrgSpec {
        id: "ecowas",
        kind: "regional_body",
        groups: &["au", "ecowas"],
        sharing: Some("ecowas"),
        subscribe: &["xaa"],
    }
}

fn au() -> OrgSpec {
    OrgSpec {
        id: "au",
        kind: "regional_body",
        groups: &["au"],
        sharing: None,
        subscribe: &["ecowas"],
    }
}

/// `count` assessments of XAA at `tlp`, each with its own narrative.
fn assessments(count: usize, tlp: pb::Tlp) -> Vec<pb::AssessmentContent> {
    (0..count)
        .map(|i| {
            content::with(|c| {
                c.narrative = format!("statement {i} of the backlog");
                c.tlp = tlp as i32;
            })
        })
        .collect()
}

/// The origin's outbox entries meant for `peer`, in outbox order.
fn outbox_for(store: &Store, peer: &str) -> Vec<(u64, OutboxEntry)> {
    let all = store.outbox_after(0, usize::MAX).unwrap();
    all.into_iter()
        .filter(|(_, e)| e.recipients.contains(peer))
        .collect()
}

/// Waits until `bytes` have gone from the peer to the subscriber through
/// `proxy` (counted across connections). Nothing signals bytes moving, so
/// this looks every `POLL`; fails after `CATCH_UP`.
async fn through(proxy: &FaultProxy, bytes: u64) {
    let deadline = Instant::now() + CATCH_UP;
    while proxy.stats().bytes_down < bytes {
        assert!(
            Instant::now() < deadline,
            "{bytes} bytes did not go through within {CATCH_UP:?}: {:?}",
            proxy.stats()
        );
        tokio::time::sleep(POLL).await;
    }
}

fn cursor_seq(store: &Store, peer: &str) -> Option<Cursor> {
    store.cursor(peer).unwrap().map(|bytes| {
        Cursor::decode(&bytes)
            .unwrap()
            .expect("a stored cursor is never empty")
    })
}

#[tokio::test]
async fn a_peer_that_was_down_gets_a_backlog_of_1000_once_and_in_order() {
    tokio::time::timeout(TEST_LIMIT, peer_down_backlog())
        .await
        .unwrap();
}

async fn peer_down_backlog() {
    let files = FederationFiles::create(&[xaa(), ecowas()]).unwrap();
    let mut federation = Federation::start(files, &["xaa", "ecowas"]).await.unwrap();
    // The link works before the peer goes down.
    publish_all(federation.node("xaa").unwrap(), assessments(1, pb::Tlp::Amber), 1)
        .await
        .unwrap();
    federation
        .wait_for_inbox("ecowas", CATCH_UP, |i| i.len() == 1)
        .await
        .unwrap();
    federation.stop("ecowas").await.unwrap();

    let started = Instant::now();
    let backlog = assessments(1000, pb::Tlp::Amber);
    publish_all(federation.node("xaa").unwrap(), backlog, IN_FLIGHT)
        .await
        .unwrap();
    eprintln!("published 1000 assessments in {:?}", started.elapsed());

    let started = Instant::now();
    federation.start_node("ecowas").await.unwrap();
    let running = federation.running("ecowas").unwrap();
    let mut stored = running.inbox_changes().unwrap();
    let inbox = federation
        .wait_for_inbox("ecowas", CATCH_UP, |i| i.len() >= 1001)
        .await
        .unwrap();
    tokio::time::timeout(CATCH_UP, stored.wait_for(|n| *n >= 1000))
        .await
        .unwrap()
        .unwrap();
    eprintln!("the backlog arrived in {:?}", started.elapsed());

    let origin = federation.running("xaa").unwrap().store();
    let sent = outbox_for(origin, "ecowas");
    assert_eq!(sent.len(), 1001, "xaa made one view per assessment for ecowas");
    // Exactly the statements sent, each once.
    assert_eq!(inbox.len(), 1001);
    let received: BTreeMap<&str, &InboxEntry> = inbox.iter().map(|e| (e.statement_id.as_str(), e)).collect();
    let sent_ids: BTreeSet<&str> = sent.iter().map(|(_, e)| e.statement_id.as_str()).collect();
    assert_eq!(received.keys().copied().collect::<BTreeSet<_>>(), sent_ids);
    assert_eq!(
        *stored.borrow(),
        1000,
        "the restarted node stored a statement more than once"
    );
    let store = running.store();
    assert!(store.refusals().unwrap().is_empty(), "{:?}", store.refusals());
    assert!(store.quarantine().unwrap().is_empty(), "{:?}", store.quarantine());
    // In origin order: arrival times follow the origin's outbox.
    for pair in sent.windows(2) {
        let (a, b) = (&pair[0].1.statement_id, &pair[1].1.statement_id);
        assert!(
            received[a.as_str()].received_at <= received[b.as_str()].received_at,
            "`{b}` (seq {}) arrived before `{a}` (seq {})",
            pair[1].0,
            pair[0].0
        );
    }
    // The cursor covers the origin's head.
    let cursor = cursor_seq(store, "xaa").unwrap();
    assert_eq!(cursor.seq, origin.outbox_head().unwrap());
}

#[tokio::test]
async fn a_relay_that_was_down_passes_on_a_statement_and_its_retraction_together() {
    tokio::time::timeout(TEST_LIMIT, relay_down_retraction())
        .await
        .unwrap();
}

/// XAA publishes a GREEN assessment and withdraws it while ECOWAS, the relay
/// to the AU, is down: ECOWAS then gets the view and its retraction
/// together (one batch, or two written back to back), and the retraction
/// must follow the view to the AU all the same.
async fn relay_down_retraction() {
    let files = FederationFiles::create(&[xaa(), ecowas(), au()]).unwrap();
    let mut federation = Federation::start(files, &["xaa", "ecowas", "au"]).await.unwrap();
    federation.stop("ecowas").await.unwrap();
    let xaa = federation.node("xaa").unwrap();
    let ids = publish_all(xaa, assessments(1, pb::Tlp::Green), 1).await.unwrap();
    // Projected (every view of a version is one write) before it is withdrawn.
    federation.wait_for_outbox("xaa", 1, CATCH_UP).await.unwrap();
    let token = dev_token(xaa.dev_issuer().unwrap(), "rev", "reviewer")
        .await
        .unwrap();
    let mut reviewer = xaa.client(&token).await.unwrap();
    reviewer
        .withdraw_assessment(pb::WithdrawAssessmentRequest {
            id: ids[0].clone(),
            version: 1,
            reason: "the field report was recanted".into(),
        })
        .await
        .unwrap();

    federation.start_node("ecowas").await.unwrap();
    let retraction = format!("xaa:{}:v1:retraction", ids[0]);
    let inbox = federation
        .wait_for_inbox("au", CATCH_UP, |i| i.iter().any(|e| e.statement_id == retraction))
        .await
        .unwrap();
    let views: Vec<&InboxEntry> = inbox
        .iter()
        .filter(|e| e.statement_id.contains(&ids[0]) && e.statement_id != retraction)
        .collect();
    assert_eq!(views.len(), 1, "the AU holds one view: {views:?}");
    let store = federation.running("au").unwrap().store();
    assert_eq!(
        store.retracted_by("xaa", &views[0].statement_id).unwrap(),
        Some(retraction.clone()),
        "the AU did not mark the view withdrawn"
    );
    for entry in [
        views[0],
        inbox.iter().find(|e| e.statement_id == retraction).unwrap(),
    ] {
        assert_eq!((entry.received_from.as_str(), entry.relays.len()), ("ecowas", 1));
    }
}

/// What a killed receiver's store holds, checked against the origin's
/// outbox: everything up to its cursor and nothing after it (statement and
/// cursor are one write), each relay queued exactly once with the statement.
/// Returns how many statements it held.
fn check_crash_point(data_dir: &Path, origin: &[(u64, OutboxEntry)], round: usize) -> usize {
    let store = Store::open(&data_dir.join("store")).unwrap();
    let inbox: BTreeSet<String> = store
        .inbox()
        .unwrap()
        .into_iter()
        .map(|e| e.statement_id)
        .collect();
    let covered = cursor_seq(&store, "xaa").map_or(0, |c| c.seq);
    for (seq, entry) in origin {
        let held = inbox.contains(&entry.statement_id);
        assert_eq!(
            held,
            *seq <= covered,
            "round {round}: statement `{}` (seq {seq}) held: {held}, cursor at {covered}",
            entry.statement_id
        );
    }
    let relayed: Vec<String> = store
        .outbox_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.statement_id)
        .collect();
    let unique: BTreeSet<&String> = relayed.iter().collect();
    assert_eq!(
        unique.len(),
        relayed.len(),
        "round {round}: a statement was relayed twice"
    );
    let for_au: BTreeSet<&String> = origin
        .iter()
        .filter(|(seq, e)| *seq <= covered && e.recipients.contains("au"))
        .map(|(_, e)| &e.statement_id)
        .collect();
    assert_eq!(
        unique, for_au,
        "round {round}: relays differ from what was received for the AU"
    );
    assert!(
        store.refusals().unwrap().is_empty(),
        "round {round}: {:?}",
        store.refusals()
    );
    assert!(
        store.quarantine().unwrap().is_empty(),
        "round {round}: {:?}",
        store.quarantine()
    );
    inbox.len()
}

#[tokio::test]
async fn a_receiver_killed_mid_stream_ends_with_everything_once() {
    tokio::time::timeout(TEST_LIMIT, sigkill_mid_stream())
        .await
        .unwrap();
}

async fn sigkill_mid_stream() {
    const ASSESSMENTS: usize = 400;
    let mut files = FederationFiles::create(&[xaa(), ecowas(), au()]).unwrap();
    // A slow link from XAA to ECOWAS. Each round lets a quarter of what
    // ECOWAS is owed through, stalls the link, waits for ECOWAS to have
    // stored something new (the AU gets it relayed) and kills it there:
    // mid-stream however fast or slow the nodes are.
    let xaa_port = SocketAddr::from(([127, 0, 0, 1], files.org("xaa").unwrap().port));
    let slow = FaultProxy::start("ecowas->xaa", xaa_port).await.unwrap();
    slow.throttle(SLOW_LINK);
    files.route_through("ecowas", "xaa", slow.port()).unwrap();
    let mut federation = Federation::start(files, &["xaa"]).await.unwrap();
    publish_all(
        federation.node("xaa").unwrap(),
        assessments(ASSESSMENTS, pb::Tlp::Green),
        IN_FLIGHT,
    )
    .await
    .unwrap();
    // ECOWAS (a child process) receives two views of each, and relays the
    // bare one to the AU (in this process), whose inbox shows its progress.
    let data = tempfile::tempdir().unwrap();
    let mut ecowas = spawn(NODE, &federation.files, "ecowas", data.path())
        .await
        .unwrap();
    federation.start_node("au").await.unwrap();
    let owed: usize = outbox_for(federation.running("xaa").unwrap().store(), "ecowas")
        .iter()
        .map(|(_, e)| e.envelope.len())
        .sum();
    let mut relayed = 0;
    for round in 0..2 {
        through(&slow, slow.stats().bytes_down + (owed / 4) as u64).await;
        slow.stall(true);
        relayed = federation
            .wait_for_inbox("au", CATCH_UP, |i| i.len() > relayed)
            .await
            .unwrap()
            .len();
        ecowas.kill().await.unwrap();
        slow.stall(false);
        let origin = outbox_for(federation.running("xaa").unwrap().store(), "ecowas");
        let held = check_crash_point(data.path(), &origin, round);
        assert!(
            held > 0 && held < 2 * ASSESSMENTS,
            "round {round}: killed with {held} statements received: not mid-stream"
        );
        eprintln!(
            "round {round}: killed with {held} of {} received",
            2 * ASSESSMENTS
        );
        ecowas = spawn(NODE, &federation.files, "ecowas", data.path())
            .await
            .unwrap();
    }
    let started = Instant::now();
    let au_inbox = federation
        .wait_for_inbox("au", CATCH_UP, |i| i.len() >= ASSESSMENTS)
        .await
        .unwrap();
    eprintln!("converged {:?} after the last restart", started.elapsed());
    ecowas.kill().await.unwrap();

    let origin_store = federation.running("xaa").unwrap().store();
    let origin = outbox_for(origin_store, "ecowas");
    assert_eq!(origin.len(), 2 * ASSESSMENTS);
    assert_eq!(check_crash_point(data.path(), &origin, 2), 2 * ASSESSMENTS);
    let store = Store::open(&data.path().join("store")).unwrap();
    let cursor = cursor_seq(&store, "xaa").unwrap();
    assert_eq!(
        cursor.seq,
        origin_store.outbox_head().unwrap(),
        "the cursor does not cover xaa's head"
    );
    // The AU got each bare view once, relayed by ECOWAS.
    assert_eq!(au_inbox.len(), ASSESSMENTS);
    for entry in &au_inbox {
        assert_eq!((entry.received_from.as_str(), entry.relays.len()), ("ecowas", 1));
    }
    let au_store = federation.running("au").unwrap().store();
    assert!(
        au_store.refusals().unwrap().is_empty(),
        "{:?}",
        au_store.refusals()
    );
    assert!(
        au_store.quarantine().unwrap().is_empty(),
        "{:?}",
        au_store.quarantine()
    );
}
