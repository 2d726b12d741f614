//! The web interface in headless Chromium against a real federation: XAA
//! (a member state) warns the AU over mutual TLS, and people at the AU use
//! the pages as they would. Each scenario is a script in `tests/e2e/`
//! (playwright-core driving Debian's `chromium`) that this test starts with
//! the node's address, answers over a line protocol when something must
//! happen while the browser watches, and requires to exit 0.

#[path = "web_e2e/script.rs"]
mod script;

use anyhow::{Context, Result};
use std::path::PathBuf;
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, OrgSpec};
use tocsin_tests::node::TestNode;
use tocsin_tests::warnings::{self, events, publish, wait_for};

use script::Script;

const HEADLINE: &str = "Hate speech surges ahead of the census in Northern XAA";
const SITUATION: &str = "Northern XAA";

/// XAA and the AU, each subscribed to the other.
fn orgs() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: Some("xaa"),
            subscribe: &["au"],
        },
        OrgSpec {
            id: "au",
            kind: "regional_body",
            groups: &["au"],
            sharing: Some("au"),
            subscribe: &["xaa"],
        },
    ]
}

/// The federation, with a TLP:GREEN high-risk assessment of Northern XAA
/// published at both nodes and XAA's shared summary arrived at the AU;
/// returns it with XAA's assessment id.
async fn federation() -> Result<(LocalFederation, String)> {
    let federation = LocalFederation::start(&orgs()).await?;
    let green = || content::with(|c| c.tlp = pb::Tlp::Green as i32);
    let assessment = publish(federation.node("xaa")?, green()).await?;
    publish(federation.node("au")?, green()).await?;
    federation
        .wait_for_inbox("au", |inbox| inbox.iter().any(|e| e.received_from == "xaa"))
        .await?;
    Ok((federation, assessment))
}

/// The environment of a script working at `node`'s web interface.
fn env(federation: &LocalFederation, node: &TestNode) -> Result<Vec<(&'static str, String)>> {
    let web = node
        .running
        .as_ref()
        .and_then(|r| r.web_addr)
        .context("the node serves no web interface")?;
    let certs: Vec<PathBuf> = federation
        .nodes
        .values()
        .map(|n| n.data.path().join("tls/node.crt"))
        .collect();
    // The same certificates for the requests Node.js makes (`page.request`).
    let bundle = federation.files.path().join("web-certificates.pem");
    let pems: Vec<String> = certs
        .iter()
        .map(std::fs::read_to_string)
        .collect::<std::io::Result<_>>()?;
    std::fs::write(&bundle, pems.concat())?;
    let certs: Vec<String> = certs.iter().map(|c| c.display().to_string()).collect();
    Ok(vec![
        ("TOCSIN_E2E_WEB", format!("https://{web}")),
        ("TOCSIN_E2E_CERTS", certs.join(",")),
        ("NODE_EXTRA_CA_CERTS", bundle.display().to_string()),
        ("TOCSIN_E2E_HEADLINE", HEADLINE.to_owned()),
        ("TOCSIN_E2E_SITUATION", SITUATION.to_owned()),
    ])
}

/// Raises and issues at XAA a warning to the AU's decision-makers, resting
/// on `assessment`; returns its id.
async fn issue(xaa: &TestNode, assessment: &str) -> Result<String> {
    warnings::issue(xaa, warnings::to_au(assessment, HEADLINE)).await
}

/// `decision_maker.mjs`: sign-in through the issuer's form, overview,
/// situation, the board receiving the warning live (issued here once the
/// board is listening), acknowledge, decide, act, the timeline with
/// durations and the report; then XAA's node holds the three answers.
#[tokio::test]
async fn a_decision_maker_sees_a_warning_arrive_live_and_answers_it() -> Result<()> {
    let (federation, assessment) = federation().await?;
    let (xaa, au) = (federation.node("xaa")?, federation.node("au")?);
    let mut browser = Script::start("decision_maker.mjs", &env(&federation, au)?).await?;
    browser.ready("board").await?;
    let id = issue(xaa, &assessment).await?;
    browser.go(&format!("xaa {id}")).await?;
    browser.finish().await?;
    // What the decision-maker did in the browser reached XAA.
    wait_for(xaa, "", &id, |w| {
        let seen = events(w);
        ["acknowledged", "decided", "action_recorded"]
            .iter()
            .all(|step| seen.contains(step))
    })
    .await?;
    Ok(())
}

/// `refused.mjs`: an auditor and an analyst see the warning without answer
/// forms and are refused (403) when they post them; nothing is recorded.
#[tokio::test]
async fn a_user_without_the_role_sees_no_answer_forms_and_is_refused() -> Result<()> {
    let (federation, assessment) = federation().await?;
    let (xaa, au) = (federation.node("xaa")?, federation.node("au")?);
    let id = issue(xaa, &assessment).await?;
    wait_for(au, "xaa", &id, |_| true).await?;
    let mut env = env(&federation, au)?;
    env.push(("TOCSIN_E2E_WARNING", format!("xaa/{id}")));
    Script::start("refused.mjs", &env).await?.finish().await?;
    let detail = wait_for(au, "xaa", &id, |_| true).await?;
    let seen = events(&detail);
    assert!(
        !seen.contains(&"acknowledged") && !seen.contains(&"decided"),
        "the refused forms changed nothing: {seen:?}"
    );
    Ok(())
}

/// `assessment_editor.mjs`: an analyst drafts and submits an assessment in
/// the editor, a reviewer publishes it, and it shows on the overview.
#[tokio::test]
async fn an_analyst_drafts_an_assessment_and_a_reviewer_publishes_it() -> Result<()> {
    let (federation, _) = federation().await?;
    let env = env(&federation, federation.node("au")?)?;
    Script::start("assessment_editor.mjs", &env).await?.finish().await
}
