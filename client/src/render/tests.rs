//! Exact expected output of the human renderings.

use super::*;
use crate::document::{AssessmentStatus, Confidence, OverallRisk, TEMPLATE, Trend, parse};
use crate::view::{SharedFactorView, SharedSummaryView, SituationView};

fn view(id: &str, version: u32, status: AssessmentStatus) -> AssessmentView {
    AssessmentView {
        id: id.to_owned(),
        version,
        status,
        situation_id: "XAA".to_owned(),
        organisation: "ecowas".to_owned(),
        author: "ada".to_owned(),
        published_by: None,
        created_at: Some("2026-01-02T03:04:05Z".to_owned()),
        updated_at: Some("2026-01-02T03:04:05Z".to_owned()),
        published_at: None,
        sources_withheld: false,
        content: Some(parse(TEMPLATE, false).unwrap()),
        withdrawn_reason: None,
        withdrawn_by: None,
        withdrawn_at: None,
    }
}

#[test]
fn the_assessment_list_is_an_aligned_table() {
    let mut second = view("0193-b", 12, AssessmentStatus::InReview);
    if let Some(c) = second.content.as_mut() {
        c.overall_risk = OverallRisk::VeryHigh;
        c.ongoing = true;
        c.trend = Trend::Unchanged;
        c.tlp = crate::document::Tlp::AmberStrict;
    }
    let text = assessments(&[view("0193-a", 1, AssessmentStatus::Draft), second]);
    assert_eq!(
        text,
        "ID      VERSION  STATUS     SITUATION  RISK                 TREND         TLP           UPDATED\n\
         0193-a  1        draft      XAA        high                 deteriorated  AMBER         2026-01-02 03:04\n\
         0193-b  12       in_review  XAA        very_high (ongoing)  unchanged     AMBER+STRICT  2026-01-02 03:04\n"
    );
    assert_eq!(assessments(&[]), "no assessments\n");
}

#[test]
fn the_situation_list_shows_the_latest_assessment_or_a_dash() {
    let latest = SummaryView {
        assessment_id: "0193-a".into(),
        version: 2,
        organisation: "ecowas".into(),
        overall_risk: OverallRisk::High,
        ongoing: false,
        trend: Trend::Deteriorated,
        confidence: Confidence::Medium,
        published_at: Some("2026-01-02T03:04:05Z".into()),
    };
    let with = SituationView {
        id: "XAA".into(),
        title: "Northern XAA".into(),
        countries: vec!["XAA".into()],
        admin1: vec![],
        admin2: vec![],
        crimes_at_risk: vec![Crime::WarCrimes],
        protected_groups: vec![],
        m49_region: "011".into(),
        m49_region_name: "Western Africa".into(),
        regional_bodies: vec!["AU".into(), "ECOWAS".into()],
        assessment_count: 3,
        latest: Some(latest),
        shared: vec![],
    };
    let without = SituationView {
        id: "XAB".into(),
        title: "XAB".into(),
        regional_bodies: vec![],
        assessment_count: 0,
        latest: None,
        ..with.clone()
    };
    assert_eq!(
        situations(&[with.clone(), without]),
        "ID   TITLE         REGION          BODIES      RISK  TREND         OTHERS  ASSESSMENTS\n\
         XAA  Northern XAA  Western Africa  AU, ECOWAS  high  deteriorated  -       3\n\
         XAB  XAB           Western Africa              -     -             -       0\n"
    );
    assert_eq!(
        situation(&with),
        "situation    XAA\n\
         title        Northern XAA\n\
         crimes       war_crimes\n\
         countries    XAA\n\
         region       Western Africa (011)\n\
         bodies       AU, ECOWAS\n\
         assessments  3\n\
         latest       0193-a v2: high, deteriorated, confidence medium, by ecowas, published 2026-01-02T03:04:05Z\n"
    );
}

