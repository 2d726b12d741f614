//! Who may subscribe to a node's FederationService: a certificate of the
//! federation CA for an organisation not in the directory, or the node's own,
//! is refused with PERMISSION_DENIED; a certificate from another CA fails the
//! TLS handshake; and a legitimate peer is still served.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tocsin_proto::v1 as pb;
use tocsin_server::federation::open;
use tocsin_tests::content;
use tocsin_tests::federation::xaa_and_ecowas;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::{Federation, publish_all};
use tocsin_tests::rogue::federation_client;

const TEST_LIMIT: Duration = Duration::from_secs(120);
const WAIT: Duration = Duration::from_secs(30);

fn is_permission_denied(
    result: &Result<tonic::Response<tonic::Streaming<pb::Delivery>>, tonic::Status>,
) -> bool {
    matches!(result, Err(status) if status.code() == tonic::Code::PermissionDenied)
}

#[tokio::test]
async fn subscribers_without_a_directory_certificate_are_refused() {
    tokio::time::timeout(TEST_LIMIT, foreign_subscribers())
        .await
        .unwrap();
}

async fn foreign_subscribers() {
    let files = FederationFiles::create(&xaa_and_ecowas()).unwrap();
    // Two organisations from the directory, one of them with a node, so that
    // ECOWAS shares its own assessment with the other.
    let stranger = files.issue("stranger").unwrap();
    let ecowas_cert = files.org("ecowas").unwrap().cert.clone();
    let xaa_cert = files.org("xaa").unwrap().cert.clone();
    let other_ca_dir = files.path().join("other-ca");
    tocsin_server::federation::pki::init_ca(&other_ca_dir, "Another CA").unwrap();
    let impostor = tocsin_server::federation::pki::issue(
        &other_ca_dir,
        "xaa",
        &files.path().join("impostor"),
        &["127.0.0.1".to_owned()],
    )
    .unwrap();
    let ca_pem = files.ca_pem().unwrap();
    let federation = Federation::start(files, &["ecowas"]).await.unwrap();
    let ecowas = federation.running("ecowas").unwrap();
    let addr = ecowas.federation_addr.unwrap();
    publish_all(
        federation.node("ecowas").unwrap(),
        vec![content::with(|c| {
            // Ghana: an ECOWAS situation, which ECOWAS shares with its member states.
            c.situation.as_mut().unwrap().countries = vec!["GHA".into()];
        })],
        1,
    )
    .await
    .unwrap();

    // A certificate of the federation CA for an organisation not in the directory.
    let mut client = federation_client(addr, &stranger, &ca_pem).await.unwrap();
    let refused = client.subscribe(pb::SubscribeRequest::default()).await;
    assert!(is_permission_denied(&refused), "{:?}", refused.map(|_| ()));
    let status = refused.err().unwrap();
    assert!(status.message().contains("`stranger`"), "{status:?}");
    // The node's own identity is not a peer either.
    let mut client = federation_client(addr, &ecowas_cert, &ca_pem).await.unwrap();
    let refused = client.subscribe(pb::SubscribeRequest::default()).await;
    assert!(is_permission_denied(&refused), "{:?}", refused.map(|_| ()));
    // A certificate naming xaa from another CA: the TLS handshake fails.
    let impostor = async {
        // It trusts the node's CA; the node must not trust its certificate.
        let mut client = federation_client(addr, &impostor, &ca_pem).await?;
        client
            .subscribe(pb::SubscribeRequest::default())
            .await
            .map_err(anyhow::Error::from)
    };
    let failed = tokio::time::timeout(WAIT, impostor).await.unwrap();
    let error = failed
        .map(|_| ())
        .expect_err("a certificate of another CA was accepted");
    assert!(
        !format!("{error:?}").contains("PermissionDenied"),
        "the handshake should fail before any call: {error:?}"
    );

    // A legitimate subscriber is still served: ECOWAS's own summary for xaa.
    let mut client = federation_client(addr, &xaa_cert, &ca_pem).await.unwrap();
    let mut stream = client
        .subscribe(pb::SubscribeRequest::default())
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(WAIT, stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let directory = federation.files.directory().unwrap();
    let statement = open(&first.envelope.unwrap(), &directory, 1 << 20).unwrap();
    assert_eq!(statement.value().origin, "ecowas");
    assert!(statement.value().audience.recipients.contains("xaa"));
}
