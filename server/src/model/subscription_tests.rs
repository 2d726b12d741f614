//! Unit tests of subscription filters and webhook validation: a warning
//! about Mali (M49 `011`, in ECOWAS until 2025-01-29, in the AU) rated high
//! on factors 7 and 8, at level `warning`.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeSet;

use super::*;
use crate::model::caller::Role;
use crate::model::marking::Tlp;
use crate::model::situation::SituationSpec;
use crate::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, Issued, Severity, Urgency, WarningContent,
};

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn reference() -> ReferenceData {
    ReferenceData::embedded().unwrap()
}

/// A warning about `countries`, sent at `sent`.
fn warning(countries: &[&str], sent: &str) -> Warning {
    let content = WarningContent {
        situation: SituationSpec {
            title: "Central region".into(),
            countries: countries.iter().map(|c| (*c).to_owned()).collect(),
            crimes_at_risk: [Crime::WarCrimes, Crime::CrimesAgainstHumanity].into(),
            ..SituationSpec::default()
        },
        assessment: AssessmentRef {
            id: "a1".into(),
            version: 1,
        },
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: "Risk of atrocity crimes".into(),
        description: "Clashes spread.".into(),
        instruction: String::new(),
        addressees: vec![Addressee {
            organisation: "au".into(),
            role: Role::FocalPoint,
        }],
        expires: t(sent) + TimeDelta::days(30),
        tlp: Tlp::Green,
        risk_factors: vec![7, 8],
    };
    let mut w = Warning::new_draft("w1".into(), "ecowas", content, "ana", t(sent));
    w.issued = Some(Issued {
        by: "rita".into(),
        sent: t(sent),
        acknowledge_by: t(sent) + TimeDelta::days(1),
        decide_by: t(sent) + TimeDelta::days(7),
    });
    w
}

fn mali_2024() -> Warning {
    warning(&["MLI"], "2024-06-01T08:00:00Z")
}

fn set<T: Ord + Clone>(values: &[T]) -> BTreeSet<T> {
    values.iter().cloned().collect()
}

