//! Bad input over a running node's real gRPC interfaces: malformed protobuf,
//! fields beyond their limits, unknown enum numbers, impossible times, deep
//! nesting, floods of streams and slow-loris connections. Each is refused
//! with a status naming the field at fault (or cut off), changes nothing,
//! and never keeps a well-behaved client from being served.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "bad_input/fields.rs"]
mod fields;
#[path = "bad_input/flood.rs"]
mod flood;
#[path = "bad_input/raw.rs"]
mod raw;
#[path = "bad_input/wire.rs"]
mod wire;

use std::time::{Duration, Instant};

use serde_json::json;
use tocsin_client::connect::{Bearer, authorised, authorised_warnings, connect};
use tocsin_client::verifier::Trust;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::oidc::dev_issuer_token;
use tocsin_tests::{content, warnings};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::{Code, Status};

/// How long any one call may take, bad or good, before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(10);

/// What a bad request must get: one of `codes`, with a message containing
/// each of `names` (the field or value at fault).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expect {
    pub(crate) codes: &'static [Code],
    pub(crate) names: &'static [&'static str],
}

impl Expect {
    /// Why `outcome` of case `name` is wrong, if it is.
    fn fault(
        &self,
        name: &str,
        outcome: Result<Result<(), Status>, tokio::time::error::Elapsed>,
    ) -> Option<String> {
        let status = match outcome {
            Err(_) => return Some(format!("{name}: no answer within {DEADLINE:?}")),
            Ok(Ok(())) => return Some(format!("{name}: accepted")),
            Ok(Err(status)) => status,
        };
        let message: String = status.message().chars().take(300).collect();
        println!("{name}: {:?} {message:?}", status.code());
        if !self.codes.contains(&status.code()) {
            return Some(format!(
                "{name}: {:?} `{message}`, expected one of {:?}",
                status.code(),
                self.codes
            ));
        }
        let missing: Vec<_> = self
            .names
            .iter()
            .filter(|n| !status.message().contains(**n))
            .collect();
        if !missing.is_empty() {
            return Some(format!("{name}: message `{message}` does not name {missing:?}"));
        }
        None
    }
}

/// A node with one published assessment, one draft warning on it and one
/// subscription, and tokens for a user with every role the bad requests
/// need, an observer and a bystander.
#[derive(Debug)]
pub(crate) struct Fixture {
    pub(crate) node: TestNode,
    pub(crate) token: String,
    observer: String,
    bystander: String,
    pub(crate) assessment_id: String,
    pub(crate) draft_id: String,
}

