//! Scenario 2, update then cancel: ECOWAS warns the AU, issues an update
//! that supersedes the first warning, then a cancel notice for the update;
//! the AU's node follows each step, and a cancelled warning can no longer
//! be answered.

use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::warnings::{Watch, client, detail, events, name, publish};

use super::{assert_code, issue, node, start, warning};

const TO_AU: &[(&str, &str)] = &[("au", "decision_maker")];

#[tokio::test]
async fn an_update_supersedes_and_a_cancel_notice_cancels_at_the_addressee() {
    let federation = start().await;
    let (ecowas, au) = (node(&federation, "ecowas"), node(&federation, "au"));
    let mut ecowas_feed = Watch::start(ecowas).await.unwrap();
    let mut au_feed = Watch::start(au).await.unwrap();
    let assessment = publish(ecowas, content::with(|c| c.tlp = pb::Tlp::Green as i32))
        .await
        .unwrap();
    let mut reviewer = client(ecowas, "rev", "reviewer").await.unwrap();
    let mut au_reader = client(au, "fp", "focal_point").await.unwrap();

    let first = issue(
        ecowas,
        warning(&assessment, "Hate speech rises in Northern XAA", TO_AU),
    )
    .await;
    au_feed.next("received", &first.id).await.unwrap();
    ecowas_feed.next("delivered", &first.id).await.unwrap();

    // The update: a new headline, superseding the first once issued.
    let headline = "Hate speech turns to calls for violence in Northern XAA";
    let update = reviewer
        .draft_update(pb::DraftUpdateRequest {
            id: first.id.clone(),
            content: Some(warning(&assessment, headline, TO_AU)),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (update.msg_type.as_str(), update.status.as_str()),
        ("update", "draft")
    );
    assert_eq!(update.references[0].identifier, first.id);
    let update = issue_draft(&mut reviewer, &update.id).await;
    au_feed.next("updated", &first.id).await.unwrap();
    au_feed.next("received", &update.id).await.unwrap();

    let old = detail(&mut au_reader, "ecowas", &first.id).await.unwrap();
    assert_eq!(old.warning.as_ref().unwrap().status, "superseded");
    assert_eq!(events(&old).last(), Some(&"superseded"));
    let new = detail(&mut au_reader, "ecowas", &update.id).await.unwrap();
    let new = new.warning.unwrap();
    assert_eq!((new.status.as_str(), new.msg_type.as_str()), ("issued", "update"));
    assert_eq!(new.content.unwrap().headline, headline);
    let at_sender = detail(&mut reviewer, "", &first.id).await.unwrap();
    assert_eq!(at_sender.warning.as_ref().unwrap().status, "superseded");
    assert_eq!(events(&at_sender).last(), Some(&"superseded"));

    // The cancel notice for the update.
    let reason = "The election was postponed and the broadcasts stopped.";
    let cancel = reviewer
        .draft_cancel(pb::DraftCancelRequest {
            id: update.id.clone(),
            reason: reason.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancel.msg_type, "cancel");
    let cancel = issue_draft(&mut reviewer, &cancel.id).await;
    au_feed.next("cancelled", &update.id).await.unwrap();
    au_feed.next("received", &cancel.id).await.unwrap();

    let cancelled = detail(&mut au_reader, "ecowas", &update.id).await.unwrap();
    assert_eq!(cancelled.warning.as_ref().unwrap().status, "cancelled");
    assert_eq!(events(&cancelled).last(), Some(&"cancelled"));
    let notice = detail(&mut au_reader, "ecowas", &cancel.id).await.unwrap();
    let notice = notice.warning.unwrap();
    assert_eq!(notice.msg_type, "cancel");
    assert_eq!(notice.content.unwrap().description, reason);
    let first_again = detail(&mut au_reader, "ecowas", &first.id).await.unwrap();
    assert_eq!(
        first_again, old,
        "cancelling the update leaves the first as it was"
    );

    // Nothing ended can be answered: not the cancelled update, not the
    // superseded first warning, not the cancel notice itself.
    let mut au_decider = client(au, "dm", "decision_maker").await.unwrap();
    for id in [&update.id, &first.id, &cancel.id] {
        let refused = au_decider
            .acknowledge_warning(pb::AcknowledgeWarningRequest {
                warning: name("ecowas", id),
                kind: "received".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_code(&refused, tonic::Code::FailedPrecondition);
    }
    let unchanged = detail(&mut au_reader, "ecowas", &update.id).await.unwrap();
    assert_eq!(unchanged, cancelled);
}

async fn issue_draft(reviewer: &mut tocsin_client::connect::WarningClient, id: &str) -> pb::Warning {
    let issued = reviewer
        .issue_warning(pb::IssueWarningRequest { id: id.to_owned() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.status, "issued");
    issued
}
