//! Checks through the node API after a restart: every acknowledged write
//! is there once, and replication completes both ways (the peer's cursor
//! covers what the restarted node queued before the kill, warnings and
//! their receipts and acknowledgements cross, the peer's new assessment and
//! warnings arrive). Waits re-check a condition until a deadline.

use anyhow::{Context, Result, bail, ensure};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tocsin_proto::v1 as pb;

use crate::workload::{Clients, Model};

/// Longest replication may take after a restart.
const REPLICATION: Duration = Duration::from_secs(60);
/// Pause between two looks at a condition that is not met yet.
const RECHECK: Duration = Duration::from_millis(50);

/// A condition being waited on, with its deadline.
struct Wait {
    what: String,
    started: Instant,
}

impl Wait {
    fn new(what: String) -> Self {
        Self {
            what,
            started: Instant::now(),
        }
    }

    /// Done when `why` is `None`; otherwise waits a little before the next
    /// look, or fails past the deadline.
    async fn done(&self, why: Option<String>) -> Result<bool> {
        let Some(why) = why else { return Ok(true) };
        if self.started.elapsed() > REPLICATION {
            bail!("{} within {REPLICATION:?}: {why}", self.what);
        }
        tokio::time::sleep(RECHECK).await;
        Ok(false)
    }
}

fn name(sender: &str, id: &str) -> pb::WarningName {
    pb::WarningName {
        sender: sender.into(),
        id: id.into(),
    }
}

/// The node's warnings, own (`received == false`) or received, by sender and id.
pub(crate) async fn warnings(
    c: &mut Clients,
    received: bool,
) -> Result<BTreeMap<(String, String), pb::Warning>> {
    let listed = c
        .observer
        .list_warnings(pb::ListWarningsRequest {
            received: Some(received),
            ..Default::default()
        })
        .await?
        .into_inner()
        .warnings;
    let count = listed.len();
    let map: BTreeMap<_, _> = listed
        .into_iter()
        .map(|w| ((w.sender.clone(), w.id.clone()), w))
        .collect();
    ensure!(
        map.len() == count,
        "a warning is listed twice: {count} listed, {} distinct",
        map.len()
    );
    Ok(map)
}

/// The timeline entries of `sender/id` for `event` and `org`.
async fn timeline_count(c: &mut Clients, sender: &str, id: &str, event: &str, org: &str) -> Result<usize> {
    let detail = c.observer.get_warning(name(sender, id)).await?.into_inner();
    Ok(detail
        .timeline
        .iter()
        .filter(|e| e.event == event && e.organisation == org)
        .count())
}

/// Every write `org` acknowledged is there once; `new_acks` (this round's)
/// show once in their warning's timeline.
pub(crate) async fn acknowledged_present(
    c: &mut Clients,
    org: &str,
    peer: &str,
    model: &Model,
    new_acks: &[String],
) -> Result<()> {
    let listed = c
        .reviewer
        .list_assessments(pb::ListAssessmentsRequest {
            all_versions: true,
            ..Default::default()
        })
        .await?
        .into_inner()
        .assessments;
    let mut versions = BTreeMap::new();
    for a in listed {
        if let Some(earlier) = versions.insert((a.id.clone(), a.version), a.status) {
            bail!(
                "`{org}` lists assessment `{}` v{} twice ({earlier}, {})",
                a.id,
                a.version,
                a.status
            );
        }
    }
    for (id, status) in &model.assessments {
        let found = versions
            .get(&(id.clone(), 1))
            .with_context(|| format!("acknowledged assessment `{id}` of `{org}` is not listed"))?;
        ensure!(
            found >= status,
            "assessment `{id}` of `{org}` is {found}, acknowledged as {status}"
        );
    }
    let own = warnings(c, false).await?;
    for (id, status) in &model.warnings {
        let found = own
            .get(&(org.to_owned(), id.clone()))
            .with_context(|| format!("acknowledged warning `{id}` of `{org}` is not listed"))?;
        ensure!(
            *status != "issued" || found.status != "draft",
            "warning `{id}` of `{org}` acknowledged as issued is a draft"
        );
    }
    for id in new_acks {
        let acks = timeline_count(c, peer, id, "acknowledged", org).await?;
        ensure!(
            acks == 1,
            "`{peer}/{id}` shows {acks} acknowledgements by `{org}`, expected 1"
        );
    }
    Ok(())
}

