//! Warning scenarios across a test federation: clients by role, publishing
//! the assessment a warning rests on, and waiting — on `WatchWarnings`
//! events, never on a timer — for an event or for a warning's state, with a
//! deadline that names what was seen.

use anyhow::{Context, Result, anyhow, bail, ensure};
use serde_json::json;
use tocsin_client::connect::{WarningClient, authorised_warnings};
use tocsin_proto::v1 as pb;
use tonic::Streaming;

use crate::federation::CONVERGENCE;
use crate::node::TestNode;
use crate::oidc::dev_issuer_token;

/// An ID token for `user` with `role` from `node`'s development issuer.
pub async fn token(node: &TestNode, user: &str, role: &str) -> Result<String> {
    let (status, body) =
        dev_issuer_token(node.dev_issuer()?, &json!({"user": user, "roles": [role]})).await?;
    ensure!(status == 200, "the development issuer answered {status}: {body}");
    body["id_token"]
        .as_str()
        .map(str::to_owned)
        .context("no `id_token` in the issuer's answer")
}

/// A `WarningService` client of `node` acting as `user` with `role`.
pub async fn client(node: &TestNode, user: &str, role: &str) -> Result<WarningClient> {
    let token = token(node, user, role).await?;
    Ok(authorised_warnings(node.channel().await?, &token)?)
}

/// Creates, submits and publishes `content` at `node` (analyst, then
/// reviewer); returns the assessment's id (version 1).
pub async fn publish(node: &TestNode, content: pb::AssessmentContent) -> Result<String> {
    let mut analyst = node.client(&token(node, "ada", "analyst").await?).await?;
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await?).await?;
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

/// A TLP:GREEN warning of northern XAA to the AU's decision-makers with
/// `headline`, resting on version 1 of `assessment`, expiring in 30 days.
pub fn to_au(assessment: &str, headline: &str) -> pb::WarningContent {
    addressed_to("au", assessment, headline)
}

/// A TLP:GREEN warning of northern XAA to `organisation`'s decision-makers
/// with `headline`, resting on version 1 of `assessment`, expiring in 30
/// days.
pub fn addressed_to(organisation: &str, assessment: &str, headline: &str) -> pb::WarningContent {
    pb::WarningContent {
        situation: crate::content::valid().situation,
        assessment_id: assessment.to_owned(),
        assessment_version: 1,
        level: "warning".into(),
        category: String::new(),
        urgency: "Expected".into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: headline.into(),
        description: "Local radio calls for the expulsion of herders.".into(),
        instruction: "Brief the council that decides.".into(),
        addressees: vec![pb::WarningAddressee {
            organisation: organisation.into(),
            role: "decision_maker".into(),
        }],
        expires: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() + 30 * 86_400,
            nanos: 0,
        }),
        tlp: pb::Tlp::Green as i32,
        risk_factors: vec![],
    }
}

/// Raises `content` at `node` (analyst) and issues it (reviewer); returns
/// the warning's id.
pub async fn issue(node: &TestNode, content: pb::WarningContent) -> Result<String> {
    let mut analyst = client(node, "ada", "analyst").await?;
    let mut reviewer = client(node, "rev", "reviewer").await?;
    let draft = analyst
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(content),
        })
        .await?
        .into_inner();
    reviewer
        .issue_warning(pb::IssueWarningRequest { id: draft.id.clone() })
        .await?;
    Ok(draft.id)
}

/// The name of warning `id` of `sender` (empty: the node's own).
pub fn name(sender: &str, id: &str) -> Option<pb::WarningName> {
    Some(pb::WarningName {
        sender: sender.to_owned(),
        id: id.to_owned(),
    })
}

/// Everything `client`'s node recorded about warning `sender`/`id`.
pub async fn detail(client: &mut WarningClient, sender: &str, id: &str) -> Result<pb::WarningDetail> {
    let name = name(sender, id).context("a name")?;
    Ok(client.get_warning(name).await?.into_inner())
}

/// The event names of a warning's timeline, in order.
pub fn events(detail: &pb::WarningDetail) -> Vec<&str> {
    detail.timeline.iter().map(|e| e.event.as_str()).collect()
}

/// A `WatchWarnings` stream of one node from its beginning, remembering
/// what it saw so a timeout can say so.
pub struct Watch {
    node: String,
    stream: Streaming<pb::WarningEvent>,
    seen: Vec<String>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("node", &self.node)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// Watches every warning event of `node`, as an auditor.
    pub async fn start(node: &TestNode) -> Result<Self> {
        let mut auditor = client(node, "obs", "auditor").await?;
        let stream = auditor
            .watch_warnings(pb::WatchWarningsRequest::default())
            .await?
            .into_inner();
        Ok(Self {
            node: node.organisation.clone(),
            stream,
            seen: Vec::new(),
        })
    }

    /// The next event of `kind` about warning `id`; fails after
    /// `CONVERGENCE`, listing the events seen.
    pub async fn next(&mut self, kind: &str, id: &str) -> Result<pb::WarningEvent> {
        let what = format!("`{kind}` of warning `{id}`");
        self.next_where(&what, |e| {
            e.kind == kind && e.warning.as_ref().is_some_and(|w| w.id == id)
        })
        .await
    }

    /// The next event satisfying `wanted`; fails after `CONVERGENCE`.
    pub async fn next_where(
        &mut self,
        what: &str,
        wanted: impl Fn(&pb::WarningEvent) -> bool,
    ) -> Result<pb::WarningEvent> {
        let Self { node, stream, seen } = self;
        let found = tokio::time::timeout(CONVERGENCE, async {
            loop {
                let event = stream
                    .message()
                    .await?
                    .ok_or_else(|| anyhow!("the warning feed of `{node}` ended"))?;
                let id = event.warning.as_ref().map(|w| w.id.as_str()).unwrap_or_default();
                seen.push(format!("{} {id}: {}", event.kind, event.text));
                if wanted(&event) {
                    return Ok::<_, anyhow::Error>(event);
                }
            }
        })
        .await;
        match found {
            Ok(event) => event,
            Err(_) => bail!(
                "no {what} at `{}` within {CONVERGENCE:?}; it saw {:?}",
                self.node,
                self.seen
            ),
        }
    }
}

/// Waits until `client`'s node holds warning `sender`/`id` and `done`
/// holds of it, re-reading it on each of the node's warning events; fails
/// after `CONVERGENCE` with the last state read.
pub async fn wait_for(
    node: &TestNode,
    sender: &str,
    id: &str,
    done: impl Fn(&pb::WarningDetail) -> bool,
) -> Result<pb::WarningDetail> {
    let mut reader = client(node, "obs", "auditor").await?;
    let mut feed = reader
        .watch_warnings(pb::WatchWarningsRequest::default())
        .await?
        .into_inner();
    let mut last = None;
    let wait = async {
        loop {
            match detail(&mut reader, sender, id).await {
                Ok(found) if done(&found) => return Ok::<_, anyhow::Error>(found),
                Ok(found) => last = Some(found),
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(e),
            }
            feed.message()
                .await?
                .with_context(|| format!("the warning feed of `{}` ended", node.organisation))?;
        }
    };
    match tokio::time::timeout(CONVERGENCE, wait).await {
        Ok(found) => found,
        Err(_) => bail!(
            "warning `{sender}/{id}` at `{}` did not reach the expected state within {CONVERGENCE:?}; last seen {last:?}",
            node.organisation
        ),
    }
}

fn is_not_found(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<tonic::Status>()
        .is_some_and(|s| s.code() == tonic::Code::NotFound)
}
