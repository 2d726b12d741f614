//! Measures with known numbers.
//!
//! Three warnings, all sent at `sent()`:
//! - `w1` (XAA) to `xaa`: delivered 1 h, acknowledged 2 h, decided 30 h,
//!   first action 40 h; to `au`: delivered 3 h, acknowledged 10 h, no
//!   decision, no action;
//! - `w2` (XAB) to `au`: 1 h, 4 h, 20 h, 26 h;
//! - `w3` (XAA) to `au`: 2 h, 5 h, nothing else.

use super::*;
use crate::model::warning::measures::{
    Lapse, Stats, Summary, addressee_times, by_organisation, by_situation, overdue, per_warning, stats,
};

fn warning(id: &str, country: &str, to: &[&str]) -> Warning {
    let mut draft = draft();
    draft.id = id.into();
    draft.content.situation.countries = vec![country.into()];
    draft.content.addressees = to.iter().map(|o| addressee(o, Role::FocalPoint)).collect();
    draft
        .issue("rita", &ResponseDeadlines::default(), sent())
        .unwrap()
}

/// Responses of `id` for `org`: delivery, acknowledgement, decision and
/// action after so many hours, each if given.
fn responses(id: &str, org: &str, times: [Option<i64>; 4], into: &mut Responses) {
    let [delivered, acknowledged, decided, acted] = times;
    if let Some(h) = delivered {
        into.deliveries.push(Delivery {
            warning_id: id.into(),
            organisation: org.into(),
            at: sent() + hours(h),
        });
    }
    if let Some(h) = acknowledged {
        into.acknowledgements.push(Acknowledgement {
            warning_id: id.into(),
            ..ack(org, hours(h), AckKind::Received)
        });
    }
    if let Some(h) = decided {
        into.decisions.push(Decision {
            warning_id: id.into(),
            ..decision(org, hours(h), DecisionKind::Act)
        });
    }
    if let Some(h) = acted {
        into.actions.push(Action {
            warning_id: id.into(),
            ..action(&format!("{id}-{org}-{h}"), org, hours(h), hours(100))
        });
    }
}

fn fixture() -> Vec<(Warning, Responses)> {
    let mut r1 = Responses::default();
    responses("w1", "xaa", [Some(1), Some(2), Some(30), Some(40)], &mut r1);
    responses("w1", "xaa", [None, Some(3), None, Some(50)], &mut r1);
    responses("w1", "au", [Some(3), Some(10), None, None], &mut r1);
    let mut r2 = Responses::default();
    responses("w2", "au", [Some(1), Some(4), Some(20), Some(26)], &mut r2);
    let mut r3 = Responses::default();
    responses("w3", "au", [Some(2), Some(5), None, None], &mut r3);
    vec![
        (warning("w1", "XAA", &["xaa", "au"]), r1),
        (warning("w2", "XAB", &["au"]), r2),
        (warning("w3", "XAA", &["au"]), r3),
        (draft(), Responses::default()),
    ]
}

fn s(values: &[i64]) -> Stats {
    stats(values.iter().map(|h| hours(*h)).collect())
}

fn summary(warnings: usize, addressees: usize, times: [&[i64]; 4]) -> Summary {
    Summary {
        warnings,
        addressees,
        to_delivery: s(times[0]),
        to_acknowledgement: s(times[1]),
        to_decision: s(times[2]),
        to_first_action: s(times[3]),
    }
}

#[test]
fn statistics() {
    for (values, count, median, max) in [
        (&[][..], 0, None, None),
        (&[30][..], 1, Some(30), Some(30)),
        (&[2, 30][..], 2, Some(16), Some(30)),
        (&[10, 2, 5][..], 3, Some(5), Some(10)),
        (&[1, 2, 4, 9][..], 4, Some(3), Some(9)),
    ] {
        let got = s(values);
        assert_eq!(got.count, count, "{values:?}");
        assert_eq!(got.median, median.map(hours), "{values:?}");
        assert_eq!(got.max, max.map(hours), "{values:?}");
    }
    assert_eq!(
        stats(vec![TimeDelta::minutes(1), TimeDelta::minutes(2)]).median,
        Some(TimeDelta::seconds(90))
    );
}

