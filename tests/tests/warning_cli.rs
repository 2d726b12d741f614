//! The `tocsin warning`, `watch` and `report` commands against two real
//! nodes: ECOWAS raises and issues a warning from a file, the AU answers it
//! from the command line, and ECOWAS reads the timeline, the detail, the
//! report and the CAP form. `tocsin watch` follows both sides, resumes from
//! its stored cursor, and ends with exit code 0 on Ctrl-C.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::time::Duration;
use tocsin_proto::v1 as pb;
use tocsin_tests::cli::{Run, Tocsin};
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, OrgSpec};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

const TOCSIN: &str = env!("CARGO_BIN_EXE_cli-under-test");
const CONVERGENCE: Duration = Duration::from_secs(30);

fn two_nodes() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["au"],
        },
        OrgSpec {
            id: "au",
            kind: "regional_body",
            groups: &["au"],
            sharing: Some("au"),
            subscribe: &["ecowas"],
        },
    ]
}

/// A user of the CLI, pinned to `node` and logged in with its development issuer.
async fn user(node: &TestNode, name: &str, role: &str) -> Tocsin {
    let tocsin = Tocsin::new(TOCSIN, &node.url).unwrap();
    let (url, fingerprint) = (node.url.to_string(), node.fingerprint.to_string());
    tocsin.run(&["pin", &url, &fingerprint]).await.unwrap().ok();
    let issuer = node.dev_issuer().unwrap();
    let login = [
        "login", "--dev", "--issuer", issuer, "--user", name, "--role", role,
    ];
    tocsin.run(&login).await.unwrap().ok();
    tocsin
}

/// Publishes the test assessment of XAA (TLP:GREEN) at `node`; its id.
async fn publish(node: &TestNode) -> String {
    let token = |user: &'static str, role: &'static str| async move {
        let claims = json!({"user": user, "roles": [role]});
        let (status, body) = dev_issuer_token(node.dev_issuer().unwrap(), &claims)
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
        body["id_token"].as_str().unwrap().to_owned()
    };
    let mut analyst = node.client(&token("ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token("rev", "reviewer").await).await.unwrap();
    let mut body = content::valid();
    body.tlp = pb::Tlp::Green as i32;
    let request = pb::CreateAssessmentRequest { content: Some(body) };
    let id = analyst.create_assessment(request).await.unwrap().into_inner().id;
    let (id2, id3) = (id.clone(), id.clone());
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest { id: id2, version: 1 })
        .await
        .unwrap();
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest { id: id3, version: 1 })
        .await
        .unwrap();
    id
}

/// A warning file on the published assessment, addressed to the AU.
fn warning_file(assessment: &str) -> String {
    format!(
        "situation:
  title: Northern XAA
  countries: [XAA]
  crimes_at_risk: [crimes_against_humanity]
  protected_groups:
    - basis: ethnic
      label: Herders
assessment_id: {assessment}
assessment_version: 1
level: Warning
urgency: expected
severity: severe
certainty: likely
headline: Hate speech surges ahead of the census in Northern XAA
description: Local radio calls for the expulsion of herders.
instruction: Brief the Peace and Security Council.
addressees:
  - organisation: au
    role: decision_maker
expires: 30d
tlp: GREEN
"
    )
}

/// `tocsin watch --json ARGS`, its output read line by line.
struct Watch {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Watch {
    fn start(tocsin: &Tocsin, args: &[&str]) -> Self {
        let mut child = tocsin.spawn(&[&["watch", "--json"], args].concat()).unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines }
    }

    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(CONVERGENCE, self.lines.next_line())
            .await
            .expect("no event in time")
            .unwrap()
            .expect("watch ended");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not one JSON object: {line}: {e}"))
    }

    /// The next event of `kind` about warning `id`.
    async fn until(&mut self, kind: &str, id: &str) -> Value {
        loop {
            let event = self.next().await;
            if event["kind"] == kind && event["warning"]["id"] == id {
                return event;
            }
        }
    }

    /// Ctrl-C: the watch must end with exit code 0.
    async fn interrupt(mut self) {
        let pid = self.child.id().unwrap().to_string();
        let status = tokio::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success());
        let exit = tokio::time::timeout(CONVERGENCE, self.child.wait())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(exit.code(), Some(0), "{exit:?}");
    }
}

/// The id in a confirmation such as `recorded decision au.d1 (act) on ecowas/w`.
fn word_after<'a>(run: &'a Run, before: &str) -> &'a str {
    let rest = run
        .stdout
        .split_once(before)
        .unwrap_or_else(|| panic!("{run:?}"))
        .1;
    rest.split_whitespace().next().unwrap()
}

