//! The Atom feed as a node serves it (`[feed] listen`): a TLP:CLEAR warning
//! this node issued appears in `/feed.atom` over HTTPS with the node's own
//! certificate, and its CAP document validates; a TLP:GREEN one does not
//! appear. A node without `[feed] listen` serves no feed.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tocsin_client::connect::authorised_warnings;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::node::{Issuer, TestNode};
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

/// Publishes a TLP:CLEAR assessment and issues a warning on it with `tlp`;
/// returns the warning's id.
async fn issue(node: &TestNode, tlp: pb::Tlp, headline: &str) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let mut body = content::valid();
    body.tlp = pb::Tlp::Clear as i32;
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
    let mut warnings = authorised_warnings(
        node.channel().await.unwrap(),
        &token(node, "rev", "reviewer").await,
    )
    .unwrap();
    let draft = warnings
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(pb::WarningContent {
                situation: content::valid().situation,
                assessment_id: id,
                assessment_version: 1,
                level: "watch".into(),
                urgency: "future".into(),
                severity: "moderate".into(),
                certainty: "possible".into(),
                headline: headline.into(),
                description: "Fictional: tensions before the census.".into(),
                addressees: vec![pb::WarningAddressee {
                    organisation: "au".into(),
                    role: "focal_point".into(),
                }],
                expires: Some(prost_types::Timestamp {
                    seconds: chrono::Utc::now().timestamp() + 86_400,
                    nanos: 0,
                }),
                tlp: tlp as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    warnings
        .issue_warning(pb::IssueWarningRequest { id: draft.id.clone() })
        .await
        .unwrap();
    draft.id
}

#[tokio::test]
async fn a_node_serves_its_clear_warnings_as_an_atom_feed() {
    let node = TestNode::start_with("ecowas", Issuer::Dev, &[("TOCSIN_FEED_LISTEN", "127.0.0.1:0")])
        .await
        .unwrap();
    let addr = node
        .running
        .as_ref()
        .unwrap()
        .feed_addr
        .expect("the feed is served");
    let public = issue(&node, pb::Tlp::Clear, "Public: tensions before the census").await;
    issue(&node, pb::Tlp::Green, "Community only: militia movements").await;

    let cert = std::fs::read(node.data.path().join("tls/node.crt")).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .build()
        .unwrap();
    let feed = http
        .get(format!("https://127.0.0.1:{}/feed.atom", addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let feed = feed.text().await.unwrap();
    assert!(feed.contains("Public: tensions before the census"), "{feed}");
    assert!(
        !feed.contains("militia"),
        "a TLP:GREEN warning is in the public feed:\n{feed}"
    );
    let cap = http
        .get(format!(
            "https://127.0.0.1:{}/warnings/ecowas/{public}.cap",
            addr.port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(cap.status(), 200);
    assert!(
        cap.text()
            .await
            .unwrap()
            .contains(&format!("<identifier>{public}</identifier>"))
    );

    let quiet = TestNode::start("au", Issuer::Dev).await.unwrap();
    assert!(quiet.running.as_ref().unwrap().feed_addr.is_none());
}
