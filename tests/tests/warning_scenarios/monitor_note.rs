//! Scenario 4, a decision to monitor and an after-action note: the AU
//! decides to monitor XAA's warning and sends a fact-finding mission; XAA
//! closes the warning on that decision; the AU notes afterwards that the
//! violence did not materialise. The note stays at the AU.

use tocsin_proto::v1 as pb;
use tocsin_tests::warnings::{Watch, client, detail, events, name, publish, wait_for};

use super::{assert_code, in_days, issue, node, start, surge_assessment, warning};

#[tokio::test]
async fn a_monitored_warning_is_closed_and_the_after_action_note_stays_home() {
    let federation = start().await;
    let (xaa, au) = (node(&federation, "xaa"), node(&federation, "au"));
    let mut xaa_feed = Watch::start(xaa).await.unwrap();
    let mut au_feed = Watch::start(au).await.unwrap();
    let assessment = publish(xaa, surge_assessment()).await.unwrap();
    let sent = issue(
        xaa,
        warning(
            &assessment,
            "Hate speech surges ahead of the presidential election in Northern XAA",
            &[("au", "decision_maker")],
        ),
    )
    .await;
    au_feed.next("received", &sent.id).await.unwrap();

    // The AU monitors, and sends a mission to see.
    let mut au_decider = client(au, "dm", "decision_maker").await.unwrap();
    let decided = au_decider
        .decide_warning(pb::DecideWarningRequest {
            warning: name("xaa", &sent.id),
            kind: "monitor".into(),
            justification: "Tension is real but no mobilisation yet; watch the rallies.".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let decision = decided.decisions[0].id.clone();
    let recorded = au_decider
        .record_action(pb::RecordActionRequest {
            warning: name("xaa", &sent.id),
            decision_id: decision.clone(),
            kind: "fact_finding".into(),
            description: "Observers at the northern rallies.".into(),
            owner: String::new(),
            due: in_days(14),
        })
        .await
        .unwrap()
        .into_inner();
    let mission = recorded.actions[0].id.clone();
    // The two may be folded in either order at XAA.
    wait_for(xaa, "", &sent.id, |d| {
        d.decisions.len() == 1 && d.actions.len() == 1
    })
    .await
    .unwrap();

    // XAA closes it, on a decision it holds and on no other.
    let mut reviewer = client(xaa, "rev", "reviewer").await.unwrap();
    let before = detail(&mut reviewer, "", &sent.id).await.unwrap();
    let unknown = reviewer
        .close_warning(pb::CloseWarningRequest {
            id: sent.id.clone(),
            decision_id: "au.no-such-decision".into(),
        })
        .await
        .unwrap_err();
    assert_code(&unknown, tonic::Code::NotFound);
    assert!(
        unknown.message().contains("au.no-such-decision"),
        "{}",
        unknown.message()
    );
    assert_eq!(detail(&mut reviewer, "", &sent.id).await.unwrap(), before);
    let closed = reviewer
        .close_warning(pb::CloseWarningRequest {
            id: sent.id.clone(),
            decision_id: decision.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.warning.as_ref().unwrap().status, "closed");
    assert_eq!(events(&closed).last(), Some(&"closed"));
    let close_text = &closed.timeline.last().unwrap().text;
    assert!(close_text.contains(&decision), "{close_text}");
    let at_au = au_feed.next("closed", &sent.id).await.unwrap();
    assert_eq!(at_au.warning.unwrap().status, "closed");

    // The AU's lessons: in its own timeline.
    let noted = au_decider
        .add_after_action_note(pb::AddAfterActionNoteRequest {
            warning: name("xaa", &sent.id),
            outcome: "did_not_materialise".into(),
            lessons: "Early mediation by local elders defused the rallies.".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(events(&noted).last(), Some(&"noted"));
    au_feed.next("noted", &sent.id).await.unwrap();
    let mut au_reader = client(au, "fp", "focal_point").await.unwrap();
    let home = detail(&mut au_reader, "xaa", &sent.id).await.unwrap();
    let note = home.timeline.iter().find(|e| e.event == "noted").unwrap();
    assert!(note.text.contains("did_not_materialise"), "{}", note.text);

    // Not at XAA: the mission's completion, sent by the AU after the note,
    // arrives there; the note does not.
    au_decider
        .update_action(pb::UpdateActionRequest {
            warning: name("xaa", &sent.id),
            action_id: mission.clone(),
            status: "completed".into(),
            outcome: "Rallies calm; no incidents observed.".into(),
        })
        .await
        .unwrap();
    xaa_feed
        .next_where("the mission's completion", |e| {
            e.kind == "action"
                && e.text.contains("completed")
                && e.warning.as_ref().is_some_and(|w| w.id == sent.id)
        })
        .await
        .unwrap();
    let at_xaa = detail(&mut reviewer, "", &sent.id).await.unwrap();
    assert!(
        events(&at_xaa).contains(&"action_changed"),
        "{:?}",
        events(&at_xaa)
    );
    assert!(!events(&at_xaa).contains(&"noted"), "{:?}", events(&at_xaa));
}
