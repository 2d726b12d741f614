//! Unit tests of the verifier with local keys: no network but a refused port.

use super::*;
use crate::auth::dev_key::DevKey;
use serde_json::json;

const ISSUER: &str = "http://127.0.0.1:1";

fn verifier_for(key: &DevKey, settings: OidcSettings) -> TokenVerifier {
    let (issuer, algs) = check_settings(&settings).unwrap();
    let jwks: CoreJsonWebKeySet = serde_json::from_value(json!({ "keys": [key.jwk()] })).unwrap();
    // Nothing listens on port 1: a refetch fails fast.
    let jwks_uri = JsonWebKeySetUrl::new(format!("{ISSUER}/jwks")).unwrap();
    TokenVerifier::with_keys(settings, issuer, algs, jwks_uri, jwks, reqwest::Client::new())
}

fn settings() -> OidcSettings {
    OidcSettings::new(ISSUER, "tocsin", "ecowas")
}

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": ISSUER, "aud": "tocsin", "sub": "ada", "iat": now, "exp": now + 600,
        "name": "Ada", "roles": ["analyst", "reviewer", "astronaut"],
    });
    for (name, value) in overrides.as_object().unwrap() {
        claims[name] = value.clone();
    }
    claims
}

#[test]
fn bearer_header_parsing() {
    assert_eq!(bearer_token("Bearer abc.def-_~+/="), Ok("abc.def-_~+/="));
    assert_eq!(bearer_token("  bearer   abc  "), Ok("abc"));
    assert_eq!(bearer_token(""), Err(AuthError::MissingToken));
    assert_eq!(bearer_token("Bearer"), Err(AuthError::MissingToken));
    assert_eq!(bearer_token("Bearer   "), Err(AuthError::MissingToken));
    for bad in [
        "Basic dXNlcjpwYXNz",
        "Bearer a b",
        "Bearer a\"b",
        "Bearer ==",
        "Token abc",
    ] {
        let err = bearer_token(bad).unwrap_err();
        assert!(matches!(err, AuthError::MalformedToken { .. }), "{bad}: {err}");
        assert!(!err.to_string().contains("dXNlcjpwYXNz"), "{err}");
    }
}

#[tokio::test]
async fn a_valid_token_becomes_a_caller_with_known_roles() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    let caller = verifier.verify(&key.sign_jwt(&claims(json!({})))).await.unwrap();
    assert_eq!(caller.subject, "ada");
    assert_eq!(caller.name, "Ada");
    assert_eq!(caller.issuer, ISSUER);
    assert_eq!(caller.organisation, "ecowas");
    assert_eq!(
        caller.roles,
        [Role::Analyst, Role::Reviewer].into_iter().collect()
    );
}

#[tokio::test]
async fn a_token_without_known_roles_is_still_a_caller() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    let token = key.sign_jwt(&claims(json!({"roles": ["astronaut"], "name": null})));
    let caller = verifier.verify(&token).await.unwrap();
    assert!(caller.roles.is_empty());
    assert_eq!(caller.name, "");
}

#[tokio::test]
async fn role_map_and_role_claim_are_applied() {
    let key = DevKey::generate();
    let mut settings = settings();
    settings.role_claim = "groups".to_owned();
    settings.role_map.insert("ew-desk".to_owned(), Role::FocalPoint);
    let verifier = verifier_for(&key, settings);
    let token = key.sign_jwt(&claims(json!({"groups": ["ew-desk", "analyst"]})));
    let caller = verifier.verify(&token).await.unwrap();
    assert_eq!(caller.roles, [Role::FocalPoint].into_iter().collect());
}

#[tokio::test]
async fn expiry_allows_the_clock_skew_and_no_more() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    let now = chrono::Utc::now().timestamp();
    let within_skew = key.sign_jwt(&claims(json!({"exp": now - 20})));
    assert!(verifier.verify(&within_skew).await.is_ok());
    let expired = key.sign_jwt(&claims(json!({"exp": now - 300})));
    assert_eq!(verifier.verify(&expired).await, Err(AuthError::Expired));
}

