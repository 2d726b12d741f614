//! The `ingest` scenario: how many statements per second one node receives,
//! verifies, policy-checks and stores when 1, 10 or 50 peers stream to it.
//! The peers are `RoguePeer`s with genuine certificates and keys serving
//! pre-sealed, validly signed summaries, so that playing many peers is cheap
//! and the sealing is not part of the figure.

use anyhow::{Context, Result};
use chrono::Utc;
use std::time::{Duration, Instant};
use tocsin_proto::v1 as pb;
use tocsin_server::federation::seal;
use tocsin_server::model::marking::Tlp;

use super::report::{Report, Row};
use crate::federation::OrgSpec;
use crate::federation_files::FederationFiles;
use crate::federation_nodes::Federation;
use crate::rogue::{RoguePeer, delivery, summary};

/// The receiving node.
const TARGET: &str = "ecowas";

/// Names of up to `peers` peers, `peer-0`, `peer-1`, …; leaked once per
/// run because `OrgSpec` holds static names (a few bytes per peer).
pub(super) fn names(peers: usize) -> Vec<&'static str> {
    (0..peers)
        .map(|i| &*Box::leak(format!("peer-{i}").into_boxed_str()))
        .collect()
}

/// For each of `peer_counts`: `statements` split evenly across that many
/// peers, `repetitions` times; timed from the receiving node's start until
/// its inbox holds them all.
pub async fn ingest(
    report: &mut Report,
    peer_counts: &[usize],
    statements: usize,
    repetitions: usize,
) -> Result<()> {
    let everyone = names(peer_counts.iter().copied().max().unwrap_or(0));
    for &peers in peer_counts {
        let mut rates = Vec::with_capacity(repetitions);
        let per_peer = statements.div_ceil(peers.max(1));
        for round in 0..repetitions {
            let (took, total) = once(&everyone[..peers], per_peer).await?;
            println!(
                "  ingest from {peers} peers, round {}: {total} in {took:.1?}",
                round + 1
            );
            rates.push(total as f64 / took.as_secs_f64());
        }
        let measure = format!("{peers} peers → one node");
        report.add(Row::of("ingest", &measure, "statements/s", &rates));
    }
    report.note(format!(
        "ingest: about {statements} pre-signed TLP:GREEN summaries split across the peers (each its own \
         mutual-TLS stream), timed from the moment the receiving node serves until all \
         are stored; includes the peers' connection set-up."
    ));
    Ok(())
}

async fn once(peers: &[&'static str], per_peer: usize) -> Result<(Duration, usize)> {
    let files = FederationFiles::create(&specs(TARGET, peers))?;
    let scripts = scripts(&files, TARGET, peers, per_peer)?;
    let mut rogues = Vec::with_capacity(peers.len());
    for (peer, script) in peers.iter().zip(scripts) {
        let org = files.org(peer)?;
        let rogue = RoguePeer::serve(org.port, &org.cert, &files.ca_pem()?, script)
            .await
            .with_context(|| format!("serving peer `{peer}`"))?;
        rogues.push(rogue);
    }
    let total = per_peer * peers.len();
    let within = Duration::from_secs(60) + Duration::from_millis(10 * total as u64);
    let federation = Federation::start(files, &[TARGET]).await?;
    let started = Instant::now();
    federation.wait_for_stored(TARGET, total as u64, within).await?;
    let took = started.elapsed();
    drop(rogues);
    Ok((took, total))
}

/// `target` subscribed to each of `peers`, all in ECOWAS and the AU.
pub(super) fn specs(target: &'static str, peers: &[&'static str]) -> Vec<OrgSpec> {
    let mut specs = vec![OrgSpec {
        id: target,
        kind: "regional_body",
        groups: &["au", "ecowas"],
        sharing: None,
        subscribe: Box::leak(peers.to_vec().into_boxed_slice()),
    }];
    specs.extend(peers.iter().map(|id| OrgSpec {
        id,
        kind: "member_state",
        groups: &["ecowas", "au"],
        sharing: None,
        subscribe: &[],
    }));
    specs
}

/// For each of `peers`, `per_peer` TLP:GREEN summaries to `target`, sealed
/// with the peer's key (on all cores: a million take a while).
pub(super) fn scripts(
    files: &FederationFiles,
    target: &str,
    peers: &[&'static str],
    per_peer: usize,
) -> Result<Vec<Vec<pb::Delivery>>> {
    let now = Utc::now();
    let keys = peers
        .iter()
        .map(|peer| files.signing_key(peer))
        .collect::<Result<Vec<_>>>()?;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let script = |peer: &str, key| -> Vec<pb::Delivery> {
        (0..per_peer)
            .map(|i| {
                let id = format!("{peer}:bench-{i}");
                let statement = summary(&id, peer, &[target], Tlp::Green, 2, None, now);
                delivery(seal(&statement, key), vec![])
            })
            .collect()
    };
    let pairs: Vec<_> = peers.iter().zip(&keys).collect();
    let per_thread = pairs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = pairs
            .chunks(per_thread)
            .map(|part| scope.spawn(move || part.iter().map(|(p, k)| script(p, k)).collect::<Vec<_>>()))
            .collect();
        let mut scripts = Vec::with_capacity(peers.len());
        for part in parts {
            match part.join() {
                Ok(done) => scripts.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(scripts)
    })
}
