//! The node API over real TLS with tokens from a real OpenID provider: every
//! RPC for every role, token failures, invalid input, illegal steps.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::node_service_client::NodeServiceClient;
use tocsin_tests::content;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::oidc::{MintKey, OidcProvider, TestClient};
use tonic::Code;

const ROLES: [&str; 7] = [
    "analyst",
    "reviewer",
    "focal_point",
    "decision_maker",
    "admin",
    "auditor",
    "none",
];

struct Federation {
    provider: OidcProvider,
    node: TestNode,
    tokens: BTreeMap<&'static str, String>,
}

/// A provider, a node trusting it, and one user per role (user = role name;
/// `none` has no role).
async fn federation() -> Federation {
    let provider = OidcProvider::start().await.unwrap();
    let node = TestNode::start("ecowas", Issuer::Provider(&provider))
        .await
        .unwrap();
    let mut tokens = BTreeMap::new();
    for role in ROLES {
        let roles: &[&str] = if role == "none" { &[] } else { &[role] };
        tokens.insert(role, provider.id_token(role, roles).await.unwrap());
    }
    Federation {
        provider,
        node,
        tokens,
    }
}

impl Federation {
    async fn client(&self, role: &str) -> tocsin_client::connect::NodeClient {
        self.node.client(&self.tokens[role]).await.unwrap()
    }

    /// A fresh assessment by the analyst, taken to `stage`.
    async fn assessment(&self, stage: pb::AssessmentStatus) -> pb::Assessment {
        let mut analyst = self.client("analyst").await;
        let created = analyst
            .create_assessment(pb::CreateAssessmentRequest {
                content: Some(content::valid()),
            })
            .await
            .unwrap()
            .into_inner();
        if stage == pb::AssessmentStatus::Draft {
            return created;
        }
        let submitted = analyst
            .submit_assessment(pb::SubmitAssessmentRequest {
                id: created.id.clone(),
                version: 1,
            })
            .await
            .unwrap()
            .into_inner();
        if stage == pb::AssessmentStatus::InReview {
            return submitted;
        }
        let mut reviewer = self.client("reviewer").await;
        let published = reviewer
            .publish_assessment(pb::PublishAssessmentRequest {
                id: created.id,
                version: 1,
            })
            .await
            .unwrap()
            .into_inner();
        if stage != pb::AssessmentStatus::Withdrawn {
            return published;
        }
        reviewer
            .withdraw_assessment(pb::WithdrawAssessmentRequest {
                id: published.id,
                version: 1,
                reason: "the field report was recanted".into(),
            })
            .await
            .unwrap()
            .into_inner()
    }
}

/// The RPCs, each tried by each role against fresh fixtures.
const RPCS: [&str; 17] = [
    "WhoAmI",
    "CreateAssessment",
    "ReviseAssessment(draft)",
    "SubmitAssessment(draft)",
    "PublishAssessment(in review)",
    "WithdrawAssessment(published)",
    "GetAssessment(draft)",
    "GetAssessment(published)",
    "GetAssessment(withdrawn)",
    "ListAssessments",
    "ListSituations",
    "GetSituation",
    "GetAssessment sources(published)",
    "ListPeers",
    "ListQuarantine",
    "ListRefusals",
    "ExplainSharing(published)",
];

/// The access policy, restated: which roles may make each call.
fn allowed(rpc: &str, role: &str) -> bool {
    let readers = [
        "analyst",
        "reviewer",
        "focal_point",
        "decision_maker",
        "admin",
        "auditor",
    ];
    match rpc {
        "WhoAmI" => true,
        "CreateAssessment" => role == "analyst",
        "ReviseAssessment(draft)" | "SubmitAssessment(draft)" => ["analyst", "reviewer"].contains(&role),
        "PublishAssessment(in review)" | "WithdrawAssessment(published)" => role == "reviewer",
        "GetAssessment(draft)" | "GetAssessment sources(published)" => {
            ["analyst", "reviewer"].contains(&role)
        }
        "GetAssessment(published)"
        | "GetAssessment(withdrawn)"
        | "ListAssessments"
        | "ListSituations"
        | "GetSituation" => readers.contains(&role),
        "ListPeers" | "ListQuarantine" | "ListRefusals" | "ExplainSharing(published)" => {
            ["admin", "auditor"].contains(&role)
        }
        _ => false,
    }
}

