//! Escalations: due, not due, idempotent, up the chain and at its end.
//!
//! `issued()` was sent at `sent()`; acknowledgements are due 72 h later,
//! decisions 7 days later; each further step comes 72 h after the last.

use super::*;
use EscalationReason::{NoAcknowledgement as NoAck, OverdueAction, OverdueDecision};

fn chain() -> EscalationChain {
    EscalationChain::new(["xaa", "ecowas", "au", "un-hq"])
}

/// An escalation as (reason, subject, step, from, to, hours after sending
/// when it became due).
type Step = (
    EscalationReason,
    &'static str,
    u32,
    &'static str,
    &'static str,
    i64,
);

/// A recorded escalation made `made` hours after sending.
fn recorded((reason, subject, step, from, to, due): Step, made: i64) -> Escalation {
    Escalation {
        warning_id: "w1".into(),
        reason,
        subject: subject.into(),
        step,
        from: from.into(),
        to: to.into(),
        due: sent() + hours(due),
        at: sent() + hours(made),
    }
}

/// An escalation with owned text, as `due_at` returns it.
type Made = (EscalationReason, String, u32, String, String, i64);

fn owned(steps: Vec<Step>) -> Vec<Made> {
    steps
        .into_iter()
        .map(|(r, s, n, f, t, d)| (r, s.to_owned(), n, f.to_owned(), t.to_owned(), d))
        .collect()
}

fn due_at(warning: &Warning, responses: &Responses, after: i64) -> Vec<Made> {
    due_escalations(warning, responses, &chain(), sent() + hours(after))
        .into_iter()
        .map(|e| {
            assert_eq!(e.at, sent() + hours(after), "made now");
            assert_eq!(e.warning_id, warning.id);
            let due = (e.due - sent()).num_hours();
            (e.reason, e.subject, e.step, e.from, e.to, due)
        })
        .collect()
}

fn acked(orgs: &[&str]) -> Vec<Acknowledgement> {
    orgs.iter().map(|o| ack(o, hours(2), AckKind::Received)).collect()
}

#[test]
fn unacknowledged_addressees_escalate_up_the_chain() {
    let xaa_1: Step = (NoAck, "xaa", 1, "xaa", "ecowas", 72);
    let au_1: Step = (NoAck, "au", 1, "au", "un-hq", 72);
    let xaa_2: Step = (NoAck, "xaa", 2, "ecowas", "au", 144);
    let xaa_3: Step = (NoAck, "xaa", 3, "au", "un-hq", 216);
    // Both decided, so that only acknowledgements are late.
    let decided = vec![
        decision("xaa", hours(5), DecisionKind::Act),
        decision("au", hours(5), DecisionKind::Act),
    ];
    let with = |acks: Vec<Acknowledgement>, escalations: Vec<Escalation>| Responses {
        acknowledgements: acks,
        decisions: decided.clone(),
        escalations,
        ..Responses::default()
    };
    let step_1 = || vec![recorded(xaa_1, 72), recorded(au_1, 72)];
    let cases: Vec<(&str, Responses, i64, Vec<Step>)> = vec![
        ("before the deadline", with(vec![], vec![]), 71, vec![]),
        ("at the deadline", with(vec![], vec![]), 72, vec![xaa_1, au_1]),
        ("one acknowledged", with(acked(&["xaa"]), vec![]), 80, vec![au_1]),
        (
            "both acknowledged",
            with(acked(&["xaa", "au"]), vec![]),
            100,
            vec![],
        ),
        (
            "declining is an answer",
            with(
                vec![ack("au", hours(1), AckKind::Declined { reason: "no".into() })],
                vec![],
            ),
            80,
            vec![xaa_1],
        ),
        (
            "late answer, before the scheduler ran",
            with(vec![ack("xaa", hours(75), AckKind::Received)], vec![]),
            76,
            vec![au_1],
        ),
        (
            "step 1 recorded: not due again",
            with(vec![], step_1()),
            72,
            vec![],
        ),
        ("step 2 not yet due", with(vec![], step_1()), 143, vec![]),
        (
            "step 2 due; au is at the chain's end",
            with(vec![], step_1()),
            144,
            vec![xaa_2],
        ),
        (
            "step 2 waits a period after a late step 1",
            with(vec![], vec![recorded(xaa_1, 100), recorded(au_1, 72)]),
            171,
            vec![],
        ),
        (
            "step 2 after a late step 1",
            with(vec![], vec![recorded(xaa_1, 100), recorded(au_1, 72)]),
            172,
            vec![(NoAck, "xaa", 2, "ecowas", "au", 172)],
        ),
        (
            "the escalated-to answered",
            with(acked(&["ecowas"]), step_1()),
            144,
            vec![],
        ),
        (
            "step 3",
            with(
                vec![],
                vec![recorded(xaa_1, 72), recorded(xaa_2, 144), recorded(au_1, 72)],
            ),
            216,
            vec![xaa_3],
        ),
        (
            "chain end",
            with(
                vec![],
                vec![
                    recorded(xaa_1, 72),
                    recorded(xaa_2, 144),
                    recorded(xaa_3, 216),
                    recorded(au_1, 72),
                ],
            ),
            500,
            vec![],
        ),
    ];
    for (name, responses, after, want) in cases {
        assert_eq!(due_at(&issued(), &responses, after), owned(want), "{name}");
    }
}

