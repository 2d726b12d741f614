//! ID-token verification against a real OpenID provider (npm `oidc-provider`,
//! CIBA) and against the node's embedded development issuer.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::collections::BTreeSet;
use tocsin_server::auth::{
    AuthError, DevIssuer, DevIssuerSettings, OidcSettings, TokenVerifier, bearer_token,
};
use tocsin_server::model::caller::Role;
use tocsin_tests::oidc::{MintKey, OidcProvider, TestClient, dev_issuer_token};

fn roles(list: &[Role]) -> BTreeSet<Role> {
    list.iter().copied().collect()
}

/// The `alg` of a compact JWS header (empty if there is none).
fn header_alg(token: &str) -> anyhow::Result<String> {
    use base64::Engine;
    let header = token.split('.').next().unwrap_or_default();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header)?;
    let header: Value = serde_json::from_slice(&header)?;
    Ok(header["alg"].as_str().unwrap_or_default().to_owned())
}

async fn provider_and_verifier() -> anyhow::Result<(OidcProvider, TokenVerifier)> {
    let provider = OidcProvider::start().await?;
    let verifier = TokenVerifier::discover(provider.oidc_settings("ecowas")).await?;
    Ok((provider, verifier))
}

#[tokio::test]
async fn ciba_token_becomes_a_caller_with_roles() {
    let (provider, verifier) = provider_and_verifier().await.unwrap();
    let token = provider
        .id_token("alice", &["analyst", "reviewer"])
        .await
        .unwrap();
    assert_eq!(header_alg(&token).unwrap(), "ES256");
    let header = format!("Bearer {token}");
    let caller = verifier.verify(bearer_token(&header).unwrap()).await.unwrap();
    assert_eq!(caller.subject, "alice");
    assert_eq!(caller.name, "alice");
    assert_eq!(caller.issuer, provider.issuer());
    assert_eq!(caller.organisation, "ecowas");
    assert_eq!(caller.roles, roles(&[Role::Analyst, Role::Reviewer]));

    // Unknown role values are dropped; the user is still a caller.
    let token = provider.id_token("bob", &["astronaut"]).await.unwrap();
    let caller = verifier.verify(&token).await.unwrap();
    assert_eq!(caller.subject, "bob");
    assert!(caller.roles.is_empty());
}

#[tokio::test]
async fn rs256_and_es256_are_both_accepted() {
    let (provider, verifier) = provider_and_verifier().await.unwrap();
    for (key, alg) in [(MintKey::Es256, "ES256"), (MintKey::Rs256, "RS256")] {
        let token = provider
            .mint(json!({"sub": "carol", "roles": ["auditor"]}), key)
            .await
            .unwrap();
        assert_eq!(header_alg(&token).unwrap(), alg);
        let caller = verifier.verify(&token).await.unwrap();
        assert_eq!(caller.roles, roles(&[Role::Auditor]), "{alg}");
    }
    // A real RS256 ID token: `other-app` gets RS256 tokens.
    let mut settings = provider.oidc_settings("ecowas");
    settings.audience = TestClient::OtherApp.id().to_owned();
    let other = TokenVerifier::discover(settings).await.unwrap();
    let token = provider
        .id_token_for(TestClient::OtherApp, "dan", &["admin"])
        .await
        .unwrap();
    assert_eq!(header_alg(&token).unwrap(), "RS256");
    assert_eq!(other.verify(&token).await.unwrap().roles, roles(&[Role::Admin]));
}

