//! Authentication, once per call: a tower layer turns the bearer ID token of
//! every `tocsin.v1.NodeService` call into a `Caller` in the request's
//! extensions, or answers UNAUTHENTICATED. Health and reflection are open.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::auth::{TokenVerifier, bearer_token};

const GUARDED_PREFIX: &str = "/tocsin.v1.";

#[derive(Debug, Clone)]
pub struct AuthnLayer {
    verifier: Arc<TokenVerifier>,
}

impl AuthnLayer {
    pub fn new(verifier: Arc<TokenVerifier>) -> Self {
        Self { verifier }
    }
}

impl<S> Layer<S> for AuthnLayer {
    type Service = Authn<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authn {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Authn<S> {
    inner: S,
    verifier: Arc<TokenVerifier>,
}

impl<S, B> Service<http::Request<B>> for Authn<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone that was polled ready serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if !request.uri().path().starts_with(GUARDED_PREFIX) {
            return Box::pin(inner.call(request));
        }
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let header = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .map(|v| v.to_str());
            let outcome = match header {
                None => Err(Status::unauthenticated(
                    "missing `authorization: Bearer <ID token>`; run `tocsin login` first",
                )),
                Some(Err(_)) => Err(Status::unauthenticated(
                    "the authorization header is not readable text",
                )),
                Some(Ok(value)) => match bearer_token(value) {
                    Err(e) => Err(Status::unauthenticated(e.to_string())),
                    Ok(token) => verifier.verify(token).await.map_err(|e| {
                        if e.is_token_error() {
                            tracing::info!(path = request.uri().path(), reason = %e, "token refused");
                            Status::unauthenticated(e.to_string())
                        } else {
                            tracing::warn!(reason = %e, "cannot verify tokens now");
                            Status::unavailable(format!("the node cannot verify tokens right now: {e}"))
                        }
                    }),
                },
            };
            match outcome {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}
