//! Verifies OpenID Connect ID tokens against one issuer (discovery + JWKS) and
//! turns them into a `Caller`. Caches the JWKS; a token with an unknown `kid`
//! triggers at most one refetch per `JWKS_REFETCH_INTERVAL`.

use super::AuthError;
use super::roles::roles_from_claims;
use crate::model::caller::{Caller, Role};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::url::Host;
use openidconnect::{
    AdditionalClaims, ClaimsVerificationError, ClientId, IdToken, IdTokenVerifier, IssuerUrl,
    JsonWebKeySetUrl, JwsSigningAlgorithm, Nonce, SignatureVerificationError, reqwest,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Tolerated clock difference with the issuer when checking `exp`.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);
/// A token with an unknown `kid` refetches the JWKS at most this often.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Longer tokens are refused before any parsing.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// How this node trusts its organisation's OpenID provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The issuer identifier; discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id ID tokens must be issued to (`aud`).
    pub audience: String,
    /// The organisation whose node this is; copied into every `Caller`.
    pub organisation: String,
    /// The claim holding roles (default `roles`; `a.b` also looks into nested objects).
    pub role_claim: String,
    /// Claim value → role. Empty: the claim values are role names.
    pub role_map: BTreeMap<String, Role>,
    /// JWS algorithms accepted (default RS256, ES256, EdDSA).
    pub allowed_algs: Vec<String>,
}

impl OidcSettings {
    /// Settings with the defaults for everything but the issuer, audience and organisation.
    pub fn new(issuer: &str, audience: &str, organisation: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            organisation: organisation.to_owned(),
            role_claim: "roles".to_owned(),
            role_map: BTreeMap::new(),
            allowed_algs: ["RS256", "ES256", "EdDSA"].map(str::to_owned).to_vec(),
        }
    }
}

/// Extracts the token from an `authorization` header value `Bearer <token>`.
pub fn bearer_token(header_value: &str) -> Result<&str, AuthError> {
    let value = header_value.trim();
    if value.is_empty() {
        return Err(AuthError::MissingToken);
    }
    let (scheme, token) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MalformedToken {
            reason: "expected the `Bearer` scheme",
        });
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::MissingToken);
    }
    // RFC 6750 b64token: [A-Za-z0-9-._~+/]+ =*
    let body = token.trim_end_matches('=');
    let b64token = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    if body.is_empty() || !body.chars().all(b64token) {
        return Err(AuthError::MalformedToken {
            reason: "invalid characters in token",
        });
    }
    Ok(token)
}

/// All claims beyond the standard ones, by name (roles live here).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ExtraClaims(BTreeMap<String, Value>);

impl AdditionalClaims for ExtraClaims {}

type Token =
    IdToken<ExtraClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type Verifier = IdTokenVerifier<'static, CoreJsonWebKey>;

/// Verifies ID tokens of one issuer. Share it behind an `Arc`.
pub struct TokenVerifier {
    settings: OidcSettings,
    issuer: IssuerUrl,
    algs: Vec<CoreJwsSigningAlgorithm>,
    jwks_uri: JsonWebKeySetUrl,
    http: reqwest::Client,
    /// A verifier over the current JWKS, swapped whole on refetch.
    current: RwLock<Arc<Verifier>>,
    /// When the last unknown-`kid` refetch started; held while refetching.
    last_refetch: tokio::sync::Mutex<Option<Instant>>,
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("issuer", &self.settings.issuer)
            .field("audience", &self.settings.audience)
            .field("jwks_uri", &self.jwks_uri.as_str())
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// OpenID discovery and JWKS fetch at `settings.issuer`.
    pub async fn discover(settings: OidcSettings) -> Result<TokenVerifier, AuthError> {
        let (issuer, algs) = check_settings(&settings)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| discovery_error(&settings, e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http)
            .await
            .map_err(|e| discovery_error(&settings, e))?;
        let jwks = metadata.jwks().clone();
        Ok(Self::with_keys(
            settings,
            issuer,
            algs,
            metadata.jwks_uri().clone(),
            jwks,
            http,
        ))
    }

