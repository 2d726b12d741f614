//! The node's web interface: server-rendered pages over HTTPS for analysts,
//! focal points and decision-makers. Sign-in is OpenID Connect (code flow
//! with PKCE) against the node's issuer; every read and write goes through
//! the same services, and so the same Cedar policies, as the gRPC API.

mod html;
mod i18n;
mod pages;
mod serve;
mod session;
mod signin;
mod sse;

pub use html::escape;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::assessments::Assessments;
use crate::auth::TokenVerifier;
use crate::federation::state::FederationState;
use crate::warnings::Warnings;
use i18n::{Lang, t};
use session::{Session, Sessions};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the web interface's tls identity is unusable: {0}")]
    Tls(String),
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot build the http client: {0}")]
    Client(String),
}

/// How the web interface signs users in and keeps them.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub listen: SocketAddr,
    pub session_idle: Duration,
    /// The OpenID issuer (discovery base) and this node's client id.
    pub issuer: String,
    pub client_id: String,
}

/// The services pages call, with the session's `Caller`.
#[derive(Debug, Clone)]
pub struct WebServices {
    pub assessments: Assessments,
    pub warnings: Warnings,
    pub verifier: Arc<TokenVerifier>,
    /// What peers shared, when the node federates.
    pub federation: Option<FederationState>,
}

/// What every handler shares.
#[derive(Debug)]
struct Web {
    services: WebServices,
    sessions: Sessions,
    signin: signin::Oidc,
    pending: Mutex<HashMap<String, signin::Pending>>,
    stopping: watch::Receiver<bool>,
}

/// Serves the web interface on `settings.listen` (port 0 picks one) with the
/// PEM identity until `shutdown` turns true; returns the bound address and
/// the server task.
pub async fn serve_web(
    settings: WebSettings,
    services: WebServices,
    cert_pem: &str,
    key_pem: &str,
    shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), WebError> {
    let acceptor = serve::tls_acceptor(cert_pem, key_pem)?;
    let addr = settings.listen;
    let tcp = TcpListener::bind(addr)
        .await
        .map_err(|source| WebError::Bind { addr, source })?;
    let local = tcp
        .local_addr()
        .map_err(|source| WebError::Bind { addr, source })?;
    let sessions = Sessions::new(settings.session_idle, Some(services.assessments.store().clone()));
    let web = Arc::new(Web {
        services,
        sessions,
        signin: signin::Oidc::new(&settings, local)?,
        pending: Mutex::new(HashMap::new()),
        stopping: shutdown.clone(),
    });
    let (tx, rx) = mpsc::channel(64);
    let accepting = serve::accept_loop(tcp, acceptor, tx, shutdown.clone());
    let mut stop = shutdown;
    let serve = axum::serve(serve::TlsListener { rx, local }, router(web))
        .with_graceful_shutdown(async move { serve::stopped(&mut stop).await });
    let task = tokio::spawn(async move {
        let (_, served) = tokio::join!(accepting, serve.into_future());
        if let Err(err) = served {
            tracing::warn!(%err, "web server failed");
        }
    });
    Ok((local, task))
}

fn router(web: Arc<Web>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/overview") }))
        .route("/signin", get(signin::start))
        .route("/signin/callback", get(signin::callback))
        .route("/logout", post(signin::logout))
        .route("/signin/out", get(signin::signed_out))
        .route("/overview", get(pages::overview::show))
        .route("/situations/{*id}", get(pages::situation::show))
        .route(
            "/assessments",
            get(pages::assessments::list).post(pages::editor::create),
        )
        .route("/assessments/new", get(pages::editor::new))
        .route("/assessments/{id}", get(pages::assessments::show))
        .route(
            "/assessments/{id}/edit",
            get(pages::editor::edit).post(pages::editor::revise),
        )
        .route("/assessments/{id}/submit", post(pages::assessments::submit))
        .route("/assessments/{id}/publish", post(pages::assessments::publish))
        .route("/warnings", get(pages::board::show))
        .route("/warnings/{sender}/{id}", get(pages::timeline::show))
        .route(
            "/warnings/{sender}/{id}/acknowledge",
            post(pages::board::acknowledge),
        )
        .route("/warnings/{sender}/{id}/decide", post(pages::board::decide))
        .route(
            "/warnings/{sender}/{id}/action",
            post(pages::board::record_action),
        )
        .route("/report", get(pages::report::show))
        .route("/events", get(sse::events))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(web)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/style.css"))
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("assets/app.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The headers every response carries.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
             object-src 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

impl Web {
    /// The request's session, with `?lang=` applied and remembered; else a
    /// redirect to the sign-in (returned by the handler as it is).
    #[allow(clippy::result_large_err)]
    fn session(&self, headers: &HeaderMap, lang: Option<&str>) -> Result<Session, Response> {
        let id = session::cookie_id(headers).ok_or_else(to_signin)?;
        if let Some(lang) = lang.and_then(Lang::from_code) {
            self.sessions.set_lang(&id, lang);
        }
        self.sessions.get(&id).ok_or_else(to_signin)
    }
}

fn to_signin() -> Response {
    Redirect::to("/signin").into_response()
}

/// The language of a request without a session.
fn request_lang(headers: &HeaderMap, lang: Option<&str>) -> Lang {
    lang.and_then(Lang::from_code).unwrap_or_else(|| {
        Lang::from_accept_language(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    })
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A page saying what went wrong, with `status`.
fn error_page(session: &Session, status: StatusCode, key: &str, detail: &str) -> Response {
    let body = format!(
        r#"<p class="error" role="alert">{}</p>{}"#,
        html::escape(t(session.lang, key)),
        if detail.is_empty() {
            String::new()
        } else {
            format!("<p><code>{}</code></p>", html::escape(detail))
        }
    );
    let page = html::page(
        session,
        html::Nav::Warnings,
        t(session.lang, "error.title"),
        &body,
    );
    (status, html(page)).into_response()
}
