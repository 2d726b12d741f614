//! Subscriptions and webhooks against real nodes: deliveries to a real HTTPS
//! receiver that was down for a while, exactly once across a restart; dead
//! letters and their replay; subscription filters through `WatchWarnings`;
//! the rights around it all; AMBER content withheld from webhooks; and
//! deliveries through a link that drops, stalls and cuts connections.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::path::Path;
use std::time::Duration;
use tocsin_client::connect::{Bearer, WarningClient, authorised_warnings};
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tocsin_tests::content;
use tocsin_tests::https_receiver::{Delivery, Pki};
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::oidc::dev_issuer_token;
use tonic::Streaming;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

#[path = "webhooks/dead_letters.rs"]
mod dead_letters;
#[path = "webhooks/delivery.rs"]
mod delivery;
#[path = "webhooks/faults.rs"]
mod faults;
#[path = "webhooks/filters.rs"]
mod filters;

/// The longest any condition is waited for.
const DEADLINE: Duration = Duration::from_secs(30);
/// How often a condition nothing signals (the webhook queue) is looked at.
const POLL: Duration = Duration::from_millis(100);
const ORG: &str = "ecowas";
const SECRET: &str = "webhook-secret-for-tests-0001";

type SubscriptionClient = SubscriptionServiceClient<InterceptedService<Channel, Bearer>>;

/// The `[webhooks]` settings of a test node: trust `ca`, retry after 1 s,
/// then 2 s.
fn webhook_env(ca: &Path, max_attempts: u32) -> Vec<(String, String)> {
    vec![
        ("TOCSIN_WEBHOOKS_CA_CERT".into(), ca.display().to_string()),
        ("TOCSIN_WEBHOOKS_FIRST_RETRY".into(), "1s".into()),
        ("TOCSIN_WEBHOOKS_LAST_RETRY".into(), "2s".into()),
        ("TOCSIN_WEBHOOKS_MAX_ATTEMPTS".into(), max_attempts.to_string()),
    ]
}

/// A node of `ORG` with its development issuer and `env`.
async fn start(env: &[(String, String)]) -> TestNode {
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestNode::start_with(ORG, Issuer::Dev, &vars).await.unwrap()
}

/// Shuts `node` down and starts it again on the same data directory with
/// `env`.
async fn restart(node: &mut TestNode, env: &[(String, String)]) {
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    node.restart(&vars).await.unwrap();
}

async fn token(node: &TestNode, user: &str, role: &str) -> String {
    let (status, body) = dev_issuer_token(
        node.dev_issuer().unwrap(),
        &json!({"user": user, "roles": [role]}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

async fn warnings(node: &TestNode, user: &str, role: &str) -> WarningClient {
    authorised_warnings(node.channel().await.unwrap(), &token(node, user, role).await).unwrap()
}

async fn subscriptions(node: &TestNode, user: &str, role: &str) -> SubscriptionClient {
    let bearer = Bearer::new(&token(node, user, role).await).unwrap();
    SubscriptionServiceClient::with_interceptor(node.channel().await.unwrap(), bearer)
}

fn filters_for(countries: &[&str]) -> Option<pb::SubscriptionFilters> {
    Some(pb::SubscriptionFilters {
        countries: countries.iter().map(|c| (*c).to_owned()).collect(),
        ..Default::default()
    })
}

/// An admin's webhook subscription to `url`.
async fn webhook_subscription(node: &TestNode, url: &str, countries: &[&str]) -> pb::Subscription {
    let mut admin = subscriptions(node, "root", "admin").await;
    let created = admin
        .create_subscription(pb::CreateSubscriptionRequest {
            filters: filters_for(countries),
            webhook_url: url.to_owned(),
            webhook_secret: SECRET.to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(created.has_webhook, "{created:?}");
    assert_eq!(created.webhook_url, url);
    assert!(!format!("{created:?}").contains(SECRET), "{created:?}");
    created
}

/// Publishes a TLP:GREEN assessment of `country`; its id.
async fn publish(node: &TestNode, country: &str) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let body = content::with(|c| {
        c.tlp = pb::Tlp::Green as i32;
        let situation = c.situation.as_mut().unwrap();
        situation.title = format!("Northern {country}");
        situation.countries = vec![country.to_owned()];
    });
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap()
        .into_inner()
        .id;
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    id
}

/// What a test warning is about.
struct About<'a> {
    assessment: &'a str,
    country: &'a str,
    level: &'a str,
    crime: pb::Crime,
    tlp: pb::Tlp,
    headline: &'a str,
}

/// Warning content addressed to this node's own decision-makers, so that
/// one node can answer what it sent.
fn warning_content(about: &About<'_>) -> pb::WarningContent {
    let mut situation = content::valid().situation.unwrap();
    situation.title = format!("Northern {}", about.country);
    situation.countries = vec![about.country.to_owned()];
    situation.crimes_at_risk = vec![about.crime as i32];
    pb::WarningContent {
        situation: Some(situation),
        assessment_id: about.assessment.to_owned(),
        assessment_version: 1,
        level: about.level.to_owned(),
        category: String::new(),
        urgency: "Expected".into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: about.headline.to_owned(),
        description: format!("Description of: {}", about.headline),
        instruction: format!("Instruction for: {}", about.headline),
        addressees: vec![pb::WarningAddressee {
            organisation: ORG.into(),
            role: "decision_maker".into(),
        }],
        expires: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() + 30 * 86_400,
            nanos: 0,
        }),
        tlp: about.tlp as i32,
        risk_factors: vec![],
    }
}

/// Raises and issues a warning; the issued warning.
async fn raise_and_issue(node: &TestNode, about: &About<'_>) -> pb::Warning {
    let mut analyst = warnings(node, "ada", "analyst").await;
    let mut reviewer = warnings(node, "rev", "reviewer").await;
    let draft = analyst
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(warning_content(about)),
        })
        .await
        .unwrap()
        .into_inner();
    let issued = reviewer
        .issue_warning(pb::IssueWarningRequest { id: draft.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.status, "issued");
    issued
}

