//! Publishing many assessments through a node's API for the benchmarks,
//! with progress on standard output, and counting a store's inbox.

use anyhow::Result;
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tocsin_client::connect::NodeClient;
use tocsin_proto::v1 as pb;
use tocsin_server::store::Store;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::content;

/// A TLP:GREEN assessment of Northern XAA, which the example sharing
/// policies send (as a summary) to every other node.
pub fn assessment(index: usize) -> pb::AssessmentContent {
    content::with(|c| {
        c.tlp = pb::Tlp::Green as i32;
        c.narrative = format!("Benchmark assessment {index}.");
    })
}

/// Creates, submits and publishes `count` assessments with at most
/// `in_flight` at once; returns how long that took.
pub async fn publish_many(
    analyst: &NodeClient,
    reviewer: &NodeClient,
    label: &str,
    count: usize,
    in_flight: usize,
) -> Result<Duration> {
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(in_flight.max(1)));
    let mut tasks = JoinSet::new();
    let step = (count / 10).max(1);
    let mut done = 0;
    for index in 0..count {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let (analyst, reviewer) = (analyst.clone(), reviewer.clone());
        tasks.spawn(async move {
            let published = publish_one(analyst, reviewer, assessment(index)).await;
            drop(permit);
            published
        });
        while let Some(joined) = tasks.try_join_next() {
            joined??;
            done += 1;
            if done % step == 0 {
                println!("  {label}: published {done}/{count} in {:.1?}", started.elapsed());
            }
        }
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(started.elapsed())
}

async fn publish_one(
    mut analyst: NodeClient,
    mut reviewer: NodeClient,
    content: pb::AssessmentContent,
) -> Result<String> {
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(content),
        })
        .await?
        .into_inner()
        .id;
    let version = 1;
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.clone(),
            version,
        })
        .await?;
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.clone(),
            version,
        })
        .await?;
    Ok(id)
}

/// How many statements `store`'s inbox holds, without decoding them.
pub fn inbox_count(store: &Store) -> Result<usize> {
    let count = Cell::new(0);
    store.inbox_where(|_| {
        count.set(count.get() + 1);
        false
    })?;
    Ok(count.get())
}