#[test]
fn outsiders_enter_the_chain_at_its_start() {
    let mut draft = draft();
    draft.content.addressees = vec![
        addressee("wanep", Role::FocalPoint),
        addressee("un-hq", Role::DecisionMaker),
    ];
    let warning = draft
        .issue("rita", &ResponseDeadlines::default(), sent())
        .unwrap();
    let responses = Responses::default();
    assert_eq!(
        due_at(&warning, &responses, 72),
        owned(vec![(NoAck, "wanep", 1, "wanep", "xaa", 72)])
    );
    let responses = Responses {
        escalations: vec![recorded((NoAck, "wanep", 1, "wanep", "xaa", 72), 72)],
        ..Responses::default()
    };
    assert_eq!(
        due_at(&warning, &responses, 144),
        owned(vec![(NoAck, "wanep", 2, "xaa", "ecowas", 144)])
    );
}

#[test]
fn overdue_decisions_escalate() {
    let acks = acked(&["xaa", "au"]);
    let with =
        |acks: Vec<Acknowledgement>, decisions: Vec<Decision>, escalations: Vec<Escalation>| Responses {
            acknowledgements: acks,
            decisions,
            escalations,
            ..Responses::default()
        };
    let xaa_1: Step = (OverdueDecision, "xaa", 1, "xaa", "ecowas", 168);
    let au_1: Step = (OverdueDecision, "au", 1, "au", "un-hq", 168);
    let declined = ack(
        "au",
        hours(3),
        AckKind::Declined {
            reason: "not ours".into(),
        },
    );
    let forwarded = ack(
        "au",
        hours(3),
        AckKind::Forwarded {
            to: "igad".into(),
            reason: "IGAD leads".into(),
        },
    );
    let cases: Vec<(&str, Responses, i64, Vec<Step>)> = vec![
        (
            "before the deadline",
            with(acks.clone(), vec![], vec![]),
            167,
            vec![],
        ),
        (
            "at the deadline",
            with(acks.clone(), vec![], vec![]),
            168,
            vec![xaa_1, au_1],
        ),
        (
            "one decided",
            with(
                acks.clone(),
                vec![decision("au", hours(30), DecisionKind::Monitor)],
                vec![],
            ),
            168,
            vec![xaa_1],
        ),
        (
            "a decline owes no decision",
            with(vec![acks[0].clone(), declined], vec![], vec![]),
            168,
            vec![xaa_1],
        ),
        (
            "a forward owes no decision",
            with(vec![acks[0].clone(), forwarded], vec![], vec![]),
            168,
            vec![xaa_1],
        ),
        (
            "recorded",
            with(
                acks.clone(),
                vec![],
                vec![recorded(xaa_1, 168), recorded(au_1, 168)],
            ),
            200,
            vec![],
        ),
        (
            "next step",
            with(
                acks.clone(),
                vec![],
                vec![recorded(xaa_1, 168), recorded(au_1, 168)],
            ),
            240,
            vec![(OverdueDecision, "xaa", 2, "ecowas", "au", 240)],
        ),
        (
            "the escalated-to decided",
            with(
                acks.clone(),
                vec![decision("ecowas", hours(200), DecisionKind::Act)],
                vec![recorded(xaa_1, 168), recorded(au_1, 168)],
            ),
            240,
            vec![],
        ),
    ];
    for (name, responses, after, want) in cases {
        assert_eq!(due_at(&issued(), &responses, after), owned(want), "{name}");
    }
}

