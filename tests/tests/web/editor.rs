//! The assessment editor: an analyst drafts an assessment in the form and
//! submits it, a reviewer publishes it (the author may not: four eyes), a
//! refused form comes back as typed with the field named and nothing saved,
//! and a user without the role is refused even when posting by hand.

use anyhow::{Context, Result};
use reqwest::StatusCode;
use tocsin_tests::node::{Issuer, TestNode};

use super::browser::{Browser, Page};

/// The form of a new assessment of the fictional XAA, as a browser posts it.
fn filled(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("title", "Eastern XAA <border>"),
        ("countries", "xaa"),
        ("crime", "genocide"),
        ("crime", "ethnic_cleansing"),
        ("groups", "ethnic: Valley herders"),
        ("factor.1.level", "high"),
        ("indicator", "1.1"),
        ("factor.8.level", "medium"),
        ("indicator", "8.8"),
        ("overall_risk", "very_high"),
        ("trend", "deteriorated"),
        ("confidence", "medium"),
        ("horizon_months", "6"),
        ("narrative", "Militia recruitment along the eastern border."),
        ("sources", "Confidential informant KX-17 | B | met in person"),
        ("tlp", "green"),
    ]
}

/// The id in `/assessments/{id}`.
fn saved_id(page: &Page) -> Result<String> {
    let id = page
        .location()
        .strip_prefix("/assessments/")
        .context("not sent to the assessment")?;
    Ok(id.to_owned())
}

fn status_of(page: &Page) -> &str {
    let marker = r#"<dd data-status=""#;
    page.body
        .find(marker)
        .map(|i| &page.body[i + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
}

#[tokio::test]
async fn an_analyst_drafts_and_submits_and_a_reviewer_publishes() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let mut ada = Browser::new(&node)?;
    ada.sign_in("ada", &["analyst"]).await?;

    let list = ada.get("/assessments").await?;
    assert!(list.body.contains(r#"href="/assessments/new""#), "{}", list.body);
    let form = ada.get("/assessments/new").await?;
    assert_eq!(form.status, StatusCode::OK);
    // All fourteen factors, their indicators, and the sources marked local.
    for n in 1..=14 {
        assert!(
            form.body.contains(&format!(r#"name="factor.{n}.level""#)),
            "factor {n}"
        );
    }
    assert!(form.body.contains(r#"name="indicator" value="8.8""#));
    assert!(form.body.contains("Sources — never leave this node"));

    let csrf = form.csrf()?;
    let saved = ada.post("/assessments", &filled(&csrf)).await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = saved_id(&saved)?;
    let draft = ada.get(&format!("/assessments/{id}")).await?;
    assert_eq!(status_of(&draft), "draft", "{}", draft.body);
    assert!(
        draft.body.contains("Eastern XAA &lt;border&gt;"),
        "text is escaped"
    );
    assert!(
        draft.body.contains("Confidential informant KX-17 (B)"),
        "the author reads sources"
    );
    assert!(draft.body.contains(">Submit for review</button>"));
    assert!(!draft.body.contains(">Publish</button>"));

    // The revision form comes back filled with what was saved.
    let edit = ada.get(&format!("/assessments/{id}/edit")).await?;
    assert!(
        edit.body.contains(r#"name="indicator" value="1.1" checked"#),
        "{}",
        edit.body
    );
    assert!(edit.body.contains(r#"<option value="very_high" selected>"#));

    let submitted = ada
        .post(
            &format!("/assessments/{id}/submit"),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await?;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    let in_review = ada.get(&format!("/assessments/{id}")).await?;
    assert_eq!(status_of(&in_review), "in_review");
    assert!(
        !in_review.body.contains(">Publish</button>"),
        "four eyes: no button for the author"
    );
    let own = ada
        .post(
            &format!("/assessments/{id}/publish"),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await?;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "the author may not publish");

    let mut rev = Browser::new(&node)?;
    rev.sign_in("rev", &["reviewer"]).await?;
    let review = rev.get(&format!("/assessments/{id}")).await?;
    assert!(review.body.contains(">Publish</button>"), "{}", review.body);
    let published = rev
        .post(
            &format!("/assessments/{id}/publish"),
            &[("csrf", &review.csrf()?), ("version", "1")],
        )
        .await?;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    assert_eq!(
        status_of(&rev.get(&format!("/assessments/{id}")).await?),
        "published"
    );
    let overview = rev.get("/overview").await?;
    assert!(
        overview.body.contains("Eastern XAA &lt;border&gt;"),
        "{}",
        overview.body
    );
    Ok(())
}

#[tokio::test]
async fn a_refused_form_keeps_what_was_typed_and_names_the_field() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let mut ada = Browser::new(&node)?;
    ada.sign_in("ada", &["analyst"]).await?;
    let csrf = ada.get("/assessments/new").await?.csrf()?;

    for (field, value, named) in [
        ("countries", "UTO", "countries[0]"),
        ("overall_risk", "dire", "overall_risk"),
        ("triggers", "election | next spring | vote", "triggers line 1"),
    ] {
        let mut form: Vec<(&str, &str)> = filled(&csrf).into_iter().filter(|(k, _)| *k != field).collect();
        form.push((field, value));
        let page = ada.post("/assessments", &form).await?;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{field}: {}", page.body);
        assert!(page.body.contains(r#"role="alert""#), "{field}");
        assert!(
            page.body.contains(named),
            "{field}: the field is named: {}",
            page.body
        );
        assert!(
            page.body
                .contains("Militia recruitment along the eastern border."),
            "the narrative is kept"
        );
        assert!(
            page.body.contains(r#"name="indicator" value="8.8" checked"#),
            "ticks are kept"
        );
    }
    let list = ada.get("/assessments").await?;
    assert!(
        list.body.contains("No assessment yet."),
        "nothing was saved: {}",
        list.body
    );

    // A forged form without the session's CSRF token is refused too.
    let mut forged = filled("forged");
    forged.retain(|(k, _)| *k != "csrf");
    let page = ada.post("/assessments", &forged).await?;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn a_user_without_the_role_sees_no_editor_and_is_refused() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let mut dora = Browser::new(&node)?;
    dora.sign_in("dora", &["decision_maker"]).await?;
    let list = dora.get("/assessments").await?;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(r#"href="/assessments/new""#), "{}", list.body);
    assert_eq!(dora.get("/assessments/new").await?.status, StatusCode::FORBIDDEN);
    let csrf = list.csrf()?;
    let page = dora.post("/assessments", &filled(&csrf)).await?;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(
        dora.get("/assessments")
            .await?
            .body
            .contains("No assessment yet.")
    );
    Ok(())
}