    fn with_keys(
        settings: OidcSettings,
        issuer: IssuerUrl,
        algs: Vec<CoreJwsSigningAlgorithm>,
        jwks_uri: JsonWebKeySetUrl,
        jwks: CoreJsonWebKeySet,
        http: reqwest::Client,
    ) -> Self {
        let verifier = build_verifier(&settings, &issuer, &algs, jwks);
        Self {
            settings,
            issuer,
            algs,
            jwks_uri,
            http,
            current: RwLock::new(Arc::new(verifier)),
            last_refetch: tokio::sync::Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// Checks signature, issuer, audience and expiry; maps the role claim.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::MissingToken);
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::MalformedToken {
                reason: "token too long",
            });
        }
        let header = JwsHeader::parse(token)?;
        let parsed: Token = token.parse().map_err(|_| AuthError::MalformedToken {
            reason: "not a signed jwt with valid claims",
        })?;
        let verifier = self.verifier();
        match self.check(&parsed, &verifier, &header) {
            Err(AuthError::UnknownKey { .. }) if self.refetch_keys(&verifier).await? => {
                self.check(&parsed, &self.verifier(), &header)
            }
            result => result,
        }
    }

    fn verifier(&self) -> Arc<Verifier> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn check(&self, token: &Token, verifier: &Verifier, header: &JwsHeader) -> Result<Caller, AuthError> {
        let claims = token
            .claims(verifier, accept_any_nonce)
            .map_err(|e| self.claims_error(e, header))?;
        let name = claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.to_string())
            .or_else(|| claims.preferred_username().map(|u| u.to_string()))
            .unwrap_or_default();
        Ok(Caller {
            subject: claims.subject().to_string(),
            name,
            issuer: self.settings.issuer.clone(),
            organisation: self.settings.organisation.clone(),
            roles: roles_from_claims(
                &claims.additional_claims().0,
                &self.settings.role_claim,
                &self.settings.role_map,
            ),
        })
    }

    fn claims_error(&self, err: ClaimsVerificationError, header: &JwsHeader) -> AuthError {
        use SignatureVerificationError as Sig;
        match err {
            ClaimsVerificationError::Expired(_) => AuthError::Expired,
            ClaimsVerificationError::InvalidAudience(_) => AuthError::WrongAudience {
                expected: self.settings.audience.clone(),
            },
            ClaimsVerificationError::InvalidIssuer(_) => AuthError::WrongIssuer {
                expected: self.settings.issuer.clone(),
            },
            ClaimsVerificationError::SignatureVerification(Sig::NoMatchingKey) => AuthError::UnknownKey {
                kid: header.kid.clone(),
            },
            ClaimsVerificationError::SignatureVerification(
                Sig::DisallowedAlg(_) | Sig::UnsupportedAlg(_),
            ) => AuthError::DisallowedAlgorithm {
                alg: header.alg.clone(),
            },
            ClaimsVerificationError::SignatureVerification(_) => AuthError::BadSignature,
            _ => AuthError::MalformedToken {
                reason: "unsupported token header or claims",
            },
        }
    }

    /// Refetches the JWKS unless another task just did (then `true`: retry)
    /// or the last refetch is younger than `JWKS_REFETCH_INTERVAL` (`false`).
    async fn refetch_keys(&self, used: &Arc<Verifier>) -> Result<bool, AuthError> {
        let mut last = self.last_refetch.lock().await;
        if !Arc::ptr_eq(&self.verifier(), used) {
            return Ok(true);
        }
        if last.is_some_and(|at| at.elapsed() < JWKS_REFETCH_INTERVAL) {
            return Ok(false);
        }
        *last = Some(Instant::now());
        let jwks = CoreJsonWebKeySet::fetch_async(&self.jwks_uri, &self.http)
            .await
            .map_err(|e| AuthError::Jwks {
                uri: self.jwks_uri.to_string(),
                reason: error_chain(&e),
            })?;
        tracing::info!(issuer = %self.settings.issuer, keys = jwks.keys().len(), "refetched signing keys");
        let verifier = Arc::new(build_verifier(&self.settings, &self.issuer, &self.algs, jwks));
        match self.current.write() {
            Ok(mut guard) => *guard = verifier,
            Err(poisoned) => *poisoned.into_inner() = verifier,
        }
        Ok(true)
    }
}

