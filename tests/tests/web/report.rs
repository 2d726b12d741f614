//! The Report page: times to acknowledgement, decision and action with
//! their distribution as SVG bars, per organisation and per situation, the
//! open warnings without action linked to their timelines; French; the
//! navigation entry; refusal for a user without a role.

use anyhow::{Context, Result};
use reqwest::StatusCode;
use tocsin_tests::content;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::warnings::publish;

use super::browser::{Browser, Page};
use super::issue_warning;

/// The part of `page` from `start` to the first `end` after it.
fn part<'a>(page: &'a Page, start: &str, end: &str) -> Result<&'a str> {
    let from = page
        .body
        .find(start)
        .with_context(|| format!("no `{start}` on the page"))?;
    let len = page.body[from..]
        .find(end)
        .with_context(|| format!("no `{end}` after `{start}`"))?;
    Ok(&page.body[from..from + len])
}

#[tokio::test]
async fn the_report_measures_the_answers_and_lists_warnings_without_action() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let answered = issue_warning(&node, &assessment).await?;
    let waiting = issue_warning(&node, &assessment).await?;
    let mut dora = Browser::new(&node)?;
    let anonymous = dora.get("/report").await?;
    assert_eq!(
        (anonymous.status, anonymous.location()),
        (StatusCode::SEE_OTHER, "/signin")
    );
    dora.sign_in("dora", &["decision_maker"]).await?;

    // The navigation of another page leads to the report.
    let board = dora.get("/warnings").await?;
    assert!(
        board.body.contains(r#"<li><a href="/report">Report</a></li>"#),
        "{}",
        board.body
    );

    // Before any answer: nothing acknowledged, both warnings wait.
    let before = dora.get("/report").await?;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    let row = part(&before, r#"<tr id="step-acknowledgement">"#, "</tr>")?;
    assert!(row.contains(r#"<td class="num">0</td>"#), "{row}");

    // Acknowledge, decide and act on one warning through the board's forms.
    let csrf = board.csrf()?;
    let base = format!("/warnings/au/{answered}");
    for (path, fields) in [
        ("acknowledge", vec![("kind", "accepted_for_action")]),
        ("decide", vec![("kind", "act"), ("justification", "mediation")]),
        (
            "action",
            vec![
                ("kind", "mediation"),
                ("description", "envoy to the northern corridor"),
                ("due", "2031-01-31"),
            ],
        ),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let done = dora.post(&format!("{base}/{path}"), &form).await?;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{path}: {}", done.body);
    }

    let page = dora.get("/report").await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<h1>Warning response report</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"<a href="/report" aria-current="page">"#),
        "{}",
        page.body
    );
    // Two addressees (au, once per warning); one answered each step.
    for step in ["acknowledgement", "decision", "action"] {
        let row = part(&page, &format!(r#"<tr id="step-{step}">"#), "</tr>")?;
        assert!(row.contains(r#"</th><td class="num">1</td>"#), "{step}: {row}");
    }
    // Per organisation and per situation: two warnings, one acknowledged.
    for key in ["au", "XAA"] {
        let row = format!(r#"<tr><th scope="row">{key}</th><td class="num">2</td><td class="num">1</td>"#);
        assert!(page.body.contains(&row), "{row}: {}", page.body);
    }
    // Three bar charts; the answers, seconds after issue, in the first bar.
    assert_eq!(page.body.matches(r#"<svg class="bars" role="img""#).count(), 3);
    let chart = part(&page, r#"aria-labelledby="chart-acknowledgement""#, "</svg>")?;
    assert!(chart.contains("<title>&lt; 1 h: 1</title>"), "{chart}");
    assert!(chart.contains(r#"<rect class="bar""#), "{chart}");
    let main = part(&page, r#"<main id="main">"#, "</main>")?;
    assert!(!main.contains("<script"), "no script in the report: {main}");

    // Only the warning nobody acted on is listed, linked to its timeline.
    let open = part(&page, r#"<section id="without-action">"#, "</section>")?;
    assert!(
        open.contains(&format!(r#"<a href="/warnings/au/{waiting}">"#)),
        "{open}"
    );
    assert!(!open.contains(&base), "{open}");

    let french = dora.get("/report?lang=fr").await?;
    assert!(french.body.contains(r#"<html lang="fr">"#));
    assert!(
        french.body.contains("<h1>Rapport de réponse aux alertes</h1>"),
        "{}",
        french.body
    );
    assert!(
        french.body.contains("Alertes en cours sans action"),
        "{}",
        french.body
    );
    node.shutdown().await
}

#[tokio::test]
async fn a_user_without_a_role_is_refused_the_report() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let id = issue_warning(&node, &assessment).await?;
    let mut nobody = Browser::new(&node)?;
    nobody.sign_in("nobody", &[]).await?;
    let refused = nobody.get("/report").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("may not"), "{}", refused.body);
    assert!(!refused.body.contains("step-acknowledgement"), "{}", refused.body);
    assert!(!refused.body.contains(&id), "{}", refused.body);
    node.shutdown().await
}
