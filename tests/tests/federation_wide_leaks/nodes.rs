//! The leak check's five node processes, logging at trace level, and what
//! it does through their APIs: publish, issue warnings, and wait on each
//! node's `WatchWarnings` for warnings to arrive.

use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::time::Duration;
use tempfile::TempDir;
use tocsin_client::connect::{NodeClient, WarningClient, authorised_warnings, connect};
use tocsin_client::verifier::Trust;
use tocsin_proto::v1 as pb;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::process::NodeProcess;

const NODE: &str = env!("CARGO_BIN_EXE_node-under-test");
/// Longest a wait for warnings to arrive may take.
const ARRIVAL: Duration = Duration::from_secs(60);

pub(crate) struct Node {
    pub(crate) org: &'static str,
    pub(crate) process: NodeProcess,
    pub(crate) data: TempDir,
}

impl Node {
    pub(crate) async fn start(files: &FederationFiles, org: &'static str) -> Result<Self> {
        let data = tempfile::tempdir()?;
        let env = files.node_env(org, data.path())?;
        let process = NodeProcess::start_env(NODE, data.path(), &[], "trace", &env)
            .await
            .with_context(|| format!("starting `{org}`"))?;
        Ok(Self { org, process, data })
    }

    pub(crate) async fn node(&self, role: &str) -> Result<NodeClient> {
        let token = self.process.token(role, &[role]).await?;
        self.process.client(&token).await
    }

    pub(crate) async fn warnings(&self, role: &str) -> Result<WarningClient> {
        let token = self.process.token(role, &[role]).await?;
        let channel = connect(&self.process.url, &Trust::Pin(self.process.fingerprint)).await?;
        Ok(authorised_warnings(channel, &token)?)
    }

    /// Creates, submits and publishes each of `contents`; returns the ids.
    pub(crate) async fn publish(&self, contents: Vec<pb::AssessmentContent>) -> Result<Vec<String>> {
        let (mut analyst, mut reviewer) = (self.node("analyst").await?, self.node("reviewer").await?);
        let mut ids = Vec::new();
        for content in contents {
            let id = analyst
                .create_assessment(pb::CreateAssessmentRequest {
                    content: Some(content),
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
            ids.push(id);
        }
        Ok(ids)
    }

    /// Raises and issues `content`; returns the warning's id.
    pub(crate) async fn issue(&self, content: pb::WarningContent) -> Result<String> {
        let draft = self
            .warnings("analyst")
            .await?
            .raise_warning(pb::RaiseWarningRequest {
                content: Some(content),
            })
            .await?
            .into_inner();
        let issued = self
            .warnings("reviewer")
            .await?
            .issue_warning(pb::IssueWarningRequest { id: draft.id })
            .await?
            .into_inner();
        Ok(issued.id)
    }

    /// Waits until warnings `wanted` (sender, id) have all arrived here.
    pub(crate) async fn wait_for(&self, mut wanted: BTreeSet<(String, String)>) -> Result<()> {
        let mut stream = self
            .warnings("auditor")
            .await?
            .watch_warnings(pb::WatchWarningsRequest::default())
            .await?
            .into_inner();
        let org = self.org;
        let wait = async {
            while !wanted.is_empty() {
                let event = stream
                    .message()
                    .await?
                    .with_context(|| format!("the warning feed of `{org}` ended"))?;
                if let (Some(w), "received") = (&event.warning, event.kind.as_str()) {
                    wanted.remove(&(w.sender.clone(), w.id.clone()));
                }
            }
            Ok::<_, anyhow::Error>(())
        };
        match tokio::time::timeout(ARRIVAL, wait).await {
            Ok(done) => done,
            Err(_) => bail!("`{org}` still waits for {wanted:?} after {ARRIVAL:?}"),
        }
    }
}

/// A warning about `countries` resting on version 1 of `assessment`, with
/// `text` as headline, description and instruction.
pub(crate) fn warning(
    assessment: &str,
    countries: &[&str],
    text: &str,
    tlp: pb::Tlp,
    to: &[&str],
) -> pb::WarningContent {
    pb::WarningContent {
        situation: Some(pb::SituationSpec {
            title: "Warning situation".into(),
            countries: countries.iter().map(|c| (*c).to_owned()).collect(),
            admin1: vec![],
            admin2: vec![],
            crimes_at_risk: vec![pb::Crime::CrimesAgainstHumanity as i32],
            protected_groups: vec![pb::ProtectedGroup {
                basis: "ethnic".into(),
                label: "Herders".into(),
            }],
        }),
        assessment_id: assessment.to_owned(),
        assessment_version: 1,
        level: "warning".into(),
        category: String::new(),
        urgency: "expected".into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: text.to_owned(),
        description: text.to_owned(),
        instruction: text.to_owned(),
        addressees: to
            .iter()
            .map(|org| pb::WarningAddressee {
                organisation: (*org).to_owned(),
                role: "focal_point".into(),
            })
            .collect(),
        expires: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() + 30 * 86_400,
            nanos: 0,
        }),
        tlp: tlp as i32,
        risk_factors: vec![],
    }
}