#[tokio::test]
async fn refused_tokens_say_why() {
    let (provider, verifier) = provider_and_verifier().await.unwrap();
    let now = chrono::Utc::now().timestamp();

    let expired = provider
        .mint(json!({"iat": now - 7200, "exp": now - 3600}), MintKey::Es256)
        .await
        .unwrap();
    assert_eq!(verifier.verify(&expired).await, Err(AuthError::Expired));

    let other_app = provider
        .id_token_for(TestClient::OtherApp, "erin", &["analyst"])
        .await
        .unwrap();
    let err = verifier.verify(&other_app).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::WrongAudience {
            expected: "tocsin".into()
        }
    );

    let wrong_issuer = provider
        .mint(json!({"iss": "https://idp.example.org"}), MintKey::Es256)
        .await
        .unwrap();
    let err = verifier.verify(&wrong_issuer).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::WrongIssuer {
            expected: provider.issuer().into()
        }
    );

    let foreign = provider.mint(json!({}), MintKey::Foreign).await.unwrap();
    assert_eq!(verifier.verify(&foreign).await, Err(AuthError::BadSignature));

    // Payload swapped for one granting admin, signature kept.
    let token = provider.id_token("frank", &["analyst"]).await.unwrap();
    let admin = provider
        .mint(json!({"sub": "frank", "roles": ["admin"]}), MintKey::Es256)
        .await
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], admin.split('.').nth(1).unwrap(), parts[2]);
    assert_eq!(verifier.verify(&tampered).await, Err(AuthError::BadSignature));

    for garbage in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
        let err = verifier.verify(garbage).await.unwrap_err();
        assert!(
            matches!(err, AuthError::MalformedToken { .. }),
            "{garbage}: {err}"
        );
    }
    assert_eq!(verifier.verify("").await, Err(AuthError::MissingToken));
    assert_eq!(bearer_token(""), Err(AuthError::MissingToken));

    // No message ever carries the token.
    for token in [&expired, &other_app, &wrong_issuer, &foreign, &tampered] {
        let err = verifier.verify(token).await.unwrap_err();
        assert!(!err.to_string().contains(token.as_str()), "{err}");
        assert!(err.is_token_error(), "{err}");
    }
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once() {
    let (provider, verifier) = provider_and_verifier().await.unwrap();
    assert_eq!(provider.jwks_requests().await.unwrap(), 1);

    let kid = provider.rotate_key().await.unwrap();
    let token = provider
        .mint(
            json!({"sub": "gina", "roles": ["focal_point"]}),
            MintKey::Rotated(kid),
        )
        .await
        .unwrap();
    let caller = verifier.verify(&token).await.unwrap();
    assert_eq!(caller.roles, roles(&[Role::FocalPoint]));
    assert_eq!(provider.jwks_requests().await.unwrap(), 2);

    // The new key is cached: no further fetch.
    assert!(verifier.verify(&token).await.is_ok());
    // A key nobody publishes: refused, and no fetch within the refetch interval.
    let stray = provider.mint(json!({}), MintKey::Stray).await.unwrap();
    for _ in 0..3 {
        let err = verifier.verify(&stray).await.unwrap_err();
        assert!(matches!(err, AuthError::UnknownKey { .. }), "{err}");
    }
    assert_eq!(provider.jwks_requests().await.unwrap(), 2);
}

#[tokio::test]
async fn discovery_failures_are_reported() {
    let provider = OidcProvider::start().await.unwrap();
    let mut settings = provider.oidc_settings("ecowas");
    settings.issuer = format!("{}/elsewhere", provider.issuer());
    let err = TokenVerifier::discover(settings).await.unwrap_err();
    assert!(matches!(err, AuthError::Discovery { .. }), "{err}");
    assert!(!err.is_token_error());
}

#[tokio::test]
async fn dev_issuer_refuses_non_loopback_addresses() {
    for addr in ["0.0.0.0:0", "192.0.2.7:8443", "[::]:0"] {
        let err = DevIssuer::start(addr.parse().unwrap(), DevIssuerSettings::default())
            .await
            .unwrap_err();
        assert_eq!(err, AuthError::NotLoopback(addr.parse().unwrap()));
        assert!(err.to_string().contains(addr), "{err}");
    }
}

