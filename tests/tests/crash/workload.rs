//! The writes of one crash round: writers sending a seeded mix of
//! assessment, warning and acknowledgement writes to the victim node until
//! it is killed, reporting every write the node acknowledged (an OK reply).

use anyhow::{Result, anyhow};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tocsin_client::connect::{NodeClient, WarningClient};
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::process::NodeProcess;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// A write the node answered with OK.
#[derive(Debug, Clone)]
pub(crate) enum Acked {
    /// An assessment (version 1) reached `status` (`pb::AssessmentStatus`).
    Assessment { id: String, status: i32 },
    /// One of the node's own warnings reached `status`.
    Warning { id: String, status: &'static str },
    /// The node acknowledged the peer's warning `id`.
    Acknowledgement { id: String },
}

/// Everything one node acknowledged over the whole run.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) assessments: BTreeMap<String, i32>,
    pub(crate) warnings: BTreeMap<String, &'static str>,
    /// Warnings of the peer this node acknowledged (`received`).
    pub(crate) acks: BTreeSet<String>,
    /// Warnings of the peer received here and not acknowledged yet (nor
    /// attempted: an acknowledgement in flight at the kill is uncertain).
    pub(crate) pool: Arc<Mutex<Vec<String>>>,
}

impl Model {
    pub(crate) fn record(&mut self, write: Acked) {
        match write {
            Acked::Assessment { id, status } => {
                let known = self.assessments.entry(id).or_insert(status);
                *known = (*known).max(status);
            }
            Acked::Warning { id, status } => {
                let known = self.warnings.entry(id).or_insert(status);
                if status == "issued" {
                    *known = status;
                }
            }
            Acked::Acknowledgement { id } => {
                self.acks.insert(id);
            }
        }
    }
}

/// Clients of one node, one per role the workload needs.
#[derive(Clone)]
pub(crate) struct Clients {
    pub(crate) analyst: NodeClient,
    pub(crate) reviewer: NodeClient,
    pub(crate) auditor: NodeClient,
    pub(crate) drafter: WarningClient,
    pub(crate) issuer: WarningClient,
    pub(crate) focal_point: WarningClient,
    pub(crate) observer: WarningClient,
}

impl Clients {
    pub(crate) async fn of(node: &NodeProcess) -> Result<Self> {
        let analyst = node.token("ada", &["analyst"]).await?;
        let reviewer = node.token("rev", &["reviewer"]).await?;
        let focal_point = node.token("fay", &["focal_point"]).await?;
        let auditor = node.token("obs", &["auditor", "admin"]).await?;
        Ok(Self {
            analyst: node.client(&analyst).await?,
            reviewer: node.client(&reviewer).await?,
            auditor: node.client(&auditor).await?,
            drafter: node.warnings(&analyst).await?,
            issuer: node.warnings(&reviewer).await?,
            focal_point: node.warnings(&focal_point).await?,
            observer: node.warnings(&auditor).await?,
        })
    }
}

/// Who writes and about what: the node's organisation, its peer (the
/// addressee of its warnings) and the situation its assessments cover.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub(crate) org: &'static str,
    pub(crate) peer: &'static str,
    pub(crate) situation: pb::SituationSpec,
    /// The published assessment its warnings rest on.
    pub(crate) base: String,
}

impl Side {
    pub(crate) fn assessment(&self, narrative: String) -> pb::AssessmentContent {
        content::with(|c| {
            c.situation = Some(self.situation.clone());
            c.tlp = pb::Tlp::Green as i32;
            c.narrative = narrative;
        })
    }

    pub(crate) fn warning(&self, headline: String) -> pb::WarningContent {
        pb::WarningContent {
            situation: Some(self.situation.clone()),
            assessment_id: self.base.clone(),
            assessment_version: 1,
            level: "warning".into(),
            category: String::new(),
            urgency: "expected".into(),
            severity: "severe".into(),
            certainty: "likely".into(),
            headline,
            description: "Armed groups gather along the northern corridor.".into(),
            instruction: "Send a mediation envoy.".into(),
            addressees: vec![pb::WarningAddressee {
                organisation: self.peer.into(),
                role: "focal_point".into(),
            }],
            expires: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 30 * 86_400,
                nanos: 0,
            }),
            tlp: pb::Tlp::Green as i32,
            risk_factors: vec![],
        }
    }
}

