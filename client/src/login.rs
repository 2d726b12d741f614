//! Getting an ID token: from the node's loopback development issuer (embedded
//! mode), or from an organisation's OpenID provider with the OAuth 2.0 Device
//! Authorization Grant (RFC 8628), which needs no browser on this machine.

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreDeviceAuthorizationResponse, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthType, ClientId, ClientSecret, DeviceAuthorizationUrl, IssuerUrl, Nonce,
    ProviderMetadata, Scope, reqwest,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::causes::describe;

/// The development issuer of a node in embedded mode.
pub const DEV_ISSUER: &str = "http://127.0.0.1:7444";

const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("`{issuer}` is not an issuer URL: {reason}")]
    BadIssuer { issuer: String, reason: String },
    #[error("cannot reach the issuer at `{issuer}`: {reason}{hint}")]
    Unreachable {
        issuer: String,
        reason: String,
        hint: &'static str,
    },
    #[error("the issuer refused: {0}")]
    Refused(String),
    #[error("the issuer at `{issuer}` answered HTTP {status}")]
    Http { issuer: String, status: u16 },
    #[error(
        "OpenID discovery at `{issuer}` failed (does it offer the device authorization grant?): {reason}"
    )]
    Discovery { issuer: String, reason: String },
    #[error("device login failed: {0}")]
    Denied(String),
    #[error("the issuer returned no ID token")]
    NoIdToken,
    #[error("the ID token from the issuer does not verify: {0}")]
    BadIdToken(String),
}

/// What the development issuer is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevRequest {
    pub user: String,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct DevToken {
    id_token: String,
}

#[derive(Deserialize)]
struct DevRefusal {
    error: String,
    #[serde(default)]
    field: Option<String>,
}

fn http_client() -> Result<reqwest::Client, LoginError> {
    // Following redirects would let an issuer send the request elsewhere.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| LoginError::Refused(describe(&e)))
}

/// `POST {issuer}/token` on the node's development issuer; returns the ID token.
pub async fn dev_token(issuer: &str, request: &DevRequest) -> Result<String, LoginError> {
    let issuer = issuer.trim_end_matches('/');
    let url = reqwest::Url::parse(&format!("{issuer}/token")).map_err(|e| LoginError::BadIssuer {
        issuer: issuer.to_owned(),
        reason: e.to_string(),
    })?;
    let body = serde_json::to_vec(request).map_err(|e| LoginError::Refused(e.to_string()))?;
    let response = http_client()?
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| LoginError::Unreachable {
            issuer: issuer.to_owned(),
            reason: describe(&e),
            hint: " (is the node running in embedded mode?)",
        })?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| LoginError::Unreachable {
        issuer: issuer.to_owned(),
        reason: describe(&e),
        hint: "",
    })?;
    if status.is_success() {
        let token: DevToken = serde_json::from_slice(&bytes)
            .map_err(|e| LoginError::Refused(format!("unexpected reply: {e}")))?;
        return Ok(token.id_token);
    }
    match serde_json::from_slice::<DevRefusal>(&bytes) {
        Ok(DevRefusal {
            error,
            field: Some(field),
        }) if !field.is_empty() => Err(LoginError::Refused(format!("{error} (field `{field}`)"))),
        Ok(DevRefusal { error, .. }) => Err(LoginError::Refused(error)),
        Err(_) => Err(LoginError::Http {
            issuer: issuer.to_owned(),
            status: status.as_u16(),
        }),
    }
}

/// What the device login asks of the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequest {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Scopes besides `openid`, which is always asked for.
    pub scopes: Vec<String>,
}

/// What the user must do in a browser, anywhere, to let the login proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePrompt {
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub user_code: String,
    pub expires_in: Duration,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
struct DeviceEndpoint {
    device_authorization_endpoint: DeviceAuthorizationUrl,
}

impl AdditionalProviderMetadata for DeviceEndpoint {}

type DeviceProviderMetadata = ProviderMetadata<
    DeviceEndpoint,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Runs the device flow: discovery, device authorization, `prompt` (show the
/// user the code), then polling the token endpoint at the provider's
/// `interval`, slowing down when told to. Returns the verified ID token.
pub async fn device_token(
    request: &DeviceRequest,
    prompt: impl FnOnce(&DevicePrompt),
) -> Result<String, LoginError> {
    let http = http_client()?;
    let issuer = IssuerUrl::new(request.issuer.clone()).map_err(|e| LoginError::BadIssuer {
        issuer: request.issuer.clone(),
        reason: e.to_string(),
    })?;
    let metadata = DeviceProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| LoginError::Discovery {
            issuer: request.issuer.clone(),
            reason: describe(&e),
        })?;
    let device_url = metadata
        .additional_metadata()
        .device_authorization_endpoint
        .clone();
    let secret = request.client_secret.clone().map(ClientSecret::new);
    let public = secret.is_none();
    let mut client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(request.client_id.clone()), secret)
            .set_device_authorization_url(device_url);
    if public {
        client = client.set_auth_type(AuthType::RequestBody);
    }
    let mut authorization = client.exchange_device_code();
    for scope in &request.scopes {
        authorization = authorization.add_scope(Scope::new(scope.clone()));
    }
    let details: CoreDeviceAuthorizationResponse = authorization
        .request_async(&http)
        .await
        .map_err(|e| LoginError::Denied(describe(&e)))?;
    prompt(&DevicePrompt {
        verification_uri: details.verification_uri().to_string(),
        verification_uri_complete: details.verification_uri_complete().map(|u| u.secret().clone()),
        user_code: details.user_code().secret().clone(),
        expires_in: details.expires_in(),
    });
    let token = client
        .exchange_device_access_token(&details)
        .map_err(|e| LoginError::Denied(describe(&e)))?
        .request_async(&http, tokio::time::sleep, None)
        .await
        .map_err(|e| LoginError::Denied(describe(&e)))?;
    let id_token = token.extra_fields().id_token().ok_or(LoginError::NoIdToken)?;
    // The device grant has no nonce; signature, issuer, audience and expiry
    // are still checked here, and again by the node on every call.
    id_token
        .claims(&client.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
        .map_err(|e| LoginError::BadIdToken(describe(&e)))?;
    Ok(id_token.to_string())
}

#[cfg(test)]
mod tests;