#[test]
fn one_assessment_reads_as_a_page() {
    let mut a = view("0193-a", 2, AssessmentStatus::Published);
    a.published_at = Some("2026-01-03T00:00:00Z".into());
    a.published_by = Some("rex".into());
    let expected = "\
assessment    0193-a
version       2 (published)
situation     XAA
title         Northern XAA (exercise)
crimes        crimes_against_humanity, war_crimes
groups        Fictional pastoralist community (ethnic); Fictional opposition supporters (political)
risk          high
outlook       deteriorated, confidence medium, horizon 6 months
tlp           AMBER
organisation  ecowas
author        ada
created       2026-01-02T03:04:05Z
updated       2026-01-02T03:04:05Z
published     2026-01-03T00:00:00Z by rex

risk factors
  #   LEVEL   INDICATORS  FACTOR
  1   high    1.1, 1.5    Situations of armed conflict or other forms of instability
  2   -                   Record of serious violations of international human rights and humanitarian law
  7   medium  7.5, 7.14   Enabling circumstances or preparatory action
  8   medium  8.8         Triggering factors
  14  absent              Serious threats to humanitarian or peacekeeping operations
  notes
    1: Armed clashes between the army and a fictional militia since March.
    7: Local self-defence groups armed; hate speech on community radio.
    8: Disputed census results due before the vote.

upcoming triggers
  DATE        KIND      DESCRIPTION
  2031-03-14  election  Fictional regional elections

narrative
  Fictional example. Tension between the pastoralist community and farming
  villages has grown since the militia attacks in March. Radio broadcasts call
  the community \"foreigners\". The census results expected before the vote may
  be read as a threat to local power.

response options
  - Preventive diplomacy by the regional envoy before the census results
  - Public statement by the regional body on hate speech

sources
  - [B] Fictional field report FR-001: Two independent witnesses.
";
    assert_eq!(assessment(&a), expected);
}

#[test]
fn withheld_sources_are_said_and_whoami_is_a_field_list() {
    let mut a = view("x", 1, AssessmentStatus::Draft);
    if let Some(c) = a.content.as_mut() {
        c.sources.clear();
    }
    a.sources_withheld = true;
    let text = assessment(&a);
    assert!(!text.contains("\nsources\n"));
    assert!(
        text.ends_with("\nsources withheld by the node's access policy\n"),
        "{text}"
    );
    let who = WhoAmIView {
        subject: "ada".into(),
        name: "Ada".into(),
        organisation: "ecowas".into(),
        roles: vec!["analyst".into(), "reviewer".into()],
        issuer: "http://127.0.0.1:7444".into(),
    };
    assert_eq!(
        whoami(&who),
        "subject       ada\nname          Ada\norganisation  ecowas\nroles         analyst, reviewer\nissuer        http://127.0.0.1:7444\n"
    );
}

fn shared(org: &str, risk: OverallRisk, path: &[&str], factors: bool) -> SharedSummaryView {
    SharedSummaryView {
        organisation: org.into(),
        assessment_id: format!("{org}-1"),
        version: 2,
        overall_risk: risk,
        ongoing: false,
        trend: Trend::Unchanged,
        confidence: Confidence::High,
        horizon_months: 6,
        issued_at: Some("2026-01-03T04:05:06Z".into()),
        received_at: Some("2026-01-03T04:05:09Z".into()),
        path: path.iter().map(|p| (*p).to_owned()).collect(),
        disclosed: vec!["share".into()],
        factors: if factors {
            vec![
                SharedFactorView {
                    factor: 1,
                    level: FactorLevel::High,
                },
                SharedFactorView {
                    factor: 8,
                    level: FactorLevel::NotAssessed,
                },
            ]
        } else {
            vec![]
        },
    }
}

