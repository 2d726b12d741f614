//! Acknowledgements, decisions, actions and notes: validation and action
//! status changes.

use super::*;

fn forwarded(to: &str, reason: &str) -> AckKind {
    AckKind::Forwarded {
        to: to.into(),
        reason: reason.into(),
    }
}

#[test]
fn acknowledgements_need_reasons_and_recipients() {
    let declined = |reason: &str| AckKind::Declined {
        reason: reason.into(),
    };
    for (organisation, kind, want) in [
        ("au", AckKind::Received, Ok(())),
        ("au", AckKind::AcceptedForAction, Ok(())),
        ("au", declined("outside our mandate"), Ok(())),
        ("au", declined(""), Err(("kind.reason", "must not be empty"))),
        ("au", forwarded("igad", "IGAD leads on this"), Ok(())),
        (
            "au",
            forwarded("igad", ""),
            Err(("kind.reason", "must not be empty")),
        ),
        (
            "au",
            forwarded("", "IGAD leads"),
            Err(("kind.to", "`` is not an organisation id")),
        ),
        (
            "au",
            forwarded("au", "loop"),
            Err(("kind.to", "`au` cannot forward a warning to itself")),
        ),
        (
            "A U",
            AckKind::Received,
            Err(("organisation", "`A U` is not an organisation id")),
        ),
    ] {
        let a = ack(organisation, hours(1), kind.clone());
        let got = a.validate().map_err(|e| (e.field.clone(), e.message.clone()));
        match (got, want) {
            (Ok(()), Ok(())) => {}
            (Err((field, message)), Err((want_field, want_message))) => {
                assert_eq!(field, want_field, "{kind:?}");
                assert!(message.contains(want_message), "{kind:?}: {message}");
            }
            (got, want) => panic!("{kind:?}: got {got:?}, want {want:?}"),
        }
    }
    assert!(forwarded("igad", "x").hands_off());
    assert!(!AckKind::AcceptedForAction.hands_off());
    let json = serde_json::to_string(&forwarded("igad", "lead")).unwrap();
    assert_eq!(json, r#"{"kind":"forwarded","to":"igad","reason":"lead"}"#);
}

#[test]
fn decisions_and_notes_need_text() {
    assert_eq!(decision("au", hours(3), DecisionKind::Act).validate(), Ok(()));
    let mut d = decision("au", hours(3), DecisionKind::NoAction);
    d.justification = " ".repeat(5_001);
    assert_eq!(d.validate().unwrap_err().field, "justification");
    d.justification = String::new();
    assert_eq!(d.validate().unwrap_err().message, "must not be empty");
    let note = AfterActionNote {
        id: "n1".into(),
        warning_id: "w1".into(),
        organisation: "ecowas".into(),
        outcome: Outcome::Mitigated,
        lessons: String::new(),
        by: "ana".into(),
        at: sent(),
    };
    assert_eq!(note.validate().unwrap_err().field, "lessons");
    assert_eq!(
        AfterActionNote {
            lessons: "the envoy arrived too late".into(),
            ..note
        }
        .validate(),
        Ok(())
    );
    let mut a = action("x1", "au", hours(1), hours(48));
    assert_eq!(a.validate(), Ok(()));
    a.owner = "African Union".into();
    assert_eq!(a.validate().unwrap_err().field, "owner");
}

#[test]
fn action_status_changes() {
    use ActionStatus::*;
    let at = sent() + hours(5);
    let done = Some("the envoy met both parties".to_owned());
    let planned = action("x1", "au", hours(1), hours(48));
    let in_progress = planned.advance(InProgress, None, "au-desk", at).unwrap();
    let completed = in_progress
        .advance(Completed, done.clone(), "au-desk", at)
        .unwrap();
    let abandoned = planned
        .advance(Abandoned, Some("no visa".into()), "au-desk", at)
        .unwrap();
    let transition = |from, to| format!("action `x1` of warning `w1` is {from}; it cannot become {to}");
    type Case<'a> = (
        &'a Action,
        ActionStatus,
        Option<String>,
        Result<ActionStatus, String>,
    );
    let cases: Vec<Case> = vec![
        (&planned, InProgress, None, Ok(InProgress)),
        (&planned, Completed, done.clone(), Ok(Completed)),
        (&planned, Abandoned, Some("no visa".into()), Ok(Abandoned)),
        (&in_progress, Completed, done.clone(), Ok(Completed)),
        (&in_progress, Abandoned, Some("talks failed".into()), Ok(Abandoned)),
        (&planned, Planned, None, Err(transition("planned", "planned"))),
        (&in_progress, InProgress, None, Err(transition("in_progress", "in_progress"))),
        (&in_progress, Planned, None, Err(transition("in_progress", "planned"))),
        (&completed, InProgress, None, Err(transition("completed", "in_progress"))),
        (&completed, Abandoned, done.clone(), Err(transition("completed", "abandoned"))),
        (&abandoned, Completed, done.clone(), Err(transition("abandoned", "completed"))),
        (
            &in_progress,
            Completed,
            None,
            Err("`outcome`: a completed action needs an outcome".into()),
        ),
        (
            &planned,
            Abandoned,
            Some(String::new()),
            Err("`outcome`: must not be empty".into()),
        ),
        (
            &planned,
            InProgress,
            Some("early".into()),
            Err("`outcome`: only a completed or abandoned action has an outcome, not one that becomes in_progress".into()),
        ),
    ];
    for (action, to, outcome, want) in cases {
        let got = action
            .advance(to, outcome.clone(), "au-desk", at)
            .map(|a| a.status())
            .map_err(|e| e.to_string());
        assert_eq!(got, want, "{} → {to} ({outcome:?})", action.status());
    }
    assert_eq!(planned.status(), Planned);
    assert_eq!(completed.updates.len(), 2);
    assert_eq!(completed.updates[1].outcome, done);
    assert_eq!(completed.finished_at(), Some(at));
    assert_eq!(in_progress.finished_at(), None);
    assert!(matches!(
        completed.advance(Abandoned, None, "x", at),
        Err(AdvanceError::Transition(WarningError::ActionTransition { .. }))
    ));
}
