//! Sign-in with OpenID Connect: the authorization code flow with PKCE
//! (S256), state and nonce kept server-side per pending sign-in; the ID
//! token is verified by the node's `TokenVerifier`, exactly as for the API.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::{Nonce, PkceCodeChallenge, reqwest};
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::html::{escape, url_part};
use super::i18n::{Lang, t};
use super::session::{self, random_token};
use super::{Web, WebError, WebSettings, html, request_lang};

/// How long a started sign-in may take.
const PENDING_FOR: Duration = Duration::from_secs(600);
/// Pending sign-ins at once; more are refused until some finish or lapse.
const MAX_PENDING: usize = 10_000;

/// The issuer as the web interface talks to it.
#[derive(Debug)]
pub(super) struct Oidc {
    issuer: String,
    client_id: String,
    redirect_uri: String,
    http: reqwest::Client,
}

impl Oidc {
    pub(super) fn new(settings: &WebSettings, local: SocketAddr) -> Result<Self, WebError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| WebError::Client(e.to_string()))?;
        Ok(Self {
            issuer: settings.issuer.trim_end_matches('/').to_owned(),
            client_id: settings.client_id.clone(),
            redirect_uri: format!("https://{local}/signin/callback"),
            http,
        })
    }

    /// The authorization and token endpoints, from discovery.
    async fn endpoints(&self) -> Result<(String, String), String> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let text = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let field = |name: &str| {
            doc[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("discovery has no `{name}`"))
        };
        Ok((field("authorization_endpoint")?, field("token_endpoint")?))
    }
}

/// A sign-in between the redirect to the issuer and the callback.
#[derive(Debug)]
pub(super) struct Pending {
    verifier: String,
    nonce: String,
    lang: Lang,
    started: Instant,
}

#[derive(Debug, Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

pub(super) async fn start(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = request_lang(&headers, query.lang.as_deref());
    let (authorize, _) = match web.signin.endpoints().await {
        Ok(endpoints) => endpoints,
        Err(err) => {
            tracing::warn!(%err, "issuer discovery failed");
            return failed(lang, StatusCode::BAD_GATEWAY);
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = Nonce::new_random();
    let state = random_token();
    {
        let mut pending = web
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.retain(|_, p| p.started.elapsed() < PENDING_FOR);
        if pending.len() >= MAX_PENDING {
            return failed(lang, StatusCode::SERVICE_UNAVAILABLE);
        }
        pending.insert(
            state.clone(),
            Pending {
                verifier: verifier.secret().clone(),
                nonce: nonce.secret().clone(),
                lang,
                started: Instant::now(),
            },
        );
    }
    let separator = if authorize.contains('?') { '&' } else { '?' };
    let url = format!(
        "{authorize}{separator}response_type=code&scope=openid&client_id={}&redirect_uri={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
        url_part(&web.signin.client_id),
        url_part(&web.signin.redirect_uri),
        url_part(&state),
        url_part(nonce.secret()),
        url_part(challenge.as_str()),
    );
    Redirect::to(&url).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

pub(super) async fn callback(State(web): State<Arc<Web>>, Query(query): Query<CallbackQuery>) -> Response {
    let pending = query.state.as_deref().and_then(|state| {
        web.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(state)
    });
    let Some(pending) = pending.filter(|p| p.started.elapsed() < PENDING_FOR) else {
        return failed(Lang::En, StatusCode::BAD_REQUEST);
    };
    let Some(code) = query.code else {
        return failed(pending.lang, StatusCode::BAD_REQUEST);
    };
    match finish(&web, &pending, &code).await {
        Ok(caller) => {
            tracing::info!(user = %caller.subject, "web sign-in");
            let id = match web.sessions.create(caller, pending.lang).await {
                Ok(id) => id,
                Err(err) => {
                    tracing::warn!(%err, "cannot store the web session");
                    return failed(pending.lang, StatusCode::INTERNAL_SERVER_ERROR);
                }
            };
            (
                [(header::SET_COOKIE, session::set_cookie(&id))],
                Redirect::to("/overview"),
            )
                .into_response()
        }
        Err(err) => {
            tracing::warn!(%err, "web sign-in failed");
            failed(pending.lang, StatusCode::FORBIDDEN)
        }
    }
}

/// Redeems `code` and verifies the ID token and its nonce.
async fn finish(web: &Web, pending: &Pending, code: &str) -> Result<crate::model::caller::Caller, String> {
    let (_, token_endpoint) = web.signin.endpoints().await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", web.signin.redirect_uri.as_str()),
        ("client_id", web.signin.client_id.as_str()),
        ("code_verifier", pending.verifier.as_str()),
    ];
    let response = web
        .signin
        .http
        .post(&token_endpoint)
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("token endpoint answered {status}"));
    }
    let body: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let id_token = body["id_token"].as_str().ok_or("no `id_token` in the answer")?;
    let caller = web
        .services
        .verifier
        .verify(id_token)
        .await
        .map_err(|e| e.to_string())?;
    let payload = id_token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
        .ok_or("unreadable token payload")?;
    if !payload["nonce"]
        .as_str()
        .is_some_and(|n| session::same_secret(n, &pending.nonce))
    {
        return Err("the token's nonce is not the sign-in's".into());
    }
    Ok(caller)
}

#[derive(Debug, Deserialize)]
pub(super) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn logout(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let session = match web.session(&headers, None) {
        Ok(session) => session,
        Err(redirect) => return redirect,
    };
    if !session.csrf_ok(&form.csrf) {
        return super::error_page(&session, StatusCode::FORBIDDEN, "error.csrf", "");
    }
    if let Some(id) = session::cookie_id(&headers)
        && let Err(err) = web.sessions.end(&id).await
    {
        tracing::warn!(%err, "cannot remove the web session");
    }
    (
        [(header::SET_COOKIE, session::clear_cookie())],
        Redirect::to("/signin/out"),
    )
        .into_response()
}

/// A page with a message and a link to sign in again.
fn failed(lang: Lang, status: StatusCode) -> Response {
    (status, html(plain_page(lang, "signin.failed"))).into_response()
}

pub(super) async fn signed_out(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    html(plain_page(
        request_lang(&headers, query.lang.as_deref()),
        "nav.logout",
    ))
}

fn plain_page(lang: Lang, key: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="{code}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tocsin</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><main id="main"><h1>Tocsin</h1><p>{message}</p><p><a href="/signin?lang={code}">{again}</a></p></main></body></html>
"#,
        code = lang.code(),
        message = escape(t(lang, key)),
        again = escape(t(lang, "signin.again")),
    )
}
