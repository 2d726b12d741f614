//! The administrators' surface of federation: XAA's admin explains what its
//! sharing policy sends ECOWAS, the AU and a non-partner NGO; ECOWAS's admin
//! sees its cursor of XAA after replication; other roles are refused; and
//! the offline tools (`tocsin pki`, `tocsin policy check`) through the CLI.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::path::Path;
use tocsin_proto::v1 as pb;
use tocsin_server::federation::identity::org_of_certificate;
use tocsin_server::federation::pki::read_certificate;
use tocsin_tests::cli::{Run, Tocsin};
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, OrgSpec, chain};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;
use tonic::Code;

const TOCSIN: &str = env!("CARGO_BIN_EXE_cli-under-test");

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

/// Publishes a GREEN assessment of XAA at `node` with this overall risk.
async fn publish(node: &TestNode, risk: pb::OverallRisk) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let body = content::with(|c| {
        c.tlp = pb::Tlp::Green as i32;
        c.overall_risk = risk as i32;
    });
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap()
        .into_inner()
        .id;
    let (submit, publish) = (
        pb::SubmitAssessmentRequest {
            id: id.clone(),
            version: 1,
        },
        pb::PublishAssessmentRequest {
            id: id.clone(),
            version: 1,
        },
    );
    analyst.submit_assessment(submit).await.unwrap();
    reviewer.publish_assessment(publish).await.unwrap();
    id
}

/// (action, allowed, reasons) of every verdict.
fn verdicts(reply: &pb::ExplainSharingResponse) -> Vec<(&str, bool, Vec<&str>)> {
    reply
        .verdicts
        .iter()
        .map(|v| {
            let reasons = v.reasons.iter().map(String::as_str).collect();
            (v.action.as_str(), v.allowed, reasons)
        })
        .collect()
}

/// The chain, and an NGO that XAA's policy does not name.
fn with_ngo() -> Vec<OrgSpec> {
    let mut specs = chain();
    specs.push(OrgSpec {
        id: "ngo",
        kind: "civil_society",
        groups: &[],
        sharing: None,
        subscribe: &[],
    });
    specs
}