async fn token(node: &TestNode, user: &str, roles: &[&str]) -> String {
    let (status, body) = dev_issuer_token(node.dev_issuer().unwrap(), &json!({"user": user, "roles": roles}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

impl Fixture {
    pub(crate) async fn start() -> Self {
        let node = TestNode::start("ecowas", Issuer::Dev).await.unwrap();
        let token_of = |user, roles| token(&node, user, roles);
        let (token, observer, bystander) = (
            token_of("mal", &["analyst", "reviewer", "focal_point", "auditor"]).await,
            token_of("obs", &["reviewer", "admin"]).await,
            token_of("bob", &["analyst"]).await,
        );
        let assessment_id = warnings::publish(&node, content::valid()).await.unwrap();
        let mut fixture = Self {
            node,
            token,
            observer,
            bystander,
            assessment_id,
            draft_id: String::new(),
        };
        let channel = fixture.node.channel().await.unwrap();
        fixture.draft_id = authorised_warnings(channel.clone(), &fixture.token)
            .unwrap()
            .raise_warning(pb::RaiseWarningRequest {
                content: Some(fixture.warning_content()),
            })
            .await
            .unwrap()
            .into_inner()
            .id;
        SubscriptionServiceClient::with_interceptor(channel, Bearer::new(&fixture.token).unwrap())
            .create_subscription(pb::CreateSubscriptionRequest {
                filters: Some(pb::SubscriptionFilters {
                    countries: vec!["XAA".into()],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap();
        fixture
    }

    /// A valid warning on the published assessment.
    pub(crate) fn warning_content(&self) -> pb::WarningContent {
        pb::WarningContent {
            situation: content::valid().situation,
            assessment_id: self.assessment_id.clone(),
            assessment_version: 1,
            level: "warning".into(),
            urgency: "expected".into(),
            severity: "severe".into(),
            certainty: "likely".into(),
            headline: "Fictional: militias mobilise before the census".into(),
            description: "Fictional: armed groups recruit along the northern corridor.".into(),
            addressees: vec![pb::WarningAddressee {
                organisation: "au".into(),
                role: "focal_point".into(),
            }],
            expires: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 30 * 86_400,
                nanos: 0,
            }),
            tlp: pb::Tlp::Amber as i32,
            ..Default::default()
        }
    }

    /// Everything a bad request might have changed, as the observer sees it.
    pub(crate) async fn snapshot(&self) -> Snapshot {
        let channel = self.node.channel().await.unwrap();
        let mut node = authorised(channel.clone(), &self.observer).unwrap();
        let mut warnings = authorised_warnings(channel.clone(), &self.observer).unwrap();
        let mut subscriptions =
            SubscriptionServiceClient::with_interceptor(channel, Bearer::new(&self.observer).unwrap());
        let all_versions = pb::ListAssessmentsRequest {
            all_versions: true,
            ..Default::default()
        };
        Snapshot {
            assessments: node.list_assessments(all_versions).await.unwrap().into_inner(),
            situations: node
                .list_situations(pb::ListSituationsRequest::default())
                .await
                .unwrap()
                .into_inner(),
            warnings: warnings
                .list_warnings(pb::ListWarningsRequest::default())
                .await
                .unwrap()
                .into_inner(),
            draft: warnings::detail(&mut warnings, "", &self.draft_id).await.unwrap(),
            subscriptions: subscriptions
                .list_subscriptions(pb::ListSubscriptionsRequest {})
                .await
                .unwrap()
                .into_inner(),
        }
    }
}

#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    assessments: pb::ListAssessmentsResponse,
    situations: pb::ListSituationsResponse,
    warnings: pb::ListWarningsResponse,
    draft: pb::WarningDetail,
    subscriptions: pb::ListSubscriptionsResponse,
}

/// A well-behaved client calling the node every 100 ms, each time over a
/// new connection, until finished; it stops at the first call that errs or
/// takes longer than `DEADLINE`.
#[derive(Debug)]
pub(crate) struct Bystander {
    stop: watch::Sender<bool>,
    rounds: watch::Receiver<u32>,
    task: JoinHandle<Result<Served, String>>,
}

#[derive(Debug)]
pub(crate) struct Served {
    pub(crate) rounds: u32,
    pub(crate) slowest: Duration,
}

impl Bystander {
    /// Starts calling; returns once the first round has succeeded.
    pub(crate) async fn start(fixture: &Fixture) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let (progress, rounds) = watch::channel(0);
        let (url, pin, token) = (
            fixture.node.url.clone(),
            fixture.node.fingerprint,
            fixture.bystander.clone(),
        );
        let task = tokio::spawn(async move {
            let mut served = Served {
                rounds: 0,
                slowest: Duration::ZERO,
            };
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = stopped.changed() => return Ok(served),
                    _ = tick.tick() => {}
                }
                let started = Instant::now();
                let round = async {
                    let channel = connect(&url, &Trust::Pin(pin)).await.map_err(|e| e.to_string())?;
                    let mut client = authorised(channel, &token).map_err(|e| e.to_string())?;
                    client
                        .who_am_i(pb::WhoAmIRequest {})
                        .await
                        .map_err(|e| e.to_string())?;
                    client
                        .list_assessments(pb::ListAssessmentsRequest::default())
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>(())
                };
                match tokio::time::timeout(DEADLINE, round).await {
                    Err(_) => return Err(format!("round {} took over {DEADLINE:?}", served.rounds + 1)),
                    Ok(Err(e)) => return Err(format!("round {} failed: {e}", served.rounds + 1)),
                    Ok(Ok(())) => {}
                }
                // A timer on a starved runtime fires late: measure as well.
                let took = started.elapsed();
                if took >= DEADLINE {
                    return Err(format!("round {} took {took:?}", served.rounds + 1));
                }
                served.rounds += 1;
                served.slowest = served.slowest.max(took);
                progress.send_replace(served.rounds);
            }
        });
        let mut bystander = Self { stop, rounds, task };
        bystander.serve(1).await;
        bystander
    }

    /// Waits until `more` further rounds have succeeded; panics with the
    /// bystander's failure if one fails first.
    pub(crate) async fn serve(&mut self, more: u32) {
        let target = *self.rounds.borrow() + more;
        let reached = tokio::time::timeout(DEADLINE * more, self.rounds.wait_for(|r| *r >= target)).await;
        if !matches!(reached, Ok(Ok(_))) {
            let failure = if self.task.is_finished() {
                match (&mut self.task).await {
                    Ok(Err(e)) => e,
                    other => format!("it stopped: {other:?}"),
                }
            } else {
                format!("fewer than {more} rounds within {:?}", DEADLINE * more)
            };
            panic!("a well-behaved client was not served: {failure}");
        }
    }

    /// Stops calling; panics if any call failed or was too slow.
    pub(crate) async fn finish(self) -> Served {
        self.stop.send_replace(true);
        let served = self
            .task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("a well-behaved client was not served: {e}"));
        println!("bystander: {served:?}");
        served
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bytes_are_refused_and_change_nothing() {
    let fixture = Fixture::start().await;
    let bystander = Bystander::start(&fixture).await;
    let channel = fixture.node.channel().await.unwrap();
    // The raw path itself works: a well-formed request is answered.
    let reply = raw::call(
        channel.clone(),
        &fixture.token,
        wire::GET_PATH,
        wire::valid_get(&fixture),
    )
    .await
    .unwrap();
    let got: pb::Assessment = prost::Message::decode(reply.as_slice()).unwrap();
    assert_eq!(got.id, fixture.assessment_id);

    let mut faults = Vec::new();
    for case in wire::cases(&fixture) {
        let before = fixture.snapshot().await;
        let outcome = tokio::time::timeout(
            DEADLINE,
            raw::call(channel.clone(), &fixture.token, case.path, case.body),
        )
        .await;
        faults.extend(case.expect.fault(case.name, outcome.map(|r| r.map(drop))));
        if fixture.snapshot().await != before {
            faults.push(format!("{}: the node's state changed", case.name));
        }
    }
    bystander.finish().await;
    // The same connection still serves well-formed requests.
    raw::call(channel, &fixture.token, wire::GET_PATH, wire::valid_get(&fixture))
        .await
        .unwrap();
    assert!(
        faults.is_empty(),
        "{} bad cases:\n{}",
        faults.len(),
        faults.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_at_fault_are_refused_by_name_and_change_nothing() {
    let fixture = Fixture::start().await;
    let bystander = Bystander::start(&fixture).await;
    let mut clients = fields::Clients::new(&fixture).await;
    let mut faults = Vec::new();
    for case in fields::cases(&fixture) {
        let before = fixture.snapshot().await;
        let started = Instant::now();
        let outcome = tokio::time::timeout(DEADLINE, clients.send(case.call)).await;
        println!("{}: answered in {:?}", case.name, started.elapsed());
        faults.extend(case.expect.fault(case.name, outcome));
        if fixture.snapshot().await != before {
            faults.push(format!("{}: the node's state changed", case.name));
        }
    }
    bystander.finish().await;
    assert!(
        faults.is_empty(),
        "{} bad cases:\n{}",
        faults.len(),
        faults.join("\n")
    );
}
