//! The federated situation picture through a real store at UN headquarters
//! holding signed summaries from XAA and ECOWAS, retractions included.

use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use super::tests::{reference, shared};
use super::*;
use crate::federation::directory::Directory;
use crate::federation::envelope::open_bytes;
use crate::federation::envelope::seal;
use crate::federation::inbound::{Received, receive_batch};
use crate::federation::received::{
    ReceivedSummary, inbox_summaries, read_inbox_summaries, received_history, received_in_situation,
    received_summaries, summaries_of_situation, warm,
};
use crate::model::assessment::OverallRisk;
use crate::model::caller::Role;
use crate::model::marking::Tlp;
use crate::model::signing::NodeKey;
use crate::model::statement::{Audience, Retraction, Statement, StatementBody};
use crate::policy::AccessPolicy;
use crate::policy::sharing::SharingPolicy;
use crate::store::{Applied, Store};
use prost::Message;
use tocsin_proto::v1 as pb;

fn key(org: &str) -> NodeKey {
    let seed = if org == "xaa" { 1 } else { 2 };
    NodeKey::from_seed(&[seed; 32])
        .with_key_id(&format!("{org}-1"))
        .unwrap()
}

fn directory() -> Directory {
    let mut text = "ca_cert = \"ca.crt\"\n".to_owned();
    for (id, kind) in [
        ("xaa", "member_state"),
        ("ecowas", "regional_body"),
        ("un-hq", "un_office"),
    ] {
        text += &format!(
            "[[organisation]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"{kind}\"\n\
             endpoint = \"https://{id}.example:7501\"\n"
        );
        if id != "un-hq" {
            text += &format!(
                "[[organisation.key]]\nid = \"{id}-1\"\npublic_key = \"{}\"\n\
                 not_before = 2020-01-01T00:00:00Z\n",
                key(id).public_key_base64()
            );
        }
    }
    Directory::from_toml(&text, "directory.toml").unwrap()
}

struct Node {
    state: FederationState,
    assessments: Assessments,
    _dir: tempfile::TempDir,
}

fn un_hq() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let reference = Arc::new(reference());
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/sharing/un-hq");
    let state = FederationState::new(
        "un-hq".into(),
        store.clone(),
        Arc::new(directory()),
        Arc::new(key("un-hq")),
        SharingPolicy::load(&policies).unwrap(),
        reference.clone(),
        1,
        3,
        1 << 20,
    );
    let policy = Arc::new(AccessPolicy::embedded().unwrap());
    Node {
        state,
        assessments: Assessments::new(store, reference, policy, "un-hq"),
        _dir: dir,
    }
}

impl Node {
    /// Delivers `body` as statement `id` of `origin`, straight from it,
    /// through the checks and the write every delivery goes through.
    async fn receive(&self, origin: &str, id: &str, body: StatementBody) {
        let statement = Statement {
            id: id.into(),
            origin: origin.into(),
            issued_at: Utc::now(),
            audience: Audience {
                recipients: BTreeSet::from(["un-hq".to_owned()]),
                hop_limit: 2,
            },
            tlp: Tlp::Green,
            body,
        };
        let delivery = pb::Delivery {
            envelope: Some(seal(&statement, &key(origin))),
            relays: Vec::new(),
            cursor: id.as_bytes().to_vec(),
        };
        let received = receive_batch(&self.state, origin, vec![delivery]).await.unwrap();
        assert_eq!(received, [Received::Applied(Applied::Stored)], "{id}");
    }

