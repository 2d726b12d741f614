//! The node pair and what the matrix is tried against: the AU's node with
//! its own assessments (draft, in review, published, withdrawn by a known
//! author), its own warnings (a draft, one issued to itself), and a warning
//! and an assessment summary received from ECOWAS; clients of the four
//! services with or without a token; and a snapshot of the AU's state to
//! show that a denied write changed nothing.

use serde_json::json;
use std::time::Duration;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_client::AuditServiceClient;
use tocsin_proto::v1::node_service_client::NodeServiceClient;
use tocsin_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tocsin_proto::v1::warning_service_client::WarningServiceClient;
use tocsin_server::model::caller::Role;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, OrgSpec};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// The node under test, and the organisation whose data it receives.
pub(crate) const HOME: &str = "au";
pub(crate) const OTHER: &str = "ecowas";

const CONVERGENCE: Duration = Duration::from_secs(30);

/// Adds `authorization: Bearer <token>` when there is a token.
#[derive(Clone)]
pub(crate) struct Auth(Option<MetadataValue<Ascii>>);

impl Interceptor for Auth {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert("authorization", value.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Auth>;

/// One caller's clients of the four services, over one channel.
#[derive(Clone)]
pub(crate) struct Clients {
    pub(crate) node: NodeServiceClient<Authed>,
    pub(crate) warnings: WarningServiceClient<Authed>,
    pub(crate) subscriptions: SubscriptionServiceClient<Authed>,
    pub(crate) audit: AuditServiceClient<Authed>,
}

impl Clients {
    pub(crate) fn new(channel: Channel, token: Option<&str>) -> Self {
        let auth = Auth(token.map(|t| format!("Bearer {t}").parse().unwrap()));
        Self {
            node: NodeServiceClient::with_interceptor(channel.clone(), auth.clone()),
            warnings: WarningServiceClient::with_interceptor(channel.clone(), auth.clone()),
            subscriptions: SubscriptionServiceClient::with_interceptor(channel.clone(), auth.clone()),
            audit: AuditServiceClient::with_interceptor(channel, auth),
        }
    }

    /// `user` of `node`'s development issuer with `roles`.
    pub(crate) async fn of(node: &TestNode, user: &str, roles: &[Role]) -> Self {
        let token = token(node, user, roles).await;
        Self::new(node.channel().await.unwrap(), Some(&token))
    }
}

pub(crate) async fn token(node: &TestNode, user: &str, roles: &[Role]) -> String {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let (status, body) = dev_issuer_token(node.dev_issuer().unwrap(), &json!({"user": user, "roles": roles}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

/// The AU subscribes to ECOWAS; ECOWAS shares summaries with the AU.
pub(crate) fn specs() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: HOME,
            kind: "regional_body",
            groups: &["au"],
            sharing: Some("au"),
            subscribe: &[OTHER],
        },
        OrgSpec {
            id: OTHER,
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &[],
        },
    ]
}

/// The AU's staff who prepare fixtures; none of them is a column's user.
pub(crate) struct Staff {
    pub(crate) analyst: Clients,
    pub(crate) reviewer: Clients,
    pub(crate) decider: Clients,
    /// Owns the other user's subscriptions.
    pub(crate) someone: Clients,
    /// Reads everything a snapshot shows.
    pub(crate) observer: Clients,
}

impl Staff {
    pub(crate) async fn of(node: &TestNode) -> Self {
        Self {
            analyst: Clients::of(node, "ada", &[Role::Analyst]).await,
            reviewer: Clients::of(node, "rev", &[Role::Reviewer]).await,
            decider: Clients::of(node, "dm", &[Role::DecisionMaker]).await,
            someone: Clients::of(node, "sam", &[Role::FocalPoint]).await,
            observer: Clients::of(node, "obs", &[Role::Analyst, Role::Reviewer, Role::Admin]).await,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Draft,
    InReview,
    Published,
    Withdrawn,
}

/// An assessment of `content` written by `author`, taken to `stage` by `reviewer`.
pub(crate) async fn assessment(
    author: &Clients,
    reviewer: &Clients,
    content: pb::AssessmentContent,
    stage: Stage,
) -> String {
    let mut author = author.node.clone();
    let mut reviewer = reviewer.node.clone();
    let id = author
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(content),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    if stage == Stage::Draft {
        return id;
    }
    let version = 1;
    author
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.clone(),
            version,
        })
        .await
        .unwrap();
    if stage == Stage::InReview {
        return id;
    }
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.clone(),
            version,
        })
        .await
        .unwrap();
    if stage == Stage::Withdrawn {
        reviewer
            .withdraw_assessment(pb::WithdrawAssessmentRequest {
                id: id.clone(),
                version,
                reason: "the field report was recanted".into(),
            })
            .await
            .unwrap();
    }
    id
}

