//! The `tocsin` binary against real nodes: its development issuer, the real
//! OpenID provider's device flow, pinned TLS, and the exit codes and messages
//! a user sees when the node refuses.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tocsin_tests::cli::Tocsin;
use tocsin_tests::node::{Issuer, TestNode};
use tocsin_tests::oidc::OidcProvider;
use tokio::io::{AsyncBufReadExt, BufReader};

const TOCSIN: &str = env!("CARGO_BIN_EXE_cli-under-test");
const ORG: &str = "xaa-gov";

/// A user with an empty configuration directory who has pinned the node.
async fn pinned(node: &TestNode) -> Tocsin {
    let tocsin = Tocsin::new(TOCSIN, &node.url).unwrap();
    let (url, fingerprint) = (node.url.to_string(), node.fingerprint.to_string());
    let run = tocsin.run(&["pin", &url, &fingerprint]).await.unwrap().ok();
    assert_eq!(run.stdout, format!("pinned {fingerprint} for {url}\n"));
    tocsin
}

/// A user who has pinned the node and logged in with its development issuer.
async fn user(node: &TestNode, name: &str, roles: &[&str]) -> Tocsin {
    let tocsin = pinned(node).await;
    let mut args = vec![
        "login",
        "--dev",
        "--issuer",
        node.dev_issuer().unwrap(),
        "--user",
        name,
    ];
    for role in roles {
        args.extend(["--role", role]);
    }
    let run = tocsin.run(&args).await.unwrap().ok();
    let expected = format!("logged in to {} as {name} until ", node.url);
    assert!(run.stdout.starts_with(&expected), "{run:?}");
    tocsin
}

/// Writes the template with `assessment new` and returns its path.
async fn template(tocsin: &Tocsin, name: &str) -> String {
    let path = tocsin.file(name).display().to_string();
    let run = tocsin
        .run(&["assessment", "new", "-o", &path])
        .await
        .unwrap()
        .ok();
    assert!(
        run.stderr.contains(&format!("tocsin assessment create {path}")),
        "{run:?}"
    );
    path
}

