//! The overview's map: countries shaded by the highest overall risk of the
//! situations shown, linked to the situation; countries without one
//! unshaded; the filters change the shading; exercise countries listed as
//! not on the map; French titles; nothing the security policy would block.

use anyhow::{Context, Result};
use reqwest::StatusCode;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::warnings::publish;

use super::browser::{Browser, Page};

/// `countries` at `risk`, with `crime` at risk.
fn situation(countries: &[&str], risk: pb::OverallRisk, crime: pb::Crime) -> pb::AssessmentContent {
    content::with(|c| {
        if let Some(s) = c.situation.as_mut() {
            s.title = format!("Situation in {}", countries.join(" and "));
            s.countries = countries.iter().map(|&c| c.to_owned()).collect();
            s.crimes_at_risk = vec![crime as i32];
        }
        c.overall_risk = risk as i32;
    })
}

/// The `<path>` element of `alpha3` on the map.
fn path<'a>(page: &'a Page, alpha3: &str) -> Result<&'a str> {
    let start = page
        .body
        .find(&format!(r#"<path id="map-{alpha3}""#))
        .with_context(|| format!("no path for {alpha3}: {}", page.body))?;
    let len = page.body[start..].find("</path>").context("unterminated path")?;
    Ok(&page.body[start..start + len])
}

/// Asserts that `alpha3` is shaded `class` and linked to `situation`.
fn assert_linked(page: &Page, alpha3: &str, class: &str, situation: &str) {
    let element =
        format!(r#"<a href="/situations/{situation}"><path id="map-{alpha3}" class="{class}" d="M"#);
    assert!(page.body.contains(&element), "{element} in {}", page.body);
}

/// Asserts that `alpha3` is drawn unshaded and links nowhere.
fn assert_unshaded(page: &Page, alpha3: &str) -> Result<()> {
    let element = path(page, alpha3)?;
    assert!(
        element.starts_with(&format!(r#"<path id="map-{alpha3}" class="land" d="M"#)),
        "{element}"
    );
    let linked = format!(r#""><path id="map-{alpha3}""#);
    assert!(!page.body.contains(&linked), "{alpha3} is linked: {}", page.body);
    Ok(())
}

#[tokio::test]
async fn the_overview_map_shades_countries_by_their_highest_risk() -> Result<()> {
    let node = TestNode::start("au", Issuer::Dev).await?;
    use pb::{Crime, OverallRisk};
    publish(
        &node,
        situation(&["NGA"], OverallRisk::High, Crime::CrimesAgainstHumanity),
    )
    .await?;
    publish(
        &node,
        situation(&["NER", "NGA"], OverallRisk::VeryHigh, Crime::Genocide),
    )
    .await?;
    publish(&node, content::valid()).await?;
    let mut dora = Browser::new(&node)?;
    dora.sign_in("dora", &["decision_maker"]).await?;

    // Nigeria takes the higher risk of its two situations, linked to that
    // one; Niger has only that one; France none.
    let all = dora.get("/overview").await?;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(
        all.body
            .contains(r#"<svg role="img" aria-label="Map of the countries"#),
        "{}",
        all.body
    );
    assert_linked(&all, "NGA", "risk-very_high", "NER%2BNGA");
    assert_linked(&all, "NER", "risk-very_high", "NER%2BNGA");
    assert!(path(&all, "NGA")?.ends_with("<title>Nigeria: Very high</title>"));
    assert_unshaded(&all, "FRA")?;
    assert!(path(&all, "FRA")?.ends_with("<title>France</title>"));
    assert!(
        all.body
            .contains(r#"<span class="swatch risk-high"></span>High</li>"#),
        "legend"
    );
    // The exercise country has no shape: it is listed under the map.
    assert!(!all.body.contains(r#"id="map-XAA""#));
    assert!(
        all.body.contains(
            r#"<li><a href="/situations/XAA">XAA</a> <span class="risk risk-high">High</span></li>"#
        ),
        "{}",
        all.body
    );
    // Only classes and attributes: nothing the security policy would block.
    assert!(!all.body.contains("style="), "{}", all.body);
    assert_eq!(
        all.body.matches("<script").count(),
        1,
        "the page's own script only"
    );

    // The filters choose the situations, and so the shading.
    let high = dora.get("/overview?level=high").await?;
    assert_linked(&high, "NGA", "risk-high", "NGA");
    assert!(path(&high, "NGA")?.ends_with("<title>Nigeria: High</title>"));
    assert_unshaded(&high, "NER")?;
    let genocide = dora.get("/overview?crime=genocide").await?;
    assert_linked(&genocide, "NGA", "risk-very_high", "NER%2BNGA");
    assert!(!genocide.body.contains("/situations/XAA"), "{}", genocide.body);
    let low = dora.get("/overview?level=low").await?;
    for alpha3 in ["NGA", "NER", "FRA"] {
        assert_unshaded(&low, alpha3)?;
    }
    assert!(!low.body.contains(r#"class="off-map""#), "{}", low.body);
    // By region (UN M49): West Africa's situations, not the fictional XAA's.
    let west = dora.get("/overview?region=Western%20Africa").await?;
    assert_linked(&west, "NGA", "risk-very_high", "NER%2BNGA");
    assert!(!west.body.contains("/situations/XAA"), "{}", west.body);
    assert!(west.body.contains(r#"<option value="Western Africa" selected>"#));

    // Names and levels in French.
    let french = dora.get("/overview?lang=fr&level=high").await?;
    assert!(path(&french, "NGA")?.ends_with("<title>Nigéria : Élevé</title>"));
    assert!(french.body.contains("Hors de la carte"), "{}", french.body);
    node.shutdown().await
}
