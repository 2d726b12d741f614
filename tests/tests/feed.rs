//! The public HTTPS feed, served for real: `serve_feed` on 127.0.0.1:0 with
//! a test CA's certificate, fetched with reqwest trusting only that CA. The
//! Atom feed lists only the TLP:CLEAR warnings, every CAP document it links
//! to is valid CAP 1.2 (`xmllint --schema`), and a warning that is not
//! TLP:CLEAR answers exactly like a missing one.
//!
//! Needs `xmllint` (Debian/Ubuntu: `apt-get install -y libxml2-utils`).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, Utc};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tocsin_server::feed::{FeedSource, serve_feed};
use tocsin_server::model::caller::Role;
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::situation::{Crime, SituationSpec};
use tocsin_server::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, ResponseDeadlines, Severity, Urgency, Warning,
    WarningContent, WarningLevel,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const ORG: &str = "ecowas";
const NAME: &str = "ECOWAS Early Warning Directorate";

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn content(tlp: Tlp, headline: &str) -> WarningContent {
    WarningContent {
        situation: SituationSpec {
            title: "Northern XAA".into(),
            countries: vec!["XAA".into()],
            admin1: vec![],
            admin2: vec![],
            crimes_at_risk: BTreeSet::from([Crime::WarCrimes]),
            protected_groups: vec![],
        },
        assessment: AssessmentRef {
            id: "a-2026-017".into(),
            version: 3,
        },
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: headline.into(),
        description: "Armed clashes spread along the northern corridor.".into(),
        instruction: "Deploy the regional envoy.".into(),
        addressees: vec![Addressee {
            organisation: "au".into(),
            role: Role::DecisionMaker,
        }],
        expires: t("2026-12-05T09:00:00Z"),
        tlp,
        risk_factors: vec![7],
    }
}

/// A CLEAR alert superseded by a CLEAR update, which a CLEAR cancel
/// withdraws; an issued AMBER alert; a CLEAR draft.
fn warnings() -> Vec<Warning> {
    let deadlines = ResponseDeadlines::default();
    let at = |minutes: i64| t("2026-11-05T08:00:00Z") + TimeDelta::minutes(minutes);
    let alert = Warning::new_draft(
        "w-1".into(),
        ORG,
        content(Tlp::Clear, "Clashes & <fear>"),
        "ana",
        at(0),
    )
    .issue("rita", &deadlines, at(10))
    .unwrap();
    let update = alert
        .draft_update("w-2".into(), content(Tlp::Clear, "Clashes spread"), "ana", at(20))
        .unwrap()
        .issue("rita", &deadlines, at(30))
        .unwrap();
    let notice = update
        .draft_cancel("w-3".into(), "The ceasefire holds.", "ana", at(40))
        .unwrap()
        .issue("rita", &deadlines, at(50))
        .unwrap();
    let superseded = alert.supersede(&update).unwrap();
    let cancelled = update.cancel(&notice).unwrap();
    let amber = Warning::new_draft("w-amber".into(), ORG, content(Tlp::Amber, "Secret"), "ana", at(0))
        .issue("rita", &deadlines, at(60))
        .unwrap();
    let draft = Warning::new_draft("w-draft".into(), ORG, content(Tlp::Clear, "Draft"), "ana", at(70));
    vec![superseded, cancelled, notice, amber, draft]
}

/// A test CA and a certificate with key (PEM) it issued for 127.0.0.1.
fn pki() -> (String, String, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    http: reqwest::Client,
}

impl Running {
    async fn start(source: FeedSource) -> Self {
        let (ca, cert, key) = pki();
        let (stop, shutdown) = watch::channel(false);
        let (addr, task) = serve_feed(
            "127.0.0.1:0".parse().unwrap(),
            &cert,
            &key,
            source,
            ORG.into(),
            NAME.into(),
            shutdown,
        )
        .await
        .unwrap();
        let http = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
            .build()
            .unwrap();
        Self {
            addr,
            stop,
            task,
            http,
        }
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let response = self
            .http
            .get(format!("https://{}{path}", self.addr))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, content_type, response.text().await.unwrap())
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the feed stops")
            .unwrap();
    }
}

/// Runs xmllint on `xml` (with `--schema` when given); `Err` has its report.
fn xmllint(xml: &str, schema: Option<&Path>) -> Result<(), String> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let mut command = Command::new("xmllint");
    command.arg("--noout");
    if let Some(schema) = schema {
        command.arg("--schema").arg(schema);
    }
    let output = command
        .arg(file.path())
        .output()
        .expect("xmllint runs (Debian/Ubuntu: `apt-get install -y libxml2-utils`)");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The `href`s of the feed's CAP links.
