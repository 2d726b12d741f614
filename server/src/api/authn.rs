//! Authentication, once per call: a tower layer turns the bearer ID token of
//! every `tocsin.v1.NodeService` call into a `Caller` in the request's
//! extensions, or answers UNAUTHENTICATED. Health and reflection are open.
//! With an audit store, the first use of each token in this process is a
//! `sign_in` (or `sign_in_refused`) entry; only SHA-256 digests of tokens
//! are kept to tell, never the tokens.

use sha2::{Digest, Sha256};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::auth::{TokenVerifier, bearer_token};
use crate::model::audit::{AuditEvent, AuditKind};
use crate::model::caller::Caller;
use crate::store::Store;

const GUARDED_PREFIX: &str = "/tocsin.v1.";

#[derive(Debug, Clone)]
pub struct AuthnLayer {
    verifier: Arc<TokenVerifier>,
    sign_ins: Option<Arc<SignIns>>,
}

impl AuthnLayer {
    pub fn new(verifier: Arc<TokenVerifier>) -> Self {
        Self {
            verifier,
            sign_ins: None,
        }
    }

    /// Records sign-ins of this node (`organisation`) in `store`'s audit trail.
    pub fn with_audit(mut self, store: Store, organisation: &str) -> Self {
        self.sign_ins = Some(Arc::new(SignIns::new(store, organisation)));
        self
    }
}

impl<S> Layer<S> for AuthnLayer {
    type Service = Authn<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authn {
            inner,
            verifier: self.verifier.clone(),
            sign_ins: self.sign_ins.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Authn<S> {
    inner: S,
    verifier: Arc<TokenVerifier>,
    sign_ins: Option<Arc<SignIns>>,
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
        let sign_ins = self.sign_ins.clone();
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
                        if let Some(sign_ins) = &sign_ins {
                            sign_ins.refused(token, &e);
                        }
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
            if let (Some(sign_ins), Ok(caller), Some(Ok(value))) = (&sign_ins, &outcome, header) {
                sign_ins.signed_in(value, caller).await;
            }
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

/// Most token digests remembered; the oldest is forgotten first (and its
/// token's next use is recorded again).
const SEEN_LIMIT: usize = 10_000;

/// Token digests already recorded, and the order they came in.
type Seen = (HashSet<[u8; 32]>, VecDeque<[u8; 32]>);

/// The audit of sign-ins: which tokens were already recorded, by digest.
#[derive(Debug)]
pub(super) struct SignIns {
    store: Store,
    organisation: String,
    seen: Mutex<Seen>,
}

impl SignIns {
    fn new(store: Store, organisation: &str) -> Self {
        Self {
            store,
            organisation: organisation.to_owned(),
            seen: Mutex::new((HashSet::new(), VecDeque::new())),
        }
    }

    /// True the first time `token` is seen (in the remembered window).
    fn first_use(&self, token: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (set, order) = &mut *seen;
        if !set.insert(digest) {
            return false;
        }
        order.push_back(digest);
        if order.len() > SEEN_LIMIT
            && let Some(oldest) = order.pop_front()
        {
            set.remove(&oldest);
        }
        true
    }

    async fn signed_in(&self, header: &str, caller: &Caller) {
        if self.first_use(bearer_token(header).unwrap_or(header)) {
            let roles: Vec<&str> = caller.roles.iter().map(|r| r.as_str()).collect();
            let event = AuditEvent::new(AuditKind::SignIn, &caller.subject, &caller.organisation)
                .detail(format!("roles: {}", roles.join(", ")));
            self.store.audit(event).await;
        }
    }

    /// Records a refused token in the background: the refusal must not
    /// wait on the disk. The reason never holds token content.
    fn refused(&self, token: &str, reason: &crate::auth::AuthError) {
        if !reason.is_token_error() || !self.first_use(token) {
            return;
        }
        let event =
            AuditEvent::new(AuditKind::SignInRefused, "node", &self.organisation).detail(reason.to_string());
        let store = self.store.clone();
        tokio::spawn(async move { store.audit(event).await });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::audit::AuditFilter;
    use crate::model::caller::Role;

    fn caller(subject: &str) -> Caller {
        Caller {
            subject: subject.into(),
            name: String::new(),
            issuer: "https://issuer.example".into(),
            organisation: "xaa".into(),
            roles: [Role::Analyst, Role::Reviewer].into(),
        }
    }

    #[tokio::test]
    async fn each_token_is_one_sign_in_and_never_stored() {
        const ONE: &str = "eyJ.secret-token-one.sig";
        const TWO: &str = "eyJ.secret-token-two.sig";
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let sign_ins = SignIns::new(store.clone(), "xaa");
        for header in [
            format!("Bearer {ONE}"),
            format!("Bearer  {ONE} "),
            format!("Bearer {TWO}"),
        ] {
            sign_ins.signed_in(&header, &caller("ada")).await;
        }
        let entries = store.audit_entries(&AuditFilter::default()).unwrap();
        let seen: Vec<(AuditKind, &str, &str)> = entries
            .iter()
            .map(|e| (e.kind, e.actor.as_str(), e.detail.as_str()))
            .collect();
        let line = (AuditKind::SignIn, "ada", "roles: analyst, reviewer");
        assert_eq!(seen, vec![line, line]);
        let holds = |bytes: &[u8]| bytes.windows(12).any(|w| w == b"secret-token");
        let stored = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .any(|f| std::fs::read(f.path()).is_ok_and(|b| holds(&b)));
        assert!(!stored, "a token reached the store's files");
    }

    #[test]
    fn the_memory_of_tokens_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let sign_ins = SignIns::new(Store::open(dir.path()).unwrap(), "xaa");
        assert!(sign_ins.first_use("first"));
        assert!(!sign_ins.first_use("first"));
        for i in 0..SEEN_LIMIT {
            assert!(sign_ins.first_use(&format!("token-{i}")));
        }
        let seen = sign_ins.seen.lock().unwrap();
        assert_eq!((seen.0.len(), seen.1.len()), (SEEN_LIMIT, SEEN_LIMIT));
        drop(seen);
        // The oldest was forgotten: its next use counts again.
        assert!(sign_ins.first_use("first"));
    }
}