#[test]
fn overdue_actions_escalate_from_their_owner() {
    let acks = acked(&["xaa", "au"]);
    let decisions = vec![
        decision("xaa", hours(5), DecisionKind::Act),
        decision("au", hours(5), DecisionKind::Act),
    ];
    let with = |actions: Vec<Action>, escalations: Vec<Escalation>| Responses {
        acknowledgements: acks.clone(),
        decisions: decisions.clone(),
        actions,
        escalations,
        ..Responses::default()
    };
    let planned = action("x1", "ecowas", hours(6), hours(48));
    let started = planned
        .advance(ActionStatus::InProgress, None, "ecowas-desk", sent() + hours(10))
        .unwrap();
    let completed = started
        .advance(
            ActionStatus::Completed,
            Some("met both parties".into()),
            "ecowas-desk",
            sent() + hours(60),
        )
        .unwrap();
    let abandoned = planned
        .advance(
            ActionStatus::Abandoned,
            Some("no access".into()),
            "ecowas-desk",
            sent() + hours(60),
        )
        .unwrap();
    let x1_1: Step = (OverdueAction, "x1", 1, "ecowas", "au", 48);
    let cases: Vec<(&str, Responses, i64, Vec<Step>)> = vec![
        ("not yet due", with(vec![planned.clone()], vec![]), 47, vec![]),
        ("due", with(vec![planned.clone()], vec![]), 48, vec![x1_1]),
        (
            "in progress is not done",
            with(vec![started.clone()], vec![]),
            50,
            vec![x1_1],
        ),
        (
            "completed late, before the scheduler ran",
            with(vec![completed], vec![]),
            61,
            vec![],
        ),
        ("abandoned", with(vec![abandoned], vec![]), 61, vec![]),
        (
            "recorded",
            with(vec![planned.clone()], vec![recorded(x1_1, 48)]),
            119,
            vec![],
        ),
        (
            "step 2",
            with(vec![planned.clone()], vec![recorded(x1_1, 48)]),
            120,
            vec![(OverdueAction, "x1", 2, "au", "un-hq", 120)],
        ),
        (
            "another warning's action",
            with(
                vec![Action {
                    warning_id: "w9".into(),
                    ..planned.clone()
                }],
                vec![],
            ),
            60,
            vec![],
        ),
    ];
    for (name, responses, after, want) in cases {
        assert_eq!(due_at(&issued(), &responses, after), owned(want), "{name}");
    }
}

#[test]
fn only_live_warnings_escalate() {
    let responses = Responses {
        actions: vec![action("x1", "ecowas", hours(6), hours(48))],
        ..Responses::default()
    };
    let x1: Step = (OverdueAction, "x1", 1, "ecowas", "au", 48);
    let update = issued()
        .draft_update("w2".into(), content(), "ana", sent() + hours(50))
        .unwrap()
        .issue("rita", &ResponseDeadlines::default(), sent() + hours(51))
        .unwrap();
    let superseded = issued().supersede(&update).unwrap();
    let closed = issued()
        .close(
            &[decision("au", hours(5), DecisionKind::Monitor)],
            "rita",
            sent() + hours(60),
        )
        .unwrap();
    let notice = issued()
        .draft_cancel("w1".into(), "void", "ana", sent())
        .unwrap()
        .issue("rita", &ResponseDeadlines::default(), sent())
        .unwrap();
    let expiry = (content().expires - sent()).num_hours();
    for (name, warning, after, want) in [
        ("a draft", draft(), 500, vec![]),
        ("closed", closed, 500, vec![]),
        ("a cancel notice", notice, 500, vec![]),
        ("superseded: actions go on", superseded, 500, vec![x1]),
        ("expired: actions go on", issued(), expiry, vec![x1]),
        (
            "just before expiry",
            issued(),
            expiry - 1,
            vec![
                (NoAck, "xaa", 1, "xaa", "ecowas", 72),
                (NoAck, "au", 1, "au", "un-hq", 72),
                (OverdueDecision, "xaa", 1, "xaa", "ecowas", 168),
                (OverdueDecision, "au", 1, "au", "un-hq", 168),
                x1,
            ],
        ),
    ] {
        assert_eq!(due_at(&warning, &responses, after), owned(want), "{name}");
    }
}

#[test]
fn the_way_up_the_chain_is_between_sender_and_addressee() {
    let chain = EscalationChain::new(["xaa", "ecowas", "au", "un-hq"]);
    assert_eq!(chain.between("xaa", "un-hq"), ["ecowas", "au"]);
    assert_eq!(chain.between("xaa", "ecowas"), [] as [&str; 0]);
    assert_eq!(chain.between("ecowas", "un-hq"), ["au"]);
    // Not above the sender, or not in the chain: no way up to it.
    assert_eq!(chain.between("au", "xaa"), [] as [&str; 0]);
    assert_eq!(chain.between("xaa", "wanep"), [] as [&str; 0]);
    // A sender outside the chain enters it at its start.
    assert_eq!(chain.between("wanep", "au"), ["xaa", "ecowas"]);
}
