//! The history of overall risk on the Situation page: every published
//! version of this node's assessment, and of a peer's, as points of the
//! chart in date order and as rows of its table; and the warning timeline
//! in French.

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, xaa_and_ecowas};
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::warnings::{publish, token};

use super::browser::{Browser, Page};
use super::issue_warning;

/// Publishes a new version of assessment `id`, written against version
/// `base` with overall risk `risk`.
async fn republish(node: &TestNode, id: &str, base: u32, risk: pb::OverallRisk) -> Result<()> {
    let mut analyst = node.client(&token(node, "ada", "analyst").await?).await?;
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await?).await?;
    let version = analyst
        .revise_assessment(pb::ReviseAssessmentRequest {
            id: id.to_owned(),
            base_version: base,
            content: Some(content::with(|c| c.overall_risk = risk as i32)),
        })
        .await?
        .into_inner()
        .version;
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.to_owned(),
            version,
        })
        .await?;
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.to_owned(),
            version,
        })
        .await?;
    Ok(())
}

/// A marker of the history chart: its `<title>` and its position.
#[derive(Debug)]
struct Marker {
    title: String,
    x: i64,
    y: i64,
}

/// The part of `page` from `start` up to the following `end`.
fn between<'a>(page: &'a Page, start: &str, end: &str) -> Result<&'a str> {
    let from = page.body.find(start).with_context(|| format!("no `{start}`"))?;
    let to = page.body[from..]
        .find(end)
        .with_context(|| format!("no `{end}`"))?;
    Ok(&page.body[from..from + to])
}

