//! The audit trail of a real node: an analyst and a reviewer take an
//! assessment to publication, an auditor sees every step in order with its
//! actor and verifies the chain; a focal point may do neither. Then the node
//! is stopped, one byte of one entry is changed in its sled files, and the
//! restarted node's verification names that entry. `tocsin audit verify`
//! exits 0 on an intact chain and 6 on a broken one.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use tocsin_client::connect::Bearer;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_client::AuditServiceClient;
use tocsin_server::config::Config;
use tocsin_server::node;
use tocsin_tests::cli::Tocsin;
use tocsin_tests::content;
use tocsin_tests::federation_nodes::dev_token;
use tocsin_tests::node::{Issuer, TestNode};
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

const TOCSIN: &str = env!("CARGO_BIN_EXE_cli-under-test");
const ORG: &str = "xaa";

type AuditClient = AuditServiceClient<InterceptedService<Channel, Bearer>>;

async fn audit_client(node: &TestNode, user: &str, role: &str) -> AuditClient {
    let token = dev_token(node.dev_issuer().unwrap(), user, role).await.unwrap();
    AuditServiceClient::with_interceptor(node.channel().await.unwrap(), Bearer::new(&token).unwrap())
}

/// Creates and submits (analyst `ada`) and publishes (reviewer `rev`) one
/// assessment; returns its id.
async fn publish(node: &TestNode) -> String {
    let issuer = node.dev_issuer().unwrap();
    let mut analyst = node
        .client(&dev_token(issuer, "ada", "analyst").await.unwrap())
        .await
        .unwrap();
    let mut reviewer = node
        .client(&dev_token(issuer, "rev", "reviewer").await.unwrap())
        .await
        .unwrap();
    let body = content::valid();
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap()
        .into_inner()
        .id;
    let (id_, version) = (id.clone(), 1);
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id_.clone(),
            version,
        })
        .await
        .unwrap();
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest { id: id_, version })
        .await
        .unwrap();
    id
}

/// An entry's time as (seconds, nanoseconds).
fn at(entry: &pb::AuditEntry) -> (i64, i32) {
    let at = entry.at.expect("every entry has a time");
    (at.seconds, at.nanos)
}

fn query(kinds: &[&str]) -> pb::QueryAuditRequest {
    pb::QueryAuditRequest {
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        ..pb::QueryAuditRequest::default()
    }
}

