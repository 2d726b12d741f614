//! Scenario 1, a pre-election surge: XAA warns ECOWAS (directly) and UN HQ
//! (relayed by ECOWAS and the AU); both receipts come back to XAA. The same
//! flow marked TLP:AMBER reaches ECOWAS and goes no further.

use std::collections::BTreeSet;
use tocsin_proto::v1 as pb;
use tocsin_server::federation::received::relays_of;
use tocsin_server::warnings::statements::warning_statement_id;
use tocsin_tests::warnings::{Watch, client, detail, publish};

use super::{assert_code, issue, node, start, surge_assessment, warning};

const ADDRESSEES: &[(&str, &str)] = &[("ecowas", "focal_point"), ("un-hq", "decision_maker")];

/// The organisations a warning's timeline shows it delivered to.
fn delivered_to(detail: &pb::WarningDetail) -> BTreeSet<String> {
    detail
        .timeline
        .iter()
        .filter(|e| e.event == "delivered")
        .map(|e| e.organisation.clone())
        .collect()
}

#[tokio::test]
async fn a_surge_warning_reaches_both_addressees_and_amber_stays_with_ecowas() {
    let federation = start().await;
    let (xaa, ecowas, au, un) = (
        node(&federation, "xaa"),
        node(&federation, "ecowas"),
        node(&federation, "au"),
        node(&federation, "un-hq"),
    );
    let mut xaa_feed = Watch::start(xaa).await.unwrap();
    let mut ecowas_feed = Watch::start(ecowas).await.unwrap();
    let mut au_feed = Watch::start(au).await.unwrap();
    let mut un_feed = Watch::start(un).await.unwrap();
    let assessment = publish(xaa, surge_assessment()).await.unwrap();

    // AMBER first: ECOWAS, addressed and connected to XAA, receives it and
    // its receipt comes back; nobody may relay it on to UN HQ.
    let mut amber = warning(
        &assessment,
        "Named herder families threatened ahead of the vote",
        ADDRESSEES,
    );
    amber.tlp = pb::Tlp::Amber as i32;
    let amber = issue(xaa, amber).await;
    let at_ecowas = ecowas_feed.next("received", &amber.id).await.unwrap();
    let received = at_ecowas.warning.unwrap();
    assert_eq!((received.sender.as_str(), received.received), ("xaa", true));
    assert_eq!(received.content.unwrap().tlp, pb::Tlp::Amber as i32);
    let receipt = xaa_feed.next("delivered", &amber.id).await.unwrap();
    assert_eq!(receipt.text, "delivered to ecowas");

    // GREEN: the hate-speech factor rated high is named in the warning.
    let green = issue(
        xaa,
        warning(
            &assessment,
            "Hate speech surges ahead of the presidential election in Northern XAA",
            ADDRESSEES,
        ),
    )
    .await;
    assert_eq!(green.content.as_ref().unwrap().risk_factors, vec![1, 8]);
    let at_ecowas = ecowas_feed
        .next("received", &green.id)
        .await
        .unwrap()
        .warning
        .unwrap();
    let content = at_ecowas.content.unwrap();
    assert_eq!(
        (content.level.as_str(), content.urgency.as_str()),
        ("warning", "expected")
    );
    assert_eq!(content.risk_factors, vec![1, 8]);
    let direct = ecowas
        .running
        .as_ref()
        .unwrap()
        .store()
        .inbox_entry("xaa", &warning_statement_id("xaa", &green.id))
        .unwrap()
        .expect("ECOWAS's inbox holds XAA's warning");
    assert_eq!(direct.received_from, "xaa");
    assert!(relays_of(&direct).is_empty(), "ECOWAS got it straight from XAA");

    // UN HQ, connected to the AU alone, gets it through ECOWAS and the AU:
    // the AU is not addressed but is on the way and keeps a copy.
    au_feed.next("received", &green.id).await.unwrap();
    let at_un = un_feed
        .next("received", &green.id)
        .await
        .unwrap()
        .warning
        .unwrap();
    assert_eq!((at_un.sender.as_str(), at_un.received), ("xaa", true));
    let running = un.running.as_ref().unwrap();
    let entry = running
        .store()
        .inbox_entry("xaa", &warning_statement_id("xaa", &green.id))
        .unwrap()
        .expect("UN HQ's inbox holds XAA's warning");
    assert_eq!(entry.received_from, "au");
    assert_eq!(relays_of(&entry), ["ecowas", "au"]);

    // Each addressee's receipt reaches XAA, and only theirs.
    let mut receipts = BTreeSet::new();
    while receipts.len() < 2 {
        receipts.insert(xaa_feed.next("delivered", &green.id).await.unwrap().text);
    }
    assert_eq!(
        receipts,
        BTreeSet::from(["delivered to ecowas".to_owned(), "delivered to un-hq".to_owned()])
    );
    let mut xaa_reader = client(xaa, "rev", "reviewer").await.unwrap();
    let sent = detail(&mut xaa_reader, "", &green.id).await.unwrap();
    assert_eq!(
        delivered_to(&sent),
        BTreeSet::from(["ecowas".to_owned(), "un-hq".to_owned()])
    );

    // The AMBER warning went out before the GREEN one on the same path, so
    // had ECOWAS relayed it the AU and UN HQ would hold it by now.
    for (org, at) in [("au", au), ("un-hq", un)] {
        let mut reader = client(at, "obs", "auditor").await.unwrap();
        match detail(&mut reader, "xaa", &amber.id).await {
            Ok(found) => panic!("`{org}` holds the AMBER warning: {found:?}"),
            Err(e) => assert_code(e.downcast_ref().unwrap(), tonic::Code::NotFound),
        }
        let inbox = at.running.as_ref().unwrap().store();
        let held = inbox
            .inbox_entry("xaa", &warning_statement_id("xaa", &amber.id))
            .unwrap();
        assert!(held.is_none(), "`{org}` holds the AMBER warning");
    }
    let amber_sent = detail(&mut xaa_reader, "", &amber.id).await.unwrap();
    assert_eq!(delivered_to(&amber_sent), BTreeSet::from(["ecowas".to_owned()]));
}
