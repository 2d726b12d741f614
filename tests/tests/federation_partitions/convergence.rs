//! The four-node chain under a seeded fault schedule on every link: while
//! assessments are published at every node and XAA's warnings are issued,
//! acknowledged and escalated, connections are dropped, stalled, delayed,
//! cut and reordered; once the faults stop, everything converges exactly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tocsin_proto::v1 as pb;
use tocsin_server::node::RunningNode;
use tocsin_server::store::{InboxEntry, Store};
use tocsin_tests::content;
use tocsin_tests::federation::chain;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::{Federation, publish_all};
use tocsin_tests::node::TestNode;
use tocsin_tests::warnings::{client, detail, name, publish};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::{assert_clean, assert_origin_order, differences, lagging, proxy_every_link, schedule};

const ORGS: [&str; 4] = ["xaa", "ecowas", "au", "un-hq"];
/// Assessments each node publishes while the faults go on.
const ASSESSMENTS: usize = 40;
/// Longest the federation may take to converge once the faults stop.
const SETTLE: Duration = Duration::from_secs(120);
const TEST_LIMIT: Duration = Duration::from_secs(170);

fn assessment(org: &str, i: usize) -> pb::AssessmentContent {
    content::with(|c| {
        c.tlp = pb::Tlp::Green as i32;
        c.narrative = format!("assessment {i} of {org}");
        if i.is_multiple_of(2) {
            c.overall_risk = pb::OverallRisk::VeryHigh as i32;
        }
    })
}

fn warning_to(assessment: &str, level: &str, urgency: &str, to: &[(&str, &str)]) -> pb::WarningContent {
    pb::WarningContent {
        situation: content::valid().situation,
        assessment_id: assessment.to_owned(),
        assessment_version: 1,
        level: level.into(),
        urgency: urgency.into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: format!("{level} for Northern XAA"),
        description: "Militia checkpoints and lists of names reported.".into(),
        addressees: to
            .iter()
            .map(|(organisation, role)| pb::WarningAddressee {
                organisation: (*organisation).into(),
                role: (*role).into(),
            })
            .collect(),
        expires: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() + 86_400,
            nanos: 0,
        }),
        tlp: pb::Tlp::Green as i32,
        ..Default::default()
    }
}

/// Raises `content` at `node` and issues it; returns its id.
async fn issue(node: &TestNode, content: pb::WarningContent) -> String {
    let mut analyst = client(node, "ada", "analyst").await.unwrap();
    let mut reviewer = client(node, "rev", "reviewer").await.unwrap();
    let draft = analyst
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(content),
        })
        .await
        .unwrap()
        .into_inner();
    let issued = reviewer
        .issue_warning(pb::IssueWarningRequest { id: draft.id })
        .await
        .unwrap()
        .into_inner();
    issued.id
}