/// Creates, submits and publishes one assessment; reports each step.
pub(crate) async fn publish(
    c: &mut Clients,
    side: &Side,
    text: String,
    tx: &Sink,
) -> Result<String, tonic::Status> {
    let id = c
        .analyst
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(side.assessment(text)),
        })
        .await?
        .into_inner()
        .id;
    tx.ack(Acked::Assessment {
        id: id.clone(),
        status: pb::AssessmentStatus::Draft as i32,
    });
    let step = pb::SubmitAssessmentRequest {
        id: id.clone(),
        version: 1,
    };
    c.analyst.submit_assessment(step).await?;
    tx.ack(Acked::Assessment {
        id: id.clone(),
        status: pb::AssessmentStatus::InReview as i32,
    });
    let step = pb::PublishAssessmentRequest {
        id: id.clone(),
        version: 1,
    };
    c.reviewer.publish_assessment(step).await?;
    tx.ack(Acked::Assessment {
        id: id.clone(),
        status: pb::AssessmentStatus::Published as i32,
    });
    Ok(id)
}

/// Raises and issues one warning to the peer; reports each step.
pub(crate) async fn warn(
    c: &mut Clients,
    side: &Side,
    headline: String,
    tx: &Sink,
) -> Result<String, tonic::Status> {
    let raise = pb::RaiseWarningRequest {
        content: Some(side.warning(headline)),
    };
    let id = c.drafter.raise_warning(raise).await?.into_inner().id;
    tx.ack(Acked::Warning {
        id: id.clone(),
        status: "draft",
    });
    c.issuer
        .issue_warning(pb::IssueWarningRequest { id: id.clone() })
        .await?;
    tx.ack(Acked::Warning {
        id: id.clone(),
        status: "issued",
    });
    Ok(id)
}

/// Where writers report acknowledged writes; a closed receiver is ignored.
#[derive(Clone)]
pub(crate) struct Sink(Option<mpsc::UnboundedSender<Acked>>);

impl Sink {
    /// A sink that forgets (for writes checked some other way).
    pub(crate) fn none() -> Self {
        Self(None)
    }

    fn ack(&self, write: Acked) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(write);
        }
    }
}

/// Writers running against the victim until `killed` is set and their
/// requests fail.
pub(crate) struct Writers {
    pub(crate) acked: mpsc::UnboundedReceiver<Acked>,
    pub(crate) tasks: JoinSet<Result<()>>,
    pub(crate) killed: Arc<AtomicBool>,
}

/// Starts `count` writers on `clients` with seeds derived from `seed`.
pub(crate) fn start(
    clients: &Clients,
    side: &Side,
    pool: &Arc<Mutex<Vec<String>>>,
    seed: u64,
    count: usize,
) -> Writers {
    let (tx, acked) = mpsc::unbounded_channel();
    let killed = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for w in 0..count {
        let (mut c, side, pool) = (clients.clone(), side.clone(), Arc::clone(pool));
        let (sink, killed) = (Sink(Some(tx.clone())), Arc::clone(&killed));
        tasks.spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(w as u64));
            for i in 0.. {
                let text = format!("seed {seed} writer {w} write {i}");
                let written = match rng.random_range(0..3) {
                    0 => publish(&mut c, &side, text, &sink).await.map(drop),
                    1 => warn(&mut c, &side, text, &sink).await.map(drop),
                    _ => acknowledge(&mut c, &side, &pool, &sink).await,
                };
                if let Err(status) = written {
                    if killed.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    return Err(anyhow!("writer {w}: write {i} failed before the kill: {status}"));
                }
            }
            Ok(())
        });
    }
    Writers { acked, tasks, killed }
}

/// Acknowledges one warning of the peer from the pool (or publishes when
/// the pool is empty).
async fn acknowledge(
    c: &mut Clients,
    side: &Side,
    pool: &Mutex<Vec<String>>,
    tx: &Sink,
) -> Result<(), tonic::Status> {
    let next = pool.lock().map_err(|_| tonic::Status::internal("pool"))?.pop();
    let Some(id) = next else {
        return publish(c, side, "pool empty".into(), tx).await.map(drop);
    };
    c.focal_point
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: Some(pb::WarningName {
                sender: side.peer.into(),
                id: id.clone(),
            }),
            kind: "received".into(),
            ..Default::default()
        })
        .await?;
    tx.ack(Acked::Acknowledgement { id });
    Ok(())
}
