//! The development issuer and the device flow against stand-in HTTP servers.

use super::*;

#[test]
fn the_dev_request_is_the_json_the_issuer_expects() {
    let request = DevRequest {
        user: "ada".into(),
        roles: vec!["analyst".into()],
        name: Some("Ada".into()),
    };
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        serde_json::json!({"user": "ada", "roles": ["analyst"], "name": "Ada"})
    );
    let unnamed = DevRequest {
        name: None,
        ..request
    };
    assert_eq!(
        serde_json::to_value(&unnamed).unwrap(),
        serde_json::json!({"user": "ada", "roles": ["analyst"]})
    );
}

/// A stand-in for the node's development issuer: `ada` gets a token that
/// echoes the request, anyone else a 400 naming the field.
async fn dev_issuer() -> String {
    use axum::{Json, http::StatusCode, routing::post};
    async fn token(Json(body): Json<serde_json::Value>) -> (StatusCode, Json<serde_json::Value>) {
        if body["user"] == "ada" {
            let echo = format!("{}|{}|{}", body["user"], body["roles"], body["name"]);
            (
                StatusCode::OK,
                Json(serde_json::json!({"id_token": echo, "expires_in": 3600})),
            )
        } else {
            let refusal = serde_json::json!({"error": "unknown user `bob`", "field": "user"});
            (StatusCode::BAD_REQUEST, Json(refusal))
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/token", post(token));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn the_dev_issuer_returns_a_token_or_a_refusal_naming_the_field() {
    let issuer = dev_issuer().await;
    let ada = DevRequest {
        user: "ada".into(),
        roles: vec!["analyst".into(), "reviewer".into()],
        name: Some("Ada".into()),
    };
    let token = dev_token(&format!("{issuer}/"), &ada).await.unwrap();
    assert_eq!(token, r#""ada"|["analyst","reviewer"]|"Ada""#);
    let bob = DevRequest {
        user: "bob".into(),
        ..ada
    };
    let err = dev_token(&issuer, &bob).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the issuer refused: unknown user `bob` (field `user`)"
    );
}

#[tokio::test]
async fn an_unreachable_dev_issuer_is_reported_with_a_hint() {
    // Port 1 on loopback: nothing listens there.
    let request = DevRequest {
        user: "ada".into(),
        roles: vec![],
        name: None,
    };
    let err = dev_token("http://127.0.0.1:1", &request).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, LoginError::Unreachable { .. }), "{text}");
    assert!(text.contains("embedded mode"), "{text}");
}

#[tokio::test]
async fn a_malformed_issuer_url_is_refused() {
    let request = DeviceRequest {
        issuer: "not a url".into(),
        client_id: "cli".into(),
        client_secret: None,
        scopes: vec![],
    };
    let err = device_token(&request, |_| {}).await.unwrap_err();
    assert!(matches!(err, LoginError::BadIssuer { .. }), "{err}");
}

/// A stand-in OpenID provider with the device authorization grant: it
/// answers `authorization_pending` once, then an Ed25519-signed ID token.
mod provider {
    use axum::extract::{Form, State};
    use axum::http::StatusCode;
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use ed25519_dalek::{Signer, SigningKey};
    use serde_json::{Value, json};
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub(super) struct Provider {
        pub(super) issuer: String,
        pub(super) polls: Arc<AtomicUsize>,
    }

    #[derive(Clone)]
    struct Shared {
        issuer: String,
        key: Arc<SigningKey>,
        polls: Arc<AtomicUsize>,
        audience: String,
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    async fn discovery(State(s): State<Shared>) -> Json<Value> {
        let i = &s.issuer;
        Json(json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/authorize"),
            "token_endpoint": format!("{i}/token"),
            "jwks_uri": format!("{i}/jwks"),
            "device_authorization_endpoint": format!("{i}/device"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["EdDSA"],
        }))
    }

    async fn jwks(State(s): State<Shared>) -> Json<Value> {
        let x = b64(s.key.verifying_key().as_bytes());
        Json(
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "use": "sig", "alg": "EdDSA"}]}),
        )
    }

    async fn device(State(s): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Json<Value> {
        assert_eq!(form.get("client_id").map(String::as_str), Some("tocsin-cli"));
        assert!(
            form.get("scope")
                .is_some_and(|scope| scope.split(' ').any(|x| x == "openid"))
        );
        Json(json!({
            "device_code": "device-1",
            "user_code": "WDJB-MJHT",
            "verification_uri": format!("{}/verify", s.issuer),
            "expires_in": 600,
            "interval": 1,
        }))
    }

    async fn token(
        State(s): State<Shared>,
        Form(form): Form<HashMap<String, String>>,
    ) -> (StatusCode, Json<Value>) {
        assert_eq!(form.get("device_code").map(String::as_str), Some("device-1"));
        if s.polls.fetch_add(1, Ordering::SeqCst) == 0 {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "authorization_pending"})),
            );
        }
        let now = chrono::Utc::now().timestamp();
        let header = b64(br#"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#);
        let claims = json!({
            "iss": s.issuer, "sub": "ada", "aud": s.audience, "iat": now, "exp": now + 3600, "name": "Ada"
        });
        let payload = b64(claims.to_string().as_bytes());
        let signature = s.key.sign(format!("{header}.{payload}").as_bytes());
        let id_token = format!("{header}.{payload}.{}", b64(&signature.to_bytes()));
        let reply =
            json!({"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token});
        (StatusCode::OK, Json(reply))
    }

    /// Starts a provider whose ID tokens are for `audience`.
    pub(super) async fn start(audience: &str) -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared {
            issuer: issuer.clone(),
            key: Arc::new(SigningKey::from_bytes(&[7; 32])),
            polls: Arc::new(AtomicUsize::new(0)),
            audience: audience.to_owned(),
        };
        let polls = shared.polls.clone();
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/device", post(device))
            .route("/token", post(token))
            .with_state(shared);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Provider { issuer, polls }
    }
}

fn device_request(issuer: &str) -> DeviceRequest {
    DeviceRequest {
        issuer: issuer.to_owned(),
        client_id: "tocsin-cli".into(),
        client_secret: None,
        scopes: vec!["profile".into()],
    }
}

#[tokio::test]
async fn the_device_flow_shows_the_code_polls_and_returns_a_verified_id_token() {
    let provider = provider::start("tocsin-cli").await;
    let mut shown = None;
    let token = device_token(&device_request(&provider.issuer), |p| shown = Some(p.clone()))
        .await
        .unwrap();
    let prompt = shown.unwrap();
    assert_eq!(prompt.user_code, "WDJB-MJHT");
    assert_eq!(prompt.verification_uri, format!("{}/verify", provider.issuer));
    // One `authorization_pending`, then the token.
    assert_eq!(provider.polls.load(std::sync::atomic::Ordering::SeqCst), 2);
    let credential = crate::credentials::Credential::from_id_token(token).unwrap();
    assert_eq!(credential.subject, "ada");
    assert_eq!(credential.issuer, provider.issuer);
}

#[tokio::test]
async fn an_id_token_for_another_client_is_refused() {
    let provider = provider::start("someone-else").await;
    let err = device_token(&device_request(&provider.issuer), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::BadIdToken(_)), "{err}");
}

#[tokio::test]
async fn a_provider_without_the_device_grant_is_reported() {
    // The development issuer stand-in has no discovery document.
    let issuer = dev_issuer().await;
    let err = device_token(&device_request(&issuer), |_| {}).await.unwrap_err();
    assert!(matches!(err, LoginError::Discovery { .. }), "{err}");
}
