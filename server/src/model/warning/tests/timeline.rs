//! The timeline: every event once, in time order, with who did it.

use super::*;

#[test]
fn events_come_in_time_order() {
    let ended = issued()
        .close(
            &[decision("au", hours(30), DecisionKind::Act)],
            "rita",
            sent() + hours(200),
        )
        .unwrap();
    let planned = action("x1", "au", hours(31), hours(100));
    let done = planned
        .advance(ActionStatus::InProgress, None, "au-desk", sent() + hours(40))
        .unwrap()
        .advance(
            ActionStatus::Completed,
            Some("envoy deployed".into()),
            "au-desk",
            sent() + hours(90),
        )
        .unwrap();
    // Recorded out of order, with one record of another warning.
    let events = Responses {
        notes: vec![AfterActionNote {
            id: "n1".into(),
            warning_id: "w1".into(),
            organisation: "ecowas".into(),
            outcome: Outcome::Mitigated,
            lessons: "the envoy helped".into(),
            by: "ana".into(),
            at: sent() + hours(300),
        }],
        actions: vec![done],
        decisions: vec![decision("au", hours(30), DecisionKind::Act)],
        escalations: vec![Escalation {
            warning_id: "w1".into(),
            reason: EscalationReason::NoAcknowledgement,
            subject: "xaa".into(),
            step: 1,
            from: "xaa".into(),
            to: "ecowas".into(),
            due: sent() + hours(72),
            at: sent() + hours(72),
        }],
        acknowledgements: vec![
            ack("au", hours(2), AckKind::AcceptedForAction),
            ack("xaa", hours(80), AckKind::Received),
            Acknowledgement {
                warning_id: "w2".into(),
                ..ack("au", hours(1), AckKind::Received)
            },
        ],
        deliveries: vec![
            Delivery {
                warning_id: "w1".into(),
                organisation: "xaa".into(),
                at: sent() + hours(2),
            },
            Delivery {
                warning_id: "w1".into(),
                organisation: "au".into(),
                at: sent() + hours(1),
            },
        ],
    };
    let got: Vec<(i64, String, String)> = timeline(&ended, &events)
        .into_iter()
        .map(|e| {
            let kind = serde_json::to_value(&e.event).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned();
            ((e.at - sent()).num_hours(), e.who, kind)
        })
        .collect();
    let want = [
        (-1, "ana", "raised"),
        (0, "rita", "issued"),
        (1, "au", "delivered"),
        (2, "xaa", "delivered"),
        (2, "au-officer", "acknowledged"),
        (30, "au-chair", "decided"),
        (31, "au-desk", "action_recorded"),
        (40, "au-desk", "action_changed"),
        (72, "xaa", "escalated"),
        (80, "xaa-officer", "acknowledged"),
        (90, "au-desk", "action_changed"),
        (200, "rita", "closed"),
        (300, "ana", "noted"),
    ];
    let want: Vec<(i64, String, String)> = want
        .iter()
        .map(|(h, who, kind)| (*h, who.to_string(), kind.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn entries_carry_what_happened() {
    let update = issued()
        .draft_update("w2".into(), content(), "ana", sent() + hours(5))
        .unwrap()
        .issue("rita", &ResponseDeadlines::default(), sent() + hours(6))
        .unwrap();
    let superseded = issued().supersede(&update).unwrap();
    let events = Responses {
        acknowledgements: vec![ack(
            "au",
            hours(2),
            AckKind::Forwarded {
                to: "igad".into(),
                reason: "IGAD leads".into(),
            },
        )],
        ..Responses::default()
    };
    let entries = timeline(&superseded, &events);
    assert_eq!(entries.len(), 4);
    assert_eq!(
        entries[2],
        TimelineEntry {
            at: sent() + hours(2),
            who: "au-officer".into(),
            event: TimelineEvent::Acknowledged {
                organisation: "au".into(),
                kind: AckKind::Forwarded {
                    to: "igad".into(),
                    reason: "IGAD leads".into(),
                },
            },
        }
    );
    assert_eq!(
        entries[3],
        TimelineEntry {
            at: sent() + hours(6),
            who: "ecowas".into(),
            event: TimelineEvent::Superseded { by: "w2".into() },
        }
    );
    let only_raised = timeline(&draft(), &Responses::default());
    assert_eq!(only_raised.len(), 1);
    assert_eq!(only_raised[0].event, TimelineEvent::Raised);
}