/// Starts a node on `data`, as `TestNode` does.
async fn start_on(data: &Path) -> node::RunningNode {
    let env: Vec<(String, String)> = [
        ("TOCSIN_NODE_ORGANISATION", ORG.to_owned()),
        ("TOCSIN_NODE_DATA_DIR", data.display().to_string()),
        ("TOCSIN_API_LISTEN", "127.0.0.1:0".to_owned()),
        ("TOCSIN_AUTH_DEV_ISSUER_LISTEN", "127.0.0.1:0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::load(None, env).unwrap();
    node::start(&config).await.unwrap()
}

/// Opens the stopped node's sled database; its last handles may take a
/// moment to let go of the file lock after shutdown.
async fn open_sled(dir: &Path) -> sled::Db {
    let started = Instant::now();
    loop {
        match sled::open(dir) {
            Ok(db) => return db,
            Err(e) if started.elapsed() < Duration::from_secs(10) => {
                assert!(matches!(e, sled::Error::Io(_)), "{e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot open the node's store: {e}"),
        }
    }
}

#[tokio::test]
async fn auditors_see_every_step_and_detect_an_edited_entry() {
    let mut node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let id = publish(&node).await;
    let subject = format!("{id}:v1");

    let mut auditor = audit_client(&node, "aud", "auditor").await;
    let steps = auditor
        .query_audit(query(&[
            "assessment_created",
            "assessment_submitted",
            "assessment_published",
        ]))
        .await
        .unwrap()
        .into_inner()
        .entries;
    let seen: Vec<(&str, &str, &str, &str)> = steps
        .iter()
        .map(|e| {
            (
                e.kind.as_str(),
                e.actor.as_str(),
                e.subject.as_str(),
                e.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("assessment_created", "ada", subject.as_str(), "status draft"),
            (
                "assessment_submitted",
                "ada",
                subject.as_str(),
                "status in_review"
            ),
            (
                "assessment_published",
                "rev",
                subject.as_str(),
                "status published"
            ),
        ]
    );
    assert!(
        steps
            .windows(2)
            .all(|w| w[0].seq < w[1].seq && at(&w[0]) <= at(&w[1]))
    );
    assert!(steps.iter().all(|e| e.organisation == ORG && e.hash.len() == 64));

    let bad = auditor.query_audit(query(&["coffee"])).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("kinds[0]"), "{bad:?}");

    let mut focal_point = audit_client(&node, "fp", "focal_point").await;
    let denied = focal_point.query_audit(query(&[])).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let denied = focal_point
        .verify_audit(pb::VerifyAuditRequest {})
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");

    let report = auditor
        .verify_audit(pb::VerifyAuditRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(report.ok && report.problem.is_none(), "{report:?}");
    assert!(report.entries >= 3, "{report:?}");
    assert_eq!(report.head_hash.len(), 64);

    // The same through the CLI: intact, exit code 0.
    let cli = auditor_cli(&node).await;
    let run = cli.run(&["audit", "verify", "--json"]).await.unwrap().ok();
    let json = run.json().unwrap();
    assert_eq!(json["ok"], true, "{run:?}");
    assert!(json["entries"].as_u64().unwrap() >= 3, "{run:?}");

    // Stop the node and change one byte of the "submitted" entry's detail.
    let edited = steps[1].seq;
    node.running.take().unwrap().shutdown().await.unwrap();
    let store_dir = node.data.path().join("store");
    {
        let db = open_sled(&store_dir).await;
        let tree = db.open_tree("audit").unwrap();
        let key = edited.to_be_bytes();
        let text = String::from_utf8(tree.get(key).unwrap().unwrap().to_vec()).unwrap();
        let tampered = text.replacen("status in_review", "status in_reviev", 1);
        assert_ne!(tampered, text);
        tree.insert(key, tampered.as_bytes()).unwrap();
        db.flush().unwrap();
    }

    let running = start_on(node.data.path()).await;
    node.url = format!("https://{}", running.api_addr).parse().unwrap();
    node.running = Some(running);
    let mut auditor = audit_client(&node, "aud", "auditor").await;
    let report = auditor
        .verify_audit(pb::VerifyAuditRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(!report.ok, "{report:?}");
    let problem = report.problem.unwrap();
    assert_eq!(problem.kind, pb::AuditProblemKind::Edited as i32, "{problem:?}");
    assert_eq!(problem.seq, edited, "{problem:?}");
    assert_eq!(report.entries, edited - 1);

    let cli = auditor_cli(&node).await;
    let run = cli.run(&["audit", "verify"]).await.unwrap();
    run.failed(6, &[&format!("entry {edited}"), "edited"]);
    node.shutdown().await.unwrap();
}

#[tokio::test]
async fn sign_ins_are_recorded_once_per_token_without_it() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let token = dev_token(node.dev_issuer().unwrap(), "ada", "analyst")
        .await
        .unwrap();
    for _ in 0..2 {
        let mut analyst = node.client(&token).await.unwrap();
        analyst.who_am_i(pb::WhoAmIRequest {}).await.unwrap();
    }
    let mut forger = node.client("not-a-token").await.unwrap();
    assert_eq!(
        forger.who_am_i(pb::WhoAmIRequest {}).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let mut auditor = audit_client(&node, "aud", "auditor").await;
    let entries = auditor
        .query_audit(query(&["sign_in", "sign_in_refused"]))
        .await
        .unwrap()
        .into_inner()
        .entries;
    let ada: Vec<_> = entries.iter().filter(|e| e.actor == "ada").collect();
    assert_eq!(ada.len(), 1, "{entries:?}");
    assert_eq!(
        (ada[0].kind.as_str(), ada[0].detail.as_str()),
        ("sign_in", "roles: analyst")
    );
    assert!(
        entries.iter().any(|e| e.kind == "sign_in" && e.actor == "aud"),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .all(|e| !e.detail.contains(&token) && !e.detail.contains("not-a-token"))
    );
    node.shutdown().await.unwrap();
}

/// The `tocsin` CLI signed in to `node` as an auditor.
async fn auditor_cli(node: &TestNode) -> Tocsin {
    let token = dev_token(node.dev_issuer().unwrap(), "aud", "auditor")
        .await
        .unwrap();
    Tocsin::new(TOCSIN, &node.url)
        .unwrap()
        .env("TOCSIN_FINGERPRINT", &node.fingerprint.to_string())
        .env("TOCSIN_TOKEN", &token)
}
