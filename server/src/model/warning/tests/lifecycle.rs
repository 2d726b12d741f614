//! Status transitions: legal steps and refusals that name the warning.

use super::*;

fn update() -> Warning {
    let mut content = content();
    content.headline = "Emergency: very high risk in Northern XAA".into();
    content.urgency = Urgency::Immediate;
    issued()
        .draft_update("w2".into(), content, "ana", sent() + hours(10))
        .unwrap()
}

fn cancel_notice() -> Warning {
    issued()
        .draft_cancel(
            "w3".into(),
            "the election was postponed",
            "ana",
            sent() + hours(20),
        )
        .unwrap()
}

fn issue(w: Warning, at: DateTime<Utc>) -> Warning {
    w.issue("rita", &ResponseDeadlines::default(), at).unwrap()
}

#[test]
fn transitions_are_checked() {
    let deadlines = ResponseDeadlines::default();
    let issued_update = issue(update(), sent() + hours(11));
    let issued_cancel = issue(cancel_notice(), sent() + hours(21));
    let other_update = issue(
        Warning {
            references: Vec::new(),
            ..update()
        },
        sent() + hours(11),
    );
    let closed = issued()
        .close(
            &[decision("au", hours(30), DecisionKind::Act)],
            "rita",
            sent() + hours(40),
        )
        .unwrap();
    let expired = Warning {
        content: WarningContent {
            expires: t0(),
            ..content()
        },
        ..draft()
    };
    type Case<'a> = (
        &'a str,
        Result<Warning, WarningError>,
        Result<WarningStatus, &'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "revise a draft",
            draft().revise(content(), sent()),
            Ok(WarningStatus::Draft),
        ),
        (
            "revise an issued warning",
            issued().revise(content(), sent()),
            Err("warning `w1` is issued; only a draft warning can be revised"),
        ),
        (
            "issue a draft",
            draft().issue("rita", &deadlines, sent()),
            Ok(WarningStatus::Issued),
        ),
        (
            "issue twice",
            issued().issue("rita", &deadlines, sent()),
            Err("warning `w1` is issued; only a draft warning can be issued"),
        ),
        (
            "issue after expiry",
            expired.issue("rita", &deadlines, sent()),
            Err("warning `w1` expired at 2026-11-05 08:00:00 UTC; it cannot be issued"),
        ),
        (
            "update a draft",
            draft().draft_update("w2".into(), content(), "ana", sent()),
            Err("warning `w1` is draft; only an issued warning can be updated"),
        ),
        (
            "cancel a draft",
            draft().draft_cancel("w3".into(), "no", "ana", sent()),
            Err("warning `w1` is draft; only an issued warning can be cancelled"),
        ),
        (
            "update a cancel notice",
            issued_cancel.draft_update("w4".into(), content(), "ana", sent()),
            Err("warning `w3` is a cancel notice; an update applies only to alerts and updates"),
        ),
        (
            "supersede by an update",
            issued().supersede(&issued_update),
            Ok(WarningStatus::Superseded),
        ),
        (
            "supersede by a draft update",
            issued().supersede(&update()),
            Err("warning `w2` is draft; only an issued warning can be used to supersede"),
        ),
        (
            "supersede by an update of something else",
            issued().supersede(&other_update),
            Err("warning `w2` does not reference warning `w1`"),
        ),
        (
            "supersede by a cancel notice",
            issued().supersede(&issued_cancel),
            Err("warning `w3` has message type `cancel`; it cannot supersede warning `w1`"),
        ),
        (
            "supersede a closed warning",
            closed.supersede(&issued_update),
            Err("warning `w1` is closed; only an issued warning can be superseded"),
        ),
        (
            "cancel by a notice",
            issued().cancel(&issued_cancel),
            Ok(WarningStatus::Cancelled),
        ),
        (
            "cancel by an update",
            issued().cancel(&issued_update),
            Err("warning `w2` has message type `update`; it cannot cancel warning `w1`"),
        ),
        (
            "close with a decision",
            issued().close(
                &[decision("au", hours(30), DecisionKind::Monitor)],
                "rita",
                sent(),
            ),
            Ok(WarningStatus::Closed),
        ),
        (
            "close without a decision",
            issued().close(&[], "rita", sent()),
            Err("warning `w1` has no decision; record one before closing it"),
        ),
        (
            "close on another warning's decision",
            issued().close(
                &[Decision {
                    warning_id: "w9".into(),
                    ..decision("au", hours(30), DecisionKind::Act)
                }],
                "rita",
                sent(),
            ),
            Err("decision `d-au` is about warning `w9`, not `w1`"),
        ),
        (
            "close a draft",
            draft().close(&[decision("au", hours(30), DecisionKind::Act)], "rita", sent()),
            Err("warning `w1` is draft; only an issued warning can be closed"),
        ),
        (
            "close twice",
            closed.close(&[decision("au", hours(30), DecisionKind::Act)], "rita", sent()),
            Err("warning `w1` is closed; only an issued warning can be closed"),
        ),
        (
            "close a cancel notice",
            issued_cancel.close(&[decision("au", hours(30), DecisionKind::Act)], "rita", sent()),
            Err("warning `w3` is a cancel notice; closing applies only to alerts and updates"),
        ),
    ];
    for (name, got, want) in cases {
        match (got, want) {
            (Ok(w), Ok(status)) => assert_eq!(w.status, status, "{name}"),
            (Err(e), Err(message)) => assert_eq!(e.to_string(), message, "{name}"),
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn issuing_fixes_sent_and_deadlines() {
    let w = issued();
    let issued = w.issued.clone().unwrap();
    assert_eq!(issued.by, "rita");
    assert_eq!(issued.sent, sent());
    assert_eq!(issued.acknowledge_by, sent() + hours(72));
    assert_eq!(issued.decide_by, sent() + TimeDelta::days(7));
    assert_eq!(w.created_at, t0(), "raised time kept");
    assert_eq!(
        w.reference(),
        Some(WarningRef {
            sender: "ecowas".into(),
            identifier: "w1".into(),
            sent: sent(),
        })
    );
    assert_eq!(draft().reference(), None);
}

#[test]
fn updates_and_cancels_reference_what_they_replace() {
    let u = update();
    assert_eq!(
        (u.msg_type, u.status, u.sender.as_str()),
        (MsgType::Update, WarningStatus::Draft, "ecowas")
    );
    assert_eq!(u.references, vec![issued().reference().unwrap()]);
    assert_eq!(u.content.urgency, Urgency::Immediate);
    let c = cancel_notice();
    assert_eq!(c.msg_type, MsgType::Cancel);
    assert_eq!(c.content.description, "the election was postponed");
    assert_eq!(c.content.instruction, "");
    assert_eq!(c.content.headline, content().headline);

    let issued_update = issue(u, sent() + hours(11));
    let old = issued().supersede(&issued_update).unwrap();
    assert_eq!(
        old.ended,
        Some(Ending::Superseded {
            by: "w2".into(),
            at: sent() + hours(11),
        })
    );
    let issued_cancel = issue(c, sent() + hours(21));
    let old = issued().cancel(&issued_cancel).unwrap();
    assert_eq!(old.ended.as_ref().map(Ending::at), Some(sent() + hours(21)));
    // A cancel notice can go out after the warning it cancels expired.
    let late = sent() + TimeDelta::days(40);
    assert!(issued().is_expired(late));
    let notice = issued().draft_cancel("w5".into(), "over", "ana", late).unwrap();
    assert!(notice.issue("rita", &ResponseDeadlines::default(), late).is_ok());
}

#[test]
fn closing_records_the_latest_decision() {
    let decisions = [
        decision("xaa", hours(20), DecisionKind::Monitor),
        decision("au", hours(30), DecisionKind::Act),
    ];
    let closed = issued().close(&decisions, "rita", sent() + hours(50)).unwrap();
    assert_eq!(
        closed.ended,
        Some(Ending::Closed {
            by: "rita".into(),
            decision: "d-au".into(),
            at: sent() + hours(50),
        })
    );
}
