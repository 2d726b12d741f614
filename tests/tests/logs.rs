//! Logs never carry tokens, keys or sources, even at the most verbose level.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::process::NodeProcess;

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");
const SOURCE: &str = "informant Ablaye at the Kora market";

#[tokio::test]
async fn trace_logs_hold_no_token_and_no_source() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start_with(NODE, dir.path(), &[], "trace")
        .await
        .unwrap();
    let token = node.token("ada", &["analyst"]).await.unwrap();
    let mut client = node.client(&token).await.unwrap();
    let mut body = content::valid();
    body.sources[0].reference = SOURCE.into();
    let created = client
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(body.clone()),
        })
        .await
        .unwrap();
    let id = created.into_inner().id;
    client
        .get_assessment(pb::GetAssessmentRequest { id, version: 0 })
        .await
        .unwrap();
    // A refused token and an invalid request are logged too.
    let mut forged = node.client(&format!("{token}x")).await.unwrap();
    forged.who_am_i(pb::WhoAmIRequest {}).await.unwrap_err();
    body.horizon_months = 0;
    client
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap_err();
    let key = std::fs::read_to_string(dir.path().join("tls/node.key")).unwrap();
    let key_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let log = node.log();
    node.terminate().await.unwrap();

    assert!(
        log.contains("token refused"),
        "the log does not show the refusal:\n{log}"
    );
    let signature = token.rsplit('.').next().unwrap();
    assert!(!log.contains(signature), "a token signature is in the log");
    assert!(!log.contains(&token[..40]), "a token is in the log");
    assert!(!log.contains(SOURCE), "a source is in the log");
    assert!(!log.contains(&key_body[..32]), "the TLS key is in the log");
}
