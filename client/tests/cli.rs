//! Drives the `tocsin` binary against a stand-in node (TLS, pinned
//! certificate) and checks its output and exit codes.

#![allow(clippy::unwrap_used, reason = "test code: a panic is the test failing")]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rcgen::{CertificateParams, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tocsin_client::fingerprint::Fingerprint;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::node_service_server::{NodeService, NodeServiceServer};
use tonic::{Request, Response, Status};

#[derive(Default)]
struct Node {
    stored: Mutex<Option<pb::Assessment>>,
}

fn caller<T>(request: &Request<T>) -> Result<String, Status> {
    let header = request
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    match header.and_then(|h| h.strip_prefix("Bearer ")) {
        Some(token) if token.starts_with("expired") => Err(Status::unauthenticated("token expired")),
        Some(token) => Ok(token.split('.').next().unwrap_or_default().to_owned()),
        None => Err(Status::unauthenticated("no bearer token")),
    }
}

impl Node {
    fn stored(&self, id: &str) -> Result<pb::Assessment, Status> {
        let stored = self.stored.lock().unwrap().clone();
        stored
            .filter(|a| a.id == id)
            .ok_or_else(|| Status::not_found(format!("assessment `{id}` not found")))
    }
}

#[tonic::async_trait]
impl NodeService for Node {
    async fn who_am_i(&self, r: Request<pb::WhoAmIRequest>) -> Result<Response<pb::WhoAmIResponse>, Status> {
        let subject = caller(&r)?;
        Ok(Response::new(pb::WhoAmIResponse {
            subject,
            organisation: "ecowas".into(),
            roles: vec!["analyst".into()],
            ..Default::default()
        }))
    }
    async fn create_assessment(
        &self,
        r: Request<pb::CreateAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let author = caller(&r)?;
        let content = r
            .into_inner()
            .content
            .ok_or_else(|| Status::invalid_argument("no content"))?;
        if content
            .factors
            .iter()
            .any(|f| f.indicators.iter().any(|i| i == "7.99"))
        {
            return Err(Status::invalid_argument(
                "invalid `content.factors[2].indicators[1]`: unknown indicator `7.99` under risk factor 7",
            ));
        }
        let created = pb::Assessment {
            id: "a1".into(),
            version: 1,
            status: pb::AssessmentStatus::Draft as i32,
            situation_id: "XAA".into(),
            organisation: "ecowas".into(),
            author,
            content: Some(content),
            ..Default::default()
        };
        *self.stored.lock().unwrap() = Some(created.clone());
        Ok(Response::new(created))
    }
    async fn revise_assessment(
        &self,
        r: Request<pb::ReviseAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        caller(&r)?;
        let request = r.into_inner();
        let mut found = self.stored(&request.id)?;
        if request.base_version != found.version {
            return Err(Status::failed_precondition("stale base version"));
        }
        found.content = request.content;
        found.status = pb::AssessmentStatus::Draft as i32;
        *self.stored.lock().unwrap() = Some(found.clone());
        Ok(Response::new(found))
    }
    async fn submit_assessment(
        &self,
        r: Request<pb::SubmitAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        caller(&r)?;
        let request = r.into_inner();
        let mut found = self.stored(&request.id)?;
        if request.version != found.version {
            return Err(Status::failed_precondition(format!(
                "assessment `a1` has no version {}",
                request.version
            )));
        }
        found.status = pb::AssessmentStatus::InReview as i32;
        *self.stored.lock().unwrap() = Some(found.clone());
        Ok(Response::new(found))
    }
    async fn publish_assessment(
        &self,
        r: Request<pb::PublishAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        caller(&r)?;
        Err(Status::permission_denied("`ada` may not publish: reviewers only"))
    }
    async fn get_assessment(
        &self,
        r: Request<pb::GetAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        caller(&r)?;
        Ok(Response::new(self.stored(&r.into_inner().id)?))
    }
    async fn list_assessments(
        &self,
        r: Request<pb::ListAssessmentsRequest>,
    ) -> Result<Response<pb::ListAssessmentsResponse>, Status> {
        caller(&r)?;
        let assessments = self.stored.lock().unwrap().iter().cloned().collect();
        Ok(Response::new(pb::ListAssessmentsResponse { assessments }))
    }
    async fn list_situations(
        &self,
        _: Request<pb::ListSituationsRequest>,
    ) -> Result<Response<pb::ListSituationsResponse>, Status> {
        Err(Status::unimplemented("situations"))
    }
    async fn get_situation(
        &self,
        _: Request<pb::GetSituationRequest>,
    ) -> Result<Response<pb::Situation>, Status> {
        Err(Status::unimplemented("situation"))
    }
}

