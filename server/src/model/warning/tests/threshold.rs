//! Proposals from thresholds.

use super::*;
use crate::model::assessment::{AssessmentStatus, FactorLevel, OverallRisk};

fn threshold(name: &str, condition: Condition, level: WarningLevel, to: &[(&str, Role)]) -> Threshold {
    Threshold {
        name: name.into(),
        condition,
        level,
        addressees: to.iter().map(|(o, r)| addressee(o, *r)).collect(),
    }
}

fn high_risk() -> Threshold {
    threshold(
        "high overall risk",
        Condition::OverallRisk(OverallRisk::High),
        WarningLevel::Warning,
        &[("au", Role::DecisionMaker)],
    )
}

fn factor(number: u8, level: FactorLevel, warning: WarningLevel, to: &[(&str, Role)]) -> Threshold {
    threshold(
        &format!("factor {number}"),
        Condition::Factor {
            factor: number,
            level,
        },
        warning,
        to,
    )
}

#[test]
fn which_thresholds_are_crossed() {
    // The fixture: overall risk high, factor 1 high, factor 8 medium, not ongoing.
    let ongoing = Condition::Ongoing;
    for (thresholds, want) in [
        (
            vec![high_risk()],
            Some((WarningLevel::Warning, vec!["high overall risk"])),
        ),
        (
            vec![threshold(
                "very high",
                Condition::OverallRisk(OverallRisk::VeryHigh),
                WarningLevel::Emergency,
                &[],
            )],
            None,
        ),
        (
            vec![factor(8, FactorLevel::Medium, WarningLevel::Watch, &[])],
            Some((WarningLevel::Watch, vec!["factor 8"])),
        ),
        (vec![factor(8, FactorLevel::High, WarningLevel::Watch, &[])], None),
        (vec![factor(7, FactorLevel::Low, WarningLevel::Watch, &[])], None),
        (
            vec![threshold("ongoing", ongoing, WarningLevel::Emergency, &[])],
            None,
        ),
        (
            vec![
                factor(1, FactorLevel::High, WarningLevel::Emergency, &[]),
                high_risk(),
                factor(14, FactorLevel::Low, WarningLevel::Watch, &[]),
            ],
            Some((WarningLevel::Emergency, vec!["factor 1", "high overall risk"])),
        ),
        (vec![], None),
    ] {
        let got = proposals(&assessment(), &thresholds).map(|d| (d.content.level, d.crossed));
        let want = want.map(|(level, names)| (level, names.iter().map(|n| n.to_string()).collect()));
        assert_eq!(got, want, "{thresholds:?}");
    }
}

#[test]
fn only_published_assessments_propose() {
    let draft = Assessment {
        status: AssessmentStatus::InReview,
        published_at: None,
        ..assessment()
    };
    assert_eq!(proposals(&draft, &[high_risk()]), None);
    let superseded = Assessment {
        status: AssessmentStatus::Superseded,
        ..assessment()
    };
    assert_eq!(proposals(&superseded, &[high_risk()]), None);
}

#[test]
fn a_proposal_is_a_complete_draft() {
    let thresholds = [
        high_risk(),
        factor(
            1,
            FactorLevel::Medium,
            WarningLevel::Watch,
            &[("au", Role::FocalPoint), ("xaa", Role::FocalPoint)],
        ),
    ];
    let draft = proposals(&assessment(), &thresholds).unwrap();
    let c = &draft.content;
    assert_eq!(
        c.assessment,
        AssessmentRef {
            id: "a1".into(),
            version: 1
        }
    );
    assert_eq!(c.situation, fixtures::content().situation);
    assert_eq!(
        (c.urgency, c.severity, c.certainty),
        (Urgency::Expected, Severity::Severe, Certainty::Likely)
    );
    assert_eq!(
        c.headline,
        "Warning: high risk of atrocity crimes in Northern XAA"
    );
    assert_eq!(
        c.description,
        "Assessment `a1` version 1 rates the overall risk of atrocity crimes high \
         (trend deteriorated, confidence medium, horizon 6 months). \
         Crimes at risk: crimes against humanity, war crimes. Risk factors at high level: 1. \
         Thresholds crossed: high overall risk, factor 1."
    );
    assert!(!c.description.contains("corridor"), "the narrative stays out");
    assert_eq!(c.instruction, "preventive diplomacy by the regional envoy");
    assert_eq!(
        c.addressees,
        vec![
            addressee("au", Role::DecisionMaker),
            addressee("xaa", Role::FocalPoint)
        ],
        "the first threshold naming an organisation decides its role"
    );
    assert_eq!(c.expires, t0() - hours(24) + TimeDelta::days(180));
    assert_eq!(c.tlp, Tlp::Amber);
    assert_eq!(c.validate(&reference()), Ok(()));
    assert_eq!(c.check_assessment(&assessment()), Ok(()));
}

