//! Scenario 5, bad input loses nothing: responses to a warning that is not
//! there, of an unknown kind, or taking a finished action backwards are
//! refused with the right code; the warning is exactly as it was after
//! each, and a good response still goes through and reaches the sender.

use tocsin_client::connect::WarningClient;
use tocsin_proto::v1 as pb;
use tocsin_tests::warnings::{Watch, client, detail, events, name, publish, wait_for};

use super::{assert_code, in_days, issue, node, start, surge_assessment, warning};

#[tokio::test]
async fn refused_responses_change_nothing_and_a_good_one_still_flows() {
    let federation = start().await;
    let (xaa, ecowas) = (node(&federation, "xaa"), node(&federation, "ecowas"));
    let mut ecowas_feed = Watch::start(ecowas).await.unwrap();
    let assessment = publish(xaa, surge_assessment()).await.unwrap();
    let sent = issue(
        xaa,
        warning(
            &assessment,
            "Hate speech surges ahead of the presidential election in Northern XAA",
            &[("ecowas", "decision_maker")],
        ),
    )
    .await;
    ecowas_feed.next("received", &sent.id).await.unwrap();

    // ECOWAS decides, sends a mediator, and the mediation is completed.
    let mut decider = client(ecowas, "dm", "decision_maker").await.unwrap();
    let decided = decider
        .decide_warning(pb::DecideWarningRequest {
            warning: name("xaa", &sent.id),
            kind: "act".into(),
            justification: "A mediation window before the vote.".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let recorded = decider
        .record_action(pb::RecordActionRequest {
            warning: name("xaa", &sent.id),
            decision_id: decided.decisions[0].id.clone(),
            kind: "mediation".into(),
            description: "Envoy to the northern districts.".into(),
            owner: String::new(),
            due: in_days(7),
        })
        .await
        .unwrap()
        .into_inner();
    let action = recorded.actions[0].id.clone();
    for (status, outcome) in [
        ("in_progress", ""),
        ("completed", "Community leaders signed a code of conduct."),
    ] {
        update(&mut decider, &sent.id, &action, status, outcome)
            .await
            .unwrap();
    }
    let at_xaa = wait_for(xaa, "", &sent.id, |d| {
        d.actions.first().is_some_and(|a| a.status == "completed")
    })
    .await
    .unwrap();

    let mut reader = client(ecowas, "obs", "auditor").await.unwrap();
    let before = detail(&mut reader, "xaa", &sent.id).await.unwrap();
    let listed = list(&mut reader).await;

    // A response to a warning this node does not hold.
    let unknown = decider
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: name("xaa", "0190aaaa-no-such-warning"),
            kind: "received".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_code(&unknown, tonic::Code::NotFound);
    assert!(
        unknown.message().contains("0190aaaa-no-such-warning"),
        "{}",
        unknown.message()
    );
    assert_eq!(detail(&mut reader, "xaa", &sent.id).await.unwrap(), before);
    assert_eq!(list(&mut reader).await, listed, "no warning appeared");

    // An acknowledgement of a kind that does not exist.
    let maybe = decider
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: name("xaa", &sent.id),
            kind: "maybe".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_code(&maybe, tonic::Code::InvalidArgument);
    assert!(maybe.message().contains("`kind`"), "{}", maybe.message());
    assert!(maybe.message().contains("`maybe`"), "{}", maybe.message());
    assert_eq!(detail(&mut reader, "xaa", &sent.id).await.unwrap(), before);

    // A completed action does not go back to in progress.
    let backwards = update(&mut decider, &sent.id, &action, "in_progress", "")
        .await
        .unwrap_err();
    assert_code(&backwards, tonic::Code::FailedPrecondition);
    assert!(backwards.message().contains(&action), "{}", backwards.message());
    let after = detail(&mut reader, "xaa", &sent.id).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(after.actions[0].status, "completed");
    assert_eq!(after.actions[0].updates.len(), 2);

    // Nothing was lost or wedged: a good acknowledgement goes through and
    // reaches XAA, whose record gained that and nothing else.
    let acked = decider
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: name("xaa", &sent.id),
            kind: "accepted_for_action".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(events(&acked).len(), events(&before).len() + 1);
    let now_at_xaa = wait_for(xaa, "", &sent.id, |d| events(d).contains(&"acknowledged"))
        .await
        .unwrap();
    assert_eq!(now_at_xaa.decisions, at_xaa.decisions);
    assert_eq!(now_at_xaa.actions, at_xaa.actions);
    let acknowledged: Vec<&pb::TimelineEntry> = now_at_xaa
        .timeline
        .iter()
        .filter(|e| e.event == "acknowledged")
        .collect();
    assert_eq!(acknowledged.len(), 1, "{:?}", now_at_xaa.timeline);
    assert_eq!(
        acknowledged[0].text,
        "acknowledged by ecowas: accepted_for_action"
    );
}

async fn update(
    client: &mut WarningClient,
    warning: &str,
    action: &str,
    status: &str,
    outcome: &str,
) -> Result<pb::WarningDetail, tonic::Status> {
    client
        .update_action(pb::UpdateActionRequest {
            warning: name("xaa", warning),
            action_id: action.to_owned(),
            status: status.into(),
            outcome: outcome.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn list(client: &mut WarningClient) -> Vec<pb::Warning> {
    client
        .list_warnings(pb::ListWarningsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .warnings
}
