//! A minimal browser for the web interface tests: HTTPS trusting only the
//! node's own certificate, one session cookie, no automatic redirects (each
//! hop is checked), and sign-in through the development issuer's form.

use anyhow::{Context, Result, bail, ensure};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode, Url};
use tocsin_tests::node::TestNode;

pub(crate) struct Browser {
    http: Client,
    pub(crate) base: String,
    pub(crate) cookie: Option<String>,
}

/// A page as fetched.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first `name="csrf"` field.
    pub(crate) fn csrf(&self) -> Result<String> {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).context("no csrf field on the page")? + marker.len();
        let end = self.body[start..].find('"').context("unterminated csrf field")?;
        Ok(self.body[start..start + end].to_owned())
    }
}

impl Browser {
    /// A browser for `node`'s web interface, trusting its certificate only.
    pub(crate) fn new(node: &TestNode) -> Result<Self> {
        let addr = node
            .running
            .as_ref()
            .and_then(|r| r.web_addr)
            .context("the node serves no web interface")?;
        let pem = std::fs::read(node.data.path().join("tls/node.crt"))?;
        let http = Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem)?)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base: format!("https://{addr}"),
            cookie: None,
        })
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn read(response: Response) -> Result<Page> {
        Ok(Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await?,
        })
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => request.header(COOKIE, format!("__Host-tocsin={cookie}")),
            None => request,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Page> {
        Self::read(self.with_cookie(self.http.get(self.url(path))).send().await?).await
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Page> {
        Self::read(
            self.with_cookie(self.http.post(self.url(path)))
                .form(form)
                .send()
                .await?,
        )
        .await
    }

    /// The response of `GET path`, unread (for event streams).
    pub(crate) async fn open(&self, path: &str) -> Result<Response> {
        Ok(self.with_cookie(self.http.get(self.url(path))).send().await?)
    }

    /// Signs in as `user` with `roles` through the development issuer's
    /// authorize form; keeps the session cookie.
    pub(crate) async fn sign_in(&mut self, user: &str, roles: &[&str]) -> Result<()> {
        let start = self.get("/signin").await?;
        ensure!(
            start.status == StatusCode::SEE_OTHER,
            "/signin answered {}",
            start.status
        );
        let authorize = Url::parse(start.location())?;
        let query: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
        for field in ["state", "nonce", "code_challenge"] {
            ensure!(
                query.iter().any(|(k, v)| k == field && !v.is_empty()),
                "no {field} in {authorize}"
            );
        }
        let form = Self::read(self.http.get(authorize.clone()).send().await?).await?;
        ensure!(
            form.status == StatusCode::OK,
            "the authorize page answered {}: {}",
            form.status,
            form.body
        );
        ensure!(
            form.body.contains(r#"name="roles" value="decision_maker""#),
            "no role checkboxes"
        );
        let mut fields: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        fields.push(("user", user));
        fields.extend(roles.iter().map(|role| ("roles", *role)));
        let mut action = authorize.clone();
        action.set_query(None);
        let approved = Self::read(self.http.post(action).form(&fields).send().await?).await?;
        ensure!(
            approved.status == StatusCode::SEE_OTHER,
            "approve answered {}: {}",
            approved.status,
            approved.body
        );
        let callback = approved.location().to_owned();
        ensure!(
            callback.starts_with(&format!("{}/signin/callback?code=", self.base)),
            "{callback}"
        );
        let done = self.get(&callback).await?;
        ensure!(
            done.status == StatusCode::SEE_OTHER,
            "callback answered {}: {}",
            done.status,
            done.body
        );
        let set = done
            .headers
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .context("no session cookie")?;
        ensure!(
            set.contains("Secure; HttpOnly; SameSite=Lax; Path=/"),
            "cookie attributes: {set}"
        );
        let Some(value) = set
            .strip_prefix("__Host-tocsin=")
            .and_then(|v| v.split(';').next())
        else {
            bail!("unexpected cookie {set}");
        };
        self.cookie = Some(value.to_owned());
        // The code is single-use: replaying the callback fails.
        let replay = self.get(&callback).await?;
        ensure!(
            replay.status != StatusCode::SEE_OTHER,
            "a replayed callback signed in again"
        );
        Ok(())
    }
}