fn strings(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// Asserts whether `filters` match `warning`.
fn check(filters: Filters, warning: &Warning, expect: bool) {
    assert_eq!(filters.matches(warning, &reference()), expect, "{filters:?}");
}

#[test]
fn empty_filters_match_everything() {
    check(Filters::default(), &mali_2024(), true);
    check(
        Filters::default(),
        &warning(&["XAA"], "2024-06-01T08:00:00Z"),
        true,
    );
}

#[test]
fn countries_match_any_of_the_situation() {
    let w = mali_2024();
    let by = |codes: &[&str]| Filters {
        countries: strings(codes),
        ..Filters::default()
    };
    check(by(&["MLI"]), &w, true);
    check(by(&["NGA", "MLI"]), &w, true);
    check(by(&["NGA"]), &w, false);
    check(
        by(&["NGA"]),
        &warning(&["MLI", "NGA"], "2024-06-01T08:00:00Z"),
        true,
    );
}

#[test]
fn regional_bodies_are_taken_on_the_day_the_warning_was_sent() {
    let by = |bodies: &[&str]| Filters {
        regional_bodies: strings(bodies),
        ..Filters::default()
    };
    check(by(&["ECOWAS"]), &mali_2024(), true);
    check(by(&["ECOWAS"]), &warning(&["MLI"], "2025-03-01T08:00:00Z"), false);
    check(by(&["AU"]), &warning(&["MLI"], "2025-03-01T08:00:00Z"), true);
    check(by(&["EAC", "ECOWAS"]), &mali_2024(), true);
    check(by(&["EAC"]), &mali_2024(), false);
    // A draft has no sent time: its creation day counts.
    let mut draft = warning(&["MLI"], "2025-03-01T08:00:00Z");
    draft.issued = None;
    draft.created_at = t("2024-01-01T00:00:00Z");
    check(by(&["ECOWAS"]), &draft, true);
}

#[test]
fn m49_regions_match_any_country_of_the_situation() {
    let by = |codes: &[&str]| Filters {
        m49_regions: strings(codes),
        ..Filters::default()
    };
    check(by(&["011"]), &mali_2024(), true);
    check(by(&["014"]), &mali_2024(), false);
    check(
        by(&["014"]),
        &warning(&["MLI", "KEN"], "2024-06-01T08:00:00Z"),
        true,
    );
    // Exercise countries have no region.
    check(by(&["011"]), &warning(&["XAA"], "2024-06-01T08:00:00Z"), false);
}

#[test]
fn crimes_factors_and_level() {
    let w = mali_2024();
    let crimes = |c: &[Crime]| Filters {
        crimes: set(c),
        ..Filters::default()
    };
    check(crimes(&[Crime::WarCrimes]), &w, true);
    check(crimes(&[Crime::Genocide, Crime::CrimesAgainstHumanity]), &w, true);
    check(crimes(&[Crime::Genocide, Crime::EthnicCleansing]), &w, false);
    let factors = |f: &[u8]| Filters {
        risk_factors: set(f),
        ..Filters::default()
    };
    check(factors(&[8]), &w, true);
    check(factors(&[1, 7]), &w, true);
    check(factors(&[1, 2]), &w, false);
    let level = |l| Filters {
        min_level: Some(l),
        ..Filters::default()
    };
    check(level(WarningLevel::Watch), &w, true);
    check(level(WarningLevel::Warning), &w, true);
    check(level(WarningLevel::Emergency), &w, false);
}

#[test]
fn all_criteria_must_match_together() {
    let w = mali_2024();
    let all = Filters {
        countries: strings(&["MLI"]),
        regional_bodies: strings(&["ECOWAS"]),
        m49_regions: strings(&["011"]),
        crimes: set(&[Crime::WarCrimes]),
        risk_factors: set(&[7]),
        min_level: Some(WarningLevel::Watch),
    };
    check(all.clone(), &w, true);
    let spoilers = [
        Filters {
            countries: strings(&["NGA"]),
            ..all.clone()
        },
        Filters {
            regional_bodies: strings(&["SADC"]),
            ..all.clone()
        },
        Filters {
            m49_regions: strings(&["155"]),
            ..all.clone()
        },
        Filters {
            crimes: set(&[Crime::Genocide]),
            ..all.clone()
        },
        Filters {
            risk_factors: set(&[14]),
            ..all.clone()
        },
        Filters {
            min_level: Some(WarningLevel::Emergency),
            ..all.clone()
        },
    ];
    for filters in spoilers {
        check(filters, &w, false);
    }
}

/// `want` is the field named by the error of `validate`, and a fragment of
/// its message.
fn invalid(filters: Filters, field: &str, message: &str) {
    let err = filters.validate(&reference()).unwrap_err();
    assert_eq!(err.field, field, "{err}");
    assert!(err.message.contains(message), "`{err}` lacks `{message}`");
}

#[test]
fn validation_names_the_field_and_the_value() {
    let ok = Filters {
        countries: strings(&["MLI", "XAA"]),
        regional_bodies: strings(&["ECOWAS"]),
        m49_regions: strings(&["011"]),
        crimes: set(&[Crime::Genocide]),
        risk_factors: set(&[1, 14]),
        min_level: Some(WarningLevel::Emergency),
    };
    ok.validate(&reference()).unwrap();
    Filters::default().validate(&reference()).unwrap();
    invalid(
        Filters {
            countries: strings(&["MLI", "ZZ9"]),
            ..Filters::default()
        },
        "countries[1]",
        "`ZZ9`",
    );
    invalid(
        Filters {
            countries: strings(&["mli"]),
            ..Filters::default()
        },
        "countries[0]",
        "upper-case",
    );
    invalid(
        Filters {
            regional_bodies: strings(&["ECOWAS", "NATO"]),
            ..Filters::default()
        },
        "regional_bodies[1]",
        "unknown regional body `NATO`",
    );
    invalid(
        Filters {
            m49_regions: strings(&["999"]),
            ..Filters::default()
        },
        "m49_regions[0]",
        "unknown M49 region `999`",
    );
    invalid(
        Filters {
            risk_factors: set(&[3, 15]),
            ..Filters::default()
        },
        "risk_factors[1]",
        "`15` is not a risk factor",
    );
}

#[test]
fn too_many_values_are_refused() {
    let many: BTreeSet<String> = (0..51)
        .map(|i| format!("X{}{}", char::from(b'A' + i / 26), char::from(b'A' + i % 26)))
        .collect();
    invalid(
        Filters {
            countries: many,
            ..Filters::default()
        },
        "countries",
        "51 values; at most 50",
    );
}

fn hook(url: &str, secret: &str) -> Webhook {
    Webhook {
        url: url.into(),
        secret: secret.into(),
    }
}

/// `Err(field, fragment)` expects the validation error.
fn check_hook(url: &str, secret: &str, expect: Result<(), (&str, &str)>) {
    match (hook(url, secret).validate(), expect) {
        (Ok(()), Ok(())) => {}
        (Err(e), Err((field, fragment))) => {
            assert_eq!(e.field, field, "{url}: {e}");
            assert!(e.message.contains(fragment), "{url}: `{e}` lacks `{fragment}`");
            assert!(!e.to_string().contains(secret), "the error shows the secret: {e}");
        }
        (got, want) => panic!("{url}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn webhooks_need_https_and_a_long_secret() {
    let secret = "0123456789abcdef";
    check_hook("https://hooks.example.org/tocsin?x=1", secret, Ok(()));
    check_hook("https://127.0.0.1:8443/hook", secret, Ok(()));
    check_hook(
        "http://hooks.example.org/",
        secret,
        Err(("url", "not an https:// address")),
    );
    check_hook("hooks.example.org", secret, Err(("url", "not an https://")));
    check_hook("https://", secret, Err(("url", "")));
    check_hook(
        "https://u:p@example.org/",
        secret,
        Err(("url", "user information")),
    );
    check_hook("https://example.org/a b", secret, Err(("url", "white space")));
    check_hook("https://example.org/#frag", secret, Err(("url", "fragment")));
    check_hook(
        "https://example.org/",
        "short-secret",
        Err(("secret", "12 characters long; 16 to 256")),
    );
    check_hook(
        "https://example.org/",
        "0123456789abcdef\n",
        Err(("secret", "control character")),
    );
}

#[test]
fn debug_never_shows_the_secret() {
    let subscription = Subscription {
        id: "s1".into(),
        owner: "fatou".into(),
        organisation: "ecowas".into(),
        filters: Filters::default(),
        webhook: Some(hook("https://example.org/", "very-secret-value-42")),
        created_at: t("2024-06-01T08:00:00Z"),
    };
    let printed = format!("{subscription:?} {subscription:#?}");
    assert!(!printed.contains("very-secret-value-42"), "{printed}");
    assert!(
        printed.contains("<redacted>") && printed.contains("https://example.org/"),
        "{printed}"
    );
}

#[test]
fn subscription_errors_are_prefixed() {
    let mut subscription = Subscription {
        id: "s1".into(),
        owner: "fatou".into(),
        organisation: "ecowas".into(),
        filters: Filters {
            countries: strings(&["ZZ9"]),
            ..Filters::default()
        },
        webhook: Some(hook("http://example.org/", "0123456789abcdef")),
        created_at: t("2024-06-01T08:00:00Z"),
    };
    let err = subscription.validate(&reference()).unwrap_err();
    assert_eq!(err.field, "filters.countries[0]");
    subscription.filters = Filters::default();
    let err = subscription.validate(&reference()).unwrap_err();
    assert_eq!(err.field, "webhook.url");
}
