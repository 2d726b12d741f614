//! A link that goes silent without closing (a middlebox lost its state: the
//! subscriber's connection stays open but no byte crosses it again, while a
//! new connection would go through) must not stop replication for good: the
//! subscriber notices and reconnects.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tocsin_tests::content;
use tocsin_tests::fault_proxy::FaultProxy;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::{Federation, publish_all};

/// Long enough for the subscriber's HTTP/2 keepalive to notice (a ping
/// every 10 s, 10 s for the answer) and to reconnect.
const NOTICE: Duration = Duration::from_secs(60);

fn specs() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &[],
        },
        OrgSpec {
            id: "au",
            kind: "regional_body",
            groups: &["au"],
            sharing: None,
            subscribe: &["ecowas"],
        },
    ]
}

#[tokio::test]
async fn a_subscriber_recovers_from_a_link_that_went_silent() {
    let specs = specs();
    let mut files = FederationFiles::create(&specs).unwrap();
    let target = SocketAddr::from(([127, 0, 0, 1], files.org("ecowas").unwrap().port));
    let proxy = FaultProxy::start("au->ecowas", target).await.unwrap();
    files.route_through("au", "ecowas", proxy.port()).unwrap();
    let federation = Federation::start(files, &["ecowas", "au"]).await.unwrap();
    let ecowas = federation.node("ecowas").unwrap();

    publish_all(ecowas, vec![content::valid()], 1).await.unwrap();
    federation
        .wait_for_inbox("au", NOTICE, |i| i.len() == 1)
        .await
        .unwrap();
    proxy.freeze_live();
    let frozen = Instant::now();
    publish_all(ecowas, vec![content::valid()], 1).await.unwrap();
    let arrived = federation.wait_for_inbox("au", NOTICE, |i| i.len() == 2).await;
    println!(
        "after the link went silent: {:?} in {:?}; {:?}",
        arrived.as_ref().map(Vec::len),
        frozen.elapsed(),
        proxy.stats()
    );
    arrived.unwrap();
    assert!(proxy.stats().accepted >= 2, "the subscriber reconnected");
}
