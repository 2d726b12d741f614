//! What the demonstration prints: the nodes and how to reach them, and, for
//! the sample summary, what each organisation received, from whom, through
//! which relays, and which parts it was allowed to see.

use anyhow::Result;
use std::path::Path;

use crate::federation::directory::Directory;
use crate::federation::envelope::open_bytes;
use crate::model::statement::StatementBody;
use crate::node::RunningNode;

pub(super) fn nodes(dir: &Path, nodes: &[(&str, RunningNode)]) {
    println!("Tocsin demonstration federation in {}\n", dir.display());
    println!(
        "{:<8} {:<24} {:<24} CERTIFICATE",
        "NODE", "API", "SIGN-IN (development)"
    );
    for (org, node) in nodes {
        println!(
            "{:<8} {:<24} {:<24} {}",
            org,
            format!("https://{}", node.api_addr),
            node.dev_issuer.as_deref().unwrap_or("-"),
            node.fingerprint
        );
    }
    if let Some((org, node)) = nodes.first() {
        println!(
            "\nFor example, as an analyst of {org}:\n  tocsin pin https://{addr} {fp}\n  \
             tocsin --node https://{addr} login --dev --issuer {issuer} --user ada --role analyst\n  \
             tocsin --node https://{addr} list",
            addr = node.api_addr,
            fp = node.fingerprint,
            issuer = node.dev_issuer.as_deref().unwrap_or("-"),
        );
    }
}

/// Waits until `node` holds a statement from `origin`.
pub(super) async fn wait_for_summary(node: &RunningNode, origin: &str) -> Result<()> {
    let Some(mut changes) = node.inbox_changes() else {
        return Ok(());
    };
    loop {
        changes.borrow_and_update();
        if node.store().inbox()?.iter().any(|e| e.origin == origin) {
            return Ok(());
        }
        changes.changed().await?;
    }
}

/// For each node, each summary from another organisation it holds: origin,
/// path, and the parts disclosed.
pub(super) fn travel(dir: &Path, nodes: &[(&str, RunningNode)]) -> Result<()> {
    let directory = Directory::load(&dir.join("directory.toml"))?;
    println!("\nWhat each organisation received (origin → relays → receiver: parts it may see):");
    for (org, node) in nodes {
        for entry in node.store().inbox()? {
            let Ok(verified) = open_bytes(&entry.envelope, &directory, usize::MAX) else {
                continue;
            };
            let statement = verified.into_value();
            let StatementBody::AssessmentSummary(summary) = &statement.body else {
                continue;
            };
            let mut path = vec![statement.origin.clone()];
            path.extend(relays(&entry.relays));
            path.push((*org).to_owned());
            let parts: Vec<&str> = summary.disclosed.iter().map(|d| d.as_str()).collect();
            println!(
                "  {:<34} {:<7} {:<10} {}: {}",
                path.join(" → "),
                summary.situation.countries.join("+"),
                summary.overall_risk.as_str(),
                statement.tlp,
                parts.join(", ")
            );
        }
    }
    Ok(())
}

fn relays(encoded: &[Vec<u8>]) -> Vec<String> {
    use prost::Message;
    use tocsin_proto::v1 as pb;
    encoded
        .iter()
        .filter_map(|bytes| pb::RelayAttestation::decode(bytes.as_slice()).ok())
        .filter_map(|a| pb::RelayClaim::decode(a.claim.as_slice()).ok())
        .map(|claim| claim.relay)
        .collect()
}
