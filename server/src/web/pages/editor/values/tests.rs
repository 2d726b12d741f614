//! The editor's form values: a content survives the round trip through the
//! form, and a bad field is named.

use super::*;
use crate::model::assessment::OverallRisk;
use crate::model::fixtures::content;

fn catalogue() -> Catalogue {
    Catalogue::embedded().expect("embedded catalogue")
}

fn posted(pairs: &[(&str, &str)]) -> FormValues {
    FormValues::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn minimal() -> Vec<(&'static str, &'static str)> {
    vec![
        ("title", "Northern XAA"),
        ("countries", "xaa"),
        ("crime", "genocide"),
        ("factor.1.level", "high"),
        ("indicator", "1.1"),
        ("overall_risk", "very_high"),
        ("trend", "deteriorated"),
        ("confidence", "low"),
        ("horizon_months", "12"),
        ("narrative", "Hate speech on local radio."),
        ("tlp", "amber_strict"),
    ]
}

#[test]
fn a_content_survives_the_form() {
    let original = content();
    let back = FormValues::from_content(&original)
        .to_content(&catalogue())
        .expect("the form of a valid content parses");
    assert_eq!(back, original);
}

#[test]
fn a_posted_form_becomes_content() {
    let got = posted(&minimal()).to_content(&catalogue()).expect("valid form");
    assert_eq!(got.situation.countries, vec!["XAA"]);
    assert_eq!(got.overall_risk, OverallRisk::VeryHigh);
    assert_eq!(got.tlp, Tlp::AmberStrict);
    assert_eq!(got.factors.len(), 1, "factors not assessed are left out");
    assert_eq!(got.factors[0].indicators, vec!["1.1"]);
    assert!(got.sources.is_empty());
}

#[test]
fn each_bad_field_is_named() {
    for (field, value, named) in [
        ("overall_risk", "dire", "overall_risk"),
        ("trend", "", "trend"),
        ("horizon_months", "six", "horizon_months"),
        ("tlp", "purple", "tlp"),
        ("crime", "theft", "crime"),
        ("factor.1.level", "extreme", "factor.1.level"),
        ("indicator", "99.1", "indicator"),
        ("groups", "no colon here", "groups line 1"),
        ("triggers", "election | soon | vote", "triggers line 1"),
        ("sources", "report | Z", "sources line 1"),
    ] {
        let mut pairs: Vec<(&str, &str)> = minimal().into_iter().filter(|(k, _)| *k != field).collect();
        pairs.push((field, value));
        let err = posted(&pairs)
            .to_content(&catalogue())
            .expect_err(&format!("{field}={value} is refused"));
        assert_eq!(err.field, named, "{field}={value}: {err:?}");
    }
}

#[test]
fn line_fields_parse_each_line() {
    let mut pairs = minimal();
    pairs.push(("sources", "radio monitoring | B | weekly\n\nchurch network"));
    pairs.push(("triggers", "census | 2027-02-01 | national census"));
    pairs.push(("groups", "religious: Minority church"));
    let got = posted(&pairs).to_content(&catalogue()).expect("valid form");
    assert_eq!(got.sources.len(), 2);
    assert_eq!(got.sources[0].reliability, Some('B'));
    assert_eq!(got.sources[1].reference, "church network");
    assert_eq!(got.upcoming_triggers[0].kind, "census");
    assert_eq!(got.situation.protected_groups[0].basis, "religious");
}
