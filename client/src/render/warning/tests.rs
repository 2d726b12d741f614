//! Snapshot tests of the warning renderings, on a fictional but realistic
//! warning of ECOWAS to the AU and UN headquarters. The expected text is in
//! `client/src/render/snapshots/`, compared byte for byte; regenerate it with
//! `TOCSIN_REGENERATE_SNAPSHOTS=1 cargo test -p tocsin-client render::warning`
//! and review the diff.

use std::path::PathBuf;

use super::*;

fn check(file: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/render/snapshots")
        .join(file);
    if std::env::var("TOCSIN_REGENERATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
    assert!(
        actual == expected,
        "`{file}` differs; if the change is wanted, run \
         `TOCSIN_REGENERATE_SNAPSHOTS=1 cargo test -p tocsin-client render::warning`\n\
         --- expected\n{expected}--- actual\n{actual}"
    );
}

fn at(text: &str) -> Option<prost_types::Timestamp> {
    let t = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    Some(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

fn entry(time: &str, who: &str, event: &str, organisation: &str, text: &str) -> pb::TimelineEntry {
    pb::TimelineEntry {
        at: at(time),
        who: who.into(),
        event: event.into(),
        organisation: organisation.into(),
        text: text.into(),
    }
}

fn content() -> pb::WarningContent {
    pb::WarningContent {
        situation: Some(pb::SituationSpec {
            title: "Northern XAA (exercise)".into(),
            countries: vec!["XAA".into()],
            crimes_at_risk: vec![
                pb::Crime::CrimesAgainstHumanity as i32,
                pb::Crime::WarCrimes as i32,
            ],
            ..Default::default()
        }),
        assessment_id: "a-0193".into(),
        assessment_version: 3,
        level: "warning".into(),
        category: "safety".into(),
        urgency: "expected".into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: "Risk of atrocity crimes around the census results in northern XAA".into(),
        description: "Armed self-defence groups have formed in three districts and community radio \
                      calls the pastoralist community \"foreigners\". The census results are due in \
                      four weeks."
            .into(),
        instruction: "Send the regional envoy before the census results.".into(),
        addressees: vec![
            pb::WarningAddressee {
                organisation: "au".into(),
                role: "focal_point".into(),
            },
            pb::WarningAddressee {
                organisation: "un-hq".into(),
                role: "decision_maker".into(),
            },
        ],
        expires: at("2026-12-20T10:15:00Z"),
        tlp: pb::Tlp::Amber as i32,
        risk_factors: vec![1, 7],
    }
}

fn issued() -> pb::Warning {
    pb::Warning {
        sender: "ecowas".into(),
        id: "w-0042".into(),
        msg_type: "alert".into(),
        status: "issued".into(),
        content: Some(content()),
        author: "ada".into(),
        created_at: at("2026-11-20T09:40:00Z"),
        updated_at: at("2026-11-20T10:15:00Z"),
        sent: at("2026-11-20T10:15:00Z"),
        issued_by: "rui".into(),
        acknowledge_by: at("2026-11-21T10:15:00Z"),
        decide_by: at("2026-11-27T10:15:00Z"),
        ..Default::default()
    }
}

fn timeline_entries() -> Vec<pb::TimelineEntry> {
    vec![
        entry("2026-11-20T09:40:00Z", "ada", "raised", "", "raised by ada"),
        entry("2026-11-20T10:15:30Z", "rui", "issued", "", "issued by rui"),
        entry("2026-11-20T10:17:45Z", "au", "delivered", "au", "delivered to au"),
        entry(
            "2026-11-20T10:19:05Z",
            "un-hq",
            "delivered",
            "un-hq",
            "delivered to un-hq",
        ),
        entry(
            "2026-11-20T11:32:00Z",
            "fatou",
            "acknowledged",
            "au",
            "acknowledged by au: accepted_for_action",
        ),
        entry(
            "2026-11-21T10:15:30Z",
            "ecowas",
            "escalated",
            "un-hq",
            "escalated: no acknowledgement from un-hq (step 1), now asking un-dppa",
        ),
        entry("2026-11-22T14:35:00Z", "kofi", "decided", "un-hq", ""),
        entry(
            "2026-11-23T08:00:00Z",
            "kofi",
            "action_recorded",
            "un-hq",
            "action a-01 recorded: preventive_diplomacy by un-hq",
        ),
        entry(
            "2026-11-25T16:00:00Z",
            "kofi",
            "action_changed",
            "un-hq",
            "action a-01: in_progress",
        ),
    ]
}

fn detail() -> pb::WarningDetail {
    pb::WarningDetail {
        warning: Some(issued()),
        timeline: timeline_entries(),
        decisions: vec![pb::WarningDecision {
            id: "d-01".into(),
            organisation: "un-hq".into(),
            kind: "act".into(),
            justification:
                "The envoy's office confirms armed groups are mobilising; the Secretary-General's \
                            good offices are available this month."
                    .into(),
            by: "kofi".into(),
            at: at("2026-11-22T14:35:00Z"),
        }],
        actions: vec![pb::WarningAction {
            id: "a-01".into(),
            decision_id: "d-01".into(),
            kind: "preventive_diplomacy".into(),
            description: "Envoy visit to the northern governors".into(),
            owner: "un-hq".into(),
            due: at("2026-12-05T23:59:59Z"),
            status: "in_progress".into(),
            updates: vec![pb::WarningActionUpdate {
                status: "in_progress".into(),
                outcome: String::new(),
                by: "kofi".into(),
                at: at("2026-11-25T16:00:00Z"),
            }],
            recorded_by: "kofi".into(),
            recorded_at: at("2026-11-23T08:00:00Z"),
        }],
    }
}

fn duration_row(count: u32, median: i64, max: i64) -> Option<pb::Duration> {
    Some(pb::Duration {
        count,
        median_seconds: (count > 0).then_some(median),
        max_seconds: (count > 0).then_some(max),
    })
}

fn row(key: &str, warnings: u32, addressees: u32, times: [(u32, i64, i64); 4]) -> pb::MeasureRow {
    let [delivery, ack, decision, action] = times.map(|(c, m, x)| duration_row(c, m, x));
    pb::MeasureRow {
        key: key.into(),
        warnings,
        addressees,
        to_delivery: delivery,
        to_acknowledgement: ack,
        to_decision: decision,
        to_first_action: action,
    }
}

#[test]
fn durations_read_like_people_write_them() {
    let cases = [
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (12 * 60 + 59, "12m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 20 * 60 + 5, "3h 20m"),
        (86_400, "1d"),
        (2 * 86_400 + 4 * 3600 + 59 * 60, "2d 4h"),
        (40 * 86_400, "40d"),
        (-5, "0s"),
    ];
    for (seconds, text) in cases {
        assert_eq!(duration(seconds), text, "{seconds}");
    }
}

#[test]
fn the_timeline_is_a_table_with_the_elapsed_times() {
    check("warning_timeline.txt", &timeline(&timeline_entries()));
}

#[test]
fn elapsed_times_count_from_the_issue_and_show_a_dash_for_what_did_not_happen() {
    let mut entries = timeline_entries();
    entries.truncate(3);
    assert_eq!(
        elapsed(&entries),
        "since sent: delivery 2m, acknowledgement -, decision -, action -"
    );
    assert_eq!(elapsed(&entries[..1]), "not sent yet");
    assert_eq!(timeline(&[]), "nothing recorded\n");
}

#[test]
fn the_list_has_one_line_per_warning_with_headlines_cut() {
    let draft = pb::Warning {
        id: "w-0043".into(),
        status: "draft".into(),
        sent: None,
        acknowledge_by: None,
        content: Some(pb::WarningContent {
            level: "emergency".into(),
            urgency: "immediate".into(),
            headline: "Short".into(),
            ..content()
        }),
        ..issued()
    };
    let received = pb::Warning {
        sender: "eac".into(),
        id: "2026-117".into(),
        received: true,
        content: Some(pb::WarningContent {
            level: "watch".into(),
            urgency: "future".into(),
            headline: "Hate speech ahead of the\nelections".into(),
            ..content()
        }),
        ..issued()
    };
    check("warning_list.txt", &warnings(&[issued(), draft, received]));
    assert_eq!(warnings(&[]), "no warnings\n");
}

#[test]
fn show_gives_fields_addressees_decisions_actions_and_the_timeline() {
    check("warning_show.txt", &warning(&detail()));
}

#[test]
fn show_of_a_bare_draft_leaves_out_what_is_not_there() {
    let draft = pb::WarningDetail {
        warning: Some(pb::Warning {
            id: "w-0044".into(),
            msg_type: "update".into(),
            status: "draft".into(),
            references: vec![pb::WarningReference {
                sender: "ecowas".into(),
                identifier: "w-0042".into(),
                sent: at("2026-11-20T10:15:00Z"),
            }],
            content: Some(pb::WarningContent {
                addressees: vec![],
                instruction: String::new(),
                risk_factors: vec![],
                ..content()
            }),
            author: "ada".into(),
            ..Default::default()
        }),
        timeline: vec![entry("2026-11-26T08:00:00Z", "ada", "raised", "", "")],
        ..Default::default()
    };
    check("warning_show_draft.txt", &warning(&draft));
}

#[test]
fn the_report_has_measures_per_organisation_and_situation_and_the_overdue_list() {
    let report_message = pb::Report {
        at: at("2026-11-28T09:00:00Z"),
        overall: Some(row(
            "",
            3,
            6,
            [
                (6, 150, 420),
                (5, 4_620, 97_200),
                (3, 187_200, 360_000),
                (1, 250_500, 250_500),
            ],
        )),
        by_organisation: vec![
            row(
                "au",
                2,
                2,
                [
                    (2, 135, 180),
                    (2, 4_500, 12_000),
                    (1, 100_800, 100_800),
                    (0, 0, 0),
                ],
            ),
            row(
                "un-hq",
                3,
                3,
                [
                    (3, 240, 420),
                    (2, 90_000, 97_200),
                    (2, 187_200, 360_000),
                    (1, 250_500, 250_500),
                ],
            ),
            row("igad", 1, 1, [(1, 60, 60), (1, 45, 45), (0, 0, 0), (0, 0, 0)]),
        ],
        by_situation: vec![
            row(
                "XAA",
                2,
                4,
                [
                    (4, 150, 420),
                    (3, 4_620, 97_200),
                    (2, 187_200, 360_000),
                    (1, 250_500, 250_500),
                ],
            ),
            row(
                "XAB/XB01",
                1,
                2,
                [(2, 60, 90), (2, 45, 300), (1, 3_600, 3_600), (0, 0, 0)],
            ),
        ],
        overdue: vec![
            pb::Lapse {
                warning: Some(pb::WarningName {
                    sender: "ecowas".into(),
                    id: "w-0042".into(),
                }),
                situation: "XAA".into(),
                reason: "overdue_action".into(),
                organisation: "un-hq".into(),
                subject: "a-01".into(),
                due: at("2026-11-27T23:59:59Z"),
            },
            pb::Lapse {
                warning: Some(pb::WarningName {
                    sender: String::new(),
                    id: "w-0045".into(),
                }),
                situation: "XAB/XB01".into(),
                reason: "no_acknowledgement".into(),
                organisation: "igad".into(),
                subject: "igad".into(),
                due: at("2026-11-27T12:00:00Z"),
            },
        ],
    };
    check("warning_report.txt", &report(&report_message));
    let empty = report(&pb::Report::default());
    assert!(empty.ends_with("overdue\n  nothing overdue\n"), "{empty}");
}

#[test]
fn watch_prints_one_line_per_event() {
    let event_message = pb::WarningEvent {
        cursor: vec![0, 1],
        at: at("2026-11-20T11:32:10Z"),
        kind: "acknowledged".into(),
        text: "acknowledged by au: accepted_for_action".into(),
        warning: Some(issued()),
    };
    assert_eq!(
        event(&event_message),
        "2026-11-20 11:32  acknowledged  ecowas/w-0042  warning    Risk of atrocity crimes around the \
         census results in northern XAA — acknowledged by au: accepted_for_action\n"
    );
    let bare = pb::WarningEvent {
        kind: "issued".into(),
        ..Default::default()
    };
    assert_eq!(event(&bare), "-  issued\n");
}
