//! Content validation, the vocabularies, deadlines and the chain.

use super::*;

/// Validates `content()` changed by `edit`; expects an error on `field`
/// whose message contains `message`, or success for an empty `field`.
fn check(edit: impl FnOnce(&mut Warning), field: &str, message: &str) {
    let mut warning = draft();
    edit(&mut warning);
    match warning.validate(&reference()) {
        Ok(()) => assert!(field.is_empty(), "expected an error on `{field}`"),
        Err(e) => {
            assert_eq!(e.field, field, "{e}");
            assert!(e.message.contains(message), "{e}");
        }
    }
}

#[test]
fn validation_errors_name_the_field() {
    check(|_| {}, "", "");
    check(|w| w.id = "w 1".into(), "id", "`w 1` is not a warning identifier");
    check(|w| w.id = "a,b".into(), "id", "not a warning identifier");
    check(|w| w.id = "a<b".into(), "id", "not a warning identifier");
    check(|w| w.id = String::new(), "id", "not a warning identifier");
    check(
        |w| w.sender = "ECOWAS".into(),
        "sender",
        "`ECOWAS` is not an organisation id",
    );
    check(
        |w| w.content.headline = String::new(),
        "content.headline",
        "must not be empty",
    );
    check(|w| w.content.headline = "x".repeat(160), "", "");
    check(
        |w| w.content.headline = "x".repeat(161),
        "content.headline",
        "is 161 characters long; at most 160",
    );
    check(
        |w| w.content.headline = "bell\u{7}".into(),
        "content.headline",
        "control character U+0007",
    );
    check(
        |w| w.content.description = String::new(),
        "content.description",
        "must not be empty",
    );
    check(|w| w.content.instruction = String::new(), "", "");
    check(
        |w| w.content.instruction = "x".repeat(10_001),
        "content.instruction",
        "at most 10000",
    );
    check(
        |w| w.content.addressees.clear(),
        "content.addressees",
        "at least one addressee",
    );
    check(
        |w| w.content.addressees[1].organisation = "A U".into(),
        "content.addressees[1].organisation",
        "`A U` is not an organisation id",
    );
    check(
        |w| w.content.addressees[1].organisation = "xaa".into(),
        "content.addressees[1].organisation",
        "organisation `xaa` addressed twice",
    );
    check(
        |w| w.content.addressees[0].role = Role::Auditor,
        "content.addressees[0].role",
        "not `auditor`",
    );
    check(
        |w| {
            w.content.addressees = (0..51)
                .map(|i| addressee(&format!("o{i}"), Role::FocalPoint))
                .collect()
        },
        "content.addressees",
        "at most 50",
    );
    check(
        |w| w.content.situation.countries = vec!["ABC".into()],
        "content.situation.countries[0]",
        "ABC",
    );
    check(
        |w| w.content.situation.title = String::new(),
        "content.situation.title",
        "empty",
    );
    check(
        |w| w.content.assessment.version = 0,
        "content.assessment.version",
        "start at 1",
    );
    check(
        |w| w.content.assessment.id = String::new(),
        "content.assessment.id",
        "empty",
    );
}

#[test]
fn the_assessment_must_be_the_published_one_named() {
    let published = assessment();
    assert_eq!(content().check_assessment(&published), Ok(()));
    let other_version = Assessment {
        version: 2,
        ..published.clone()
    };
    let e = content().check_assessment(&other_version).unwrap_err();
    assert_eq!(e.field, "assessment");
    assert!(
        e.message
            .contains("names assessment `a1 version 1`, not `a1 version 2`"),
        "{e}"
    );
    let draft = Assessment::new_draft("a1".into(), fixtures::content(), "ecowas", "ana", t0());
    let e = content().check_assessment(&draft).unwrap_err();
    assert!(
        e.message
            .contains("is draft; a warning rests on a published assessment"),
        "{e}"
    );
    let mut elsewhere = content();
    elsewhere.situation.countries = vec!["XAA".into(), "XAB".into()];
    let e = elsewhere.check_assessment(&published).unwrap_err();
    assert_eq!(e.field, "situation.countries[1]");
    assert!(e.message.contains("`XAB` is not covered"), "{e}");
}

#[test]
fn vocabularies_parse_and_render_for_cap() {
    assert_eq!("Immediate".parse::<Urgency>(), Ok(Urgency::Immediate));
    assert_eq!("no-action".parse::<DecisionKind>(), Ok(DecisionKind::NoAction));
    assert_eq!(
        "public statement".parse::<ActionKind>(),
        Ok(ActionKind::PublicStatement)
    );
    assert_eq!(Severity::Extreme.cap_value(), "Extreme");
    assert_eq!(MsgType::Cancel.cap_value(), "Cancel");
    assert_eq!(ActionKind::ALL.len(), 11);
    for kind in ActionKind::ALL {
        assert_eq!(kind.as_str().parse::<ActionKind>(), Ok(*kind));
    }
    let e = "soon".parse::<Urgency>().unwrap_err();
    assert!(
        e.contains("unknown urgency `soon` (expected one of immediate, expected"),
        "{e}"
    );
    assert_eq!(serde_json::to_string(&Certainty::Likely).unwrap(), "\"likely\"");
    assert!(WarningStatus::Closed.is_final() && !WarningStatus::Issued.is_final());
}

