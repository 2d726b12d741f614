//! The load test's long-lived streams: subscribers watching UN HQ's
//! warnings, each sender watching for UN HQ's acknowledgements, and UN HQ's
//! decision maker acknowledging every warning that arrives. Each runs until
//! told to stop and fails on the first error.

use anyhow::{Context, Result, bail};
use std::time::Instant;
use tocsin_client::connect::WarningClient;
use tocsin_proto::v1 as pb;
use tokio::sync::{mpsc, watch};
use tonic::Streaming;

use super::peers::{Peer, key};
use super::tally::Seen;

/// Headlines of the load test's warnings start with this.
pub(crate) const HEADLINE: &str = "load ";

async fn watch(client: &mut WarningClient) -> Result<Streaming<pb::WarningEvent>> {
    Ok(client
        .watch_warnings(pb::WatchWarningsRequest::default())
        .await?
        .into_inner())
}

/// The next event, or `None` once `stop` says so.
async fn next(
    stream: &mut Streaming<pb::WarningEvent>,
    stop: &mut watch::Receiver<bool>,
    who: &str,
) -> Result<Option<pb::WarningEvent>> {
    tokio::select! {
        _ = stop.wait_for(|stop| *stop) => Ok(None),
        event = stream.message() => match event? {
            Some(event) => Ok(Some(event)),
            None => bail!("the warning feed of {who} ended"),
        },
    }
}

/// Subscriber `index` at `peer`: reports each warning that arrives.
pub(crate) async fn subscribe(
    peer: &Peer,
    index: usize,
    seen: mpsc::UnboundedSender<Seen>,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<Result<()>>> {
    let mut client = peer.warnings(&format!("sub{index}"), "auditor").await?;
    let mut stream = watch(&mut client).await?;
    let mut stop = stop;
    let who = format!("subscriber {index} at `{}`", peer.org);
    Ok(tokio::spawn(async move {
        while let Some(event) = next(&mut stream, &mut stop, &who).await? {
            if event.kind == "received" {
                let at = Instant::now();
                seen.send(Seen::Delivered {
                    index,
                    key: key(&event)?,
                    at,
                })?;
            }
        }
        Ok(())
    }))
}

/// At a sender's node: reports each acknowledgement of its own warnings.
pub(crate) async fn acknowledgements(
    peer: &Peer,
    seen: mpsc::UnboundedSender<Seen>,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<Result<()>>> {
    let mut client = peer.warnings("obs", "auditor").await?;
    let mut stream = watch(&mut client).await?;
    let mut stop = stop;
    let who = format!("the sender `{}`", peer.org);
    let org = peer.org.clone();
    Ok(tokio::spawn(async move {
        while let Some(event) = next(&mut stream, &mut stop, &who).await? {
            // A relay on the way back sees the acknowledgement too.
            let key = key(&event)?;
            if event.kind == "acknowledged" && key.0 == org {
                seen.send(Seen::Acknowledged { key })?;
            }
        }
        Ok(())
    }))
}

/// At `peer` (UN HQ): acknowledges every load warning that arrives;
/// returns how many it acknowledged.
pub(crate) async fn acknowledger(
    peer: &Peer,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<Result<usize>>> {
    let mut watcher = peer.warnings("obs", "auditor").await?;
    let mut stream = watch(&mut watcher).await?;
    let mut decider = peer.warnings("dee", "decision_maker").await?;
    let mut stop = stop;
    let who = format!("the acknowledger at `{}`", peer.org);
    Ok(tokio::spawn(async move {
        let mut count = 0;
        while let Some(event) = next(&mut stream, &mut stop, &who).await? {
            let warning = event.warning.as_ref().context("an event without its warning")?;
            let headline = warning.content.as_ref().map(|c| c.headline.as_str());
            if event.kind != "received" || !headline.is_some_and(|h| h.starts_with(HEADLINE)) {
                continue;
            }
            decider
                .acknowledge_warning(pb::AcknowledgeWarningRequest {
                    warning: Some(pb::WarningName {
                        sender: warning.sender.clone(),
                        id: warning.id.clone(),
                    }),
                    kind: "received".into(),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("acknowledging `{}/{}`", warning.sender, warning.id))?;
            count += 1;
        }
        Ok(count)
    }))
}
