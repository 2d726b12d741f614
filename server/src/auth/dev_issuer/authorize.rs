//! The development issuer's interactive sign-in: `GET /authorize` shows a
//! form (user, name, roles), `POST /authorize` answers the client's
//! redirect URI with a one-time code, and the form-encoded `POST /token`
//! redeems it (`authorization_code` grant, PKCE S256 checked).

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Issuer, TokenRequest, bad_request};
use crate::model::caller::Role;

/// How long a code may wait to be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(120);
/// Codes waiting at once.
const MAX_CODES: usize = 1000;

/// A code handed out and not yet redeemed.
#[derive(Debug)]
pub(super) struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    request: TokenRequest,
    issued: Instant,
}

/// The parameters of an authorization request.
#[derive(Debug, Deserialize)]
pub(super) struct AuthRequest {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    nonce: Option<String>,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
}

impl AuthRequest {
    fn check(&self, issuer: &Issuer) -> Result<(), String> {
        if self.response_type != "code" {
            return Err(format!("unsupported response_type `{}`", self.response_type));
        }
        if self.client_id != issuer.settings.audience {
            return Err(format!("unknown client_id `{}`", self.client_id));
        }
        if !loopback_https(&self.redirect_uri) {
            return Err(format!(
                "redirect_uri `{}` is not an https loopback address",
                self.redirect_uri
            ));
        }
        if self.code_challenge_method != "S256" || self.code_challenge.len() != 43 {
            return Err("a PKCE code_challenge with method S256 is required".into());
        }
        Ok(())
    }
}

/// The development issuer only sends users back to this machine.
fn loopback_https(uri: &str) -> bool {
    ["https://127.0.0.1:", "https://localhost:", "https://[::1]:"]
        .iter()
        .any(|prefix| uri.starts_with(prefix))
}

pub(super) async fn form(State(issuer): State<Arc<Issuer>>, Query(request): Query<AuthRequest>) -> Response {
    if let Err(message) = request.check(&issuer) {
        return bad_request(&message, None);
    }
    let hidden = [
        ("response_type", request.response_type.as_str()),
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("state", &request.state),
        ("nonce", request.nonce.as_deref().unwrap_or("")),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
    ]
    .iter()
    .map(|(name, value)| format!(r#"<input type="hidden" name="{name}" value="{}">"#, escape(value)))
    .collect::<String>();
    let roles = Role::ALL
        .iter()
        .map(|role| {
            format!(
                r#"<li><input type="checkbox" id="role-{r}" name="roles" value="{r}"><label for="role-{r}">{r}</label></li>"#,
                r = role.as_str()
            )
        })
        .collect::<String>();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development sign-in</title></head>
<body><main><h1>Development sign-in</h1>
<p>This issuer is for trying Tocsin out: it signs in anyone, with any roles.</p>
<form method="post" action="/authorize">{hidden}
<p><label for="user">User</label> <input id="user" name="user" required pattern="[a-z0-9._-]{{1,64}}" autofocus></p>
<p><label for="name">Display name</label> <input id="name" name="name"></p>
<fieldset><legend>Roles</legend><ul>{roles}</ul></fieldset>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>
"#
    ))
    .into_response()
}

/// `POST /authorize`: the form as submitted (roles repeat).
pub(super) async fn approve(State(issuer): State<Arc<Issuer>>, body: String) -> Response {
    let pairs: Vec<(String, String)> = form_pairs(&body);
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let request = AuthRequest {
        response_type: one("response_type"),
        client_id: one("client_id"),
        redirect_uri: one("redirect_uri"),
        state: one("state"),
        nonce: Some(one("nonce")).filter(|n| !n.is_empty()),
        code_challenge: one("code_challenge"),
        code_challenge_method: one("code_challenge_method"),
    };
    if let Err(message) = request.check(&issuer) {
        return bad_request(&message, None);
    }
    let name = Some(one("name")).filter(|n| !n.trim().is_empty());
    let token_request = TokenRequest {
        user: one("user"),
        roles: pairs
            .iter()
            .filter(|(k, _)| k == "roles")
            .map(|(_, v)| v.clone())
            .collect(),
        name,
    };
    // Refuse a bad user or role now, on the form, not at the client.
    if let Err((field, message)) = issuer.mint(token_request.clone(), None) {
        return bad_request(&message, Some(field));
    }
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    {
        let mut grants = issuer
            .grants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.retain(|_, g| g.issued.elapsed() < CODE_LIFETIME);
        if grants.len() >= MAX_CODES {
            return (StatusCode::SERVICE_UNAVAILABLE, "too many sign-ins under way").into_response();
        }
        grants.insert(
            code.clone(),
            Grant {
                client_id: request.client_id,
                redirect_uri: request.redirect_uri.clone(),
                challenge: request.code_challenge,
                nonce: request.nonce,
                request: token_request,
                issued: Instant::now(),
            },
        );
    }
    let separator = if request.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{separator}code={}&state={}",
        request.redirect_uri,
        code,
        url_encode(&request.state)
    );
    Redirect::to(&url).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct CodeGrant {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    code_verifier: String,
}

/// The form-encoded `POST /token`.
pub(super) async fn redeem(issuer: Arc<Issuer>, Form(grant): Form<CodeGrant>) -> Response {
    if grant.grant_type != "authorization_code" {
        return bad_request(&format!("unsupported grant_type `{}`", grant.grant_type), None);
    }
    // One use only: the code is gone whatever happens next.
    let found = issuer
        .grants
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&grant.code);
    let Some(found) = found.filter(|g| g.issued.elapsed() < CODE_LIFETIME) else {
        return invalid_grant("unknown or expired code");
    };
    if found.redirect_uri != grant.redirect_uri
        || (!grant.client_id.is_empty() && grant.client_id != found.client_id)
    {
        return invalid_grant("redirect_uri or client_id differ from the authorization request");
    }
    if !pkce_matches(&grant.code_verifier, &found.challenge) {
        return invalid_grant("the code_verifier does not match the code_challenge");
    }
    match issuer.mint(found.request, found.nonce.as_deref()) {
        Ok(body) => axum::Json(body).into_response(),
        Err((field, message)) => bad_request(&message, Some(field)),
    }
}

/// RFC 7636 S256: `BASE64URL(SHA256(verifier)) == challenge`, with a
/// verifier of 43 to 128 unreserved characters.
pub(super) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

fn invalid_grant(description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": "invalid_grant", "error_description": description })),
    )
        .into_response()
}

fn escape(text: &str) -> String {
    crate::web::escape(text)
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `application/x-www-form-urlencoded` pairs, repeats kept.
fn form_pairs(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let bytes = s.replace('+', " ").into_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'%', Some(byte)) => {
                    out.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_is_checked() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
        assert!(
            !pkce_matches(challenge, challenge),
            "the challenge is not a verifier"
        );
    }

    #[test]
    fn forms_keep_repeated_fields() {
        let pairs = form_pairs("user=ada&roles=analyst&roles=focal_point&name=Ada+L%C3%A9on");
        assert_eq!(pairs.iter().filter(|(k, _)| k == "roles").count(), 2);
        assert_eq!(pairs[3].1, "Ada Léon");
        assert!(loopback_https("https://127.0.0.1:7446/signin/callback"));
        assert!(!loopback_https("https://evil.example/cb"));
    }
}