#[tokio::test]
async fn an_assessment_goes_from_the_template_to_publication() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let issuer = node.dev_issuer().unwrap().to_owned();
    let ada = pinned(&node).await;
    let login = [
        "login", "--dev", "--issuer", &issuer, "--user", "ada", "--role", "analyst",
    ];
    let run = ada
        .run(&[&login[..], &["--name", "Ada Analyst"]].concat())
        .await
        .unwrap()
        .ok();
    assert!(
        run.stdout
            .starts_with(&format!("logged in to {} as ada until ", node.url)),
        "{run:?}"
    );

    // Who the node takes ada for, as a table and as JSON.
    let run = ada.run(&["whoami"]).await.unwrap().ok();
    assert_eq!(run.field("subject"), Some("ada"), "{run:?}");
    assert_eq!(run.field("name"), Some("Ada Analyst"), "{run:?}");
    assert_eq!(run.field("organisation"), Some(ORG), "{run:?}");
    assert_eq!(run.field("roles"), Some("analyst"), "{run:?}");
    assert_eq!(run.field("issuer"), Some(issuer.as_str()), "{run:?}");
    let who = ada.run(&["whoami", "--json"]).await.unwrap().ok().json().unwrap();
    assert_eq!(who["subject"], "ada");
    assert_eq!(who["organisation"], ORG);
    assert_eq!(who["roles"], serde_json::json!(["analyst"]));

    // The template, unchanged, is a valid assessment for the real node.
    let file = template(&ada, "xaa.yaml").await;
    let created = ada
        .run(&["assessment", "create", &file, "--json"])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["version"], 1);
    assert_eq!(created["status"], "draft");
    assert_eq!(created["situation_id"], "XAA");
    assert_eq!(created["author"], "ada");
    assert_eq!(created["content"]["factors"][2]["indicators"][1], "7.14");

    let run = ada.run(&["list"]).await.unwrap().ok();
    assert!(run.stdout.starts_with("ID "), "{run:?}");
    let row = run.stdout.lines().find(|l| l.starts_with(&id)).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells[1..6],
        ["1", "draft", "XAA", "high", "deteriorated"],
        "{row}"
    );

    // An analyst sees the sources.
    let run = ada.run(&["show", &id]).await.unwrap().ok();
    assert_eq!(run.field("assessment"), Some(id.as_str()), "{run:?}");
    assert_eq!(run.field("version"), Some("1 (draft)"), "{run:?}");
    assert_eq!(run.field("title"), Some("Northern XAA (exercise)"), "{run:?}");
    assert!(
        run.stdout
            .contains("- [B] Fictional field report FR-001: Two independent witnesses.")
    );
    assert!(!run.stdout.contains("withheld"), "{run:?}");

    let run = ada.run(&["submit", &id]).await.unwrap().ok();
    assert_eq!(
        run.stdout,
        format!("submitted assessment {id} version 1 (in_review)\n")
    );
    let run = ada.run(&["publish", &id]).await.unwrap();
    run.failed(4, &["`ada`", "analyst", "may not"]);

    // A reviewer, with a configuration directory of their own, publishes it.
    let rita = user(&node, "rita", &["reviewer"]).await;
    assert_ne!(rita.config_dir(), ada.config_dir());
    let run = rita.run(&["publish", &id]).await.unwrap().ok();
    assert_eq!(
        run.stdout,
        format!("published assessment {id} version 1 (published)\n")
    );

    let published = ada
        .run(&["list", "--status", "published", "--json"])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    let published = published.as_array().unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["id"], id.as_str());
    assert_eq!(published[0]["published_by"], "rita");
    assert_eq!(published[0]["author"], "ada");
    assert_eq!(
        published[0]["sources_withheld"], true,
        "listings never carry sources"
    );

    let run = ada.run(&["situations"]).await.unwrap().ok();
    let row = run.stdout.lines().find(|l| l.starts_with("XAA ")).unwrap();
    assert!(
        row.contains("Northern XAA (exercise)") && row.contains(" high "),
        "{row}"
    );
    assert!(row.ends_with(" 1"), "one assessment: {row}");
    let run = ada.run(&["situation", "show", "XAA"]).await.unwrap().ok();
    assert_eq!(run.field("situation"), Some("XAA"), "{run:?}");
    let latest = run.field("latest").unwrap();
    assert!(
        latest.starts_with(&format!(
            "{id} v1: high, deteriorated, confidence medium, by {ORG}"
        )),
        "{latest}"
    );

    // The reviewer revises the published text: version 2, which they wrote
    // and so may not publish themselves.
    let shown = rita.run(&["show", &id, "--yaml"]).await.unwrap().ok();
    assert!(shown.stdout.contains("overall_risk: high"), "{shown:?}");
    let edited = rita.file("edited.yaml");
    std::fs::write(
        &edited,
        shown
            .stdout
            .replace("overall_risk: high", "overall_risk: very_high"),
    )
    .unwrap();
    let edited = edited.display().to_string();
    let run = rita
        .run(&["assessment", "revise", &id, &edited])
        .await
        .unwrap()
        .ok();
    assert_eq!(run.stdout, format!("revised assessment {id} version 2 (draft)\n"));
    rita.run(&["submit", &id]).await.unwrap().ok();
    let run = rita.run(&["publish", &id]).await.unwrap();
    run.failed(4, &["`rita`", "four-eyes"]);
    let v2 = ada
        .run(&["show", &id, "--json"])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    assert_eq!(
        (v2["version"].as_u64(), v2["status"].as_str()),
        (Some(2), Some("in_review"))
    );
    assert_eq!(v2["author"], "rita");
    assert_eq!(v2["content"]["overall_risk"], "very_high");
}