#[test]
fn ongoing_crimes_are_immediate_and_observed() {
    let mut ongoing = assessment();
    ongoing.content.ongoing = true;
    ongoing.content.situation.title = "x".repeat(200);
    let draft = proposals(
        &ongoing,
        &[threshold("ongoing", Condition::Ongoing, WarningLevel::Watch, &[])],
    )
    .unwrap();
    assert_eq!(draft.content.urgency, Urgency::Immediate);
    assert_eq!(draft.content.certainty, Certainty::Observed);
    assert!(
        draft
            .content
            .description
            .contains("Atrocity crimes are assessed as ongoing.")
    );
    assert_eq!(draft.content.headline.chars().count(), MAX_HEADLINE);
    assert!(draft.content.headline.ends_with('…'));
    let e = draft.content.validate(&reference()).unwrap_err();
    assert_eq!(e.field, "addressees", "the reviewer must name addressees: {e}");
}

#[test]
fn thresholds_are_validated_and_read_from_toml() {
    let text = r#"
        [[thresholds]]
        name = "high overall risk"
        condition = { overall_risk = "high" }
        level = "warning"
        addressees = [{ organisation = "au", role = "decision_maker" }]

        [[thresholds]]
        name = "factor 7"
        condition = { factor = { factor = 7, level = "high" } }
        level = "emergency"

        [[thresholds]]
        name = "ongoing"
        condition = "ongoing"
        level = "emergency"
    "#;
    #[derive(serde::Deserialize)]
    struct File {
        thresholds: Vec<Threshold>,
    }
    let file: File = toml::from_str(text).unwrap();
    assert_eq!(file.thresholds[0], high_risk());
    assert_eq!(
        file.thresholds[1],
        factor(7, FactorLevel::High, WarningLevel::Emergency, &[])
    );
    assert_eq!(file.thresholds[2].condition, Condition::Ongoing);
    assert_eq!(validate_thresholds(&file.thresholds, &reference()), Ok(()));

    for (edit, field, message) in [
        (
            Box::new(|t: &mut Vec<Threshold>| t[1].name = "high overall risk".into())
                as Box<dyn Fn(&mut Vec<Threshold>)>,
            "[1].name",
            "threshold `high overall risk` defined twice",
        ),
        (
            Box::new(|t| t[0].name = String::new()),
            "[0].name",
            "must not be empty",
        ),
        (
            Box::new(|t| {
                t[1].condition = Condition::Factor {
                    factor: 15,
                    level: FactorLevel::Low,
                }
            }),
            "[1].condition.factor",
            "unknown risk factor `15`",
        ),
        (
            Box::new(|t| t[0].addressees.push(addressee("au", Role::FocalPoint))),
            "[0].addressees[1].organisation",
            "organisation `au` addressed twice",
        ),
        (
            Box::new(|t| t[0].addressees[0].organisation = "AU".into()),
            "[0].addressees[0].organisation",
            "`AU` is not an organisation id",
        ),
    ] {
        let mut thresholds = file.thresholds.clone();
        edit(&mut thresholds);
        let e = validate_thresholds(&thresholds, &reference()).unwrap_err();
        assert_eq!(e.field, field);
        assert!(e.message.contains(message), "{e}");
    }
}