/// Makes `rpc` as `role`: `Ok(true)` when allowed, `Ok(false)` when denied.
async fn attempt(f: &Federation, rpc: &str, role: &str) -> Result<bool, tonic::Status> {
    let mut client = f.client(role).await;
    let outcome = match rpc {
        "WhoAmI" => client.who_am_i(pb::WhoAmIRequest {}).await.map(|_| ()),
        "CreateAssessment" => client
            .create_assessment(pb::CreateAssessmentRequest {
                content: Some(content::valid()),
            })
            .await
            .map(|_| ()),
        "ReviseAssessment(draft)" => {
            let draft = f.assessment(pb::AssessmentStatus::Draft).await;
            let request = pb::ReviseAssessmentRequest {
                id: draft.id,
                base_version: 1,
                content: Some(content::valid()),
            };
            client.revise_assessment(request).await.map(|_| ())
        }
        "SubmitAssessment(draft)" => {
            let draft = f.assessment(pb::AssessmentStatus::Draft).await;
            client
                .submit_assessment(pb::SubmitAssessmentRequest {
                    id: draft.id,
                    version: 1,
                })
                .await
                .map(|_| ())
        }
        "PublishAssessment(in review)" => {
            let review = f.assessment(pb::AssessmentStatus::InReview).await;
            client
                .publish_assessment(pb::PublishAssessmentRequest {
                    id: review.id,
                    version: 1,
                })
                .await
                .map(|_| ())
        }
        "WithdrawAssessment(published)" => {
            let published = f.assessment(pb::AssessmentStatus::Published).await;
            client
                .withdraw_assessment(pb::WithdrawAssessmentRequest {
                    id: published.id,
                    version: 1,
                    reason: "wrong".into(),
                })
                .await
                .map(|_| ())
        }
        "GetAssessment(withdrawn)" => {
            let withdrawn = f.assessment(pb::AssessmentStatus::Withdrawn).await;
            client
                .get_assessment(pb::GetAssessmentRequest {
                    id: withdrawn.id,
                    version: 1,
                })
                .await
                .map(|_| ())
        }
        "GetAssessment(draft)" => {
            let draft = f.assessment(pb::AssessmentStatus::Draft).await;
            client
                .get_assessment(pb::GetAssessmentRequest {
                    id: draft.id,
                    version: 0,
                })
                .await
                .map(|_| ())
        }
        "GetAssessment(published)" => {
            let published = f.assessment(pb::AssessmentStatus::Published).await;
            client
                .get_assessment(pb::GetAssessmentRequest {
                    id: published.id,
                    version: 0,
                })
                .await
                .map(|_| ())
        }
        "GetAssessment sources(published)" => {
            let published = f.assessment(pb::AssessmentStatus::Published).await;
            return match client
                .get_assessment(pb::GetAssessmentRequest {
                    id: published.id,
                    version: 0,
                })
                .await
            {
                Ok(reply) => {
                    let reply = reply.into_inner();
                    let sources = reply.content.map(|c| c.sources.len()).unwrap_or_default();
                    assert_eq!(
                        sources == 0,
                        reply.sources_withheld,
                        "withheld flag disagrees for {role}"
                    );
                    Ok(sources > 0)
                }
                Err(status) if status.code() == Code::PermissionDenied => Ok(false),
                Err(status) => Err(status),
            };
        }
        "ListAssessments" => client
            .list_assessments(pb::ListAssessmentsRequest::default())
            .await
            .map(|_| ()),
        "ListSituations" => client
            .list_situations(pb::ListSituationsRequest::default())
            .await
            .map(|_| ()),
        "GetSituation" => {
            f.assessment(pb::AssessmentStatus::Published).await;
            client
                .get_situation(pb::GetSituationRequest { id: "XAA".into() })
                .await
                .map(|_| ())
        }
        "ListPeers" => federating(client.list_peers(pb::ListPeersRequest {}).await),
        "ListQuarantine" => federating(client.list_quarantine(pb::ListQuarantineRequest {}).await),
        "ListRefusals" => federating(client.list_refusals(pb::ListRefusalsRequest {}).await),
        "ExplainSharing(published)" => {
            let published = f.assessment(pb::AssessmentStatus::Published).await;
            let request = pb::ExplainSharingRequest {
                assessment_id: published.id,
                version: 0,
                to_org: "au".into(),
            };
            federating(client.explain_sharing(request).await)
        }
        other => panic!("no such rpc {other}"),
    };
    match outcome {
        Ok(()) => Ok(true),
        Err(status) if status.code() == Code::PermissionDenied => Ok(false),
        Err(status) => Err(status),
    }
}

