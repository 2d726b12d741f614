//! The warning scenarios: delivery latency from a member state to UN
//! headquarters, direct and through one relay (`delivery`), and one warning
//! to many watching subscribers at one node (`fan-out`).

use anyhow::{Context, Result, ensure};
use std::time::Instant;
use tocsin_client::connect::{NodeClient, WarningClient};
use tocsin_proto::v1 as pb;
use tokio::task::JoinSet;

use super::publish::assessment;
use super::report::{Report, Row};
use crate::federation::{LocalFederation, OrgSpec};
use crate::node::TestNode;
use crate::warnings::{Watch, addressed_to, client, token};

/// XAA and UN headquarters, which subscribes to XAA.
pub fn direct() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: Some("xaa"),
            subscribe: &[],
        },
        OrgSpec {
            id: "un-hq",
            kind: "un_office",
            groups: &["un-system"],
            sharing: Some("un-hq"),
            subscribe: &["xaa"],
        },
    ]
}

/// XAA → ECOWAS → UN headquarters: ECOWAS subscribes to XAA and relays,
/// UN headquarters subscribes to ECOWAS only.
pub fn relayed() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: Some("xaa"),
            subscribe: &["ecowas"],
        },
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["xaa", "un-hq"],
        },
        OrgSpec {
            id: "un-hq",
            kind: "un_office",
            groups: &["un-system"],
            sharing: Some("un-hq"),
            subscribe: &["ecowas"],
        },
    ]
}

/// XAA's escalation chain in the relayed topology, so ECOWAS is named.
pub const RELAY_CHAIN: (&str, &str, &str) = ("xaa", "TOCSIN_WARNINGS_ESCALATION_CHAIN", "xaa,ecowas,un-hq");

/// Raises and issues warnings at one node, on an assessment it published.
#[derive(Debug)]
pub struct Sender {
    drafter: WarningClient,
    issuer: WarningClient,
    assessment: String,
    sent: usize,
}

impl Sender {
    pub async fn at(node: &TestNode) -> Result<Self> {
        let mut analyst: NodeClient = node.client(&token(node, "ada", "analyst").await?).await?;
        let mut reviewer = node.client(&token(node, "rev", "reviewer").await?).await?;
        let id = analyst
            .create_assessment(pb::CreateAssessmentRequest {
                content: Some(assessment(0)),
            })
            .await?
            .into_inner()
            .id;
        analyst
            .submit_assessment(pb::SubmitAssessmentRequest {
                id: id.clone(),
                version: 1,
            })
            .await?;
        reviewer
            .publish_assessment(pb::PublishAssessmentRequest {
                id: id.clone(),
                version: 1,
            })
            .await?;
        Ok(Self {
            drafter: client(node, "ada", "analyst").await?,
            issuer: client(node, "rev", "reviewer").await?,
            assessment: id,
            sent: 0,
        })
    }

    /// Raises a warning; returns its id (not yet issued).
    pub async fn raise(&mut self) -> Result<String> {
        self.sent += 1;
        let content = addressed_to(
            "un-hq",
            &self.assessment,
            &format!("Benchmark warning {}", self.sent),
        );
        let draft = self
            .drafter
            .raise_warning(pb::RaiseWarningRequest {
                content: Some(content),
            })
            .await?
            .into_inner();
        Ok(draft.id)
    }

    /// Issues the raised warning `id`.
    pub async fn issue(&mut self, id: &str) -> Result<()> {
        let issued = self
            .issuer
            .issue_warning(pb::IssueWarningRequest { id: id.to_owned() })
            .await?
            .into_inner();
        ensure!(
            issued.status == "issued",
            "warning `{id}` is `{}` after issuing",
            issued.status
        );
        Ok(())
    }
}

/// `delivery`: `count` warnings one after another from XAA, each timed
/// from its IssueWarning call until UN HQ's watcher sees it received.
pub async fn delivery(report: &mut Report, count: usize, warm_up: usize) -> Result<()> {
    for (topology, specs, extra) in [
        ("direct", direct(), vec![]),
        ("one relay", relayed(), vec![RELAY_CHAIN]),
    ] {
        let federation = LocalFederation::start_with_env(&specs, &extra).await?;
        let mut watch = Watch::start(federation.node("un-hq")?).await?;
        let mut sender = Sender::at(federation.node("xaa")?).await?;
        let mut latencies = Vec::with_capacity(count);
        for round in 0..warm_up + count {
            let id = sender.raise().await?;
            let started = Instant::now();
            sender.issue(&id).await?;
            watch
                .next("received", &id)
                .await
                .with_context(|| format!("delivery {topology}, warning {round}"))?;
            if round >= warm_up {
                latencies.push(started.elapsed());
            }
        }
        let measure = format!("{topology}: issue → received at un-hq");
        report.add(Row::millis("delivery", &measure, &latencies));
        println!("  delivery {topology}: {} warnings", latencies.len());
    }
    report.note(
        "delivery: one warning at a time from XAA to UN HQ, timed from the IssueWarning call until a \
         WatchWarnings subscriber at UN HQ sees `received`; `one relay` goes XAA → ECOWAS → UN HQ.",
    );
    Ok(())
}

/// `fan-out`: one warning at a time from XAA to UN HQ, where `sizes`
/// subscribers (each on its own connection) watch; timed from the
/// IssueWarning call until the last of them sees it received.
pub async fn fan_out(report: &mut Report, sizes: &[usize], rounds: usize, warm_up: usize) -> Result<()> {
    let federation = LocalFederation::start(&direct()).await?;
    let un_hq = federation.node("un-hq")?;
    let mut sender = Sender::at(federation.node("xaa")?).await?;
    let mut watches = Vec::new();
    for &size in sizes {
        while watches.len() < size {
            watches.push(Watch::start(un_hq).await?);
        }
        let mut latencies = Vec::with_capacity(rounds);
        for round in 0..warm_up + rounds {
            let id = sender.raise().await?;
            let mut waiting = JoinSet::new();
            for mut watch in watches.drain(..) {
                let id = id.clone();
                waiting.spawn(async move {
                    let seen = watch.next("received", &id).await.map(|_| Instant::now());
                    (watch, seen)
                });
            }
            let started = Instant::now();
            sender.issue(&id).await?;
            let mut last = started;
            while let Some(joined) = waiting.join_next().await {
                let (watch, seen) = joined?;
                last = last.max(seen.with_context(|| format!("fan-out to {size}, warning {round}"))?);
                watches.push(watch);
            }
            if round >= warm_up {
                latencies.push(last.duration_since(started));
            }
        }
        let measure = format!("{size} subscribers: issue → last received");
        report.add(Row::millis("fan-out", &measure, &latencies));
        println!("  fan-out to {size}: {} rounds", latencies.len());
    }
    report.note(
        "fan-out: each subscriber is its own TLS connection with its own WatchWarnings stream at UN HQ; \
         the figure is until the slowest of them has the warning.",
    );
    Ok(())
}
