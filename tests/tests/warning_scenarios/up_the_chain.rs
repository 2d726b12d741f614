//! Scenario 6, a watch up the chain: XAA, connected to ECOWAS alone, sends
//! a watch-level warning to UN HQ only. Its sharing policy lets only high
//! risk reach the AU, so the warning names the organisations of its
//! escalation chain between XAA and UN HQ (ECOWAS and the AU) as recipients:
//! they relay it up, and UN HQ's acknowledgement comes back down to XAA.

use tocsin_proto::v1 as pb;
use tocsin_server::federation::received::relays_of;
use tocsin_server::warnings::statements::warning_statement_id;
use tocsin_tests::federation::{LocalFederation, chain};
use tocsin_tests::warnings::{Watch, client, events, name, publish, wait_for};

use super::{issue, node, surge_assessment, warning};

#[tokio::test]
async fn a_watch_to_un_hq_travels_up_the_chain_and_the_acknowledgement_comes_back() {
    let settings = [("xaa", "TOCSIN_WARNINGS_ESCALATION_CHAIN", "xaa,ecowas,au,un-hq")];
    let federation = LocalFederation::start_with_env(&chain(), &settings)
        .await
        .unwrap();
    let (xaa, un) = (node(&federation, "xaa"), node(&federation, "un-hq"));
    let mut un_feed = Watch::start(un).await.unwrap();
    let assessment = publish(xaa, surge_assessment()).await.unwrap();

    let mut watch = warning(
        &assessment,
        "Campaign rhetoric hardens in Northern XAA",
        &[("un-hq", "decision_maker")],
    );
    watch.level = "watch".into();
    let sent = issue(xaa, watch).await;

    let at_un = un_feed.next("received", &sent.id).await.unwrap().warning.unwrap();
    assert_eq!(at_un.content.unwrap().level, "watch");
    let entry = un
        .running
        .as_ref()
        .unwrap()
        .store()
        .inbox_entry("xaa", &warning_statement_id("xaa", &sent.id))
        .unwrap()
        .expect("UN HQ's inbox holds XAA's warning");
    assert_eq!(relays_of(&entry), ["ecowas", "au"]);

    let mut decider = client(un, "dee", "decision_maker").await.unwrap();
    decider
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: name("xaa", &sent.id),
            kind: "received".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let at_xaa = wait_for(xaa, "", &sent.id, |d| events(d).contains(&"acknowledged"))
        .await
        .unwrap();
    let texts: Vec<&str> = at_xaa
        .timeline
        .iter()
        .filter(|e| matches!(e.event.as_str(), "delivered" | "acknowledged"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(texts, ["delivered to un-hq", "acknowledged by un-hq: received"]);
}