#[tokio::test]
async fn dev_issuer_tokens_verify_through_discovery() {
    let dev = DevIssuer::start("127.0.0.1:0".parse().unwrap(), DevIssuerSettings::default())
        .await
        .unwrap();
    assert!(dev.issuer_url().starts_with("http://127.0.0.1:"));
    let verifier = TokenVerifier::discover(dev.oidc_settings("au")).await.unwrap();
    let (status, answer) = dev_issuer_token(
        dev.issuer_url(),
        &json!({"user": "ada", "roles": ["analyst", "decision_maker"], "name": "Ada L."}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["expires_in"], 3600);
    let token = answer["id_token"].as_str().unwrap();
    assert_eq!(header_alg(token).unwrap(), "EdDSA");
    let caller = verifier.verify(token).await.unwrap();
    assert_eq!(caller.subject, "ada");
    assert_eq!(caller.name, "Ada L.");
    assert_eq!(caller.issuer, dev.issuer_url());
    assert_eq!(caller.organisation, "au");
    assert_eq!(caller.roles, roles(&[Role::Analyst, Role::DecisionMaker]));

    // Another issuer's verifier refuses it.
    let (provider, provider_verifier) = provider_and_verifier().await.unwrap();
    let err = provider_verifier.verify(token).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::WrongIssuer {
            expected: provider.issuer().into()
        }
    );
    dev.shutdown().await;
}

#[tokio::test]
async fn dev_issuer_rejects_bad_input_naming_the_field() {
    let dev = DevIssuer::start("127.0.0.1:0".parse().unwrap(), DevIssuerSettings::default())
        .await
        .unwrap();
    let cases = [
        (json!({"user": "Ada!", "roles": []}), "user", "Ada!"),
        (json!({"user": "", "roles": []}), "user", "``"),
        (json!({"user": "a".repeat(65), "roles": []}), "user", "aaaa"),
        (
            json!({"user": "ada", "roles": ["analyst", "astronaut"]}),
            "roles",
            "astronaut",
        ),
        (json!({"user": "ada", "name": "\u{7}"}), "name", "name"),
    ];
    for (body, field, named) in cases {
        let (status, answer) = dev_issuer_token(dev.issuer_url(), &body).await.unwrap();
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(named), "{body}: {error}");
    }
    let (status, answer) = dev_issuer_token(dev.issuer_url(), &json!({"user": "ada", "role": []}))
        .await
        .unwrap();
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("role"), "{answer}");
}

#[tokio::test]
async fn dev_issuer_key_file_keeps_tokens_valid_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let settings = DevIssuerSettings {
        key_path: Some(dir.path().join("dev-issuer.pem")),
        ..DevIssuerSettings::default()
    };
    let first = DevIssuer::start("127.0.0.1:0".parse().unwrap(), settings.clone())
        .await
        .unwrap();
    let addr = first.local_addr();
    let (_, answer) = dev_issuer_token(first.issuer_url(), &json!({"user": "ada", "roles": ["admin"]}))
        .await
        .unwrap();
    let token = answer["id_token"].as_str().unwrap().to_owned();
    first.shutdown().await;

    let second = DevIssuer::start(addr, settings).await.unwrap();
    let verifier = TokenVerifier::discover(second.oidc_settings("un-hq"))
        .await
        .unwrap();
    assert_eq!(
        verifier.verify(&token).await.unwrap().roles,
        roles(&[Role::Admin])
    );

    // A fresh key (no key file) does not verify the old token.
    second.shutdown().await;
    let third = DevIssuer::start(addr, DevIssuerSettings::default())
        .await
        .unwrap();
    let verifier = TokenVerifier::discover(third.oidc_settings("un-hq"))
        .await
        .unwrap();
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, AuthError::UnknownKey { .. }), "{err}");
}

#[tokio::test]
async fn verifier_settings_are_validated_before_any_request() {
    let settings = OidcSettings::new("http://idp.example.org", "tocsin", "au");
    let err = TokenVerifier::discover(settings).await.unwrap_err();
    assert!(
        matches!(err, AuthError::Settings { field: "issuer", .. }),
        "{err}"
    );
}
