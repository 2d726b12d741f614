//! Web sessions are kept in the node's store: a restart signs nobody out
//! and keeps each session's language and CSRF token; a signed-out session
//! stays out.

use anyhow::Result;
use reqwest::StatusCode;
use tocsin_tests::node::{Issuer, TestNode};

use super::browser::Browser;

#[tokio::test]
async fn a_restart_signs_nobody_out_and_a_signed_out_session_stays_out() -> Result<()> {
    let mut node = TestNode::start("au", Issuer::Dev).await?;
    let mut ada = Browser::new(&node)?;
    ada.sign_in("ada", &["analyst"]).await?;
    let mut rev = Browser::new(&node)?;
    rev.sign_in("rev", &["reviewer"]).await?;
    let french = ada.get("/assessments?lang=fr").await?;
    let csrf = french.csrf()?;
    let out = rev
        .post("/logout", &[("csrf", &rev.get("/overview").await?.csrf()?)])
        .await?;
    assert_eq!(out.status, StatusCode::SEE_OTHER);

    node.restart(&[]).await?;
    let mut again = Browser::new(&node)?;
    again.cookie = ada.cookie.clone();
    let page = again.get("/assessments").await?;
    assert_eq!(page.status, StatusCode::OK, "still signed in: {}", page.body);
    assert!(page.body.contains(r#"<html lang="fr">"#), "the language is kept");
    assert_eq!(page.csrf()?, csrf, "the same session, with its CSRF token");
    let mut gone = Browser::new(&node)?;
    gone.cookie = rev.cookie.clone();
    let refused = gone.get("/overview").await?;
    assert_eq!(
        (refused.status, refused.location()),
        (StatusCode::SEE_OTHER, "/signin")
    );
    node.shutdown().await
}
