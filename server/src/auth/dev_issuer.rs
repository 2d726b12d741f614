//! The development OpenID issuer a node runs when no issuer is configured:
//! loopback only, Ed25519 (EdDSA) keys, and `POST /token` minting ID tokens
//! for any user and roles. Verified through ordinary discovery, like any issuer.
//! Browsers sign in through `/authorize` (code flow with PKCE, see `authorize`).

mod authorize;

use super::AuthError;
use super::dev_key::DevKey;
use super::verifier::OidcSettings;
use crate::model::caller::Role;
use axum::Router;
use axum::extract::{FromRequest, Json, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevIssuerSettings {
    /// `aud` of issued tokens: the node's client id (default `tocsin`).
    pub audience: String,
    /// The claim that carries role names (default `roles`).
    pub role_claim: String,
    /// Where the signing key is kept across restarts; `None`: a fresh key each start.
    pub key_path: Option<PathBuf>,
    /// Lifetime of issued tokens (default one hour).
    pub token_lifetime: Duration,
}

impl Default for DevIssuerSettings {
    fn default() -> Self {
        Self {
            audience: "tocsin".to_owned(),
            role_claim: "roles".to_owned(),
            key_path: None,
            token_lifetime: Duration::from_secs(3600),
        }
    }
}

/// Starts the development issuer; see `DevIssuer::start`.
#[derive(Debug)]
pub struct DevIssuer;

impl DevIssuer {
    /// Binds `listen` (a loopback address; port 0 picks one) and serves until
    /// `RunningDevIssuer::shutdown` or until the handle is dropped.
    pub async fn start(
        listen: SocketAddr,
        settings: DevIssuerSettings,
    ) -> Result<RunningDevIssuer, AuthError> {
        if !listen.ip().is_loopback() {
            return Err(AuthError::NotLoopback(listen));
        }
        if settings.audience.trim().is_empty() {
            return Err(AuthError::Settings {
                field: "audience",
                reason: "must not be empty".to_owned(),
            });
        }
        const RESERVED: [&str; 7] = ["iss", "sub", "aud", "iat", "exp", "name", "nonce"];
        if settings.role_claim.trim().is_empty() || RESERVED.contains(&settings.role_claim.as_str()) {
            return Err(AuthError::Settings {
                field: "role_claim",
                reason: format!("`{}` cannot carry roles", settings.role_claim),
            });
        }
        if settings.token_lifetime.is_zero() {
            return Err(AuthError::Settings {
                field: "token_lifetime",
                reason: "must be positive".to_owned(),
            });
        }
        let key = match &settings.key_path {
            Some(path) => DevKey::load_or_create(path)?,
            None => DevKey::generate(),
        };
        let listen_error = |e: std::io::Error| AuthError::Listen {
            addr: listen,
            reason: e.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(listen_error)?;
        let local_addr = listener.local_addr().map_err(listen_error)?;
        let issuer_url = format!("http://{local_addr}");
        let state = Arc::new(Issuer {
            issuer_url: issuer_url.clone(),
            settings,
            key,
            grants: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/authorize", get(authorize::form).post(authorize::approve))
            .with_state(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                // A send or a dropped handle both stop the server.
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::warn!(error = %err, "development issuer stopped");
            }
        });
        tracing::info!(issuer = %issuer_url, kid = state.key.kid(), "development issuer started");
        Ok(RunningDevIssuer {
            issuer_url,
            local_addr,
            audience: state.settings.audience.clone(),
            role_claim: state.settings.role_claim.clone(),
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running development issuer. Dropping it stops the server too.
#[derive(Debug)]
pub struct RunningDevIssuer {
    issuer_url: String,
    local_addr: SocketAddr,
    audience: String,
    role_claim: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningDevIssuer {
    /// `http://127.0.0.1:<port>`: the `iss` of its tokens and the discovery base.
    pub fn issuer_url(&self) -> &str {
        &self.issuer_url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Verifier settings that trust this issuer for `organisation`.
    pub fn oidc_settings(&self, organisation: &str) -> OidcSettings {
        let mut settings = OidcSettings::new(&self.issuer_url, &self.audience, organisation);
        settings.role_claim = self.role_claim.clone();
        settings
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

#[derive(Debug)]
struct Issuer {
    issuer_url: String,
    settings: DevIssuerSettings,
    key: DevKey,
    /// Codes handed out by `/authorize`, not yet redeemed.
    grants: Mutex<HashMap<String, authorize::Grant>>,
}

async fn discovery(State(issuer): State<Arc<Issuer>>) -> Json<Value> {
    let base = &issuer.issuer_url;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code", "id_token"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "scopes_supported": ["openid"],
        "claims_supported": ["iss", "sub", "aud", "iat", "exp", "name", issuer.settings.role_claim],
    }))
}

async fn jwks(State(issuer): State<Arc<Issuer>>) -> Json<Value> {
    Json(json!({ "keys": [issuer.key.jwk()] }))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    user: String,
    #[serde(default)]
    roles: Vec<String>,
    name: Option<String>,
}

/// `POST /token`: a form-encoded `authorization_code` grant, or JSON
/// `{user, roles, name}` minting a token directly (the CLI and tests).
async fn token(State(issuer): State<Arc<Issuer>>, request: Request) -> Response {
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        return match axum::extract::Form::from_request(request, &()).await {
            Ok(grant) => authorize::redeem(issuer, grant).await,
            Err(rejection) => bad_request(&format!("invalid request body: {}", rejection.body_text()), None),
        };
    }
    let request = match Json::<TokenRequest>::from_request(request, &()).await {
        Ok(Json(request)) => request,
        Err(rejection) => {
            return bad_request(&format!("invalid request body: {}", rejection.body_text()), None);
        }
    };
    match issuer.mint(request, None) {
        Ok(body) => Json(body).into_response(),
        Err((field, message)) => bad_request(&message, Some(field)),
    }
}

impl Issuer {
    /// An ID token for `request`, carrying `nonce` when given.
    fn mint(&self, request: TokenRequest, nonce: Option<&str>) -> Result<Value, (&'static str, String)> {
        let user = request.user;
        let valid_user = (1..=64).contains(&user.len())
            && user
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !valid_user {
            return Err((
                "user",
                format!("invalid user `{user}`: use 1 to 64 characters of a-z, 0-9, `.`, `_`, `-`"),
            ));
        }
        let roles = request
            .roles
            .iter()
            .map(|name| name.parse::<Role>().map_err(|message| ("roles", message)))
            .collect::<Result<BTreeSet<Role>, _>>()?;
        let name = request.name.unwrap_or_else(|| user.clone());
        if name.trim().is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
            return Err((
                "name",
                "invalid name: use 1 to 128 printable characters".to_owned(),
            ));
        }
        let now = chrono::Utc::now().timestamp();
        let lifetime = i64::try_from(self.settings.token_lifetime.as_secs()).unwrap_or(i64::MAX);
        let mut claims = json!({
            "iss": self.issuer_url,
            "sub": user,
            "aud": self.settings.audience,
            "iat": now,
            "exp": now.saturating_add(lifetime),
            "name": name,
        });
        let roles: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
        claims[self.settings.role_claim.as_str()] = json!(roles);
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        Ok(json!({
            "id_token": self.key.sign_jwt(&claims),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }))
    }
}

fn bad_request(message: &str, field: Option<&str>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message, "field": field })),
    )
        .into_response()
}
