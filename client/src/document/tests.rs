//! Document parsing, error messages, and conversion to the wire.

use super::*;
use tocsin_proto::v1 as pb;

fn template() -> Content {
    parse(TEMPLATE, false).unwrap()
}

/// The template with `from` replaced by `to`, parsed; the error text on failure.
fn edited(from: &str, to: &str) -> String {
    assert!(TEMPLATE.contains(from), "the template has no `{from}`");
    parse(&TEMPLATE.replacen(from, to, 1), false).unwrap_err()
}

#[test]
fn the_template_parses_with_the_values_it_shows() {
    let content = template();
    assert_eq!(content.situation.countries, ["XAA"]);
    assert_eq!(
        content.situation.crimes_at_risk,
        [Crime::CrimesAgainstHumanity, Crime::WarCrimes]
    );
    assert_eq!(content.factors.len(), 5);
    assert_eq!(
        content.factors[2].indicators,
        [IndicatorCode("7.5".into()), IndicatorCode("7.14".into())]
    );
    assert_eq!(content.factors[1].level, FactorLevel::NotAssessed);
    assert_eq!(content.overall_risk, OverallRisk::High);
    assert_eq!(content.tlp, Tlp::Amber);
    assert_eq!(content.upcoming_triggers[0].date, Date("2031-03-14".into()));
    assert_eq!(content.sources[0].reliability.map(Reliability::grade), Some('B'));
    assert!(content.narrative.starts_with("Fictional example."));
}

#[test]
fn the_template_cites_only_indicators_of_the_factor_and_none_when_absent() {
    for factor in template().factors {
        assert!(factor_name(factor.factor).is_some());
        if matches!(factor.level, FactorLevel::NotAssessed | FactorLevel::Absent) {
            assert!(factor.indicators.is_empty());
        }
        for code in factor.indicators {
            assert!(code.0.starts_with(&format!("{}.", factor.factor)), "{code:?}");
        }
    }
}

#[test]
fn an_unknown_key_is_refused_naming_it_and_its_line() {
    let err = edited(
        "  title: Northern XAA (exercise)",
        "  title: Northern XAA\n  titel: typo",
    );
    assert!(err.contains("unknown field `titel`"), "{err}");
    let title_line = TEMPLATE.lines().position(|l| l.starts_with("  title:")).unwrap() + 1;
    assert!(err.contains(&format!("line {}", title_line + 1)), "{err}");
    let err = edited("ongoing: false", "ongoing: false\nsevere: true");
    assert!(err.contains("unknown field `severe`"), "{err}");
}

#[test]
fn a_bad_enum_value_is_refused_naming_the_value() {
    let err = edited("overall_risk: high", "overall_risk: extreme");
    assert!(
        err.contains("unknown variant `extreme`") && err.contains("very_high"),
        "{err}"
    );
    assert!(err.contains("overall_risk"), "{err}");
    let err = edited("tlp: AMBER", "tlp: PURPLE");
    assert!(err.contains("`PURPLE`") && err.contains("AMBER+STRICT"), "{err}");
    let err = edited("level: medium", "level: severe");
    assert!(err.contains("`severe`") && err.contains("not_assessed"), "{err}");
    let err = edited(
        "crimes_at_risk: [crimes_against_humanity",
        "crimes_at_risk: [massacre",
    );
    assert!(err.contains("`massacre`"), "{err}");
}

#[test]
fn bad_dates_grades_and_unquoted_indicators_are_refused_with_a_hint() {
    let err = edited("\"2031-03-14\"", "\"2031-02-30\"");
    assert!(
        err.contains("`2031-02-30` is not a date (expected YYYY-MM-DD)"),
        "{err}"
    );
    let err = edited("reliability: B", "reliability: G");
    assert!(err.contains("`G` is not a reliability grade"), "{err}");
    let err = edited("[\"1.1\", \"1.5\"]", "[1.1, 1.5]");
    assert!(err.contains("indicator `1.1` must be in quotes"), "{err}");
}

#[test]
fn missing_required_fields_are_named() {
    let err = edited("horizon_months: 6\n", "");
    assert!(err.contains("missing field `horizon_months`"), "{err}");
}

#[test]
fn json_documents_are_read_too() {
    let json = serde_json::to_string(&template()).unwrap();
    assert_eq!(parse(&json, false).unwrap(), template());
    let err = parse(r#"{"situation": {}, "extra": 1}"#, true).unwrap_err();
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn load_names_the_file_and_detects_json_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    std::fs::write(&path, serde_json::to_string_pretty(&template()).unwrap()).unwrap();
    assert_eq!(load(&path).unwrap(), template());
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "tlp: RED\n").unwrap();
    let err = load(&bad).unwrap_err().to_string();
    assert!(err.contains("bad.yaml") && err.contains("missing field"), "{err}");
    let err = load(&dir.path().join("absent.yaml")).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot read") && err.contains("absent.yaml"),
        "{err}"
    );
}

#[test]
fn conversion_to_the_wire_keeps_every_field() {
    let wire = pb::AssessmentContent::from(&template());
    let situation = wire.situation.as_ref().unwrap();
    assert_eq!(situation.title, "Northern XAA (exercise)");
    assert_eq!(
        situation.crimes_at_risk,
        [
            pb::Crime::CrimesAgainstHumanity as i32,
            pb::Crime::WarCrimes as i32
        ]
    );
    assert_eq!(situation.protected_groups[0].basis, "ethnic");
    assert_eq!(wire.factors[0].factor, 1);
    assert_eq!(wire.factors[0].level, pb::FactorLevel::High as i32);
    assert_eq!(wire.factors[0].indicators, ["1.1", "1.5"]);
    assert_eq!(wire.overall_risk, pb::OverallRisk::High as i32);
    assert_eq!(wire.trend, pb::Trend::Deteriorated as i32);
    assert_eq!(wire.confidence, pb::Confidence::Medium as i32);
    assert_eq!(wire.horizon_months, 6);
    assert_eq!(wire.upcoming_triggers[0].date, "2031-03-14");
    assert_eq!(wire.sources[0].reliability, "B");
    assert_eq!(wire.tlp, pb::Tlp::Amber as i32);
    assert_eq!(wire.response_options.len(), 2);
}

#[test]
fn conversion_round_trips_and_shows_as_a_document_again() {
    let content = template();
    let back = Content::from(&pb::AssessmentContent::from(&content));
    assert_eq!(back, content);
    let yaml = to_yaml(&content).unwrap();
    assert_eq!(parse(&yaml, false).unwrap(), content);
}

#[test]
fn unknown_wire_values_read_as_unspecified() {
    let wire = pb::AssessmentContent {
        overall_risk: 42,
        ..Default::default()
    };
    let content = Content::from(&wire);
    assert_eq!(content.overall_risk, OverallRisk::Unspecified);
    assert_eq!(content.tlp, Tlp::Unspecified);
    assert!(content.situation.countries.is_empty());
}

#[test]
fn factor_names_cover_1_to_14() {
    assert_eq!(factor_name(1), Some(FACTOR_NAMES[0]));
    assert_eq!(
        factor_name(14),
        Some("Serious threats to humanitarian or peacekeeping operations")
    );
    assert_eq!(factor_name(0), None);
    assert_eq!(factor_name(15), None);
}