fn name(id: &str) -> Option<pb::WarningName> {
    Some(pb::WarningName {
        sender: ORG.into(),
        id: id.to_owned(),
    })
}

/// This node, as the addressee of its own warning `id`, acknowledges it.
async fn acknowledge(node: &TestNode, id: &str) {
    let mut decider = warnings(node, "dm", "decision_maker").await;
    decider
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: name(id),
            kind: "accepted_for_action".into(),
            ..Default::default()
        })
        .await
        .unwrap();
}

/// Decides to act on warning `id` and records an action; the decision's id.
async fn decide_and_act(node: &TestNode, id: &str) -> String {
    let mut decider = warnings(node, "dm", "decision_maker").await;
    let decided = decider
        .decide_warning(pb::DecideWarningRequest {
            warning: name(id),
            kind: "act".into(),
            justification: "Mediation window before the census.".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let decision = decided.decisions[0].id.clone();
    decider
        .record_action(pb::RecordActionRequest {
            warning: name(id),
            decision_id: decision.clone(),
            kind: "mediation".into(),
            description: "Envoy to the northern districts.".into(),
            owner: String::new(),
            due: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 7 * 86_400,
                nanos: 0,
            }),
        })
        .await
        .unwrap();
    decision
}

/// The `event` field of each delivery, in order.
fn kinds(got: &[Delivery]) -> Vec<&str> {
    got.iter()
        .map(|d| d.body["event"].as_str().unwrap_or("?"))
        .collect()
}

/// Whether a delivery of event `kind` about warning `id` was taken.
fn has(got: &[Delivery], id: &str, kind: &str) -> bool {
    got.iter()
        .any(|d| d.accepted() && d.body["warning"]["id"] == id && d.body["event"] == kind)
}

/// How many deliveries with id `delivery` the receiver took.
fn accepted(got: &[Delivery], delivery: &str) -> usize {
    got.iter().filter(|d| d.accepted() && d.id == delivery).count()
}

/// Events from `stream` up to and including the first that `last` accepts.
async fn events_until(
    stream: &mut Streaming<pb::WarningEvent>,
    last: impl Fn(&pb::WarningEvent) -> bool,
) -> Vec<pb::WarningEvent> {
    let mut seen = Vec::new();
    let wait = async {
        loop {
            let event = stream.message().await.unwrap().expect("the stream ended");
            let done = last(&event);
            seen.push(event);
            if done {
                return;
            }
        }
    };
    if tokio::time::timeout(DEADLINE, wait).await.is_err() {
        panic!("the awaited event did not come within {DEADLINE:?}; seen {seen:?}");
    }
    seen
}

/// Waits until `check` returns something; it is asked every `POLL` until
/// `DEADLINE`, for state nothing signals.
async fn eventually<T, F>(what: &str, mut check: impl FnMut() -> F) -> T
where
    F: std::future::Future<Output = Option<T>>,
{
    let started = tokio::time::Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(started.elapsed() < DEADLINE, "{what}: not within {DEADLINE:?}");
        tokio::time::sleep(POLL).await;
    }
}
