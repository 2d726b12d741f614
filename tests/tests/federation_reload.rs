//! Reloading a sharing policy: an invalid one is refused and the one in
//! force stays; a changed one starts a new epoch, and a peer newly allowed
//! receives what it may now see, including what was published before.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, OrgSpec};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;

async fn token(node: &TestNode, user: &str, role: &str) -> String {
    let (status, body) = dev_issuer_token(
        node.dev_issuer().unwrap(),
        &json!({"user": user, "roles": [role]}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

async fn publish(node: &TestNode) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let mut body = content::valid();
    body.tlp = pb::Tlp::Green as i32;
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
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
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_reloaded_policy_reaches_the_backlog_and_a_broken_one_is_refused() {
    let policy_dir = tempfile::tempdir().unwrap();
    // XAA starts sharing nothing: an empty policy denies everything.
    std::fs::write(policy_dir.path().join("sharing.cedar"), "// nothing yet\n").unwrap();
    let path: &'static str = Box::leak(policy_dir.path().display().to_string().into_boxed_str());
    let specs = [
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas"],
            sharing: Some(path),
            subscribe: &["ecowas"],
        },
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["xaa"],
        },
    ];
    let federation = LocalFederation::start(&specs).await.unwrap();
    let xaa = federation.node("xaa").unwrap();
    let running = xaa.running.as_ref().unwrap();
    let published = publish(xaa).await;
    let first_epoch = running.reload_sharing_policy().await.unwrap();

    let mut admin = xaa.client(&token(xaa, "root", "admin").await).await.unwrap();
    let mut auditor = xaa.client(&token(xaa, "aud", "auditor").await).await.unwrap();

    // A broken policy is refused, naming the file and position; nothing changes.
    std::fs::write(
        policy_dir.path().join("sharing.cedar"),
        "permit (principal, action, resource\n",
    )
    .unwrap();
    let err = running.reload_sharing_policy().await.unwrap_err().to_string();
    assert!(err.contains("sharing.cedar:"), "{err}");
    let refused = admin
        .reload_sharing_policy(pb::ReloadSharingPolicyRequest {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(
        refused.message().contains("sharing.cedar:"),
        "{}",
        refused.message()
    );

    // The real XAA policy: ECOWAS may now see XAA's situations. Auditors may
    // not put it in force; admins may, through the RPC.
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../policies/sharing/xaa/sharing.cedar"
        ),
        policy_dir.path().join("sharing.cedar"),
    )
    .unwrap();
    let denied = auditor
        .reload_sharing_policy(pb::ReloadSharingPolicyRequest {})
        .await
        .unwrap_err();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let reloaded = admin
        .reload_sharing_policy(pb::ReloadSharingPolicyRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(reloaded.changed);
    let epoch = reloaded.epoch;
    assert_eq!(epoch, first_epoch + 1);
    // Reloading an unchanged policy (here as SIGHUP does) keeps the epoch.
    assert_eq!(running.reload_sharing_policy().await.unwrap(), epoch);
    let inbox = federation
        .wait_for_inbox("ecowas", |i| {
            i.iter().any(|e| e.statement_id.contains(&published))
        })
        .await
        .unwrap();
    assert!(
        inbox
            .iter()
            .all(|e| e.statement_id.ends_with(&format!(":e{epoch}"))),
        "{inbox:?}"
    );
}