#[tokio::test]
async fn admins_explain_sharing_and_see_peers() {
    let federation = LocalFederation::start(&with_ngo()).await.unwrap();
    let xaa = federation.node("xaa").unwrap();
    let high = publish(xaa, pb::OverallRisk::High).await;
    let moderate = publish(xaa, pb::OverallRisk::Moderate).await;
    let mut admin = xaa.client(&token(xaa, "root", "admin").await).await.unwrap();
    let explain = |id: &str, to: &str| pb::ExplainSharingRequest {
        assessment_id: id.to_owned(),
        version: 0,
        to_org: to.to_owned(),
    };

    let ecowas = admin
        .explain_sharing(explain(&high, "ecowas"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        verdicts(&ecowas),
        [
            ("share", true, vec!["own-situations-to-ecowas"]),
            ("share_factors", true, vec!["factors-when-high"]),
            ("share_indicators", false, vec![]),
            ("share_narrative", false, vec![]),
            ("share_locations", false, vec![]),
            ("relay", false, vec!["own statement"]),
        ]
    );
    assert_eq!((ecowas.version, ecowas.tlp), (1, pb::Tlp::Green as i32));
    let view = ecowas.received.unwrap();
    assert_eq!(view.disclosed, ["share", "factors"]);
    assert_eq!(view.factors.len(), 2);
    assert!(view.factors.iter().all(|f| f.indicators.is_empty()));
    assert_eq!((view.narrative.as_str(), view.horizon_months), ("", 6));
    assert_eq!(view.situation.unwrap().countries, ["XAA"]);

    let au = admin
        .explain_sharing(explain(&high, "au"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        verdicts(&au)[..2],
        [
            ("share", true, vec!["high-risk-summary-to-au-and-un"]),
            ("share_factors", false, vec!["detail-to-ecowas-only"]),
        ]
    );
    let view = au.received.unwrap();
    assert_eq!(view.disclosed, ["share"]);
    assert!(view.factors.is_empty());
    assert_eq!(view.overall_risk, pb::OverallRisk::High as i32);
    let au = admin
        .explain_sharing(explain(&moderate, "au"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verdicts(&au)[0], ("share", false, vec![]));
    assert_eq!(au.received, None, "nothing below high risk for the AU");

    let ngo = admin
        .explain_sharing(explain(&high, "ngo"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verdicts(&ngo)[0], ("share", false, vec!["known-partners-only"]));
    assert!(verdicts(&ngo).iter().all(|(_, allowed, _)| !allowed));
    assert_eq!((ngo.to_kind.as_str(), ngo.received), ("civil_society", None));

    for (request, code, needle) in [
        (explain(&high, "igad"), Code::NotFound, "`igad`"),
        (explain(&high, "xaa"), Code::InvalidArgument, "this node"),
        (explain(&high, "Not An Org"), Code::InvalidArgument, "`to_org`"),
        (explain("missing", "au"), Code::NotFound, "`missing`"),
    ] {
        let status = admin.explain_sharing(request).await.unwrap_err();
        assert_eq!(status.code(), code, "{status:?}");
        assert!(status.message().contains(needle), "{status:?}");
    }

    // XAA's peers are every other organisation of the directory.
    let peers = admin
        .list_peers(pb::ListPeersRequest {})
        .await
        .unwrap()
        .into_inner()
        .peers;
    let listed: Vec<(&str, &str)> = peers.iter().map(|p| (p.id.as_str(), p.kind.as_str())).collect();
    assert_eq!(
        listed,
        [
            ("au", "regional_body"),
            ("ecowas", "regional_body"),
            ("ngo", "civil_society"),
            ("un-hq", "un_office")
        ]
    );
    assert!(peers.iter().all(|p| p.endpoint.starts_with("https://127.0.0.1:")));

    // ECOWAS gets both views of the high one and the summary of the other:
    // outbox entries 1 to 3 of XAA.
    federation
        .wait_for_inbox("ecowas", |i| i.iter().filter(|e| e.origin == "xaa").count() == 3)
        .await
        .unwrap();
    let ecowas_node = federation.node("ecowas").unwrap();
    let mut ecowas_admin = ecowas_node
        .client(&token(ecowas_node, "root", "admin").await)
        .await
        .unwrap();
    let peers = ecowas_admin
        .list_peers(pb::ListPeersRequest {})
        .await
        .unwrap()
        .into_inner()
        .peers;
    let of_xaa = peers.iter().find(|p| p.id == "xaa").unwrap();
    assert!(of_xaa.has_cursor, "{of_xaa:?}");
    assert_eq!(
        (of_xaa.cursor_seq, of_xaa.received, of_xaa.originated),
        (3, 3, 3),
        "{of_xaa:?}"
    );
    assert!(of_xaa.last_received_at.is_some());
    assert_eq!(of_xaa.groups, ["au", "ecowas"]);
    let quarantine = ecowas_admin
        .list_quarantine(pb::ListQuarantineRequest {})
        .await
        .unwrap();
    assert!(quarantine.into_inner().equivocations.is_empty());

    // Auditors read all of it; nobody else does.
    let mut auditor = xaa.client(&token(xaa, "audrey", "auditor").await).await.unwrap();
    let refusals = auditor.list_refusals(pb::ListRefusalsRequest {}).await.unwrap();
    assert!(refusals.into_inner().refusals.is_empty());
    auditor.explain_sharing(explain(&high, "au")).await.unwrap();
    for role in ["analyst", "reviewer", "focal_point", "decision_maker"] {
        let mut client = xaa.client(&token(xaa, role, role).await).await.unwrap();
        let denied = [
            client.list_peers(pb::ListPeersRequest {}).await.map(|_| ()),
            client
                .list_quarantine(pb::ListQuarantineRequest {})
                .await
                .map(|_| ()),
            client.list_refusals(pb::ListRefusalsRequest {}).await.map(|_| ()),
            client.explain_sharing(explain(&high, "au")).await.map(|_| ()),
        ];
        for outcome in denied {
            let status = outcome.unwrap_err();
            assert_eq!(status.code(), Code::PermissionDenied, "{role}: {status:?}");
        }
    }

    // The same through the CLI.
    let cli = Tocsin::new(TOCSIN, &xaa.url).unwrap();
    let (url, fingerprint) = (xaa.url.to_string(), xaa.fingerprint.to_string());
    cli.run(&["pin", &url, &fingerprint]).await.unwrap().ok();
    let login = [
        "login",
        "--dev",
        "--issuer",
        xaa.dev_issuer().unwrap(),
        "--user",
        "root",
    ];
    cli.run(&[&login[..], &["--role", "admin"]].concat())
        .await
        .unwrap()
        .ok();
    let run = cli
        .run(&["policy", "explain", "--to", "au", &high])
        .await
        .unwrap()
        .ok();
    assert_eq!(
        run.field("peer"),
        Some("au (regional_body; groups au)"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("share_factors     deny      detail-to-ecowas-only"),
        "{run:?}"
    );
    assert_eq!(run.field("factors"), Some("withheld"), "{run:?}");
    let run = cli
        .run(&["policy", "explain", "--to", "ecowas", &high, "--json"])
        .await
        .unwrap()
        .ok();
    let explained = run.json().unwrap();
    assert_eq!(explained["receives"]["disclosed"], json!(["share", "factors"]));
    assert_eq!(explained["receives"]["factors"][0]["indicators"], json!(null));
    let peers = cli.run(&["peers", "--json"]).await.unwrap().ok().json().unwrap();
    assert_eq!(peers.as_array().unwrap().len(), 4, "{peers}");
    let run = cli.run(&["federation", "refusals"]).await.unwrap().ok();
    assert_eq!(run.stdout, "no delivery refused\n");
}

fn offline() -> Tocsin {
    Tocsin::new(TOCSIN, &"https://127.0.0.1:1".parse().unwrap()).unwrap()
}

#[tokio::test]
async fn pki_commands_make_certificates_the_node_reads() {
    let cli = offline();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca").display().to_string();
    let out = dir.path().join("ecowas").display().to_string();
    let run = cli
        .run(&["pki", "init", "--dir", &ca, "--name", "Test CA"])
        .await
        .unwrap()
        .ok();
    assert!(run.stdout.starts_with("wrote the CA:\n"), "{run:?}");
    assert!(
        run.field("fingerprint").unwrap().starts_with("SHA256:"),
        "{run:?}"
    );

    let args = [
        "pki",
        "issue",
        "--ca",
        &ca,
        "--org",
        "ecowas",
        "--out",
        &out,
        "--host",
        "node.ecowas.example",
    ];
    let issued = cli
        .run(&[&args[..], &["--json"]].concat())
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    let cert = issued["certificate"].as_str().unwrap();
    assert_eq!(Path::new(cert), Path::new(&out).join("ecowas.crt"));
    let der = read_certificate(Path::new(cert)).unwrap();
    assert_eq!(org_of_certificate(&der), Some("ecowas".to_owned()));
    assert_eq!(issued["organisation"], "ecowas");
    assert_eq!(issued["fingerprint"], tocsin_server::tls::fingerprint(&der));

    let again: Run = cli.run(&args).await.unwrap();
    again.failed(6, &["ecowas.crt", "refusing to overwrite"]);
    let bad = cli
        .run(&["pki", "issue", "--ca", &ca, "--org", "UN HQ"])
        .await
        .unwrap();
    bad.failed(6, &["`UN HQ` is not an organisation id"]);
}

#[tokio::test]
async fn policy_check_names_the_file_line_and_column() {
    let cli = offline();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/sharing/xaa");
    let run = cli
        .run(&["policy", "check", &shipped.display().to_string()])
        .await
        .unwrap()
        .ok();
    assert!(run.stdout.starts_with("OK     "), "{run:?}");
    assert!(run.stdout.contains("sharing.cedar (5 policies)"), "{run:?}");

    let broken = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(shipped.join("sharing.cedar")).unwrap();
    let text = text.replacen("resource.level_rank >= 3", "resource.level_rank >= ", 1);
    let line = text.lines().position(|l| l.contains("level_rank >= ")).unwrap() + 1;
    std::fs::write(broken.path().join("sharing.cedar"), &text).unwrap();
    let dir = broken.path().display().to_string();
    let run = cli.run(&["policy", "check", &dir]).await.unwrap();
    run.failed(6, &["1 of 1 policy files", &dir]);
    let file = broken.path().join("sharing.cedar").display().to_string();
    assert!(run.stdout.contains(&format!("{file}:{line}:")), "{run:?}");

    let empty = tempfile::tempdir().unwrap();
    let run = cli
        .run(&["policy", "check", &empty.path().display().to_string()])
        .await
        .unwrap();
    run.failed(2, &["neither `access.cedar` nor `sharing.cedar`"]);
}