/// Waits, on `node`'s warning events, until warning `sender`/`id` there
/// satisfies `done`; fails after `within` with the last state read.
async fn wait_warning(
    node: &TestNode,
    sender: &str,
    id: &str,
    within: Duration,
    done: impl Fn(&pb::WarningDetail) -> bool,
) -> pb::WarningDetail {
    let mut reader = client(node, "obs", "auditor").await.unwrap();
    let mut feed = reader
        .watch_warnings(pb::WatchWarningsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut last = None;
    let wait = async {
        loop {
            match detail(&mut reader, sender, id).await {
                Ok(found) if done(&found) => return found,
                Ok(found) => last = Some(found),
                Err(_) => {}
            }
            feed.message().await.unwrap().expect("the warning feed ended");
        }
    };
    match tokio::time::timeout(within, wait).await {
        Ok(found) => found,
        Err(_) => panic!(
            "warning `{sender}/{id}` at `{}` not as expected within {within:?}; last seen {last:?}",
            node.organisation
        ),
    }
}

/// How many timeline entries of `event` name each organisation.
fn count(detail: &pb::WarningDetail, event: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in detail.timeline.iter().filter(|e| e.event == event) {
        *counts.entry(entry.organisation.clone()).or_default() += 1;
    }
    counts
}

fn once_each(orgs: &[&str]) -> BTreeMap<String, usize> {
    orgs.iter().map(|o| ((*o).to_owned(), 1)).collect()
}

/// XAA's warnings: a warning to ECOWAS and UN HQ, both acknowledging it,
/// and an emergency to ECOWAS that nobody acknowledges, escalated to the
/// AU and UN HQ. Returns their ids.
async fn warnings(federation: &Federation) -> (String, String) {
    let node = |org| federation.node(org).unwrap();
    let xaa = node("xaa");
    let mut base = assessment("xaa", 0);
    base.narrative = "the warnings rest on this one".into();
    let assessment = publish(xaa, base).await.unwrap();
    let addressees = [("ecowas", "focal_point"), ("un-hq", "decision_maker")];
    let warned = issue(xaa, warning_to(&assessment, "warning", "expected", &addressees)).await;
    let emergency = issue(
        xaa,
        warning_to(
            &assessment,
            "emergency",
            "immediate",
            &[("ecowas", "focal_point")],
        ),
    )
    .await;
    for (org, role) in addressees {
        wait_warning(node(org), "xaa", &warned, SETTLE, |_| true).await;
        let mut answering = client(node(org), "fp", role).await.unwrap();
        answering
            .acknowledge_warning(pb::AcknowledgeWarningRequest {
                warning: name("xaa", &warned),
                kind: "received".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    (warned, emergency)
}

/// Waits until every node holds exactly what it may see and its cursors
/// cover everything meant for it, re-checking on each statement stored
/// anywhere; fails after `SETTLE` with the differences.
async fn converge(federation: &Federation) {
    let stored = Arc::new(Notify::new());
    let mut watchers = JoinSet::new();
    for org in ORGS {
        let mut changes = federation.running(org).unwrap().inbox_changes().unwrap();
        let stored = Arc::clone(&stored);
        watchers.spawn(async move {
            while changes.changed().await.is_ok() {
                stored.notify_one();
            }
        });
    }
    let deadline = Instant::now() + SETTLE;
    loop {
        let mut found = Vec::new();
        for (org, spec) in ORGS.iter().zip(chain()) {
            let inbox = federation.running(org).unwrap().store().inbox().unwrap();
            let peers: Vec<&Store> = spec
                .subscribe
                .iter()
                .map(|p| federation.running(p).unwrap().store())
                .collect();
            found.extend(differences(org, &inbox, &peers));
            let store = federation.running(org).unwrap().store();
            for (peer, peer_store) in spec.subscribe.iter().zip(&peers) {
                found.extend(lagging(org, store, peer, peer_store));
            }
        }
        if found.is_empty() {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, stored.notified()).await.is_err() {
            panic!("no convergence within {SETTLE:?}: {found:#?}");
        }
    }
}

#[tokio::test]
async fn the_chain_converges_exactly_once_and_in_order_under_link_faults() {
    tokio::time::timeout(TEST_LIMIT, chain_under_faults())
        .await
        .unwrap();
}

async fn chain_under_faults() {
    let seed = schedule::seed();
    println!("fault seed {seed} (replay with TOCSIN_FAULT_SEED={seed})");
    let specs = chain();
    let mut files = FederationFiles::create(&specs).unwrap();
    files
        .set("xaa", "TOCSIN_WARNINGS_ACKNOWLEDGE_IMMEDIATE", "2s")
        .unwrap();
    files
        .set("xaa", "TOCSIN_WARNINGS_ESCALATION_CHAIN", "xaa,ecowas,au,un-hq")
        .unwrap();
    let proxies = proxy_every_link(&mut files, &specs).await;
    let federation = Federation::start(files, &ORGS).await.unwrap();

    let started = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let faults = schedule::run(&proxies, seed, stopped);
    let work = async {
        let publishing = ORGS.map(|org| {
            let contents = (1..=ASSESSMENTS).map(|i| assessment(org, i)).collect();
            publish_all(federation.node(org).unwrap(), contents, 4)
        });
        let (published, ids) = tokio::join!(futures_all(publishing), warnings(&federation));
        stop.send_replace(true);
        (published, ids)
    };
    let (log, (published, (warned, emergency))) = tokio::join!(faults, work);
    let faulty = started.elapsed();
    for line in &log {
        println!("{line}");
    }
    for proxy in &proxies {
        println!("{}: {:?}", proxy.name(), proxy.stats());
    }
    let injected: u64 = proxies
        .iter()
        .map(|p| {
            let s = p.stats();
            s.cut + s.dropped + s.held
        })
        .sum();
    assert!(injected > 0, "the schedule cut, dropped or held no connection");
    assert_eq!(published, ORGS.len() * ASSESSMENTS);

    // Once the faults stop: the warnings reach their final state at XAA...
    let settling = Instant::now();
    let xaa = federation.node("xaa").unwrap();
    let acknowledged = |d: &pb::WarningDetail| count(d, "acknowledged").len() == 2;
    let warned = wait_warning(xaa, "", &warned, SETTLE, acknowledged).await;
    let escalated = |d: &pb::WarningDetail| {
        count(d, "escalated").values().sum::<usize>() >= 2 && count(d, "delivered").len() == 3
    };
    let emergency = wait_warning(xaa, "", &emergency, SETTLE, escalated).await;
    // ... and every inbox holds exactly what it may see.
    converge(&federation).await;
    println!(
        "{} faults in {faulty:?}; converged {:?} after they stopped",
        log.len(),
        settling.elapsed()
    );

    let stores: BTreeMap<&str, &Store> = ORGS
        .iter()
        .map(|org| (*org, federation.running(org).unwrap().store()))
        .collect();
    for org in ORGS {
        let running = federation.running(org).unwrap();
        let (applied, inbox) = settled_count(org, running).await;
        println!("{org}: {} statements received, {applied} stored", inbox.len());
        assert_eq!(
            applied,
            inbox.len() as u64,
            "`{org}` stored a statement more than once"
        );
        let others: BTreeMap<&str, &Store> = stores
            .iter()
            .filter(|(o, _)| **o != org)
            .map(|(o, s)| (*o, *s))
            .collect();
        assert_origin_order(org, &inbox, &others);
        assert_clean(org, running.store());
    }
    // Each delivery, acknowledgement and escalation once.
    assert_eq!(count(&warned, "delivered"), once_each(&["ecowas", "un-hq"]));
    assert_eq!(count(&warned, "acknowledged"), once_each(&["ecowas", "un-hq"]));
    assert_eq!(
        count(&emergency, "delivered"),
        once_each(&["au", "ecowas", "un-hq"])
    );
    let steps: Vec<&str> = emergency
        .timeline
        .iter()
        .filter(|e| e.event == "escalated")
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(steps[0].starts_with("escalated from ecowas to au"), "{steps:?}");
    assert!(steps[1].starts_with("escalated from au to un-hq"), "{steps:?}");
}

/// What `org` counted as stored and its inbox, read when no write stands
/// between storing a statement and counting it (a late response may still
/// be arriving): a statement stored twice counts more than the inbox holds.
async fn settled_count(org: &str, running: &RunningNode) -> (u64, Vec<InboxEntry>) {
    let mut changes = running.inbox_changes().unwrap();
    let deadline = Instant::now() + SETTLE;
    loop {
        let before = *changes.borrow_and_update();
        let inbox = running.store().inbox().unwrap();
        let after = *changes.borrow();
        if before == after && after >= inbox.len() as u64 {
            return (after, inbox);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, changes.changed()).await.is_err() {
            panic!(
                "`{org}` holds {} statements but counted {after} stored",
                inbox.len()
            );
        }
    }
}

/// Runs every publishing at once; returns how many assessments were published.
async fn futures_all<F>(all: [F; 4]) -> usize
where
    F: std::future::Future<Output = anyhow::Result<Vec<String>>>,
{
    let [a, b, c, d] = all;
    let (a, b, c, d) = tokio::join!(a, b, c, d);
    [a, b, c, d].into_iter().map(|ids| ids.unwrap().len()).sum()
}
