//! A subscriber whose connection stalls (its proxy stops moving bytes after
//! the TLS session is up, as a peer that never reads) holds up no other
//! subscriber, and the origin's memory stays bounded while thousands of
//! statements queue for it; once the stall ends it gets them all, once.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tocsin_client::connect::NodeClient;
use tocsin_proto::v1 as pb;
use tocsin_server::store::Store;
use tocsin_tests::content;
use tocsin_tests::fault_proxy::FaultProxy;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::{Federation, spawn};
use tocsin_tests::process::NodeProcess;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{assert_clean, differences, resident_kib};

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");
/// Statements published while one subscriber stalls.
const BACKLOG: usize = 1000;
const IN_FLIGHT: usize = 16;
/// How much the origin's resident memory may grow meanwhile.
const GROWTH_LIMIT_KIB: u64 = 64 * 1024;
const CATCH_UP: Duration = Duration::from_secs(150);
const TEST_LIMIT: Duration = Duration::from_secs(175);

fn specs() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &[],
        },
        OrgSpec {
            id: "un-hq",
            kind: "un_office",
            groups: &["un-system"],
            sharing: None,
            subscribe: &["ecowas"],
        },
        OrgSpec {
            id: "au",
            kind: "regional_body",
            groups: &["au"],
            sharing: None,
            subscribe: &["ecowas"],
        },
    ]
}

/// The process id of this process's child node on `data_dir`.
fn child_pid(data_dir: &Path) -> u32 {
    let wanted = format!("TOCSIN_NODE_DATA_DIR={}", data_dir.display());
    let tasks = std::fs::read_dir("/proc/self/task").unwrap();
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
        .flat_map(|c| {
            c.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok())
                .collect::<Vec<_>>()
        })
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted.as_bytes()))
        })
        .expect("the node's process among this process's children")
}

/// Publishes `count` assessments at `node`, `IN_FLIGHT` at a time.
async fn publish(node: &NodeProcess, first: usize, count: usize) {
    let analyst = node
        .client(&node.token("ada", &["analyst"]).await.unwrap())
        .await
        .unwrap();
    let reviewer = node
        .client(&node.token("rev", &["reviewer"]).await.unwrap())
        .await
        .unwrap();
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for i in first..first + count {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let (analyst, reviewer) = (analyst.clone(), reviewer.clone());
        tasks.spawn(async move {
            publish_one(analyst, reviewer, i).await;
            drop(permit);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

async fn publish_one(mut analyst: NodeClient, mut reviewer: NodeClient, i: usize) {
    let content = content::with(|c| c.narrative = format!("statement {i} queued behind a stall"));
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(content),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest { id, version: 1 })
        .await
        .unwrap();
}

/// Statements from ECOWAS in `org`'s inbox.
fn from_ecowas(federation: &Federation, org: &str) -> usize {
    let inbox = federation.running(org).unwrap().store().inbox().unwrap();
    inbox.iter().filter(|e| e.origin == "ecowas").count()
}

#[tokio::test]
async fn a_stalled_subscriber_blocks_no_other_and_the_origin_stays_bounded() {
    tokio::time::timeout(TEST_LIMIT, stalled_subscriber())
        .await
        .unwrap();
}

async fn stalled_subscriber() {
    let specs = specs();
    let mut files = FederationFiles::create(&specs).unwrap();
    let ecowas_at = SocketAddr::from(([127, 0, 0, 1], files.org("ecowas").unwrap().port));
    let stalled = FaultProxy::start("un-hq->ecowas", ecowas_at).await.unwrap();
    let open = FaultProxy::start("au->ecowas", ecowas_at).await.unwrap();
    files.route_through("un-hq", "ecowas", stalled.port()).unwrap();
    files.route_through("au", "ecowas", open.port()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let origin = spawn(NODE, &files, "ecowas", data.path()).await.unwrap();
    let pid = child_pid(data.path());
    let federation = Federation::start(files, &["un-hq", "au"]).await.unwrap();

    // Both links carry a first statement; then UN HQ's stops moving bytes.
    publish(&origin, 0, 1).await;
    for org in ["un-hq", "au"] {
        federation
            .wait_for_inbox(org, CATCH_UP, |i| !i.is_empty())
            .await
            .unwrap();
    }
    stalled.stall(true);
    let before = resident_kib(pid);
    let started = Instant::now();
    publish(&origin, 1, BACKLOG).await;
    let published = started.elapsed();
    let after_publishing = resident_kib(pid);
    federation
        .wait_for_inbox("au", CATCH_UP, |i| i.len() > BACKLOG)
        .await
        .unwrap();
    let au_done = started.elapsed();
    let after = resident_kib(pid);
    let peak = before.max(after_publishing).max(after);
    println!(
        "published {BACKLOG} in {published:?}; the AU had them all after {au_done:?}; \
         ECOWAS resident {before} KiB before, {after_publishing} KiB after publishing, {after} KiB at the end"
    );
    println!("while stalled: {:?} / {:?}", stalled.stats(), open.stats());
    assert_eq!(
        from_ecowas(&federation, "un-hq"),
        1,
        "UN HQ's link was not stalled"
    );
    assert!(
        peak - before < GROWTH_LIMIT_KIB,
        "ECOWAS grew by {} KiB while a subscriber stalled",
        peak - before
    );

    // The stall ends: UN HQ catches up.
    let healed = Instant::now();
    stalled.heal();
    federation
        .wait_for_inbox("un-hq", CATCH_UP, |i| i.len() > BACKLOG)
        .await
        .unwrap();
    println!(
        "UN HQ caught up {:?} after the stall ended: {:?}",
        healed.elapsed(),
        stalled.stats()
    );

    // Exactly what ECOWAS's outbox meant for each, each stored once.
    origin.terminate().await.unwrap();
    let ecowas = Store::open(&data.path().join("store")).unwrap();
    for org in ["un-hq", "au"] {
        let running = federation.running(org).unwrap();
        let inbox = running.store().inbox().unwrap();
        let found = differences(org, &inbox, &[&ecowas]);
        assert!(found.is_empty(), "{found:#?}");
        assert_eq!(*running.inbox_changes().unwrap().borrow(), inbox.len() as u64);
        assert_clean(org, running.store());
    }
}
