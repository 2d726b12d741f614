//! The crash rounds: both nodes up, then per round a victim drawn from the
//! seed takes writes until the seeded moment of its SIGKILL, its store is
//! checked, the peer writes meanwhile, the victim restarts and both are
//! checked through the API until replication completes.

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::spawn;
use tocsin_tests::process::NodeProcess;

use crate::offline::{self, CrashPoint};
use crate::online::{self, Crossed, End};
use crate::workload::{self, Acked, Clients, Model, Side, Sink};

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");
/// Concurrent writers on the victim.
const WRITERS: usize = 3;
/// Most acknowledged writes before the kill is set off.
const MAX_WRITES: usize = 20;
/// Most milliseconds between the last counted write and the kill.
const MAX_EXTRA_MS: u64 = 25;

/// One node of the pair, and everything it acknowledged.
struct Node {
    side: Side,
    data: TempDir,
    process: Option<NodeProcess>,
    clients: Option<Clients>,
    model: Model,
    /// Warnings of the peer ever put in the pool.
    offered: BTreeSet<String>,
    points: Vec<CrashPoint>,
}

impl Node {
    fn clients(&mut self) -> Result<&mut Clients> {
        self.clients.as_mut().context("the node is down")
    }

    async fn start(&mut self, files: &FederationFiles) -> Result<()> {
        let process = spawn(NODE, files, self.side.org, self.data.path()).await?;
        self.clients = Some(Clients::of(&process).await?);
        self.process = Some(process);
        Ok(())
    }

    fn end(&mut self) -> Result<End<'_>> {
        Ok(End {
            org: self.side.org,
            clients: self.clients.as_mut().context("the node is down")?,
            model: &self.model,
        })
    }

    /// Puts the peer's issued warnings this node holds and never had in its
    /// pool into the pool.
    async fn refill(&mut self) -> Result<usize> {
        let peer = self.side.peer;
        let received = online::warnings(self.clients()?, true).await?;
        let fresh: Vec<String> = received
            .into_values()
            .filter(|w| w.sender == peer && w.status == "issued" && !self.offered.contains(&w.id))
            .map(|w| w.id)
            .collect();
        self.offered.extend(fresh.iter().cloned());
        let count = fresh.len();
        self.model
            .pool
            .lock()
            .map_err(|_| anyhow::anyhow!("pool poisoned"))?
            .extend(fresh);
        Ok(count)
    }
}

fn spec(id: &'static str, kind: &'static str, subscribe: &'static [&'static str]) -> OrgSpec {
    OrgSpec {
        id,
        kind,
        groups: &["ecowas", "au"],
        sharing: Some(id),
        subscribe,
    }
}

/// XAA assesses itself; ECOWAS assesses Ghana, which its policy shares
/// with member states.
fn side(org: &'static str, peer: &'static str) -> Side {
    let mut situation = content::valid().situation.expect("valid content has a situation");
    if org == "ecowas" {
        situation.title = "Northern Ghana".into();
        situation.countries = vec!["GHA".into()];
    }
    Side {
        org,
        peer,
        situation,
        base: String::new(),
    }
}

/// Totals of a run.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub(crate) rounds: usize,
    pub(crate) acknowledged: usize,
    pub(crate) kills: [usize; 2],
    pub(crate) restart: Duration,
    pub(crate) slowest_restart: Duration,
    pub(crate) replication: Duration,
    pub(crate) final_check: Vec<String>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mean = |d: Duration| d.checked_div(self.rounds.max(1) as u32).unwrap_or_default();
        writeln!(
            f,
            "summary: {} rounds, {} acknowledged writes, killed xaa {} and ecowas {} times; \
             restart mean {:?} max {:?}; replication mean {:?}",
            self.rounds,
            self.acknowledged,
            self.kills[0],
            self.kills[1],
            mean(self.restart),
            self.slowest_restart,
            mean(self.replication)
        )?;
        for line in &self.final_check {
            writeln!(f, "final: {line}")?;
        }
        Ok(())
    }
}

