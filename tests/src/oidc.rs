//! A real OpenID provider for tests: runs `tests/oidc-provider/provider.mjs`
//! (npm `oidc-provider`) on 127.0.0.1 and gets ID tokens from it through the
//! standard CIBA poll flow, or mints odd ones through its test-only routes.
//!
//! Needs Node.js and `npm ci` run once in `tests/oidc-provider`.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tocsin_server::auth::OidcSettings;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const START_TIMEOUT: Duration = Duration::from_secs(30);
const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

/// The provider's registered clients (confidential, `client_secret_basic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestClient {
    /// Client id `tocsin`: the audience nodes expect. ID tokens are ES256.
    Tocsin,
    /// Client id `other-app`: another relying party. ID tokens are RS256.
    OtherApp,
}

impl TestClient {
    pub fn id(self) -> &'static str {
        match self {
            TestClient::Tocsin => "tocsin",
            TestClient::OtherApp => "other-app",
        }
    }

    pub fn secret(self) -> &'static str {
        match self {
            TestClient::Tocsin => "tocsin-test-secret",
            TestClient::OtherApp => "other-app-test-secret",
        }
    }
}

/// Which key `OidcProvider::mint` signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MintKey {
    /// The provider's published ES256 key.
    Es256,
    /// The provider's published RS256 key.
    Rs256,
    /// An unpublished key carrying the ES256 key's `kid`: a bad signature.
    Foreign,
    /// An unpublished key with its own `kid`: an unknown key.
    Stray,
    /// A key published later by `OidcProvider::rotate_key` (its `kid`).
    Rotated(String),
}

impl MintKey {
    fn name(&self) -> &str {
        match self {
            MintKey::Es256 => "es256",
            MintKey::Rs256 => "rs256",
            MintKey::Foreign => "foreign",
            MintKey::Stray => "stray",
            MintKey::Rotated(kid) => kid,
        }
    }
}

/// A running provider process; killed when dropped.
#[derive(Debug)]
pub struct OidcProvider {
    issuer: String,
    backchannel_endpoint: String,
    token_endpoint: String,
    http: reqwest::Client,
    _child: Child,
}