    /// How many times the views read the whole inbox.
    fn inbox_reads(&self) -> usize {
        self.state
            .received_cache
            .reads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn listed(&self, caller: &Caller) -> Vec<(String, Vec<(String, u32)>)> {
        situations(&self.assessments, Some(&self.state), caller, None, None)
            .unwrap()
            .into_iter()
            .map(|s| {
                let shared = s
                    .shared
                    .iter()
                    .map(|r| (r.origin.clone(), r.summary.version))
                    .collect();
                (s.situation.id, shared)
            })
            .collect()
    }
}

fn focal_point() -> Caller {
    Caller {
        subject: "fp".into(),
        name: String::new(),
        issuer: "https://idp.example".into(),
        organisation: "un-hq".into(),
        roles: BTreeSet::from([Role::FocalPoint]),
    }
}

fn summary(origin: &str, assessment: &str, version: u32, risk: OverallRisk) -> StatementBody {
    StatementBody::AssessmentSummary(shared(
        origin,
        assessment,
        version,
        (&["XAA"], &[]),
        risk,
        version,
    ))
}

fn retraction(ids: &[&str]) -> StatementBody {
    StatementBody::Retraction(Retraction {
        statement_ids: ids.iter().map(|i| (*i).to_owned()).collect(),
        reason: "withdrawn".into(),
    })
}

#[tokio::test]
async fn received_summaries_join_the_situations_until_retracted() {
    let node = un_hq();
    let fp = focal_point();
    node.receive(
        "xaa",
        "xaa:x1:v1:share",
        summary("xaa", "x1", 1, OverallRisk::High),
    )
    .await;
    node.receive(
        "ecowas",
        "ecowas:e1:v1:share",
        summary("ecowas", "e1", 1, OverallRisk::VeryHigh),
    )
    .await;
    let both = vec![("ecowas".to_owned(), 1), ("xaa".to_owned(), 1)];
    assert!(!node.state.received_cache.is_held());
    assert_eq!(node.listed(&fp), [("XAA".to_owned(), both.clone())]);
    // Read once, kept and brought forward by each arrival (each change
    // below is seen).
    assert!(node.state.received_cache.is_held());
    let one = situation(&node.assessments, Some(&node.state), &fp, "XAA").unwrap();
    assert_eq!(one.shared[1].path, ["xaa", "un-hq"]);
    assert!(one.situation.latest_published.is_none());

    // XAA withdraws: its summary goes, ECOWAS's stays.
    node.receive("xaa", "xaa:x1:v1:retraction", retraction(&["xaa:x1:v1:share"]))
        .await;
    assert_eq!(
        node.listed(&fp),
        [("XAA".to_owned(), vec![("ecowas".to_owned(), 1)])]
    );

    // A withdrawn latest version hides the assessment: the version it
    // superseded does not come back.
    node.receive(
        "ecowas",
        "ecowas:e1:v2:share",
        summary("ecowas", "e1", 2, OverallRisk::Low),
    )
    .await;
    assert_eq!(
        node.listed(&fp),
        [("XAA".to_owned(), vec![("ecowas".to_owned(), 2)])]
    );
    node.receive(
        "ecowas",
        "ecowas:e1:v2:retraction",
        retraction(&["ecowas:e1:v2:share"]),
    )
    .await;
    assert!(node.listed(&fp).is_empty());
    let err = situation(&node.assessments, Some(&node.state), &fp, "XAA").unwrap_err();
    assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");
    // Each arrival brought the copy forward: the inbox was read once.
    assert_eq!(node.inbox_reads(), 1);
    assert!(node.state.received_cache.is_held());
}

#[tokio::test]
async fn a_copy_brought_forward_is_what_reading_the_inbox_gives() {
    let node = un_hq();
    let fp = focal_point();
    node.receive(
        "xaa",
        "xaa:x1:v1:share",
        summary("xaa", "x1", 1, OverallRisk::High),
    )
    .await;
    assert_eq!(node.listed(&fp).len(), 1);
    let arrivals = [
        (
            "xaa",
            "xaa:x1:v2:share",
            summary("xaa", "x1", 2, OverallRisk::VeryHigh),
        ),
        (
            "ecowas",
            "ecowas:e1:v1:share",
            summary("ecowas", "e1", 1, OverallRisk::Low),
        ),
        // A retraction that overtook what it withdraws.
        ("xaa", "xaa:x2:v1:retraction", retraction(&["xaa:x2:v1:share"])),
        (
            "xaa",
            "xaa:x2:v1:share",
            summary("xaa", "x2", 1, OverallRisk::High),
        ),
        (
            "ecowas",
            "ecowas:e1:v1:retraction",
            retraction(&["ecowas:e1:v1:share"]),
        ),
        (
            "ecowas",
            "ecowas:e1:v2:share",
            summary("ecowas", "e1", 2, OverallRisk::Moderate),
        ),
        // XAA withdraws its latest version: the one before does not stand
        // in; then publishes a third.
        ("xaa", "xaa:x1:v2:retraction", retraction(&["xaa:x1:v2:share"])),
        (
            "xaa",
            "xaa:x1:v3:share",
            summary("xaa", "x1", 3, OverallRisk::High),
        ),
    ];
    let count = arrivals.len();
    for (origin, id, body) in arrivals {
        node.receive(origin, id, body).await;
        let held = inbox_summaries(&node.state).unwrap();
        let read = read_inbox_summaries(&node.state).unwrap();
        assert_eq!(*held, read, "after {id}");
        let of_xaa = summaries_of_situation(&node.state, "XAA").unwrap();
        let indexed: BTreeSet<String> = of_xaa.iter().map(|(r, _)| r.statement_id.clone()).collect();
        assert_eq!(indexed, summaries_in_inbox(&node), "after {id}");
        let standing = received_summaries(&node.state).unwrap();
        assert_eq!(standing, standing_among_unretracted(&of_xaa), "after {id}");
        assert!(summaries_of_situation(&node.state, "XBB").unwrap().is_empty());
    }
    // Six summaries stored, three of them retracted; read whole once per
    // comparison above and once at the start.
    let every = summaries_of_situation(&node.state, "XAA").unwrap();
    let retracted: Vec<&str> = every
        .iter()
        .filter(|(_, retracted)| *retracted)
        .map(|(r, _)| r.statement_id.as_str())
        .collect();
    assert_eq!(every.len(), 6);
    assert_eq!(
        retracted,
        ["ecowas:e1:v1:share", "xaa:x1:v2:share", "xaa:x2:v1:share"]
    );
    assert_eq!(node.inbox_reads(), 1 + count);
    assert_eq!(
        node.listed(&fp),
        [(
            "XAA".to_owned(),
            vec![("ecowas".to_owned(), 2), ("xaa".to_owned(), 3)]
        )]
    );
}

#[tokio::test]
async fn a_situations_history_reads_its_own_summaries_through_the_index() {
    let node = un_hq();
    let arrivals = [
        (
            "xaa",
            "xaa:x1:v1:share",
            summary("xaa", "x1", 1, OverallRisk::High),
        ),
        (
            "xaa",
            "xaa:x1:v2:share",
            summary("xaa", "x1", 2, OverallRisk::VeryHigh),
        ),
        (
            "ecowas",
            "ecowas:e1:v1:share",
            summary("ecowas", "e1", 1, OverallRisk::Low),
        ),
        ("xaa", "xaa:x1:v2:retraction", retraction(&["xaa:x1:v2:share"])),
    ];
    for (origin, id, body) in arrivals {
        node.receive(origin, id, body).await;
    }
    let other =
        StatementBody::AssessmentSummary(shared("xaa", "x9", 1, (&["XBB"], &[]), OverallRisk::High, 1));
    node.receive("xaa", "xaa:x9:v1:share", other).await;
    let history = |node: &Node| -> Vec<(String, String, u32)> {
        received_history(&node.state, "XAA")
            .unwrap()
            .into_iter()
            .map(|r| (r.origin, r.summary.assessment_id, r.summary.version))
            .collect()
    };
    // Every version but the retracted one; nothing of XBB; no whole read.
    let expected = [
        ("ecowas".to_owned(), "e1".to_owned(), 1),
        ("xaa".to_owned(), "x1".to_owned(), 1),
    ];
    assert_eq!(history(&node), expected);
    assert_eq!(node.inbox_reads(), 0);
    // A situation's standing summaries are those of the overview in it.
    let all = received_summaries(&node.state).unwrap();
    for situation in ["XAA", "XBB", "XCC"] {
        let in_it: Vec<_> = all
            .iter()
            .filter(|r| r.situation_id() == situation)
            .cloned()
            .collect();
        assert_eq!(
            received_in_situation(&node.state, situation).unwrap(),
            in_it,
            "{situation}"
        );
    }
    assert_eq!(received_in_situation(&node.state, "XBB").unwrap().len(), 1);
    assert_eq!(node.inbox_reads(), 1);
    // The overview's copy was read once; the history does not need it.
    node.listed(&focal_point());
    assert_eq!(node.inbox_reads(), 1);

    // A store from before the index: the first history reads the inbox
    // whole once, even with a copy at hand, completing the index, and
    // gives the same answer.
    node.state.store.forget_summary_index().unwrap();
    assert!(!node.state.store.summary_index_complete().unwrap());
    assert_eq!(history(&node), expected);
    assert!(node.state.store.summary_index_complete().unwrap());
    assert_eq!(node.inbox_reads(), 2);
    assert_eq!(history(&node), expected);
    node.listed(&focal_point());
    assert_eq!(
        node.inbox_reads(),
        2,
        "the copy read to complete the index is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_read_verifies_every_summary_and_leaves_out_one_damaged_on_disk() {
    let node = un_hq();
    let count = 300;
    let deliveries: Vec<pb::Delivery> = (0..count)
        .map(|i| {
            let statement = Statement {
                id: format!("xaa:a{i}:v1:share"),
                origin: "xaa".into(),
                issued_at: Utc::now(),
                audience: Audience {
                    recipients: BTreeSet::from(["un-hq".to_owned()]),
                    hop_limit: 2,
                },
                tlp: Tlp::Green,
                body: summary("xaa", &format!("a{i}"), 1, OverallRisk::High),
            };
            pb::Delivery {
                envelope: Some(seal(&statement, &key("xaa"))),
                relays: Vec::new(),
                cursor: vec![1],
            }
        })
        .collect();
    receive_batch(&node.state, "xaa", deliveries).await.unwrap();
    let read = read_inbox_summaries(&node.state).unwrap();
    assert_eq!(read.standing().len(), count);

    // One signature damaged on disk: that summary alone is left out, the
    // batch it was checked in notwithstanding.
    let mut damaged = node
        .state
        .store
        .inbox_entry("xaa", "xaa:a7:v1:share")
        .unwrap()
        .unwrap();
    let mut envelope = pb::Envelope::decode(damaged.envelope.as_slice()).unwrap();
    envelope.signatures[0].sig[0] ^= 1;
    damaged.envelope = envelope.encode_to_vec();
    node.state.store.overwrite_inbox_entry(&damaged).unwrap();
    let read = read_inbox_summaries(&node.state).unwrap();
    let standing = read.standing();
    assert_eq!(standing.len(), count - 1);
    assert!(standing.iter().all(|(_, id)| *id != "xaa:a7:v1:share"));
}

#[tokio::test]
async fn a_node_warmed_at_start_answers_its_first_view_from_the_copy() {
    let node = un_hq();
    node.receive(
        "xaa",
        "xaa:x1:v1:share",
        summary("xaa", "x1", 1, OverallRisk::High),
    )
    .await;
    warm(&node.state).unwrap();
    assert_eq!(node.inbox_reads(), 1);
    warm(&node.state).unwrap();
    let listed = node.listed(&focal_point());
    assert_eq!(listed, [("XAA".to_owned(), vec![("xaa".to_owned(), 1)])]);
    assert_eq!(
        node.inbox_reads(),
        1,
        "neither a second warming nor the view read again"
    );
}

#[tokio::test]
async fn a_write_made_while_the_inbox_is_read_whole_is_not_missed() {
    let node = un_hq();
    node.receive(
        "xaa",
        "xaa:x1:v1:share",
        summary("xaa", "x1", 1, OverallRisk::High),
    )
    .await;
    // A whole read that ends before a write it did not see; the write is
    // made while the read is still under way.
    let cache = &node.state.received_cache;
    cache.start_read();
    let read = read_inbox_summaries(&node.state).unwrap();
    node.receive(
        "ecowas",
        "ecowas:e1:v1:share",
        summary("ecowas", "e1", 1, OverallRisk::Low),
    )
    .await;
    node.receive("xaa", "xaa:x1:v1:retraction", retraction(&["xaa:x1:v1:share"]))
        .await;
    assert_eq!(read.standing(), [("xaa", "xaa:x1:v1:share")]);
    let kept = cache.finish_read(read);
    assert_eq!(kept.standing(), [("ecowas", "ecowas:e1:v1:share")]);
    assert_eq!(*kept, read_inbox_summaries(&node.state).unwrap());
    // And it is the copy the views use from then on.
    let reads = node.inbox_reads();
    assert_eq!(
        node.listed(&focal_point()),
        [("XAA".to_owned(), vec![("ecowas".to_owned(), 1)])]
    );
    assert_eq!(node.inbox_reads(), reads);
}

#[tokio::test]
async fn shared_summaries_need_what_situations_need() {
    let node = un_hq();
    node.receive(
        "xaa",
        "xaa:x1:v1:share",
        summary("xaa", "x1", 1, OverallRisk::High),
    )
    .await;
    let mut nobody = focal_point();
    nobody.roles.clear();
    let err = situations(&node.assessments, Some(&node.state), &nobody, None, None).unwrap_err();
    assert!(matches!(err, ServiceError::Denied { .. }), "{err}");
    let err = situation(&node.assessments, Some(&node.state), &nobody, "XAA").unwrap_err();
    assert!(matches!(err, ServiceError::Denied { .. }), "{err}");
    // A node that does not federate has nothing shared.
    let alone = situations(&node.assessments, None, &focal_point(), None, None).unwrap();
    assert!(alone.is_empty());
}

/// The ids of the assessment summaries in the inbox, read the plain way.
fn summaries_in_inbox(node: &Node) -> BTreeSet<String> {
    node.state
        .store
        .inbox()
        .unwrap()
        .iter()
        .map(|entry| open_bytes(&entry.envelope, &node.state.directory, usize::MAX).unwrap())
        .filter(|verified| matches!(verified.value().body, StatementBody::AssessmentSummary(_)))
        .map(|verified| verified.value().id.clone())
        .collect()
}

/// The latest summary of each assessment worked out the plain way: the
/// richest of the unretracted ones, unless a version as recent was
/// retracted.
fn standing_among_unretracted(every: &[(ReceivedSummary, bool)]) -> Vec<ReceivedSummary> {
    let mut latest: BTreeMap<(String, String), ReceivedSummary> = BTreeMap::new();
    let mut withdrawn: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (candidate, retracted) in every {
        let key = (candidate.origin.clone(), candidate.summary.assessment_id.clone());
        if *retracted {
            let highest = withdrawn.entry(key).or_default();
            *highest = (*highest).max(candidate.summary.version);
        } else if latest.get(&key).is_none_or(|l| {
            (
                l.summary.version,
                l.summary.disclosed.len(),
                l.issued_at,
                &l.statement_id,
            ) < (
                candidate.summary.version,
                candidate.summary.disclosed.len(),
                candidate.issued_at,
                &candidate.statement_id,
            )
        }) {
            latest.insert(key, candidate.clone());
        }
    }
    latest.retain(|key, l| withdrawn.get(key).is_none_or(|v| l.summary.version > *v));
    latest.into_values().collect()
}