/// What has been seen to cross already, so each round checks the new.
#[derive(Debug, Default)]
pub(crate) struct Crossed {
    /// Warnings (sender, id) whose receipt came back to the sender.
    pub(crate) warnings: BTreeSet<(String, String)>,
    /// Acknowledgements (acknowledging org, warning id) seen at the sender.
    pub(crate) acks: BTreeSet<(String, String)>,
}

/// One node's side of the replication check.
pub(crate) struct End<'a> {
    pub(crate) org: &'a str,
    pub(crate) clients: &'a mut Clients,
    pub(crate) model: &'a Model,
}

/// Waits until everything `from` issued and acknowledged reached `to`, and
/// its receipts came back.
pub(crate) async fn replicated(from: &mut End<'_>, to: &mut End<'_>, crossed: &mut Crossed) -> Result<()> {
    let what = format!("replication from `{}` to `{}` did not complete", from.org, to.org);
    let issued: Vec<String> = warnings(from.clients, false)
        .await?
        .into_values()
        .filter(|w| w.status == "issued")
        .map(|w| w.id)
        .filter(|id| !crossed.warnings.contains(&(from.org.to_owned(), id.clone())))
        .collect();
    for id in issued {
        let wait = Wait::new(what.clone());
        loop {
            let there = warnings(to.clients, true).await?;
            let why = if !there.contains_key(&(from.org.to_owned(), id.clone())) {
                Some(format!("`{}` lacks warning `{}/{id}`", to.org, from.org))
            } else {
                match timeline_count(from.clients, "", &id, "delivered", to.org).await? {
                    0 => Some(format!("no receipt of `{id}` from `{}`", to.org)),
                    1 => None,
                    n => bail!("`{}/{id}` shows {n} receipts from `{}`", from.org, to.org),
                }
            };
            if wait.done(why).await? {
                break;
            }
        }
        crossed.warnings.insert((from.org.to_owned(), id));
    }
    // The acknowledgements `from` made of `to`'s warnings.
    let acks: Vec<String> = from
        .model
        .acks
        .iter()
        .filter(|id| !crossed.acks.contains(&(from.org.to_owned(), (*id).clone())))
        .cloned()
        .collect();
    for id in acks {
        let wait = Wait::new(what.clone());
        loop {
            let why = match timeline_count(to.clients, "", &id, "acknowledged", from.org).await? {
                0 => Some(format!("`{}` lacks the acknowledgement of `{id}`", to.org)),
                1 => None,
                n => bail!("`{}/{id}` shows {n} acknowledgements by `{}`", to.org, from.org),
            };
            if wait.done(why).await? {
                break;
            }
        }
        crossed.acks.insert((from.org.to_owned(), id));
    }
    Ok(())
}

/// Waits until `at`'s cursor for `peer` reaches `seq`.
pub(crate) async fn cursor_reaches(at: &mut End<'_>, peer: &str, seq: u64) -> Result<()> {
    let what = format!("`{}` did not read `{peer}`'s outbox up to seq {seq}", at.org);
    let wait = Wait::new(what);
    loop {
        let peers = at
            .clients
            .auditor
            .list_peers(pb::ListPeersRequest {})
            .await?
            .into_inner()
            .peers;
        let cursor = peers.iter().find(|p| p.id == peer).map_or(0, |p| p.cursor_seq);
        if wait
            .done((cursor < seq).then(|| format!("its cursor is at {cursor}")))
            .await?
        {
            return Ok(());
        }
    }
}

/// Waits until `at` shows `origin`'s assessment `id` as its latest shared
/// summary of a situation.
pub(crate) async fn summary_arrives(at: &mut End<'_>, origin: &str, id: &str) -> Result<()> {
    let what = format!("`{}` did not get `{origin}`'s assessment `{id}`", at.org);
    let wait = Wait::new(what);
    loop {
        let situations = at
            .clients
            .reviewer
            .list_situations(pb::ListSituationsRequest::default())
            .await?
            .into_inner()
            .situations;
        let found = situations
            .iter()
            .flat_map(|s| &s.shared)
            .any(|s| s.organisation == origin && s.assessment_id == id);
        if wait
            .done((!found).then(|| format!("{} situations, none with it", situations.len())))
            .await?
        {
            return Ok(());
        }
    }
}