/// Serves the stand-in node over TLS; returns its URL and certificate fingerprint.
async fn start_node() -> (String, Fingerprint) {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if let Ok(tls) = acceptor.accept(tcp).await
                && sender.send(Ok::<_, std::io::Error>(tls)).await.is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(NodeServiceServer::new(Node::default()))
            .serve_with_incoming(tokio_stream::wrappers::ReceiverStream::new(receiver)),
    );
    (url, Fingerprint::of_der(cert.der()))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn tocsin(config: &Path, node: &str, args: &[&str], stdin: Option<&str>) -> Run {
    use tokio::io::AsyncWriteExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tocsin"));
    command
        .args(args)
        .env_clear()
        .env("TOCSIN_CONFIG_DIR", config)
        .env("TOCSIN_NODE", node)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).await.unwrap();
    drop(input);
    let output = child.wait_with_output().await.unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn jwt(subject: &str) -> String {
    let claims = serde_json::json!({"iss": "http://127.0.0.1:7444", "sub": subject, "exp": 4_000_000_000i64});
    format!("{subject}.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

#[tokio::test]
async fn a_session_from_pin_to_refusals() {
    let (node, fingerprint) = start_node().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();

    // Not logged in yet: 3. Logged in but nothing pinned: 7, naming the fingerprint.
    let run = tocsin(config, &node, &["whoami"], None).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let run = tocsin(config, &node, &["login", "--token-stdin"], Some(&jwt("ada"))).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("as ada"), "{}", run.stdout);
    let run = tocsin(config, &node, &["whoami"], None).await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: no certificate is pinned"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&fingerprint.to_string()), "{}", run.stderr);

    // A wrong pin given on the command line: 7 again.
    let wrong = Fingerprint::of_der(b"other").to_string();
    let run = tocsin(config, &node, &["--fingerprint", &wrong, "whoami"], None).await;
    assert_eq!(run.code, 7, "{}", run.stderr);

    // Pinned: the node sees the bearer token.
    let run = tocsin(config, &node, &["pin", &node, &fingerprint.to_string()], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = tocsin(config, &node, &["whoami", "--json"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let who: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(who["subject"], "ada");
    assert_eq!(who["organisation"], "ecowas");

    // The template is accepted as it is; the draft is then submitted (latest version).
    let template = config.join("xaa.yaml");
    let template_arg = template.to_str().unwrap();
    let run = tocsin(config, &node, &["assessment", "new", "-o", template_arg], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = tocsin(
        config,
        &node,
        &["assessment", "create", template_arg, "--json"],
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let created: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(created["id"], "a1");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["content"]["factors"][2]["indicators"][1], "7.14");
    let run = tocsin(config, &node, &["submit", "a1"], None).await;
    assert_eq!(
        run.stdout, "submitted assessment a1 version 1 (in_review)\n",
        "{}",
        run.stderr
    );
    let run = tocsin(config, &node, &["list"], None).await;
    assert!(
        run.stdout.starts_with("ID  VERSION  STATUS     SITUATION  RISK"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("a1  1        in_review  XAA        high"),
        "{}",
        run.stdout
    );
    let run = tocsin(config, &node, &["show", "a1"], None).await;
    assert!(
        run.stdout
            .contains("7   medium  7.5, 7.14   Enabling circumstances"),
        "{}",
        run.stdout
    );

    // Shown as a file, edited and revised against the latest version.
    let run = tocsin(config, &node, &["show", "a1", "--yaml"], None).await;
    assert!(run.stdout.contains("overall_risk: high"), "{}", run.stdout);
    std::fs::write(
        &template,
        run.stdout
            .replace("overall_risk: high", "overall_risk: very_high"),
    )
    .unwrap();
    let run = tocsin(config, &node, &["assessment", "revise", "a1", template_arg], None).await;
    assert_eq!(
        run.stdout, "revised assessment a1 version 1 (draft)\n",
        "{}",
        run.stderr
    );
    let run = tocsin(config, &node, &["show", "a1", "--json"], None).await;
    let shown: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown["content"]["overall_risk"], "very_high");
    let run = tocsin(
        config,
        &node,
        &["assessment", "revise", "a1", template_arg, "--base-version", "3"],
        None,
    )
    .await;
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (6, "error: stale base version\n")
    );

    // The node's refusals: one line, the node's message, a distinct exit code.
    let new_template = ["assessment", "new", "--force", "-o", template_arg];
    assert_eq!(tocsin(config, &node, &new_template, None).await.code, 0);
    let bad = std::fs::read_to_string(&template)
        .unwrap()
        .replace("\"7.14\"", "\"7.99\"");
    std::fs::write(&template, bad).unwrap();
    let run = tocsin(config, &node, &["assessment", "create", template_arg], None).await;
    assert_eq!(run.code, 6);
    assert_eq!(
        run.stderr,
        "error: invalid `content.factors[2].indicators[1]`: unknown indicator `7.99` under risk factor 7\n"
    );
    let run = tocsin(config, &node, &["submit", "a1", "--version", "9"], None).await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    let run = tocsin(config, &node, &["publish", "a1", "--version", "1"], None).await;
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (4, "error: `ada` may not publish: reviewers only\n")
    );
    let run = tocsin(config, &node, &["show", "zz"], None).await;
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (5, "error: assessment `zz` not found\n")
    );

    // A file the CLI itself refuses: 6, naming the key.
    std::fs::write(&template, "tlp: RED\ncolour: red\n").unwrap();
    let run = tocsin(config, &node, &["assessment", "create", template_arg], None).await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("unknown field `colour`"), "{}", run.stderr);

    // A token the node refuses: 3. Logging out: not logged in any more.
    let run = tocsin(config, &node, &["login", "--token-stdin"], Some(&jwt("expired"))).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = tocsin(config, &node, &["whoami"], None).await;
    assert_eq!((run.code, run.stderr.as_str()), (3, "error: token expired\n"));
    let run = tocsin(config, &node, &["logout"], None).await;
    assert_eq!(run.code, 0);
    let run = tocsin(config, &node, &["whoami"], None).await;
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("not logged in"), "{}", run.stderr);
}

#[tokio::test]
async fn usage_errors_exit_2_and_print_token_keeps_stdout_clean() {
    let dir = tempfile::tempdir().unwrap();
    let node = "https://127.0.0.1:1";
    let run = tocsin(dir.path(), node, &["list", "--min-risk", "extreme"], None).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let token = jwt("ada");
    let run = tocsin(
        dir.path(),
        node,
        &["login", "--token-stdin", "--print-token"],
        Some(&token),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{token}\n"));
    assert!(
        run.stderr.contains("logged in to https://127.0.0.1:1 as ada"),
        "{}",
        run.stderr
    );
    // Without --print-token, the token never appears.
    let run = tocsin(
        dir.path(),
        node,
        &["login", "--token-stdin", "--json"],
        Some(&token),
    )
    .await;
    assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
}