pub(crate) async fn run(seed: u64, rounds: usize) -> Result<Summary> {
    let mut rng = StdRng::seed_from_u64(seed);
    let files = FederationFiles::create(&[
        spec("xaa", "member_state", &["ecowas"]),
        spec("ecowas", "regional_body", &["xaa"]),
    ])?;
    let mut nodes = [new_node(side("xaa", "ecowas"))?, new_node(side("ecowas", "xaa"))?];
    for node in &mut nodes {
        node.start(&files).await?;
        let clients = node.clients.as_mut().context("the node is down")?;
        let base = workload::publish(clients, &node.side, "base".into(), &Sink::none()).await?;
        node.model
            .assessments
            .insert(base.clone(), pb::AssessmentStatus::Published as i32);
        node.side.base = base;
    }
    for node in &mut nodes {
        peer_writes(node, "setup").await?;
    }
    let mut crossed = Crossed::default();
    let [xaa, ecowas] = &mut nodes;
    converge(xaa, ecowas, &mut crossed).await?;
    let mut summary = Summary::default();
    for round in 0..rounds {
        let victim = usize::from(rng.random_bool(0.25));
        let target = rng.random_range(0..=MAX_WRITES);
        let extra = rng.random_range(0..=MAX_EXTRA_MS);
        let writer_seed: u64 = rng.random();
        let [xaa, ecowas] = &mut nodes;
        let (v, p) = if victim == 0 { (xaa, ecowas) } else { (ecowas, xaa) };

        // Writes until the seeded moment, then SIGKILL with requests in flight.
        let clients = v.clients.take().context("victim is down")?;
        let mut writers = workload::start(&clients, &v.side, &v.model.pool, writer_seed, WRITERS);
        drop(clients);
        let mut acked = Vec::new();
        while acked.len() < target {
            match writers.acked.recv().await {
                Some(write) => acked.push(write),
                None => break,
            }
        }
        if acked.len() < target {
            while let Some(joined) = writers.tasks.join_next().await {
                joined??;
            }
            anyhow::bail!("round {round}: the writers stopped after {} writes", acked.len());
        }
        tokio::time::sleep(Duration::from_millis(extra)).await;
        writers.killed.store(true, Ordering::SeqCst);
        v.process.take().context("victim is down")?.kill().await?;
        while let Some(write) = writers.acked.recv().await {
            acked.push(write);
        }
        while let Some(joined) = writers.tasks.join_next().await {
            joined??;
        }
        let new_acks: Vec<String> = acked
            .iter()
            .filter_map(|a| match a {
                Acked::Acknowledgement { id } => Some(id.clone()),
                _ => None,
            })
            .collect();
        let count = acked.len();
        summary.acknowledged += count;
        summary.kills[victim] += 1;
        for write in acked {
            v.model.record(write);
        }

        // The store as the kill left it.
        let store = offline::open(v.data.path())?;
        let seen = offline::crash_point(&store, v.side.org, p.side.org, &v.model, round)?;
        drop(store);
        v.points.push(seen.point);

        // The peer writes while the victim is down.
        let meanwhile = peer_writes(p, &format!("round {round}")).await?;

        let restarting = Instant::now();
        v.start(&files).await?;
        let restart = restarting.elapsed();
        let replicating = Instant::now();
        let (vo, po) = (v.side.org, p.side.org);
        let end = v.end()?;
        online::acknowledged_present(end.clients, vo, po, end.model, &new_acks)
            .await
            .with_context(|| format!("round {round}: after restarting `{vo}`"))?;
        online::cursor_reaches(&mut p.end()?, vo, seen.last_for_peer)
            .await
            .with_context(|| format!("round {round}"))?;
        online::summary_arrives(&mut v.end()?, po, &meanwhile)
            .await
            .with_context(|| format!("round {round}"))?;
        converge(v, p, &mut crossed)
            .await
            .with_context(|| format!("round {round}"))?;
        let replication = replicating.elapsed();
        summary.restart += restart;
        summary.slowest_restart = summary.slowest_restart.max(restart);
        summary.replication += replication;
        summary.rounds += 1;
        println!(
            "round {round:2}: killed {vo:6} after {target:2} writes + {extra:2} ms; {count:2} acknowledged \
             ({} acks); audit {} entries; {vo}'s cursor for {po} at {}; restart {restart:?}; replicated in {replication:?}",
            new_acks.len(),
            seen.audit_entries,
            v.points.last().map_or(0, |p| p.cursor),
        );
    }
    summary.final_check = final_check(&mut nodes, &files).await?;
    Ok(summary)
}