#[tokio::test]
async fn wrong_audience_and_issuer_are_named() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    let token = key.sign_jwt(&claims(json!({"aud": "other-app"})));
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::WrongAudience {
            expected: "tocsin".into()
        }
    );
    assert_eq!(err.to_string(), "token audience does not include `tocsin`");
    let token = key.sign_jwt(&claims(json!({"iss": "http://127.0.0.1:2"})));
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::WrongIssuer {
            expected: ISSUER.into()
        }
    );
}

#[tokio::test]
async fn tampered_or_forged_tokens_fail_the_signature() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    let token = key.sign_jwt(&claims(json!({})));
    let parts: Vec<&str> = token.split('.').collect();
    let admin = URL_SAFE_NO_PAD.encode(claims(json!({"roles": ["admin"]})).to_string());
    let tampered = format!("{}.{admin}.{}", parts[0], parts[2]);
    assert_eq!(verifier.verify(&tampered).await, Err(AuthError::BadSignature));
    let other = DevKey::generate().sign_jwt(&claims(json!({})));
    let forged = format!("{}.{}.{}", parts[0], parts[1], other.rsplit('.').next().unwrap());
    assert_eq!(verifier.verify(&forged).await, Err(AuthError::BadSignature));
    assert!(!AuthError::BadSignature.to_string().contains(&token));
}

#[tokio::test]
async fn garbage_and_empty_tokens() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    assert_eq!(verifier.verify("  ").await, Err(AuthError::MissingToken));
    let long = format!("e30.{}.e30", "a".repeat(20_000));
    for garbage in ["garbage", "a.b.c", "e30.e30.e30", "a.b.c.d.e", long.as_str()] {
        let err = verifier.verify(garbage).await.unwrap_err();
        assert!(
            matches!(err, AuthError::MalformedToken { .. }),
            "{garbage}: {err}"
        );
        assert!(!err.to_string().contains(garbage), "{err}");
    }
}

#[tokio::test]
async fn disallowed_algorithms_are_named() {
    let key = DevKey::generate();
    let mut settings = settings();
    settings.allowed_algs = vec!["ES256".to_owned()];
    let verifier = verifier_for(&key, settings);
    let err = verifier
        .verify(&key.sign_jwt(&claims(json!({}))))
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::DisallowedAlgorithm { alg: "EdDSA".into() });
}

#[tokio::test]
async fn an_unknown_key_refetches_at_most_once_per_interval() {
    let key = DevKey::generate();
    let verifier = verifier_for(&key, settings());
    let stranger = DevKey::generate();
    let token = stranger.sign_jwt(&claims(json!({})));
    // First time: a refetch is tried (and fails: nothing listens).
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, AuthError::Jwks { .. }), "{err}");
    assert!(!err.is_token_error());
    // Right after: no second fetch, just the unknown key.
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::UnknownKey {
            kid: stranger.kid().to_owned()
        }
    );
    assert!(err.is_token_error());
}

#[test]
fn settings_are_checked() {
    let check = |settings: OidcSettings, field: &str| {
        let err = check_settings(&settings).unwrap_err();
        assert!(
            matches!(err, AuthError::Settings { field: f, .. } if f == field),
            "{err}"
        );
    };
    check(
        OidcSettings::new("http://idp.example.org", "tocsin", "au"),
        "issuer",
    );
    check(OidcSettings::new("not a url", "tocsin", "au"), "issuer");
    check(OidcSettings::new(ISSUER, " ", "au"), "audience");
    for alg in ["HS256", "none", "XX999"] {
        let mut settings = settings();
        settings.allowed_algs = vec![alg.to_owned()];
        check(settings, "allowed_algs");
    }
    assert!(check_settings(&OidcSettings::new("https://idp.example.org/realms/au", "t", "au")).is_ok());
    assert!(check_settings(&OidcSettings::new("http://localhost:8080", "t", "au")).is_ok());
    assert!(check_settings(&OidcSettings::new("http://[::1]:8080", "t", "au")).is_ok());
}