#[tokio::test]
async fn refusals_name_the_cause_and_have_distinct_exit_codes() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let ada = user(&node, "ada", &["analyst"]).await;

    // An indicator the Framework does not have: the node names the field.
    let file = template(&ada, "bad.yaml").await;
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("\"7.14\"", "\"7.99\"")).unwrap();
    let run = ada.run(&["assessment", "create", &file]).await.unwrap();
    run.failed(6, &["`content.factors[2].indicators[1]`", "`7.99`"]);
    let run = ada.run(&["list", "--json"]).await.unwrap().ok();
    assert_eq!(
        run.json().unwrap(),
        serde_json::json!([]),
        "a refused request writes nothing"
    );

    // A file the CLI refuses itself: an unknown key.
    std::fs::write(&file, format!("{text}colour: red\n")).unwrap();
    let run = ada.run(&["assessment", "create", &file]).await.unwrap();
    run.failed(6, &["`colour`"]);

    // Unknown assessment.
    let unknown = "0190f5d2-0000-7000-8000-000000000000";
    ada.run(&["show", unknown]).await.unwrap().failed(5, &[unknown]);
    ada.run(&["submit", unknown]).await.unwrap().failed(5, &[unknown]);

    // A stale version: revised or submitted against a version that is not the latest.
    let file = template(&ada, "xaa.yaml").await;
    let created = ada
        .run(&["assessment", "create", &file, "--json"])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let run = ada
        .run(&["assessment", "revise", id, &file, "--base-version", "2"])
        .await
        .unwrap();
    run.failed(6, &[id, "version 1, not 2"]);
    let run = ada.run(&["submit", id, "--version", "9"]).await.unwrap();
    run.failed(6, &[id, "version 1, not 9"]);

    // No token, a token the node refuses, and a token that was logged out.
    let nobody = pinned(&node).await;
    nobody
        .run(&["whoami"])
        .await
        .unwrap()
        .failed(3, &["not logged in"]);
    let forger = pinned(&node).await.env("TOCSIN_TOKEN", "not-a-token");
    let run = forger.run(&["whoami"]).await.unwrap();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        !run.stderr.contains("not-a-token"),
        "tokens are never printed: {run:?}"
    );
    let run = ada.run(&["logout"]).await.unwrap().ok();
    assert_eq!(run.stdout, format!("logged out of {}\n", node.url));
    ada.run(&["list"]).await.unwrap().failed(3, &["not logged in"]);
}

#[tokio::test]
async fn the_node_is_trusted_only_by_its_pinned_fingerprint() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let (url, right) = (node.url.to_string(), node.fingerprint.to_string());
    let wrong = tocsin_client::fingerprint::Fingerprint::of_der(b"another certificate").to_string();
    let tocsin = Tocsin::new(TOCSIN, &node.url).unwrap();
    let login = [
        "login",
        "--dev",
        "--issuer",
        node.dev_issuer().unwrap(),
        "--user",
        "ada",
        "--role",
        "analyst",
    ];
    tocsin.run(&login).await.unwrap().ok();

    // Nothing pinned: refused, showing what the node presents.
    let run = tocsin.run(&["whoami"]).await.unwrap();
    let hint = format!("tocsin pin {url}");
    run.failed(7, &["no certificate is pinned", &right, &hint]);

    // Another fingerprint, on the command line or pinned: refused, naming both.
    let run = tocsin.run(&["--fingerprint", &wrong, "whoami"]).await.unwrap();
    run.failed(7, &[&right, &wrong]);
    tocsin.run(&["pin", &url, &wrong]).await.unwrap().ok();
    let run = tocsin.run(&["whoami"]).await.unwrap();
    run.failed(7, &[&right, &wrong, "intercepting"]);

    // The right one, given once or pinned.
    let run = tocsin
        .run(&["--fingerprint", &right, "whoami", "--json"])
        .await
        .unwrap()
        .ok();
    assert_eq!(run.json().unwrap()["subject"], "ada");
    let run = tocsin.run(&["pin", &url, &right]).await.unwrap().ok();
    assert_eq!(
        run.stdout,
        format!("pinned {right} for {url} (replaces {wrong})\n")
    );
    tocsin.run(&["whoami"]).await.unwrap().ok();
}