fn accept_any_nonce(_nonce: Option<&Nonce>) -> Result<(), String> {
    // No nonce is sent for CIBA or development tokens, so none is required.
    Ok(())
}

fn build_verifier(
    settings: &OidcSettings,
    issuer: &IssuerUrl,
    algs: &[CoreJwsSigningAlgorithm],
    jwks: CoreJsonWebKeySet,
) -> Verifier {
    let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
    IdTokenVerifier::new_public_client(ClientId::new(settings.audience.clone()), issuer.clone(), jwks)
        .set_allowed_algs(algs.iter().cloned())
        .set_time_fn(move || chrono::Utc::now() - skew)
}

/// The `kid` and `alg` of a compact JWS, made safe to print (they are attacker-chosen).
#[derive(Debug)]
struct JwsHeader {
    kid: String,
    alg: String,
}

impl JwsHeader {
    fn parse(token: &str) -> Result<Self, AuthError> {
        let malformed = |reason| AuthError::MalformedToken { reason };
        let mut parts = token.split('.');
        let header = parts.next().unwrap_or_default();
        if parts.count() != 2 {
            return Err(malformed("expected a compact jws of three parts"));
        }
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| malformed("header is not base64url"))?;
        let header: Value = serde_json::from_slice(&header).map_err(|_| malformed("header is not json"))?;
        let field = |name| {
            let value = header.get(name).and_then(Value::as_str).unwrap_or_default();
            value
                .chars()
                .filter(|c| c.is_ascii_graphic() && *c != '`')
                .take(64)
                .collect()
        };
        Ok(Self {
            kid: field("kid"),
            alg: field("alg"),
        })
    }
}

fn check_settings(settings: &OidcSettings) -> Result<(IssuerUrl, Vec<CoreJwsSigningAlgorithm>), AuthError> {
    let bad = |field, reason: String| AuthError::Settings { field, reason };
    let issuer = IssuerUrl::new(settings.issuer.clone())
        .map_err(|e| bad("issuer", format!("`{}`: {e}", settings.issuer)))?;
    let url = issuer.url();
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(bad(
            "issuer",
            format!(
                "`{}` must use https (plain http only on loopback)",
                settings.issuer
            ),
        ));
    }
    if settings.audience.trim().is_empty() {
        return Err(bad("audience", "must not be empty".to_owned()));
    }
    if settings.role_claim.trim().is_empty() {
        return Err(bad("role_claim", "must not be empty".to_owned()));
    }
    if settings.allowed_algs.is_empty() {
        return Err(bad("allowed_algs", "must name at least one algorithm".to_owned()));
    }
    let algs = settings
        .allowed_algs
        .iter()
        .map(|name| {
            let alg: CoreJwsSigningAlgorithm = serde_json::from_value(Value::String(name.clone()))
                .map_err(|_| bad("allowed_algs", format!("unknown algorithm `{name}`")))?;
            if alg == CoreJwsSigningAlgorithm::None || alg.uses_shared_secret() {
                return Err(bad(
                    "allowed_algs",
                    format!("algorithm `{name}` is not a public-key signature"),
                ));
            }
            Ok(alg)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((issuer, algs))
}

fn discovery_error(settings: &OidcSettings, err: impl std::error::Error) -> AuthError {
    AuthError::Discovery {
        issuer: settings.issuer.clone(),
        reason: error_chain(&err),
    }
}

/// An error and its causes as one line: `outer: inner: innermost`.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
#[path = "verifier_tests.rs"]
mod tests;
