//! The client library's trust in a real node's TLS certificate: the node's
//! self-signed certificate pinned by its fingerprint, or a certificate from an
//! organisation's CA checked against a CA file; everything else refused.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::path::{Path, PathBuf};
use tocsin_client::connect::{ConnectError, authorised, connect, untrusted};
use tocsin_client::fingerprint::Fingerprint;
use tocsin_client::node_url::NodeUrl;
use tocsin_client::verifier::Trust;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::node_service_client::NodeServiceClient;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::oidc::dev_issuer_token;
use tonic::Code;

const ORG: &str = "xaa-gov";

/// An ID token for `ada` (analyst) from the node's development issuer.
async fn token(node: &TestNode) -> String {
    let request = serde_json::json!({"user": "ada", "roles": ["analyst"]});
    let (status, body) = dev_issuer_token(node.dev_issuer().unwrap(), &request)
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

/// `WhoAmI` over `trust` with ada's token: the subject the node saw.
async fn whoami(node: &TestNode, url: &NodeUrl, trust: &Trust) -> Result<String, ConnectError> {
    let channel = connect(url, trust).await?;
    let mut client = authorised(channel, &token(node).await)?;
    let reply = client.who_am_i(pb::WhoAmIRequest {}).await.unwrap();
    Ok(reply.into_inner().subject)
}

#[tokio::test]
async fn a_pinned_node_answers_and_sees_the_bearer_token() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let pin = Trust::Pin(node.fingerprint);
    assert_eq!(whoami(&node, &node.url, &pin).await.unwrap(), "ada");
    // The same channel without the token: the node asks for one.
    let mut anonymous = NodeServiceClient::new(connect(&node.url, &pin).await.unwrap());
    let status = anonymous.who_am_i(pb::WhoAmIRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
}

#[tokio::test]
async fn another_certificate_than_the_pinned_one_is_refused_naming_both() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let wrong = Fingerprint::of_der(b"another certificate");
    let err = connect(&node.url, &Trust::Pin(wrong)).await.unwrap_err();
    match &err {
        ConnectError::Mismatch {
            expected, presented, ..
        } => assert_eq!((*expected, *presented), (wrong, node.fingerprint)),
        other => panic!("expected a mismatch, got {other}"),
    }
    let text = err.to_string();
    assert!(text.contains(&wrong.to_string()), "{text}");
    assert!(text.contains(&node.fingerprint.to_string()), "{text}");
    assert!(text.contains("intercepting"), "{text}");
}

#[tokio::test]
async fn an_untrusted_node_is_refused_showing_what_it_presents() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let err = untrusted(&node.url).await;
    assert!(
        matches!(&err, ConnectError::NotTrusted { presented: Some(fp), .. } if *fp == node.fingerprint),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("tocsin pin {} SHA256:", node.url)),
        "{text}"
    );
    assert!(text.contains(&node.fingerprint.to_string()), "{text}");
}

/// A test CA's certificate as PEM, and the CA to sign with.
fn ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// Writes `ca.pem` and a node certificate and key for 127.0.0.1 and
/// localhost issued by `ca` into `dir`; returns the leaf's fingerprint.
fn issue(ca: &CertifiedIssuer<'static, KeyPair>, dir: &Path) -> Fingerprint {
    let key = KeyPair::generate().unwrap();
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, ca)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("node.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("node.key"), key.serialize_pem()).unwrap();
    Fingerprint::of_der(cert.der())
}

/// A node serving the certificate `ca` issued.
async fn node_with_ca_certificate(dir: &Path) -> (TestNode, Fingerprint, PathBuf) {
    let leaf = issue(&ca(), dir);
    let (cert, key) = (dir.join("node.crt"), dir.join("node.key"));
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let extra = [("TOCSIN_API_TLS_CERT", cert), ("TOCSIN_API_TLS_KEY", key)];
    let node = TestNode::start_with(ORG, Issuer::Dev, &extra).await.unwrap();
    (node, leaf, dir.join("ca.pem"))
}

#[tokio::test]
async fn a_node_with_a_certificate_from_the_given_ca_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let (node, leaf, ca_file) = node_with_ca_certificate(dir.path()).await;
    assert_eq!(
        node.fingerprint, leaf,
        "the node serves the configured certificate"
    );
    let trust = Trust::CaFile(ca_file);
    assert_eq!(whoami(&node, &node.url, &trust).await.unwrap(), "ada");
    // By host name too: the certificate names `localhost`.
    let by_name: NodeUrl = format!("https://localhost:{}", node.url.port()).parse().unwrap();
    assert_eq!(whoami(&node, &by_name, &trust).await.unwrap(), "ada");
    // And its fingerprint can still be pinned instead.
    assert_eq!(whoami(&node, &node.url, &Trust::Pin(leaf)).await.unwrap(), "ada");
}

#[tokio::test]
async fn a_node_with_a_certificate_from_another_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _, _) = node_with_ca_certificate(dir.path()).await;
    let other = tempfile::tempdir().unwrap();
    issue(&ca(), other.path());
    let err = connect(&node.url, &Trust::CaFile(other.path().join("ca.pem")))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid peer certificate"), "{err}");
}