fn cap_links(feed: &str) -> Vec<String> {
    feed.split("type=\"application/cap+xml\" href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

#[tokio::test]
async fn feed_and_cap_documents_over_https() {
    let feed = Running::start(Arc::new(|| Ok(warnings()))).await;
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cap/CAP-v1.2.xsd");

    let (status, content_type, atom) = feed.get("/feed.atom").await;
    assert_eq!(status, 200, "{atom}");
    assert_eq!(content_type, "application/atom+xml; charset=utf-8");
    xmllint(&atom, None).unwrap();
    assert!(
        atom.contains("<title>Clashes &amp; &lt;fear&gt;</title>"),
        "{atom}"
    );
    assert!(!atom.contains("w-amber") && !atom.contains("Secret"), "{atom}");
    assert!(!atom.contains("w-draft"), "{atom}");
    let base = format!("https://{}", feed.addr);
    assert!(atom.contains(&format!("href=\"{base}/feed.atom\"")), "{atom}");
    let links = cap_links(&atom);
    let want: Vec<String> = ["w-3", "w-2", "w-1"]
        .iter()
        .map(|id| format!("{base}/warnings/{ORG}/{id}.cap"))
        .collect();
    assert_eq!(links, want, "newest first");

    for (link, msg_type) in links.iter().zip(["Cancel", "Update", "Alert"]) {
        let path = &link[base.len()..];
        let (status, content_type, cap) = feed.get(path).await;
        assert_eq!(status, 200, "{path}: {cap}");
        assert_eq!(content_type, "application/cap+xml; charset=utf-8");
        assert!(cap.contains(&format!("<msgType>{msg_type}</msgType>")), "{cap}");
        assert!(cap.contains("<scope>Public</scope>"), "{cap}");
        assert_eq!(msg_type == "Alert", !cap.contains("<references>"), "{cap}");
        if let Err(report) = xmllint(&cap, Some(&schema)) {
            panic!("{path} is not valid CAP 1.2:\n{report}\n{cap}");
        }
    }

    // Not CLEAR, not issued, not there: the same answer.
    let missing = feed.get("/warnings/ecowas/w-nope.cap").await;
    assert_eq!(missing.0, 404);
    for path in [
        "/warnings/ecowas/w-amber.cap",
        "/warnings/ecowas/w-draft.cap",
        "/warnings/au/w-1.cap",
    ] {
        assert_eq!(feed.get(path).await, missing, "{path}");
    }
    for path in [
        "/",
        "/feed.rss",
        "/warnings/ecowas/w-1",
        "/warnings/ecowas/w-1.xml",
        "/warnings/ecowas",
    ] {
        assert_eq!(feed.get(path).await.0, 404, "{path}");
    }
    let posted = feed.http.post(format!("{base}/feed.atom")).send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 404);

    let (status, _, body) = feed.get("/warnings/ECOWAS!/w-1.cap").await;
    assert_eq!((status, body.contains("`sender`")), (400, true), "{body}");
    let (status, _, body) = feed.get("/warnings/ecowas/w%201.cap").await;
    assert_eq!((status, body.contains("`identifier`")), (400, true), "{body}");

    let addr = feed.addr;
    feed.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_failing_store_is_unavailable_without_details() {
    let feed = Running::start(Arc::new(|| {
        Err("sled: corrupt page 7 at /var/lib/tocsin".to_owned())
    }))
    .await;
    for path in ["/feed.atom", "/warnings/ecowas/w-1.cap"] {
        let (status, _, body) = feed.get(path).await;
        assert_eq!(status, 503, "{path}");
        assert!(!body.contains("sled") && !body.contains("/var/lib"), "{body}");
    }
    feed.stop().await;
}

#[tokio::test]
async fn a_bad_identity_is_refused() {
    let (_, cert, key) = pki();
    let (_stop, shutdown) = watch::channel(false);
    let source: FeedSource = Arc::new(|| Ok(Vec::new()));
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let err = serve_feed(
        addr,
        "",
        &key,
        source.clone(),
        ORG.into(),
        NAME.into(),
        shutdown.clone(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
    let err = serve_feed(addr, &cert, "nonsense", source, ORG.into(), NAME.into(), shutdown)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");
}