#[tokio::test]
async fn help_usage_errors_and_a_printed_token() {
    let node = TestNode::start(ORG, Issuer::Dev).await.unwrap();
    let tocsin = pinned(&node).await;

    let run = tocsin.run(&["--help"]).await.unwrap().ok();
    for needle in [
        "Examples:",
        "tocsin assessment new -o xaa.yaml",
        "tocsin publish <ID>",
        "Exit codes:",
    ] {
        assert!(run.stdout.contains(needle), "`{needle}` missing: {run:?}");
    }
    let run = tocsin.run(&["list", "--min-risk", "extreme"]).await.unwrap();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("extreme"), "{run:?}");
    let run = tocsin.run(&["login"]).await.unwrap();
    run.failed(2, &["choose how to log in"]);

    // `--print-token`: standard output is the token and nothing else, and it
    // is a token the node accepts.
    let issuer = node.dev_issuer().unwrap();
    let login = [
        "login",
        "--dev",
        "--issuer",
        issuer,
        "--user",
        "ada",
        "--role",
        "analyst",
        "--print-token",
    ];
    let run = tocsin.run(&login).await.unwrap().ok();
    let token = run.stdout.strip_suffix('\n').unwrap();
    assert!(!token.contains(char::is_whitespace), "{run:?}");
    assert_eq!(token.split('.').count(), 3, "{run:?}");
    assert!(
        run.stderr.contains(&format!("logged in to {} as ada", node.url)),
        "{run:?}"
    );
    let mut client = node.client(token).await.unwrap();
    let who = client.who_am_i(tocsin_proto::v1::WhoAmIRequest {}).await.unwrap();
    assert_eq!(who.into_inner().subject, "ada");

    // Without it, the token is not shown, not even with `--json`.
    let run = tocsin
        .run(&[&login[..8], &["--json"]].concat())
        .await
        .unwrap()
        .ok();
    assert_eq!(run.json().unwrap()["subject"], "ada");
    assert!(
        !run.stdout.contains(token) && !run.stdout.contains("id_token"),
        "{run:?}"
    );

    // A token from elsewhere, stored from standard input for another user.
    let script = pinned(&node).await;
    let run = script
        .run_with_stdin(&["login", "--token-stdin"], token)
        .await
        .unwrap()
        .ok();
    assert!(
        run.stdout
            .starts_with(&format!("logged in to {} as ada", node.url)),
        "{run:?}"
    );
    let run = script.run(&["whoami"]).await.unwrap().ok();
    assert_eq!(run.field("subject"), Some("ada"), "{run:?}");
}

#[tokio::test]
async fn device_login_with_the_organisations_openid_provider() {
    let provider = OidcProvider::start().await.unwrap();
    let node = TestNode::start(ORG, Issuer::Provider(&provider)).await.unwrap();
    let dora = pinned(&node).await;
    let mut login = dora
        .spawn(&[
            "login",
            "--issuer",
            provider.issuer(),
            "--client-id",
            "tocsin",
            "--client-secret",
            "tocsin-test-secret",
            "--scope",
            "roles",
        ])
        .unwrap();

    // The user code, as the CLI prints it for the user to enter in a browser.
    let mut stderr = BufReader::new(login.stderr.take().unwrap()).lines();
    let prompt = async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains("enter the code ") {
                return line;
            }
        }
        panic!("the CLI ended without a device prompt");
    };
    let prompt = tokio::time::timeout(std::time::Duration::from_secs(30), prompt)
        .await
        .unwrap();
    let code = prompt
        .split("enter the code ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    assert!(
        prompt.contains(&format!("open {}", provider.issuer())),
        "{prompt}"
    );
    provider
        .approve_device(code, "dora", &["decision_maker"])
        .await
        .unwrap();

    let output = tokio::time::timeout(std::time::Duration::from_secs(60), login.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{}: {stdout}", output.status);
    assert!(
        stdout.starts_with(&format!("logged in to {} as dora until ", node.url)),
        "{stdout}"
    );

    let who = dora
        .run(&["whoami", "--json"])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    assert_eq!(who["subject"], "dora");
    assert_eq!(who["organisation"], ORG);
    assert_eq!(who["roles"], serde_json::json!(["decision_maker"]));
    assert_eq!(who["issuer"], provider.issuer());
}