#[test]
fn per_addressee_and_per_warning() {
    let data = fixture();
    let (w1, r1) = (&data[0].0, &data[0].1);
    let rows = addressee_times(w1, r1);
    let got: Vec<(&str, [Option<i64>; 4])> = rows
        .iter()
        .map(|r| {
            let h = |d: Option<TimeDelta>| d.map(|d| d.num_hours());
            (
                r.organisation.as_str(),
                [
                    h(r.to_delivery),
                    h(r.to_acknowledgement),
                    h(r.to_decision),
                    h(r.to_first_action),
                ],
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("xaa", [Some(1), Some(2), Some(30), Some(40)]),
            ("au", [Some(3), Some(10), None, None])
        ],
        "the earliest of each step counts"
    );
    assert!(rows.iter().all(|r| r.situation == "XAA" && r.warning_id == "w1"));
    assert_eq!(
        per_warning(w1, r1),
        summary(1, 2, [&[1, 3], &[2, 10], &[30], &[40]])
    );
    assert_eq!(
        per_warning(&draft(), r1),
        Summary::default(),
        "drafts are not measured"
    );
    let notice = w1.draft_cancel("w1".into(), "void", "ana", sent()).unwrap();
    let notice = notice
        .issue("rita", &ResponseDeadlines::default(), sent())
        .unwrap();
    assert!(
        addressee_times(&notice, r1).is_empty(),
        "cancel notices are not measured"
    );
}

#[test]
fn per_organisation_and_situation() {
    let data = fixture();
    let items: Vec<(&Warning, &Responses)> = data.iter().map(|(w, r)| (w, r)).collect();
    let orgs = by_organisation(&items);
    assert_eq!(orgs.keys().collect::<Vec<_>>(), ["au", "xaa"]);
    assert_eq!(orgs["xaa"], summary(1, 1, [&[1], &[2], &[30], &[40]]));
    assert_eq!(orgs["au"], summary(3, 3, [&[3, 1, 2], &[10, 4, 5], &[20], &[26]]));
    assert_eq!(orgs["au"].to_acknowledgement.median, Some(hours(5)));
    let situations = by_situation(&items);
    assert_eq!(situations.keys().collect::<Vec<_>>(), ["XAA", "XAB"]);
    assert_eq!(
        situations["XAA"],
        summary(2, 3, [&[1, 3, 2], &[2, 10, 5], &[30], &[40]])
    );
    assert_eq!(situations["XAB"], summary(1, 1, [&[1], &[4], &[20], &[26]]));
}

#[test]
fn overdue_steps_on_open_warnings() {
    let data = fixture();
    let mut items: Vec<(&Warning, &Responses)> = data.iter().map(|(w, r)| (w, r)).collect();
    let lapse = |id: &str, reason, org: &str, subject: &str, due: i64| Lapse {
        warning_id: id.into(),
        situation: if id == "w2" { "XAB" } else { "XAA" }.into(),
        reason,
        organisation: org.into(),
        subject: subject.into(),
        due: sent() + hours(due),
    };
    use EscalationReason::*;
    // Every addressee acknowledged; decisions are due at 168 h and the
    // actions (due 100 h after sending) are still planned.
    assert_eq!(overdue(&items, sent() + hours(100)), vec![]);
    assert_eq!(
        overdue(&items, sent() + hours(101)),
        vec![
            lapse("w1", OverdueAction, "xaa", "w1-xaa-40", 100),
            lapse("w1", OverdueAction, "xaa", "w1-xaa-50", 100),
            lapse("w2", OverdueAction, "au", "w2-au-26", 100),
        ]
    );
    let late = overdue(&items, sent() + hours(169));
    let decisions: Vec<(&str, &str)> = late
        .iter()
        .filter(|l| l.reason == OverdueDecision)
        .map(|l| (l.warning_id.as_str(), l.organisation.as_str()))
        .collect();
    assert_eq!(decisions, [("w1", "au"), ("w3", "au")]);
    let silent = warning("w4", "XAA", &["un-hq"]);
    let none = Responses::default();
    items.push((&silent, &none));
    let lapses = overdue(&items, sent() + hours(73));
    assert!(
        lapses.contains(&lapse("w4", NoAcknowledgement, "un-hq", "un-hq", 72)),
        "{lapses:?}"
    );
    let closed = data[1]
        .0
        .close(&data[1].1.decisions, "rita", sent() + hours(50))
        .unwrap();
    let only_closed = [(&closed, &data[1].1)];
    assert_eq!(
        overdue(&only_closed, sent() + hours(500)),
        vec![],
        "closed warnings owe nothing"
    );
}
