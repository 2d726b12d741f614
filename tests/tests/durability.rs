//! An acknowledged write survives SIGKILL: a real node process is killed
//! right after replying, restarted on the same data directory, and every
//! acknowledged assessment is there, unchanged.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::process::NodeProcess;

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");
const ROUNDS: usize = 5;
const WRITERS: usize = 4;

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: BTreeMap<String, pb::Assessment> = BTreeMap::new();
    for round in 0..ROUNDS {
        let node = NodeProcess::start(NODE, dir.path(), &[]).await.unwrap();
        let token = node.token("ada", &["analyst"]).await.unwrap();
        // Everything acknowledged before this restart is still there.
        let mut client = node.client(&token).await.unwrap();
        for (id, written) in &acknowledged {
            let found = client
                .get_assessment(pb::GetAssessmentRequest {
                    id: id.clone(),
                    version: 0,
                })
                .await
                .unwrap_or_else(|e| panic!("round {round}: acknowledged {id} lost: {e}"))
                .into_inner();
            assert_eq!(found.content, written.content, "round {round}: {id} changed");
            assert_eq!(
                found.updated_at, written.updated_at,
                "round {round}: {id} changed"
            );
        }
        // Several writers in flight; kill the node as soon as one reply arrives.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let mut client = node.client(&token).await.unwrap();
            let tx = tx.clone();
            writers.push(tokio::spawn(async move {
                for i in 0.. {
                    let mut body = content::valid();
                    body.narrative = format!("round {round} writer {w} write {i}");
                    match client
                        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
                        .await
                    {
                        Ok(reply) => {
                            if tx.send(reply.into_inner()).is_err() {
                                break;
                            }
                        }
                        Err(_) => break,
                    }
                }
            }));
        }
        drop(tx);
        let first = rx.recv().await.expect("no write was acknowledged");
        node.kill().await.unwrap();
        acknowledged.insert(first.id.clone(), first);
        // Replies that raced the kill were acknowledged too.
        while let Some(reply) = rx.recv().await {
            acknowledged.insert(reply.id.clone(), reply);
        }
        for writer in writers {
            writer.await.unwrap();
        }
    }
    assert!(acknowledged.len() >= ROUNDS);
    let node = NodeProcess::start(NODE, dir.path(), &[]).await.unwrap();
    let token = node.token("ada", &["analyst"]).await.unwrap();
    let mut client = node.client(&token).await.unwrap();
    let listed = client
        .list_assessments(pb::ListAssessmentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let listed: BTreeMap<_, _> = listed
        .assessments
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    for id in acknowledged.keys() {
        assert!(
            listed.contains_key(id),
            "acknowledged {id} missing after the last restart"
        );
    }
    if let Err(e) = node.terminate().await {
        panic!("{e:#}");
    }
}