#[test]
fn acknowledgement_deadlines_follow_urgency() {
    let defaults = AckDeadlines::default();
    let custom = AckDeadlines {
        immediate: hours(2),
        expected: hours(24),
        future: TimeDelta::days(7),
        past: hours(48),
        unknown: hours(12),
    };
    for (urgency, default, custom_period) in [
        (Urgency::Immediate, hours(6), hours(2)),
        (Urgency::Expected, hours(72), hours(24)),
        (Urgency::Future, TimeDelta::days(14), TimeDelta::days(7)),
        (Urgency::Past, hours(72), hours(48)),
        (Urgency::Unknown, hours(72), hours(12)),
    ] {
        assert_eq!(defaults.period(urgency), default, "{urgency}");
        assert_eq!(custom.period(urgency), custom_period, "{urgency}");
        let mut draft = draft();
        draft.content.urgency = urgency;
        let deadlines = ResponseDeadlines {
            acknowledgement: custom,
            decision: TimeDelta::days(3),
        };
        let issued = draft.issue("rita", &deadlines, sent()).unwrap();
        assert_eq!(
            issued.ack_deadline("au"),
            Some(sent() + custom_period),
            "{urgency}"
        );
        assert_eq!(
            issued.ack_deadline("xaa"),
            Some(sent() + custom_period),
            "{urgency}"
        );
        assert_eq!(issued.ack_deadline("un-hq"), None, "not an addressee");
        assert_eq!(issued.issued.unwrap().decide_by, sent() + TimeDelta::days(3));
    }
    assert_eq!(draft().ack_deadline("au"), None, "a draft has no deadlines");
}

#[test]
fn deadlines_read_from_configuration() {
    let text = "decision = \"5d\"\n[acknowledgement]\nimmediate = \"90m\"\nfuture = \"2w\"\n";
    let deadlines: ResponseDeadlines = toml::from_str(text).unwrap();
    assert_eq!(deadlines.decision, TimeDelta::days(5));
    assert_eq!(deadlines.acknowledgement.immediate, TimeDelta::minutes(90));
    assert_eq!(deadlines.acknowledgement.future, TimeDelta::days(14));
    assert_eq!(
        deadlines.acknowledgement.expected,
        hours(72),
        "unset keeps the default"
    );
    assert_eq!(deadlines.validate(), Ok(()));
    let e = toml::from_str::<ResponseDeadlines>("decision = \"soon\"").unwrap_err();
    assert!(e.to_string().contains("`soon` is not a period"), "{e}");
    let zero = ResponseDeadlines {
        decision: TimeDelta::zero(),
        ..ResponseDeadlines::default()
    };
    let e = zero.validate().unwrap_err();
    assert_eq!(e.field, "decision");
    let mut long = ResponseDeadlines::default();
    long.acknowledgement.past = TimeDelta::days(400);
    assert_eq!(long.validate().unwrap_err().field, "acknowledgement.past");
}

#[test]
fn periods_round_trip_as_text() {
    for (text, value) in [
        ("6h", hours(6)),
        ("72h", hours(72)),
        ("14d", TimeDelta::days(14)),
        ("2w", TimeDelta::weeks(2)),
        ("90m", TimeDelta::minutes(90)),
        ("45s", TimeDelta::seconds(45)),
    ] {
        assert_eq!(period::parse(text), Ok(value), "{text}");
        assert_eq!(period::parse(&period::format(value)), Ok(value), "{text}");
    }
    assert_eq!(period::format(hours(24)), "1d");
    assert_eq!(period::format(hours(30)), "30h");
    for bad in ["", "h", "6", "6 h", "-6h", "6y", "1.5h", "99999999999999999999d"] {
        let e = period::parse(bad).unwrap_err();
        assert!(e.contains("is not a period"), "{bad}: {e}");
    }
}

#[test]
fn the_chain_is_checked_and_walked() {
    let chain = EscalationChain::new(["xaa", "ecowas", "au", "un-hq"]);
    assert_eq!(chain.validate(), Ok(()));
    assert_eq!(chain.above("xaa"), ["ecowas", "au", "un-hq"]);
    assert_eq!(chain.above("au"), ["un-hq"]);
    assert!(chain.above("un-hq").is_empty());
    assert_eq!(
        chain.above("wanep"),
        ["xaa", "ecowas", "au", "un-hq"],
        "outsiders enter at the start"
    );
    let e = EscalationChain::new(["au", "un-hq", "au"])
        .validate()
        .unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        ("[2]", "organisation `au` is in the chain twice")
    );
    assert_eq!(EscalationChain::new(["AU"]).validate().unwrap_err().field, "[0]");
    let parsed: EscalationChain = serde_json::from_str(r#"["xaa","au"]"#).unwrap();
    assert_eq!(parsed, EscalationChain::new(["xaa", "au"]));
}