fn peers_only(shared: Vec<SharedSummaryView>) -> SituationView {
    SituationView {
        id: "XAA".into(),
        title: "Northern XAA".into(),
        countries: vec!["XAA".into()],
        admin1: vec![],
        admin2: vec![],
        crimes_at_risk: vec![],
        protected_groups: vec![],
        m49_region: "011".into(),
        m49_region_name: String::new(),
        regional_bodies: vec![],
        assessment_count: 0,
        latest: None,
        shared,
    }
}

#[test]
fn the_situation_list_names_a_few_other_views_and_counts_many() {
    let few = peers_only(vec![
        shared("ecowas", OverallRisk::VeryHigh, &[], false),
        shared("xaa", OverallRisk::High, &[], false),
    ]);
    let many = SituationView {
        id: "XAB".into(),
        ..peers_only(
            ["a", "b", "c", "d"]
                .iter()
                .zip([
                    OverallRisk::High,
                    OverallRisk::Moderate,
                    OverallRisk::VeryHigh,
                    OverallRisk::High,
                ])
                .map(|(org, risk)| shared(org, risk, &[], false))
                .collect(),
        )
    };
    assert_eq!(
        situations(&[few, many]),
        "ID   TITLE         REGION  BODIES  RISK  TREND  OTHERS                               ASSESSMENTS\n\
         XAA  Northern XAA                  -     -      ecowas: very_high; xaa: high         0\n\
         XAB  Northern XAA                  -     -      4 organisations: moderate–very_high  0\n"
    );
}

#[test]
fn a_situation_shows_every_organisation_side_by_side() {
    let mut s = peers_only(vec![
        shared("au", OverallRisk::Moderate, &["au", "un-hq"], false),
        shared(
            "xaa",
            OverallRisk::VeryHigh,
            &["xaa", "ecowas", "au", "un-hq"],
            true,
        ),
    ]);
    s.assessment_count = 1;
    s.latest = Some(SummaryView {
        assessment_id: "own-1".into(),
        version: 1,
        organisation: "un-hq".into(),
        overall_risk: OverallRisk::High,
        ongoing: true,
        trend: Trend::Deteriorated,
        confidence: Confidence::Medium,
        published_at: Some("2026-01-02T03:04:05Z".into()),
    });
    assert_eq!(
        situation(&s),
        "situation    XAA\n\
         title        Northern XAA\n\
         countries    XAA\n\
         region       011\n\
         assessments  1\n\
         latest       own-1 v1: high (ongoing), deteriorated, confidence medium, by un-hq, published 2026-01-02T03:04:05Z\n\
         \n\
         views, side by side\n  \
           ORGANISATION  RISK            TREND         CONFIDENCE  VERSION  ISSUED            PATH\n  \
           un-hq         high (ongoing)  deteriorated  medium      1        2026-01-02 03:04  this node\n  \
           au            moderate        unchanged     high        2        2026-01-03 04:05  au → un-hq\n  \
           xaa           very_high       unchanged     high        2        2026-01-03 04:05  xaa → ecowas → au → un-hq\n\
         \n\
         factor levels shared\n  \
           ORGANISATION  FACTOR LEVELS\n  \
           xaa           1 high, 8 -\n"
    );
    // Without other views, the page is as before.
    s.shared.clear();
    assert!(!situation(&s).contains("side by side"));
}

#[test]
fn a_withdrawn_assessment_says_when_by_whom_and_why() {
    let mut a = view("0193-a", 1, AssessmentStatus::Withdrawn);
    a.withdrawn_at = Some("2026-01-04T00:00:00Z".into());
    a.withdrawn_by = Some("rex".into());
    a.withdrawn_reason = Some("The field report was recanted.".into());
    let text = assessment(&a);
    assert!(text.contains("version       1 (withdrawn)\n"), "{text}");
    assert!(
        text.contains("\nwithdrawn     2026-01-04T00:00:00Z by rex\n"),
        "{text}"
    );
    assert!(
        text.contains("\nwithdrawn because\n  The field report was recanted.\n"),
        "{text}"
    );
}
