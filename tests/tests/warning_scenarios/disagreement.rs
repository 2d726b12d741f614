//! Scenario 3, two organisations disagree about one situation: ECOWAS and
//! the AU both receive XAA's warning; ECOWAS decides to act, the AU decides
//! not to. XAA sees both decisions side by side, and its report counts both.

use std::collections::BTreeMap;
use tocsin_proto::v1 as pb;
use tocsin_tests::warnings::{Watch, client, detail, name, publish, wait_for};

use super::{issue, node, start, surge_assessment, warning};

const ACT: &str = "ECOWAS mediators can reach the northern districts before the vote.";
const NO_ACTION: &str = "ECOWAS leads under subsidiarity; the AU stands ready.";

#[tokio::test]
async fn two_organisations_decide_differently_and_the_sender_sees_both() {
    let federation = start().await;
    let (xaa, ecowas, au) = (
        node(&federation, "xaa"),
        node(&federation, "ecowas"),
        node(&federation, "au"),
    );
    let mut xaa_feed = Watch::start(xaa).await.unwrap();
    let mut ecowas_feed = Watch::start(ecowas).await.unwrap();
    let mut au_feed = Watch::start(au).await.unwrap();
    let assessment = publish(xaa, surge_assessment()).await.unwrap();
    let sent = issue(
        xaa,
        warning(
            &assessment,
            "Hate speech surges ahead of the presidential election in Northern XAA",
            &[("ecowas", "decision_maker"), ("au", "decision_maker")],
        ),
    )
    .await;
    ecowas_feed.next("received", &sent.id).await.unwrap();
    au_feed.next("received", &sent.id).await.unwrap();

    for (at, kind, justification) in [(ecowas, "act", ACT), (au, "no_action", NO_ACTION)] {
        let mut decider = client(at, "dm", "decision_maker").await.unwrap();
        let decided = decider
            .decide_warning(pb::DecideWarningRequest {
                warning: name("xaa", &sent.id),
                kind: kind.into(),
                justification: justification.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(decided.decisions.last().unwrap().kind, kind);
    }
    for _ in 0..2 {
        xaa_feed
            .next_where("decision", |e| {
                e.kind == "decided" && e.warning.as_ref().is_some_and(|w| w.id == sent.id)
            })
            .await
            .unwrap();
    }

    // Side by side at XAA: who decided what, and why.
    let mut reviewer = client(xaa, "rev", "reviewer").await.unwrap();
    let at_xaa = detail(&mut reviewer, "", &sent.id).await.unwrap();
    let side_by_side = decisions(&at_xaa);
    let expected = BTreeMap::from([
        ("au".to_owned(), ("no_action".to_owned(), NO_ACTION.to_owned())),
        ("ecowas".to_owned(), ("act".to_owned(), ACT.to_owned())),
    ]);
    assert_eq!(side_by_side, expected);
    for d in &at_xaa.decisions {
        assert!(d.id.starts_with(&format!("{}.", d.organisation)), "{d:?}");
        assert_eq!(d.by, format!("decision_maker at {}", d.organisation));
    }
    let decided_in_timeline: Vec<&str> = at_xaa
        .timeline
        .iter()
        .filter(|e| e.event == "decided")
        .map(|e| e.organisation.as_str())
        .collect();
    assert_eq!(decided_in_timeline.len(), 2, "{:?}", at_xaa.timeline);

    // XAA's report counts a decision from each addressee.
    let report = reviewer
        .get_report(pb::GetReportRequest {})
        .await
        .unwrap()
        .into_inner();
    let overall = report.overall.unwrap();
    assert_eq!((overall.warnings, overall.addressees), (1, 2));
    assert_eq!(overall.to_decision.unwrap().count, 2);
    for org in ["ecowas", "au"] {
        let row = report.by_organisation.iter().find(|r| r.key == org).unwrap();
        assert_eq!(row.to_decision.as_ref().unwrap().count, 1, "{row:?}");
    }

    // Each decider also learns of the other's decision.
    for at in [ecowas, au] {
        let seen = wait_for(at, "xaa", &sent.id, |d| d.decisions.len() == 2)
            .await
            .unwrap();
        assert_eq!(decisions(&seen), expected);
    }
}

/// Decisions by organisation: kind and justification.
fn decisions(detail: &pb::WarningDetail) -> BTreeMap<String, (String, String)> {
    detail
        .decisions
        .iter()
        .map(|d| (d.organisation.clone(), (d.kind.clone(), d.justification.clone())))
        .collect()
}