/// The markers of the chart, in drawing order, of organisation `org`.
fn markers(page: &Page, org: &str) -> Result<Vec<Marker>> {
    let chart = between(page, r#"<svg class="history-chart""#, "</svg>")?;
    let number = |text: &str, names: &[&str]| -> Result<i64> {
        for name in names {
            if let Some(at) = text.find(name) {
                let digits: String = text[at + name.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                return Ok(digits.parse()?);
            }
        }
        bail!("no {names:?} in {text}")
    };
    let mut out = Vec::new();
    for piece in chart.split("<g><title>").skip(1) {
        let (title, shape) = piece.split_once("</title>").context("unterminated title")?;
        if title.starts_with(&format!("{org} · ")) {
            out.push(Marker {
                title: title.to_owned(),
                x: number(shape, &[r#" cx=""#, r#" x=""#])?,
                y: number(shape, &[r#" cy=""#, r#" y=""#])?,
            });
        }
    }
    Ok(out)
}

/// The rows of the history table of `org`: (datetime attribute, risk cell).
fn rows(page: &Page, org: &str) -> Result<Vec<(String, String)>> {
    let table = between(page, r#"<table class="history-table">"#, "</table>")?;
    let mut out = Vec::new();
    for row in table.split(&format!("<tr><td>{org}</td>")).skip(1) {
        let row = row.split("</tr>").next().unwrap_or_default();
        let (_, rest) = row.split_once(r#"datetime=""#).context("no datetime")?;
        let (datetime, rest) = rest.split_once('"').context("unterminated datetime")?;
        let risk = rest.rsplit("<td>").next().unwrap_or_default();
        out.push((datetime.to_owned(), risk.trim_end_matches("</td>").to_owned()));
    }
    Ok(out)
}

/// `markers` are two, in date order, the first high and the second low.
fn assert_high_then_low(org: &str, markers: &[Marker]) {
    assert_eq!(markers.len(), 2, "{org}: {markers:?}");
    let (first, second) = (&markers[0], &markers[1]);
    assert!(first.x < second.x, "date order: {markers:?}");
    assert!(first.y < second.y, "high above low: {markers:?}");
    assert!(first.title.ends_with(" · High"), "{markers:?}");
    assert!(second.title.ends_with(" · Low"), "{markers:?}");
}

/// `rows` are two, in date order, the first high and the second low.
fn assert_rows_high_then_low(org: &str, rows: &[(String, String)]) {
    assert_eq!(rows.len(), 2, "{org}: {rows:?}");
    assert!(rows[0].0 < rows[1].0, "date order: {rows:?}");
    assert_eq!(rows[0].1, r#"<span class="risk risk-high">High</span>"#);
    assert_eq!(rows[1].1, r#"<span class="risk risk-low">Low</span>"#);
}

#[tokio::test]
async fn every_published_version_is_a_point_of_the_history() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let id = publish(&node, content::valid()).await?;
    let mut dora = Browser::new(&node)?;
    dora.sign_in("dora", &["decision_maker"]).await?;

    // One version: a single point, no line, and one row.
    let page = dora.get("/situations/XAA").await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<h2>History of overall risk</h2>"),
        "{}",
        page.body
    );
    assert_eq!(markers(&page, "au")?.len(), 1, "{}", page.body);
    let chart = between(&page, r#"<svg class="history-chart""#, "</svg>")?;
    assert!(chart.contains(r#"role="img" aria-label=""#), "{chart}");
    assert!(!chart.contains(r#"class="history-line""#), "{chart}");
    assert_eq!(rows(&page, "au")?.len(), 1);

    // Revised down to low and published again: two points in date order,
    // joined by a step line, and both versions in the table.
    republish(&node, &id, 1, pb::OverallRisk::Low).await?;
    let page = dora.get("/situations/XAA").await?;
    assert_high_then_low("au", &markers(&page, "au")?);
    let chart = between(&page, r#"<svg class="history-chart""#, "</svg>")?;
    assert!(chart.contains(r#"class="history-line""#), "{chart}");
    assert_rows_high_then_low("au", &rows(&page, "au")?);
    // The legend names the organisation; the side-by-side table still shows
    // only the latest version.
    assert!(
        between(&page, r#"<ul class="history-legend">"#, "</ul>")?.contains("au</li>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<th scope="row">au</th><td><span class="risk risk-low">Low</span></td>"#),
        "{}",
        page.body
    );

    let french = dora.get("/situations/XAA?lang=fr").await?;
    assert!(
        french.body.contains("<h2>Historique du risque global</h2>"),
        "{}",
        french.body
    );
    assert!(
        french
            .body
            .contains(r#"<span class="risk risk-low">Faible</span></td></tr>"#),
        "{}",
        french.body
    );
    node.shutdown().await
}

#[tokio::test]
async fn a_peers_versions_are_drawn_beside_this_nodes() -> Result<()> {
    let federation = LocalFederation::start(&xaa_and_ecowas()).await?;
    let xaa = federation.node("xaa")?;
    let id = publish(xaa, content::valid()).await?;
    republish(xaa, &id, 1, pb::OverallRisk::Low).await?;
    let moderate = content::with(|c| c.overall_risk = pb::OverallRisk::Moderate as i32);
    publish(federation.node("ecowas")?, moderate).await?;
    let (v1, v2) = (format!("xaa:{id}:v1:"), format!("xaa:{id}:v2:"));
    federation
        .wait_for_inbox("ecowas", |inbox| {
            let held = |v: &str| inbox.iter().any(|e| e.statement_id.starts_with(v));
            held(&v1) && held(&v2)
        })
        .await?;

    let mut dora = Browser::new(federation.node("ecowas")?)?;
    dora.sign_in("dora", &["decision_maker"]).await?;
    let page = dora.get("/situations/XAA").await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // ECOWAS's own version (first series, circles) and both of XAA's
    // (second series, another style and shape), each in the table too.
    let own = markers(&page, "ecowas")?;
    assert_eq!(own.len(), 1, "{}", page.body);
    assert!(own[0].title.ends_with(" · Moderate"), "{own:?}");
    assert_high_then_low("xaa", &markers(&page, "xaa")?);
    let chart = between(&page, r#"<svg class="history-chart""#, "</svg>")?;
    let ecowas_at = chart.find("history-s0").context("no first series")?;
    let xaa_at = chart.find("history-s1").context("no second series")?;
    assert!(ecowas_at < xaa_at, "{chart}");
    assert!(
        chart[xaa_at..].contains("<rect class=\"history-point\""),
        "{chart}"
    );
    assert_rows_high_then_low("xaa", &rows(&page, "xaa")?);
    assert_eq!(rows(&page, "ecowas")?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn the_french_timeline_is_in_french() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    let assessment = publish(&node, content::valid()).await?;
    let id = issue_warning(&node, &assessment).await?;
    let mut dora = Browser::new(&node)?;
    dora.sign_in("dora", &["decision_maker"]).await?;
    let board = dora.get("/warnings").await?;
    let csrf = board.csrf()?;
    let ack = format!("/warnings/au/{id}/acknowledge");
    let done = dora
        .post(&ack, &[("csrf", &csrf), ("kind", "accepted_for_action")])
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let page = dora.get(&format!("/warnings/au/{id}?lang=fr")).await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let said: Vec<&str> = page
        .body
        .split(r#"<span class="what">"#)
        .skip(1)
        .filter_map(|s| s.split("</span>").next())
        .collect();
    assert!(said.contains(&"émise"), "{said:?}");
    assert!(
        said.contains(&"réception accusée par au : acceptée pour action"),
        "{said:?}"
    );
    for english in [
        "raised",
        "issued",
        "delivered",
        "acknowledged",
        "accepted_for_action",
    ] {
        assert!(
            said.iter().all(|s| !s.contains(english)),
            "`{english}` in {said:?}"
        );
    }
    // The warning's level and status, in French too.
    assert!(page.body.contains(" · au · alerte · émise</p>"), "{}", page.body);

    // The English page says the same in English.
    let english = dora.get(&format!("/warnings/au/{id}?lang=en")).await?;
    assert!(
        english
            .body
            .contains(r#"<span class="what">acknowledged by au: accepted for action</span>"#),
        "{}",
        english.body
    );
    node.shutdown().await
}