/// A warning resting on version 1 of `assessment` about `country`, to `to`'s
/// decision-makers.
pub(crate) fn warning_content(assessment: &str, country: &str, to: &str) -> pb::WarningContent {
    let mut situation = content::valid().situation;
    if let Some(s) = situation.as_mut() {
        s.countries = vec![country.to_owned()];
        s.title = format!("Northern {country}");
    }
    pb::WarningContent {
        situation,
        assessment_id: assessment.to_owned(),
        assessment_version: 1,
        level: "warning".into(),
        category: String::new(),
        urgency: "expected".into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: format!("Hate speech surges in Northern {country}"),
        description: "Local radio calls for the expulsion of herders.".into(),
        instruction: "Brief the council.".into(),
        addressees: vec![pb::WarningAddressee {
            organisation: to.to_owned(),
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

/// Raises `content` as `analyst`; issues it as `reviewer` when asked.
pub(crate) async fn warning(
    analyst: &Clients,
    reviewer: &Clients,
    content: pb::WarningContent,
    issue: bool,
) -> String {
    let id = analyst
        .warnings
        .clone()
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(content),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    if issue {
        reviewer
            .warnings
            .clone()
            .issue_warning(pb::IssueWarningRequest { id: id.clone() })
            .await
            .unwrap();
    }
    id
}

/// What the calls are aimed at, on the AU's node.
pub(crate) struct Fixtures {
    pub(crate) draft: String,
    pub(crate) in_review: String,
    pub(crate) published: String,
    pub(crate) withdrawn: String,
    /// ECOWAS's published assessment, known here only as a shared summary.
    pub(crate) others_assessment: String,
    /// The AU's draft warning and its warning issued to itself.
    pub(crate) warning_draft: String,
    pub(crate) warning_issued: String,
    /// ECOWAS's warning to the AU, received.
    pub(crate) received: String,
    /// Content for the AU's new warnings.
    pub(crate) content: pb::WarningContent,
}

impl Fixtures {
    /// Prepares both nodes; returns once the AU holds what ECOWAS sent.
    pub(crate) async fn prepare(federation: &LocalFederation, staff: &Staff) -> Self {
        let other = federation.node(OTHER).unwrap();
        // ECOWAS: a GREEN assessment of XAB, and a warning on it to the AU.
        let (eco_analyst, eco_reviewer) = (
            Clients::of(other, "ada", &[Role::Analyst]).await,
            Clients::of(other, "rev", &[Role::Reviewer]).await,
        );
        let xab = content::with(|c| {
            c.tlp = pb::Tlp::Green as i32;
            if let Some(s) = c.situation.as_mut() {
                s.countries = vec!["XAB".into()];
                s.title = "Northern XAB".into();
            }
        });
        let others_assessment = assessment(&eco_analyst, &eco_reviewer, xab, Stage::Published).await;
        let to_au = warning_content(&others_assessment, "XAB", HOME);
        let received = warning(&eco_analyst, &eco_reviewer, to_au, true).await;

        // The AU's own assessments, all by `ada`.
        let (a, r) = (&staff.analyst, &staff.reviewer);
        let draft = assessment(a, r, content::valid(), Stage::Draft).await;
        let in_review = assessment(a, r, content::valid(), Stage::InReview).await;
        let published = assessment(a, r, content::valid(), Stage::Published).await;
        let withdrawn = assessment(a, r, content::valid(), Stage::Withdrawn).await;
        let content = warning_content(&published, "XAA", HOME);
        let warning_draft = warning(a, r, content.clone(), false).await;
        let warning_issued = warning(a, r, content.clone(), true).await;

        // Wait for ECOWAS's summary and warning to arrive and be folded in.
        federation
            .wait_for_inbox(HOME, |i| {
                i.iter().any(|e| e.statement_id.contains(&others_assessment))
            })
            .await
            .unwrap();
        let mut events = staff
            .observer
            .warnings
            .clone()
            .watch_warnings(pb::WatchWarningsRequest::default())
            .await
            .unwrap()
            .into_inner();
        tokio::time::timeout(CONVERGENCE, async {
            loop {
                let event = events.message().await.unwrap().expect("the stream ended");
                if event.kind == "received" && event.warning.is_some_and(|w| w.id == received) {
                    return;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("ECOWAS's warning did not reach the AU within {CONVERGENCE:?}"));
        Self {
            draft,
            in_review,
            published,
            withdrawn,
            others_assessment,
            warning_draft,
            warning_issued,
            received,
            content,
        }
    }
}
