//! Connects to a real TLS gRPC server in the test process: pinning, CA files,
//! refusals, and the bearer header.

use super::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::node_service_server::{NodeService, NodeServiceServer};
use tonic::{Request, Response, Status};

struct Echo;

#[tonic::async_trait]
impl NodeService for Echo {
    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        let header = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(Response::new(pb::WhoAmIResponse {
            subject: header,
            ..Default::default()
        }))
    }
    async fn create_assessment(
        &self,
        _: Request<pb::CreateAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        Err(Status::unimplemented("create"))
    }
    async fn revise_assessment(
        &self,
        _: Request<pb::ReviseAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        Err(Status::unimplemented("revise"))
    }
    async fn submit_assessment(
        &self,
        _: Request<pb::SubmitAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        Err(Status::unimplemented("submit"))
    }
    async fn publish_assessment(
        &self,
        _: Request<pb::PublishAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        Err(Status::unimplemented("publish"))
    }
    async fn get_assessment(
        &self,
        _: Request<pb::GetAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        Err(Status::not_found("assessment `x` not found"))
    }
    async fn list_assessments(
        &self,
        _: Request<pb::ListAssessmentsRequest>,
    ) -> Result<Response<pb::ListAssessmentsResponse>, Status> {
        Err(Status::unimplemented("list"))
    }
    async fn list_situations(
        &self,
        _: Request<pb::ListSituationsRequest>,
    ) -> Result<Response<pb::ListSituationsResponse>, Status> {
        Err(Status::unimplemented("situations"))
    }
    async fn get_situation(
        &self,
        _: Request<pb::GetSituationRequest>,
    ) -> Result<Response<pb::Situation>, Status> {
        Err(Status::unimplemented("situation"))
    }
}

/// A node's certificate and, when issued by a test CA, the CA's PEM.
struct Identity {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    ca_pem: Option<String>,
}

fn self_signed() -> Identity {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Identity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: None,
    }
}

fn ca_issued() -> Identity {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Identity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: Some(ca.pem()),
    }
}

/// Serves `Echo` over TLS with `identity` on a free port; returns its URL.
async fn serve(identity: &Identity) -> NodeUrl {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert.clone()], identity.key.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if let Ok(tls) = acceptor.accept(tcp).await
                && sender.send(Ok::<_, io::Error>(tls)).await.is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(NodeServiceServer::new(Echo))
            .serve_with_incoming(tokio_stream::wrappers::ReceiverStream::new(receiver)),
    );
    format!("https://127.0.0.1:{port}").parse().unwrap()
}

#[tokio::test]
async fn a_pinned_node_is_reached_and_gets_the_bearer_token() {
    let identity = self_signed();
    let node = serve(&identity).await;
    let channel = connect(&node, &Trust::Pin(Fingerprint::of_der(&identity.cert)))
        .await
        .unwrap();
    let mut client = authorised(channel, "tok.en.sig").unwrap();
    let reply = client.who_am_i(pb::WhoAmIRequest {}).await.unwrap().into_inner();
    assert_eq!(reply.subject, "Bearer tok.en.sig");
    let status = client
        .get_assessment(pb::GetAssessmentRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn another_certificate_than_the_pinned_one_is_refused_naming_both() {
    let identity = self_signed();
    let node = serve(&identity).await;
    let wrong = Fingerprint::of_der(b"another certificate");
    let err = connect(&node, &Trust::Pin(wrong)).await.unwrap_err();
    match &err {
        ConnectError::Mismatch {
            expected, presented, ..
        } => {
            assert_eq!(*expected, wrong);
            assert_eq!(*presented, Fingerprint::of_der(&identity.cert));
        }
        other => panic!("expected a mismatch, got {other}"),
    }
    assert!(err.to_string().contains("intercepting"), "{err}");
}

#[tokio::test]
async fn an_untrusted_node_is_refused_showing_what_it_presents() {
    let identity = self_signed();
    let node = serve(&identity).await;
    let err = untrusted(&node).await;
    let expected = Fingerprint::of_der(&identity.cert);
    assert!(matches!(&err, ConnectError::NotTrusted { presented: Some(fp), .. } if *fp == expected));
    let text = err.to_string();
    assert!(text.contains(&format!("tocsin pin {node} SHA256:")), "{text}");
    assert!(text.contains(&expected.to_string()), "{text}");
}

#[tokio::test]
async fn a_node_with_a_certificate_from_the_given_ca_is_reached() {
    let identity = ca_issued();
    let node = serve(&identity).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, identity.ca_pem.as_deref().unwrap()).unwrap();
    let channel = connect(&node, &Trust::CaFile(ca_file)).await.unwrap();
    let reply = authorised(channel, "t")
        .unwrap()
        .who_am_i(pb::WhoAmIRequest {})
        .await
        .unwrap();
    assert_eq!(reply.into_inner().subject, "Bearer t");
}

#[tokio::test]
async fn a_node_with_a_certificate_from_another_ca_is_refused() {
    let node = serve(&ca_issued()).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("other-ca.pem");
    std::fs::write(&ca_file, ca_issued().ca_pem.unwrap()).unwrap();
    let err = connect(&node, &Trust::CaFile(ca_file)).await.unwrap_err();
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("invalid peer certificate"), "{err}");
}

#[tokio::test]
async fn an_empty_or_missing_ca_file_is_reported() {
    let node: NodeUrl = "https://127.0.0.1:1".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let err = connect(&node, &Trust::CaFile(empty)).await.unwrap_err();
    assert!(err.to_string().contains("holds no certificate"), "{err}");
    let err = connect(&node, &Trust::CaFile(dir.path().join("absent.pem")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("absent.pem"), "{err}");
}

#[test]
fn the_bearer_token_is_never_shown_in_debug_output() {
    let bearer = Bearer::new("secret-token").unwrap();
    assert!(!format!("{bearer:?}").contains("secret"));
    assert!(matches!(Bearer::new("bad\ntoken"), Err(ConnectError::BadToken)));
}