#[tokio::test]
async fn a_warning_is_raised_answered_and_measured_from_the_command_line() {
    let federation = LocalFederation::start(&two_nodes()).await.unwrap();
    let (ecowas, au) = (federation.node("ecowas").unwrap(), federation.node("au").unwrap());
    let assessment = publish(ecowas).await;
    let ada = user(ecowas, "ada", "analyst").await;
    let rev = user(ecowas, "rev", "reviewer").await;
    let fp = user(au, "fp", "focal_point").await;
    let dm = user(au, "dm", "decision_maker").await;
    let mut sent_side = Watch::start(&rev, &["--from-start"]);
    let mut au_side = Watch::start(&fp, &[]);

    // The template is printed; a file on the assessment is raised as a draft.
    let template = ada.run(&["warning", "template"]).await.unwrap().ok();
    assert!(template.stdout.contains("tocsin warning raise"), "{template:?}");
    let file = ada.file("warning.yaml");
    std::fs::write(&file, warning_file(&assessment)).unwrap();
    let file = file.to_str().unwrap();
    let raised = ada
        .run(&["warning", "raise", file, "--json"])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    let id = raised["id"].as_str().unwrap().to_owned();
    assert_eq!(raised["status"], "draft");
    assert_eq!(raised["content"]["level"], "warning");
    assert_eq!(raised["content"]["addressees"][0]["organisation"], "au");
    fp.run(&["warning", "raise", file]).await.unwrap().failed(4, &[]);

    let issued = rev.run(&["warning", "issue", &id]).await.unwrap().ok();
    assert!(
        issued
            .stdout
            .starts_with(&format!("issued warning {id} to au; acknowledgements due by "))
    );
    let list = rev.run(&["warning", "list", "--sent"]).await.unwrap().ok();
    let row = list
        .stdout
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("{list:?}"));
    assert!(
        row.starts_with("ecowas ") && row.contains(" issued ") && row.contains(" warning "),
        "{row}"
    );

    // The AU's node receives it; the watch there prints it, stores its cursor, ends on Ctrl-C.
    let received = au_side.until("received", &id).await;
    assert_eq!(received["warning"]["sender"], "ecowas");
    au_side.interrupt().await;
    let ids = |run: Run| -> Vec<String> {
        let list = run.ok().json().unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        ids(fp
            .run(&["warning", "list", "--received", "--json"])
            .await
            .unwrap())
        .contains(&id)
    );
    assert!(!ids(fp.run(&["warning", "list", "--sent", "--json"]).await.unwrap()).contains(&id));
    let cursors = std::fs::read_to_string(fp.config_dir().join("watch_cursors.json")).unwrap();
    assert!(cursors.contains(&au.url.to_string()), "{cursors}");

    // The AU answers from the command line.
    let name = format!("ecowas/{id}");
    let ack = dm.run(&["warning", "ack", &name, "accepted"]).await.unwrap().ok();
    assert_eq!(ack.stdout, format!("acknowledged {name}: accepted_for_action\n"));
    let decided = dm
        .run(&[
            "warning",
            "decide",
            &name,
            "act",
            "--justification",
            "Mediation window before the census.",
        ])
        .await
        .unwrap()
        .ok();
    let decision = word_after(&decided, "recorded decision ").to_owned();
    assert!(decision.starts_with("au."), "{decided:?}");
    let added = dm
        .run(&[
            "warning",
            "action",
            "add",
            &name,
            "--kind",
            "mediation",
            "--due",
            "7d",
            "--decision",
            &decision,
        ])
        .await
        .unwrap()
        .ok();
    let action = word_after(&added, "recorded action ").to_owned();
    assert_ne!(action, "?", "{added:?}");
    let updated = dm
        .run(&[
            "warning",
            "action",
            "update",
            &name,
            &action,
            "in-progress",
            "--json",
        ])
        .await
        .unwrap()
        .ok()
        .json()
        .unwrap();
    assert_eq!(updated["actions"][0]["status"], "in_progress");

    // A resumed watch starts after the `received` it printed before.
    let mut resumed = Watch::start(&fp, &[]);
    let first = resumed.next().await;
    assert_ne!(first["kind"], "received", "{first}");
    resumed.interrupt().await;

    // ECOWAS sees every step, then reads the story and the measures.
    for kind in ["issued", "delivered", "acknowledged", "decided", "action"] {
        sent_side.until(kind, &id).await;
    }
    sent_side.interrupt().await;
    let timeline = rev.run(&["warning", "timeline", &id]).await.unwrap().ok();
    assert!(timeline.stdout.starts_with("TIME (UTC)"), "{timeline:?}");
    assert!(
        timeline
            .stdout
            .contains("acknowledged by au: accepted_for_action"),
        "{timeline:?}"
    );
    let elapsed = timeline.stdout.lines().last().unwrap();
    assert!(elapsed.starts_with("since sent: delivery "), "{elapsed}");
    assert!(!elapsed.contains(" -"), "every step happened: {elapsed}");
    let show = rev.run(&["warning", "show", &id]).await.unwrap().ok();
    assert_eq!(show.field("status"), Some("issued"), "{show:?}");
    assert!(
        show.stdout.contains("\ndecisions\n") && show.stdout.contains(&decision),
        "{show:?}"
    );
    let report = rev.run(&["report", "--json"]).await.unwrap().ok().json().unwrap();
    let au_row = report["by_organisation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "au")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(au_row["to_first_action"]["count"], 1, "{au_row}");
    let human = rev.run(&["report"]).await.unwrap().ok();
    assert!(
        human.stdout.contains("\nby organisation\n") && human.stdout.contains("\n  au "),
        "{human:?}"
    );

    let cap = rev.run(&["warning", "cap", &id]).await.unwrap().ok();
    assert!(
        cap.stdout.contains(&format!("<identifier>{id}</identifier>")),
        "{cap:?}"
    );
    // Its content as a file, accepted back as the text of an update.
    let yaml = rev.run(&["warning", "show", &id, "--yaml"]).await.unwrap().ok();
    assert!(yaml.stdout.contains("headline: Hate speech surges"), "{yaml:?}");
    let again = ada.file("update.yaml");
    std::fs::write(&again, &yaml.stdout).unwrap();
    let update = ada
        .run(&["warning", "update", &id, again.to_str().unwrap()])
        .await
        .unwrap()
        .ok();
    assert!(update.stdout.starts_with("drafted update "), "{update:?}");
    assert!(
        update.stdout.contains(&format!("it supersedes {id}")),
        "{update:?}"
    );

    let closed = rev
        .run(&["warning", "close", &id, "--decision", &decision])
        .await
        .unwrap()
        .ok();
    assert_eq!(
        closed.stdout,
        format!("closed warning {id} on decision {decision}\n")
    );
    rev.run(&["warning", "show", "no-such-warning"])
        .await
        .unwrap()
        .failed(5, &[]);
}
