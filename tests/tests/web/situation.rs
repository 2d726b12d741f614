//! The Situation page: reached from the overview, with the assessment's
//! facts, the risk-factor grid, the indicators observed and the open
//! warnings; French; 404 for an unknown id; refusal; text escaped; what
//! peers shared, side by side.

use anyhow::{Context, Result};
use reqwest::StatusCode;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, xaa_and_ecowas};
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::warnings::publish;

use super::browser::{Browser, Page};
use super::{HEADLINE, issue_warning};

/// The `<tr>` of risk factor `n` in the grid.
fn factor_row(page: &Page, n: u8) -> Result<&str> {
    let marker = format!(r#"<tr id="factor-{n}">"#);
    let start = page.body.find(&marker).context("no such factor row")?;
    let end = page.body[start..].find("</tr>").context("unterminated row")?;
    Ok(&page.body[start..start + end])
}

#[tokio::test]
async fn the_situation_page_shows_the_assessment_the_grid_and_the_warnings() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let warning = issue_warning(&node, &assessment).await?;
    let mut dora = Browser::new(&node)?;
    let anonymous = dora.get("/situations/XAA").await?;
    assert_eq!(
        (anonymous.status, anonymous.location()),
        (StatusCode::SEE_OTHER, "/signin")
    );
    dora.sign_in("dora", &["decision_maker"]).await?;

    let overview = dora.get("/overview").await?;
    assert!(
        overview
            .body
            .contains(r#"<a href="/situations/XAA">Northern XAA</a>"#),
        "{}",
        overview.body
    );

    let page = dora.get("/situations/XAA").await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<h1>Situation · Northern XAA</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Crimes against humanity"), "{}", page.body);
    assert!(page.body.contains(r#"<span class="risk risk-high">High</span>"#));
    assert!(page.body.contains("Deteriorated"), "{}", page.body);
    // This node's column in the side-by-side table.
    assert!(page.body.contains(r#"<th scope="row">au</th>"#), "{}", page.body);

    // Fourteen factor rows, named from the reference data; cells coloured by
    // the level given, with the level in words; unrated factors empty.
    assert_eq!(page.body.matches(r#"<tr id="factor-"#).count(), 14);
    let first = factor_row(&page, 1)?;
    assert!(first.contains("Situations of armed conflict"), "{first}");
    assert!(first.contains(r#"class="level level-high">High</td>"#), "{first}");
    let eighth = factor_row(&page, 8)?;
    assert!(
        eighth.contains(r#"class="level level-medium">Medium</td>"#),
        "{eighth}"
    );
    let second = factor_row(&page, 2)?;
    assert!(!second.contains("level-"), "factor 2 was not rated: {second}");

    // The observed indicators, with their text from the Framework.
    assert!(
        page.body
            .contains("<td>1</td><td>1.1</td><td>international or non-international armed conflict</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("census, elections and related pivotal activities")
    );

    // The open warning about it, linked to its timeline.
    assert!(
        page.body
            .contains(&format!(r#"<a href="/warnings/au/{warning}">"#)),
        "{}",
        page.body
    );
    let headline = HEADLINE.replace('<', "&lt;").replace('>', "&gt;");
    assert!(page.body.contains(&headline), "{}", page.body);

    let french = dora.get("/situations/XAA?lang=fr").await?;
    assert!(french.body.contains(r#"<html lang="fr">"#));
    assert!(
        french.body.contains("<h2>Facteurs de risque</h2>"),
        "{}",
        french.body
    );
    assert!(factor_row(&french, 1)?.contains(">Élevé</td>"));
    node.shutdown().await
}

#[tokio::test]
async fn an_unknown_or_forbidden_situation_is_refused() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    publish(&node, content::valid()).await?;
    let mut ana = Browser::new(&node)?;
    ana.sign_in("ana", &["analyst"]).await?;
    let unknown = ana.get("/situations/XZZ").await?;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert!(unknown.body.contains("situation `XZZ`"), "{}", unknown.body);
    // A long id is quoted in part, never whole.
    let long = "Q".repeat(200);
    let cut = ana.get(&format!("/situations/{long}")).await?;
    assert_eq!(cut.status, StatusCode::NOT_FOUND);
    assert!(cut.body.contains(&format!("{}…", "Q".repeat(64))), "{}", cut.body);
    assert!(!cut.body.contains(&"Q".repeat(65)), "{}", cut.body);

    // Without a role that may read situations: the refusal page.
    let mut nobody = Browser::new(&node)?;
    nobody.sign_in("nobody", &[]).await?;
    let refused = nobody.get("/situations/XAA").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("may not"), "{}", refused.body);
    assert!(!refused.body.contains("Northern XAA"), "{}", refused.body);
    node.shutdown().await
}

#[tokio::test]
async fn text_from_an_assessment_is_escaped() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let content = content::with(|c| {
        if let Some(situation) = c.situation.as_mut() {
            situation.title = "North <script>alert(1)</script>".into();
        }
        c.narrative = "Militia \"<b>\" & co.".into();
    });
    publish(&node, content).await?;
    let mut ana = Browser::new(&node)?;
    ana.sign_in("ana", &["analyst"]).await?;
    let page = ana.get("/situations/XAA").await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("North &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Militia &quot;&lt;b&gt;&quot; &amp; co."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<b>"), "{}", page.body);
    node.shutdown().await
}

#[tokio::test]
async fn a_federating_node_shows_what_peers_shared_side_by_side() -> Result<()> {
    let federation = LocalFederation::start(&xaa_and_ecowas()).await?;
    publish(federation.node("xaa")?, content::valid()).await?;
    federation
        .wait_for_inbox("ecowas", |inbox| !inbox.is_empty())
        .await?;

    // ECOWAS assessed nothing itself: the page shows what XAA shared.
    let mut dora = Browser::new(federation.node("ecowas")?)?;
    dora.sign_in("dora", &["decision_maker"]).await?;
    let page = dora.get("/situations/XAA").await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains(r#"<th scope="row">xaa</th><td><span class="risk risk-high">High</span></td>"#),
        "{}",
        page.body
    );
    // In the grid, XAA's column (after ECOWAS's own, empty) has the level
    // XAA shared for factor 1.
    let first = factor_row(&page, 1)?;
    assert!(
        first.ends_with(r#"<td class="level"></td><td class="level level-high">High</td>"#),
        "{first}"
    );

    // The overview at ECOWAS lists the situation XAA shared, with XAA's
    // risk, trend and name, and filters it like its own.
    let overview = dora.get("/overview").await?;
    assert!(
        overview.body.contains(
            r#"<td><span class="risk risk-high">High</span></td><td>Deteriorated</td><td>xaa</td>"#
        ),
        "{}",
        overview.body
    );
    let matching = dora
        .get("/overview?crime=crimes_against_humanity&level=high")
        .await?;
    assert!(
        matching
            .body
            .contains(r#"<a href="/situations/XAA">Northern XAA</a>"#)
    );
    for other in ["/overview?level=low", "/overview?crime=genocide"] {
        let page = dora.get(other).await?;
        assert!(!page.body.contains(r#"<a href="/situations/XAA">"#), "{other}");
    }
    Ok(())
}
