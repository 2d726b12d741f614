//! The warning commands without a node: parsing, the requests they send,
//! the ids they report, and the stored watch cursors.

use super::watch::{Cursors, line, stream_key};
use super::*;
use crate::cli::{Cli, Command};
use crate::config_dir::ConfigDir;
use clap::Parser;
use tocsin_server::model::warning::{ActionKind, Outcome, WarningStatus};

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("tocsin").chain(args.iter().copied()))
}

fn warning_command(args: &[&str]) -> WarningCommand {
    match parse(args).unwrap().command {
        Command::Warning(command) => command,
        other => panic!("parsed as {other:?}"),
    }
}

fn at(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

#[test]
fn warning_names_are_id_or_sender_slash_id() {
    let cases = [
        ("w-0042", Some(("", "w-0042"))),
        ("ecowas/w-0042", Some(("ecowas", "w-0042"))),
        ("eac/2026/117", Some(("eac", "2026/117"))),
        ("/w-1", None),
        ("ecowas/", None),
        ("", None),
        ("w 1", None),
    ];
    for (text, expected) in cases {
        let parsed = text.parse::<WarningRef>();
        match expected {
            Some((sender, id)) => {
                let name = parsed.unwrap();
                assert_eq!((name.sender.as_str(), name.id.as_str()), (sender, id), "{text}");
                assert_eq!(name.to_string(), text);
            }
            None => assert!(parsed.unwrap_err().contains(&format!("`{text}`")), "{text}"),
        }
    }
}

#[test]
fn list_filters_become_the_request() {
    let WarningCommand::List(args) = warning_command(&["warning", "list", "--status", "Issued", "--open"])
    else {
        panic!("not list");
    };
    assert_eq!(args.status, Some(WarningStatus::Issued));
    let request = list_request(&args);
    assert_eq!(
        (request.status.as_str(), request.received, request.open),
        ("issued", None, true)
    );
    let WarningCommand::List(args) = warning_command(&["warning", "list", "--received"]) else {
        panic!("not list");
    };
    assert_eq!(list_request(&args).received, Some(true));
    let WarningCommand::List(args) = warning_command(&["warning", "list", "--sent"]) else {
        panic!("not list");
    };
    assert_eq!(list_request(&args).received, Some(false));
    let err = parse(&["warning", "list", "--sent", "--received"]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let err = parse(&["warning", "list", "--status", "open"]).unwrap_err();
    assert!(err.to_string().contains("unknown warning status `open`"), "{err}");
}

#[test]
fn acknowledgements_take_their_wire_names_and_require_what_the_node_requires() {
    let WarningCommand::Ack(args) = warning_command(&["warning", "ack", "ecowas/w-1", "accepted"]) else {
        panic!("not ack");
    };
    let request = ack_request(&args);
    assert_eq!(request.kind, "accepted_for_action");
    assert_eq!(request.warning.unwrap().sender, "ecowas");
    let WarningCommand::Ack(args) = warning_command(&[
        "warning",
        "ack",
        "ecowas/w-1",
        "forwarded",
        "--to",
        "igad",
        "--reason",
        "IGAD leads",
    ]) else {
        panic!("not ack");
    };
    let request = ack_request(&args);
    assert_eq!(
        (request.forwarded_to.as_str(), request.reason.as_str()),
        ("igad", "IGAD leads")
    );
    for missing in [
        &["warning", "ack", "w-1", "forwarded", "--reason", "r"][..],
        &["warning", "ack", "w-1", "declined"][..],
    ] {
        assert_eq!(parse(missing).unwrap_err().exit_code(), 2, "{missing:?}");
    }
    let err = parse(&["warning", "ack", "w-1", "maybe"]).unwrap_err();
    assert!(err.to_string().contains("maybe"), "{err}");
}

#[test]
fn decisions_actions_and_notes_parse_their_vocabularies() {
    let WarningCommand::Decide(args) =
        warning_command(&["warning", "decide", "w-1", "no-action", "--justification", "x"])
    else {
        panic!("not decide");
    };
    assert_eq!(args.kind.wire(), "no_action");
    let command = warning_command(&[
        "warning",
        "action",
        "add",
        "un-hq/w-1",
        "--kind",
        "preventive-diplomacy",
        "--due",
        "14d",
        "--decision",
        "d-01",
    ]);
    let WarningCommand::Action(ActionCommand::Add(args)) = command else {
        panic!("not action add");
    };
    assert_eq!(args.kind, ActionKind::PreventiveDiplomacy);
    assert_eq!(args.due.to_string(), "2w");
    let err = parse(&[
        "warning", "action", "add", "w-1", "--kind", "bombing", "--due", "1d",
    ])
    .unwrap_err();
    assert!(err.to_string().contains("unknown action kind `bombing`"), "{err}");
    let err = parse(&[
        "warning",
        "action",
        "add",
        "w-1",
        "--kind",
        "mediation",
        "--due",
        "soon",
    ])
    .unwrap_err();
    assert!(err.to_string().contains("`soon` is not a time"), "{err}");
    let command = warning_command(&["warning", "action", "update", "w-1", "a-01", "in-progress"]);
    assert!(matches!(
        command,
        WarningCommand::Action(ActionCommand::Update(ActionUpdateArgs {
            status: ActionStatusChoice::InProgress,
            ..
        }))
    ));
    let err = parse(&["warning", "action", "update", "w-1", "a-01", "completed"]).unwrap_err();
    assert!(err.to_string().contains("--outcome"), "{err}");
    let WarningCommand::Note(args) = warning_command(&[
        "warning",
        "note",
        "w-1",
        "--outcome",
        "did_not_materialise",
        "--lessons",
        "l",
    ]) else {
        panic!("not note");
    };
    assert_eq!(args.outcome, Outcome::DidNotMaterialise);
    assert_eq!(lessons(&args).unwrap(), "l");
    let err = parse(&["warning", "note", "w-1", "--outcome", "mitigated"]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn lessons_are_read_from_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lessons.md");
    std::fs::write(&path, "Act on the first acknowledgement.\n").unwrap();
    let path_text = path.to_str().unwrap();
    let WarningCommand::Note(args) = warning_command(&[
        "warning",
        "note",
        "w-1",
        "--outcome",
        "mitigated",
        "--lessons-file",
        path_text,
    ]) else {
        panic!("not note");
    };
    assert_eq!(lessons(&args).unwrap(), "Act on the first acknowledgement.\n");
    let WarningCommand::Note(args) = warning_command(&[
        "warning",
        "note",
        "w-1",
        "--outcome",
        "mitigated",
        "--lessons-file",
        "/nonexistent/lessons.md",
    ]) else {
        panic!("not note");
    };
    assert!(
        lessons(&args)
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/lessons.md")
    );
}

#[test]
fn watch_and_report_are_top_level_commands() {
    let cli = parse(&["watch", "--from-start", "--subscription", "s-1", "--json"]).unwrap();
    assert!(cli.json);
    assert!(matches!(
        cli.command,
        Command::Watch(WatchArgs { from_start: true, subscription: Some(ref s) }) if s == "s-1"
    ));
    assert!(matches!(parse(&["report"]).unwrap().command, Command::Report));
}

#[test]
fn the_new_decision_and_action_are_found_in_the_reply() {
    let decision = |id: &str, kind: &str, seconds| pb::WarningDecision {
        id: id.into(),
        kind: kind.into(),
        justification: "same".into(),
        at: at(seconds),
        ..Default::default()
    };
    let action = |id: &str, kind: &str, seconds| pb::WarningAction {
        id: id.into(),
        kind: kind.into(),
        recorded_at: at(seconds),
        ..Default::default()
    };
    let detail = pb::WarningDetail {
        decisions: vec![
            decision("d-1", "act", 10),
            decision("d-3", "act", 30),
            decision("d-2", "monitor", 40),
        ],
        actions: vec![action("a-2", "mediation", 50), action("a-1", "mediation", 20)],
        ..Default::default()
    };
    assert_eq!(new_decision(&detail, "act", "same"), Some("d-3"));
    assert_eq!(new_decision(&detail, "no_action", "same"), None);
    assert_eq!(new_action(&detail, "mediation"), Some("a-2"));
}

#[test]
fn watch_cursors_are_kept_per_node_and_subscription() {
    let tmp = tempfile::tempdir().unwrap();
    let cursors = Cursors::new(&ConfigDir::new(tmp.path()));
    let node: crate::node_url::NodeUrl = "https://127.0.0.1:7443".parse().unwrap();
    let other: crate::node_url::NodeUrl = "https://127.0.0.1:8443".parse().unwrap();
    let all = stream_key(&node, None);
    let filtered = stream_key(&node, Some("s-1"));
    assert_eq!(filtered, "https://127.0.0.1:7443?subscription=s-1");
    assert_eq!(cursors.get(&all).unwrap(), None);
    cursors.set(&all, &[0, 0, 7]).unwrap();
    cursors.set(&filtered, &[9]).unwrap();
    cursors.set(&all, &[0, 0, 8]).unwrap();
    assert_eq!(cursors.get(&all).unwrap(), Some(vec![0, 0, 8]));
    assert_eq!(cursors.get(&filtered).unwrap(), Some(vec![9]));
    assert_eq!(cursors.get(&stream_key(&other, None)).unwrap(), None);
    std::fs::write(tmp.path().join("watch_cursors.json"), "{not json").unwrap();
    let err = cursors.get(&all).unwrap_err().to_string();
    assert!(
        err.contains("watch_cursors.json") && err.contains("delete it"),
        "{err}"
    );
}

#[test]
fn watch_prints_one_compact_json_object_per_line() {
    let event = pb::WarningEvent {
        cursor: vec![1],
        kind: "received".into(),
        ..Default::default()
    };
    let text = line(true, &event).unwrap();
    assert_eq!(text.matches('\n').count(), 1);
    assert!(text.ends_with("}\n"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["kind"], "received");
    assert_eq!(line(false, &event).unwrap(), "-  received\n");
}
