//! The web interface of a real node with its development issuer: sign-in
//! (code flow with PKCE through the issuer's form), the overview, the
//! warnings board with acknowledgement under CSRF and the Cedar policies,
//! the timeline, French, security headers, logout and live events.

#[path = "web/browser.rs"]
mod browser;
#[path = "web/editor.rs"]
mod editor;
#[path = "web/history.rs"]
mod history;
#[path = "web/map.rs"]
mod map;
#[path = "web/report.rs"]
mod report;
#[path = "web/sessions.rs"]
mod sessions;
#[path = "web/situation.rs"]
mod situation;

use anyhow::Result;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tocsin_tests::content;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::warnings::{self, publish};

use browser::Browser;

const HEADLINE: &str = "Hate speech <surges> ahead of the census";

/// Raises and issues a warning at `node` addressed to itself; returns its id.
async fn issue_warning(node: &TestNode, assessment: &str) -> Result<String> {
    warnings::issue(node, warnings::to_au(assessment, HEADLINE)).await
}

#[tokio::test]
async fn a_decision_maker_signs_in_sees_and_acknowledges_a_warning() -> Result<()> {
    let started = Instant::now();
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let id = issue_warning(&node, &assessment).await?;

    // Not signed in: every page sends to the sign-in; a query that does
    // not parse is refused first.
    let mut dora = Browser::new(&node)?;
    let pages = [
        "/overview",
        "/situations/XAA",
        "/assessments",
        "/assessments/new",
        &format!("/assessments/{assessment}"),
        &format!("/assessments/{assessment}/edit"),
        "/warnings",
        &format!("/warnings/au/{id}"),
        "/report",
    ];
    for path in pages {
        let page = dora.get(path).await?;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/signin", "{path}");
        let twice = dora.get(&format!("{path}?lang=en&lang=fr")).await?;
        assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{path}");
    }
    dora.sign_in("dora", &["decision_maker"]).await?;

    // The overview lists the published assessment's situation, and the
    // security headers are on every response.
    let overview = dora.get("/overview").await?;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    assert!(overview.body.contains("Northern XAA"), "{}", overview.body);
    assert!(overview.body.contains("risk-high"), "{}", overview.body);
    let csp = overview.headers["content-security-policy"].to_str()?;
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(overview.headers["x-content-type-options"], "nosniff");
    assert_eq!(overview.headers["referrer-policy"], "no-referrer");
    let filtered = dora.get("/overview?level=low").await?;
    assert!(
        !filtered.body.contains("Northern XAA"),
        "the level filter applies"
    );
    let filtered = dora
        .get("/overview?crime=crimes_against_humanity&level=high")
        .await?;
    assert!(filtered.body.contains("Northern XAA"), "{}", filtered.body);

    // The board shows the warning, escaped, with the acknowledge form.
    let board = dora.get("/warnings").await?;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.body.contains("Hate speech &lt;surges&gt;"),
        "{}",
        board.body
    );
    assert!(!board.body.contains("<surges>"), "text is escaped");
    let ack = format!("/warnings/au/{id}/acknowledge");
    assert!(
        board.body.contains(&format!(r#"action="{ack}""#)),
        "{}",
        board.body
    );
    let csrf = board.csrf()?;

    // Without the token, or with another, nothing happens.
    for token in ["", "not-the-token"] {
        let refused = dora
            .post(&ack, &[("csrf", token), ("kind", "accepted_for_action")])
            .await?;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "csrf `{token}`");
    }
    let timeline = dora.get(&format!("/warnings/au/{id}")).await?;
    assert!(!timeline.body.contains("acknowledged by au"), "{}", timeline.body);

    // With it, the acknowledgement is recorded and the timeline shows it.
    let done = dora
        .post(&ack, &[("csrf", &csrf), ("kind", "accepted_for_action")])
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("/warnings/au/{id}"));
    let timeline = dora.get(done.location()).await?;
    assert!(
        timeline.body.contains("acknowledged by au: accepted for action"),
        "{}",
        timeline.body
    );
    assert!(timeline.body.contains("issued"), "{}", timeline.body);
    let board = dora.get("/warnings").await?;
    assert!(
        !board.body.contains(&format!(r#"action="{ack}""#)),
        "acknowledged once"
    );
    assert!(
        board
            .body
            .contains(&format!(r#"action="/warnings/au/{id}/decide""#)),
        "{}",
        board.body
    );

    // The decision, from the board's form, reaches the timeline too.
    let decide = format!("/warnings/au/{id}/decide");
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "act"),
        ("justification", "mediation <now>"),
    ];
    let decided = dora.post(&decide, &fields).await?;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let timeline = dora.get(decided.location()).await?;
    assert!(timeline.body.contains("decided by au: act"), "{}", timeline.body);
    let board = dora.get("/warnings").await?;
    let action = format!("/warnings/au/{id}/action");
    assert!(
        board.body.contains(&format!(r#"action="{action}""#)),
        "{}",
        board.body
    );
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "mediation"),
        ("description", "envoy to the northern corridor"),
        ("due", "2031-01-31"),
    ];
    let recorded = dora.post(&action, &fields).await?;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let timeline = dora.get(recorded.location()).await?;
    assert!(timeline.body.contains("recorded: mediation"), "{}", timeline.body);

    // French, remembered in the session.
    let french = dora.get("/warnings?lang=fr").await?;
    assert!(french.body.contains(r#"<html lang="fr">"#));
    assert!(french.body.contains("Tableau des alertes"), "{}", french.body);
    let again = dora.get("/overview").await?;
    assert!(again.body.contains("Vue d&#39;ensemble"), "{}", again.body);

    // Logout ends the session; the old cookie signs in nobody.
    let csrf = again.csrf()?;
    let out = dora.post("/logout", &[("csrf", &csrf)]).await?;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers["set-cookie"].to_str()?.contains("Max-Age=0"));
    let after = dora.get("/warnings").await?;
    assert_eq!(
        (after.status, after.location()),
        (StatusCode::SEE_OTHER, "/signin")
    );
    println!("web scenario took {:?}", started.elapsed());
    node.shutdown().await
}

#[tokio::test]
async fn a_user_without_the_role_sees_no_form_and_is_refused() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let id = issue_warning(&node, &assessment).await?;
    let mut ana = Browser::new(&node)?;
    ana.sign_in("ana", &["analyst"]).await?;
    let board = ana.get("/warnings").await?;
    assert!(
        board.body.contains("Hate speech &lt;surges&gt;"),
        "analysts read warnings"
    );
    assert!(!board.body.contains("/acknowledge"), "{}", board.body);
    let csrf = board.csrf()?;
    let refused = ana
        .post(
            &format!("/warnings/au/{id}/acknowledge"),
            &[("csrf", &csrf), ("kind", "received")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("may not"), "{}", refused.body);
    let timeline = ana.get(&format!("/warnings/au/{id}")).await?;
    assert!(!timeline.body.contains("acknowledged by"), "{}", timeline.body);
    node.shutdown().await
}

#[tokio::test]
async fn the_event_stream_delivers_an_issued_warning() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let mut fp = Browser::new(&node)?;
    fp.sign_in("fp", &["focal_point"]).await?;
    let anonymous = Browser::new(&node)?.open("/events").await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let mut events = fp.open("/events").await?;
    assert_eq!(events.status(), StatusCode::OK);
    assert!(
        events.headers()["content-type"]
            .to_str()?
            .starts_with("text/event-stream")
    );
    let id = issue_warning(&node, &assessment).await?;
    let wanted = format!(r#""id":"{id}""#);
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while !(seen.contains("event: warning")
            && seen.contains(&wanted)
            && seen.contains(r#""kind":"issued""#))
        {
            match events.chunk().await {
                Ok(Some(chunk)) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                _ => break,
            }
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("no issued event within 20s; saw {seen}"))?;
    assert!(
        seen.contains(&wanted) && seen.contains(r#""kind":"issued""#),
        "{seen}"
    );
    node.shutdown().await
}