impl OidcProvider {
    /// Starts the provider on a free port and waits for its `READY` line.
    pub async fn start() -> Result<OidcProvider> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-provider");
        crate::npm::install_once(&dir, "oidc-provider").await?;
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .args(["--port", "0"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot run `node` (is Node.js installed?)")?;
        let pipe = child.stderr.take().context("no stderr pipe")?;
        let (stderr_text, _reading) = crate::npm::collect(pipe);
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(issuer) = line.strip_prefix("READY ") {
                    return Ok(Some(issuer.trim().to_owned()));
                }
            }
            Ok::<_, std::io::Error>(None)
        })
        .await;
        let issuer = match ready {
            Ok(Ok(Some(issuer))) => issuer,
            outcome => {
                let stderr = stderr_text.lock().map(|s| s.clone()).unwrap_or_default();
                bail!("openid provider did not start ({outcome:?}); stderr:\n{stderr}");
            }
        };
        // Keep reading stdout so the provider never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        let discovery: Value = json_of(
            http.get(format!("{issuer}/.well-known/openid-configuration"))
                .send()
                .await?,
        )
        .await?;
        let endpoint = |name: &str| {
            discovery[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("provider metadata has no `{name}`"))
        };
        Ok(OidcProvider {
            backchannel_endpoint: endpoint("backchannel_authentication_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            issuer,
            http,
            _child: child,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Verifier settings trusting this provider with audience `tocsin`.
    pub fn oidc_settings(&self, organisation: &str) -> OidcSettings {
        OidcSettings::new(&self.issuer, TestClient::Tocsin.id(), organisation)
    }

    /// An ID token for `user` with `roles`, issued to client `tocsin` via CIBA.
    pub async fn id_token(&self, user: &str, roles: &[&str]) -> Result<String> {
        self.id_token_for(TestClient::Tocsin, user, roles).await
    }

    /// An ID token issued to `client` via CIBA (poll mode, approved at once).
    pub async fn id_token_for(&self, client: TestClient, user: &str, roles: &[&str]) -> Result<String> {
        let login_hint = format!("{user}:{}", roles.join(","));
        let response = self
            .http
            .post(&self.backchannel_endpoint)
            .basic_auth(client.id(), Some(client.secret()))
            .form(&[
                ("scope", "openid profile roles"),
                ("login_hint", login_hint.as_str()),
            ])
            .send()
            .await?;
        let auth_req_id = json_of(response).await?["auth_req_id"]
            .as_str()
            .map(str::to_owned)
            .context("no `auth_req_id` in the backchannel response")?;
        // The provider approves before answering, so the first poll normally succeeds;
        // `authorization_pending` is retried a bounded number of times.
        for _ in 0..5 {
            let response = self
                .http
                .post(&self.token_endpoint)
                .basic_auth(client.id(), Some(client.secret()))
                .form(&[("grant_type", CIBA_GRANT), ("auth_req_id", auth_req_id.as_str())])
                .send()
                .await?;
            let status = response.status();
            let body: Value = serde_json::from_slice(&response.bytes().await?)?;
            if status.is_success() {
                return body["id_token"]
                    .as_str()
                    .map(str::to_owned)
                    .context("no `id_token` in the token response");
            }
            if body["error"] != "authorization_pending" {
                bail!("token endpoint answered {status}: {body}");
            }
            tokio::task::yield_now().await;
        }
        bail!("ciba request still pending after 5 polls")
    }

    /// Signs `claims` as an ID token with `key`. Defaults fill `iss` (this
    /// issuer), `aud` (`tocsin`), `sub`, `iat` and `exp` (+10 min) when absent;
    /// a claim set to `null` is left out.
    pub async fn mint(&self, claims: Value, key: MintKey) -> Result<String> {
        let body = json!({ "claims": claims, "key": key.name() });
        let answer = self.test_post("mint", &body).await?;
        answer["id_token"]
            .as_str()
            .map(str::to_owned)
            .context("no `id_token` from /test/mint")
    }

    /// Publishes a new ES256 key in the provider's JWKS; returns its `kid`.
    pub async fn rotate_key(&self) -> Result<String> {
        let answer = self.test_post("rotate", &json!({})).await?;
        answer["kid"]
            .as_str()
            .map(str::to_owned)
            .context("no `kid` from /test/rotate")
    }

    /// How many times the provider's JWKS has been fetched so far.
    pub async fn jwks_requests(&self) -> Result<u64> {
        let response = self
            .http
            .get(format!("{}/test/stats", self.issuer))
            .send()
            .await?;
        json_of(response).await?["jwks_requests"]
            .as_u64()
            .context("no `jwks_requests` from /test/stats")
    }

    /// Approves a device-flow `user_code` for `user` with `roles` (no browser).
    pub async fn approve_device(&self, user_code: &str, user: &str, roles: &[&str]) -> Result<()> {
        let login_hint = format!("{user}:{}", roles.join(","));
        let body = json!({ "user_code": user_code, "login_hint": login_hint });
        self.test_post("device/approve", &body).await.map(drop)
    }

    async fn test_post(&self, route: &str, body: &Value) -> Result<Value> {
        let response = self
            .http
            .post(format!("{}/test/{route}", self.issuer))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        json_of(response).await
    }
}

/// POSTs `body` to a development issuer's `/token`; returns the status and JSON answer.
pub async fn dev_issuer_token(issuer_url: &str, body: &Value) -> Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .post(format!("{issuer_url}/token"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

async fn json_of(response: reqwest::Response) -> Result<Value> {
    let status = response.status();
    let url = response.url().path().to_owned();
    let body = response.bytes().await?;
    if !status.is_success() {
        bail!("`{url}` answered {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(serde_json::from_slice(&body)?)
}