fn new_node(side: Side) -> Result<Node> {
    Ok(Node {
        side,
        data: tempfile::tempdir()?,
        process: None,
        clients: None,
        model: Model::default(),
        offered: BTreeSet::new(),
        points: Vec::new(),
    })
}

/// What a node writes while its peer is down: an assessment and a warning
/// to the peer. Returns the assessment's id.
async fn peer_writes(node: &mut Node, label: &str) -> Result<String> {
    let side = node.side.clone();
    let clients = node.clients()?;
    let id = workload::publish(clients, &side, format!("{label}: meanwhile"), &Sink::none()).await?;
    let warning = workload::warn(clients, &side, format!("{label}: meanwhile"), &Sink::none()).await?;
    node.model
        .assessments
        .insert(id.clone(), pb::AssessmentStatus::Published as i32);
    node.model.warnings.insert(warning, "issued");
    Ok(id)
}

/// Waits until replication completed both ways, then refills both pools.
async fn converge(a: &mut Node, b: &mut Node, crossed: &mut Crossed) -> Result<()> {
    online::replicated(&mut a.end()?, &mut b.end()?, crossed).await?;
    online::replicated(&mut b.end()?, &mut a.end()?, crossed).await?;
    a.refill().await?;
    b.refill().await?;
    Ok(())
}

/// Stops both nodes cleanly and checks their stores against each other;
/// restarts them while a backlog is still on its way (at most a few times).
async fn final_check(nodes: &mut [Node; 2], files: &FederationFiles) -> Result<Vec<String>> {
    for attempt in 0..5 {
        for node in nodes.iter_mut() {
            node.clients = None;
            node.process
                .take()
                .context("node is down")?
                .terminate()
                .await
                .with_context(|| format!("stopping `{}`", node.side.org))?;
        }
        let [xaa, ecowas] = &*nodes;
        let (xs, es) = (
            offline::open(xaa.data.path())?,
            offline::open(ecowas.data.path())?,
        );
        let mut lines = Vec::new();
        let mut behind = Vec::new();
        for (node, store, peer_node, peer_store) in [(xaa, &xs, ecowas, &es), (ecowas, &es, xaa, &xs)] {
            let (org, peer) = (node.side.org, peer_node.side.org);
            let seen = offline::crash_point(store, org, peer, &node.model, usize::MAX)?;
            if seen.last_for_peer > offline::cursor_seq(peer_store, org)? {
                behind.push((peer, org, seen.last_for_peer));
                continue;
            }
            let d = offline::cross_check((org, store), (peer, peer_store), &peer_node.points)?;
            lines.push(format!(
                "{org} -> {peer}: {} statements once each, {} crash points of {peer} consistent; audit {} entries",
                d.statements, d.crash_points, seen.audit_entries
            ));
        }
        drop((xs, es));
        if behind.is_empty() {
            return Ok(lines);
        }
        println!("final check {attempt}: backlog still on its way {behind:?}; restarting both");
        for node in nodes.iter_mut() {
            node.start(files).await?;
        }
        for (reader, origin, seq) in behind {
            let node = nodes
                .iter_mut()
                .find(|n| n.side.org == reader)
                .context("no such node")?;
            online::cursor_reaches(&mut node.end()?, origin, seq).await?;
        }
    }
    anyhow::bail!("the two nodes never caught up with each other")
}