/// This node does not federate: a federation administration call that passes
/// the access policy is refused as a failed precondition, which counts as
/// allowed here.
fn federating<T>(outcome: Result<tonic::Response<T>, tonic::Status>) -> Result<(), tonic::Status> {
    match outcome {
        Err(status)
            if status.code() == Code::FailedPrecondition
                && status.message() == "this node does not federate" =>
        {
            Ok(())
        }
        Ok(_) => Err(tonic::Status::internal("a node that does not federate answered")),
        Err(status) => Err(status),
    }
}

#[tokio::test]
async fn every_rpc_for_every_role_is_allowed_or_denied_as_the_policy_says() {
    let f = federation().await;
    let mut table = String::new();
    let mut wrong = 0;
    for rpc in RPCS {
        for role in ROLES {
            let expected = allowed(rpc, role);
            let got = attempt(&f, rpc, role).await;
            let ok = matches!(got, Ok(g) if g == expected);
            if !ok {
                wrong += 1;
            }
            let _ = writeln!(
                table,
                "{} {rpc:<34} {role:<15} expected {:<7} got {}",
                if ok { " " } else { "✗" },
                if expected { "allow" } else { "deny" },
                match &got {
                    Ok(true) => "allow".to_owned(),
                    Ok(false) => "deny".to_owned(),
                    Err(status) => format!("{:?}: {}", status.code(), status.message()),
                }
            );
        }
    }
    assert_eq!(wrong, 0, "access matrix differs from the policy:\n{table}");
}

#[tokio::test]
async fn nobody_publishes_what_they_authored() {
    let f = federation().await;
    let token = f
        .provider
        .id_token("both", &["analyst", "reviewer"])
        .await
        .unwrap();
    let mut both = f.node.client(&token).await.unwrap();
    let created = both
        .create_assessment(pb::CreateAssessmentRequest {
            content: Some(content::valid()),
        })
        .await
        .unwrap()
        .into_inner();
    both.submit_assessment(pb::SubmitAssessmentRequest {
        id: created.id.clone(),
        version: 1,
    })
    .await
    .unwrap();
    let status = both
        .publish_assessment(pb::PublishAssessmentRequest {
            id: created.id.clone(),
            version: 1,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("four-eyes"), "{}", status.message());
    let still = both
        .get_assessment(pb::GetAssessmentRequest {
            id: created.id,
            version: 0,
        })
        .await
        .unwrap();
    assert_eq!(still.into_inner().status, pb::AssessmentStatus::InReview as i32);
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    let f = federation().await;
    let now = chrono::Utc::now().timestamp();
    let claims = |extra: serde_json::Value| {
        let mut base = json!({"sub": "analyst", "roles": ["analyst"]});
        if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        base
    };
    let valid = f.tokens["analyst"].clone();
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    let cases = [
        (
            "expired",
            f.provider
                .mint(
                    claims(json!({"iat": now - 7200, "exp": now - 3600})),
                    MintKey::Es256,
                )
                .await,
        ),
        (
            "wrong audience",
            f.provider
                .id_token_for(TestClient::OtherApp, "analyst", &["analyst"])
                .await,
        ),
        (
            "wrong issuer",
            f.provider
                .mint(claims(json!({"iss": "https://idp.example.org"})), MintKey::Es256)
                .await,
        ),
        (
            "bad signature",
            f.provider.mint(claims(json!({})), MintKey::Foreign).await,
        ),
        (
            "unknown key",
            f.provider.mint(claims(json!({})), MintKey::Stray).await,
        ),
        ("tampered", Ok(parts.join("."))),
        ("garbage", Ok("not-a-token".to_owned())),
    ];
    for (name, token) in cases {
        let mut client = f.node.client(&token.unwrap()).await.unwrap();
        let status = client.who_am_i(pb::WhoAmIRequest {}).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{name}: {status:?}");
        assert!(
            !status.message().contains(&valid),
            "{name}: the token leaked into the error"
        );
    }
    // No token at all.
    let mut anonymous = NodeServiceClient::new(f.node.channel().await.unwrap());
    let status = anonymous
        .list_assessments(pb::ListAssessmentsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(status.message().contains("tocsin login"), "{}", status.message());
    // And the valid one still works.
    let mut client = f.client("analyst").await;
    let me = client.who_am_i(pb::WhoAmIRequest {}).await.unwrap().into_inner();
    assert_eq!(
        (me.subject.as_str(), me.organisation.as_str()),
        ("analyst", "ecowas")
    );
    assert_eq!(me.roles, vec!["analyst"]);
}

#[tokio::test]
async fn invalid_assessments_are_refused_naming_the_field_and_change_nothing() {
    let f = federation().await;
    let mut client = f.client("analyst").await;
    let cases: Vec<(Option<pb::AssessmentContent>, &str)> = vec![
        (None, "`content`"),
        (Some(content::with(|c| c.situation = None)), "`content.situation`"),
        (
            Some(content::with(|c| c.factors[0].indicators = vec!["1.99".into()])),
            "`content.factors[0].indicators[0]`",
        ),
        (
            Some(content::with(|c| c.factors[1].indicators.push("7.5".into()))),
            "`content.factors[1].indicators[1]`",
        ),
        (
            Some(content::with(|c| c.factors[0].factor = 15)),
            "`content.factors[0].factor`",
        ),
        (
            Some(content::with(|c| c.factors[0].level = 0)),
            "`content.factors[0].level`",
        ),
        (
            Some(content::with(|c| c.overall_risk = 42)),
            "`content.overall_risk`",
        ),
        (Some(content::with(|c| c.tlp = 0)), "`content.tlp`"),
        (
            Some(content::with(|c| c.horizon_months = 0)),
            "`content.horizon_months`",
        ),
        (
            Some(content::with(|c| c.narrative.clear())),
            "`content.narrative`",
        ),
        (
            Some(content::with(|c| {
                c.upcoming_triggers[0].date = "2027-02-30".into()
            })),
            "`content.upcoming_triggers[0].date`",
        ),
        (
            Some(content::with(|c| {
                if let Some(s) = c.situation.as_mut() {
                    s.countries = vec!["ABC".into()];
                }
            })),
            "`content.situation.countries[0]`",
        ),
        (
            Some(content::with(|c| {
                if let Some(s) = c.situation.as_mut() {
                    s.crimes_at_risk.clear();
                }
            })),
            "`content.situation.crimes_at_risk`",
        ),
        (
            Some(content::with(|c| c.sources[0].reliability = "Z".into())),
            "`content.sources[0].reliability`",
        ),
    ];
    for (content, field) in cases {
        let status = client
            .create_assessment(pb::CreateAssessmentRequest { content })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert!(
            status.message().contains(field),
            "{field} not named in `{}`",
            status.message()
        );
    }
    let listed = client
        .list_assessments(pb::ListAssessmentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed.assessments.is_empty(),
        "a refused request left something behind"
    );
}

#[tokio::test]
async fn illegal_steps_are_failed_preconditions_and_unknown_ids_not_found() {
    let f = federation().await;
    let draft = f.assessment(pb::AssessmentStatus::Draft).await;
    let review = f.assessment(pb::AssessmentStatus::InReview).await;
    let mut reviewer = f.client("reviewer").await;
    let mut analyst = f.client("analyst").await;

    let status = reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: draft.id.clone(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    let status = analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: review.id.clone(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    let status = analyst
        .revise_assessment(pb::ReviseAssessmentRequest {
            id: draft.id.clone(),
            base_version: 5,
            content: Some(content::valid()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Aborted, "{status:?}");
    let status = analyst
        .get_assessment(pb::GetAssessmentRequest {
            id: "0190aaaa-0000-7000-8000-000000000000".into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = analyst
        .get_situation(pb::GetSituationRequest { id: "ZZZ".into() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = analyst
        .get_assessment(pb::GetAssessmentRequest {
            id: "../etc".into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");

    // Publishing a revision supersedes the published version.
    let published = f.assessment(pb::AssessmentStatus::Published).await;
    let mut revised_content = content::valid();
    revised_content.overall_risk = pb::OverallRisk::VeryHigh as i32;
    let v2 = analyst
        .revise_assessment(pb::ReviseAssessmentRequest {
            id: published.id.clone(),
            base_version: 1,
            content: Some(revised_content),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((v2.version, v2.status), (2, pb::AssessmentStatus::Draft as i32));
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: published.id.clone(),
            version: 2,
        })
        .await
        .unwrap();
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: published.id.clone(),
            version: 2,
        })
        .await
        .unwrap();
    let v1 = analyst
        .get_assessment(pb::GetAssessmentRequest {
            id: published.id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    assert_eq!(v1.into_inner().status, pb::AssessmentStatus::Superseded as i32);
    let filtered = analyst
        .list_assessments(pb::ListAssessmentsRequest {
            min_risk: pb::OverallRisk::VeryHigh as i32,
            status: pb::AssessmentStatus::Published as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        filtered
            .assessments
            .iter()
            .map(|a| (a.id.as_str(), a.version))
            .collect::<Vec<_>>(),
        [(published.id.as_str(), 2)]
    );
}

#[tokio::test]
async fn a_withdrawal_needs_a_reason_and_a_published_version_and_is_recorded() {
    let f = federation().await;
    let mut reviewer = f.client("reviewer").await;
    let withdraw = |id: &str, reason: &str| pb::WithdrawAssessmentRequest {
        id: id.to_owned(),
        version: 0,
        reason: reason.to_owned(),
    };
    let published = f.assessment(pb::AssessmentStatus::Published).await;
    let status = reviewer
        .withdraw_assessment(withdraw(&published.id, ""))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("`reason`"), "{}", status.message());
    let draft = f.assessment(pb::AssessmentStatus::Draft).await;
    let status = reviewer
        .withdraw_assessment(withdraw(&draft.id, "why"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");

    let withdrawn = reviewer
        .withdraw_assessment(withdraw(&published.id, "the field report was recanted"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.status, pb::AssessmentStatus::Withdrawn as i32);
    let mut focal = f.client("focal_point").await;
    let read = focal
        .get_assessment(pb::GetAssessmentRequest {
            id: published.id.clone(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            read.withdrawn_reason.as_str(),
            read.withdrawn_by.as_str(),
            read.withdrawn_at.is_some()
        ),
        ("the field report was recanted", "reviewer", true)
    );
    // No longer the situation's latest published assessment.
    let situation = focal
        .get_situation(pb::GetSituationRequest { id: "XAA".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(situation.latest.is_none(), "{situation:?}");
    assert!(
        situation.shared.is_empty(),
        "a node that does not federate has no shared views"
    );
}

#[tokio::test]
async fn health_and_reflection_answer_without_a_token() {
    let f = federation().await;
    let channel = f.node.channel().await.unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let reply = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "tocsin.v1.NodeService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let reply = replies.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("{reply:?}")
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"tocsin.v1.NodeService"), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health"), "{names:?}");
}
