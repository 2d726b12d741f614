//! Signed-in sessions: a random 256-bit id in the `__Host-tocsin` cookie,
//! the verified `Caller`, a per-session CSRF token and the chosen language.
//! A session unused for the idle period ends. Sessions are kept in the
//! node's store (keyed by a hash of the id) so a restart signs nobody out,
//! with a copy in memory for the requests in between.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::Web;
use super::i18n::Lang;
use crate::model::caller::{Caller, Role};
use crate::store::{Store, StoreError, StoredSession};

/// The session cookie's name: `__Host-` binds it to this origin over HTTPS.
pub(super) const COOKIE: &str = "__Host-tocsin";

/// Sessions held in memory at once; the least recently used goes beyond
/// this (it stays in the store and comes back on its next request).
const MAX_SESSIONS: usize = 10_000;

/// How often a session's last use is written back to the store.
const TOUCH_EVERY: i64 = 60;

/// A random 256-bit value, URL-safe base64.
pub(super) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Compares two secrets in time independent of where they differ.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Now, in Unix seconds.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) caller: Caller,
    pub(super) csrf: String,
    pub(super) lang: Lang,
    /// Unix seconds of the last use, and of the last one written to the store.
    last_seen: i64,
    stored_seen: i64,
}

impl Session {
    /// Whether `token` (a form's `csrf` field) is this session's.
    pub(super) fn csrf_ok(&self, token: &str) -> bool {
        !token.is_empty() && same_secret(&self.csrf, token)
    }

    fn to_stored(&self) -> StoredSession {
        StoredSession {
            subject: self.caller.subject.clone(),
            name: self.caller.name.clone(),
            issuer: self.caller.issuer.clone(),
            organisation: self.caller.organisation.clone(),
            roles: self.caller.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            csrf: self.csrf.clone(),
            lang: self.lang.code().to_owned(),
            last_seen: self.last_seen,
        }
    }

    /// A stored session; `None` if a role or the language is unknown.
    fn from_stored(stored: StoredSession) -> Option<Self> {
        let roles: Option<BTreeSet<Role>> = stored.roles.iter().map(|r| r.parse().ok()).collect();
        Some(Self {
            caller: Caller {
                subject: stored.subject,
                name: stored.name,
                issuer: stored.issuer,
                organisation: stored.organisation,
                roles: roles?,
            },
            csrf: stored.csrf,
            lang: Lang::from_code(&stored.lang)?,
            last_seen: stored.last_seen,
            stored_seen: stored.last_seen,
        })
    }
}

/// A page's query when it has nothing but the language (`?lang=fr`).
#[derive(Debug, Default, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The session of a page request, with the query's `?lang=` applied and
/// remembered. Without one the handler is not called: the answer is the
/// redirect to the sign-in (or axum's 400 for a query that does not parse).
#[derive(Debug)]
pub(super) struct SignedIn(pub(super) Session);

impl FromRequestParts<Arc<Web>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Arc<Web>) -> Result<Self, Response> {
        let Query(query) = Query::<LangQuery>::from_request_parts(parts, web)
            .await
            .map_err(IntoResponse::into_response)?;
        web.session(&parts.headers, query.lang.as_deref()).map(SignedIn)
    }
}

#[derive(Debug)]
pub(super) struct Sessions {
    idle: i64,
    map: Mutex<HashMap<String, Session>>,
    /// Where sessions outlive the process; `None` keeps them in memory only.
    store: Option<Store>,
}

impl Sessions {
    /// Sessions ending after `idle` without use, kept in `store`; sessions
    /// the store holds that are already over are removed.
    pub(super) fn new(idle: Duration, store: Option<Store>) -> Self {
        let idle = i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
        if let Some(store) = &store
            && let Err(err) = store.purge_web_sessions(now().saturating_sub(idle))
        {
            tracing::warn!(%err, "cannot remove ended web sessions");
        }
        Self {
            idle,
            map: Mutex::new(HashMap::new()),
            store,
        }
    }

    /// Starts a session and stores it; returns its id.
    pub(super) async fn create(&self, caller: Caller, lang: Lang) -> Result<String, StoreError> {
        let (id, session) = self.create_at(caller, lang, now());
        if let Some(store) = &self.store {
            store.put_web_session(&id, &session.to_stored()).await?;
        }
        Ok(id)
    }

    fn create_at(&self, caller: Caller, lang: Lang, now: i64) -> (String, Session) {
        let id = random_token();
        let session = Session {
            caller,
            csrf: random_token(),
            lang,
            last_seen: now,
            stored_seen: now,
        };
        let mut map = self.lock();
        map.retain(|_, s| now.saturating_sub(s.last_seen) < self.idle);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// The live session `id`, marked as used now.
    pub(super) fn get(&self, id: &str) -> Option<Session> {
        self.get_at(id, now())
    }

    fn get_at(&self, id: &str, now: i64) -> Option<Session> {
        let mut map = self.lock();
        if !map.contains_key(id) {
            let stored = self.stored(id)?;
            map.insert(id.to_owned(), stored);
        }
        let session = map.get_mut(id)?;
        if now.saturating_sub(session.last_seen) >= self.idle {
            map.remove(id);
            self.forget(id);
            return None;
        }
        session.last_seen = now;
        if now.saturating_sub(session.stored_seen) >= TOUCH_EVERY {
            session.stored_seen = now;
            self.touch(id, session);
        }
        Some(session.clone())
    }

    /// Session `id` from the store, if there is one it can read.
    fn stored(&self, id: &str) -> Option<Session> {
        let store = self.store.as_ref()?;
        match store.web_session(id) {
            Ok(found) => found.and_then(Session::from_stored),
            Err(err) => {
                tracing::warn!(%err, "cannot read a web session");
                None
            }
        }
    }

    fn touch(&self, id: &str, session: &Session) {
        if let Some(store) = &self.store
            && let Err(err) = store.touch_web_session(id, &session.to_stored())
        {
            tracing::warn!(%err, "cannot record a web session's use");
        }
    }

    fn forget(&self, id: &str) {
        if let Some(store) = &self.store {
            let (store, id) = (store.clone(), id.to_owned());
            tokio::spawn(async move {
                if let Err(err) = store.end_web_session(&id).await {
                    tracing::warn!(%err, "cannot remove an ended web session");
                }
            });
        }
    }

    pub(super) fn set_lang(&self, id: &str, lang: Lang) {
        let mut map = self.lock();
        if let Some(session) = map.get_mut(id)
            && session.lang != lang
        {
            session.lang = lang;
            self.touch(id, session);
        }
    }

    /// Ends session `id`, in memory and in the store.
    pub(super) async fn end(&self, id: &str) -> Result<(), StoreError> {
        self.lock().remove(id);
        match &self.store {
            Some(store) => store.end_web_session(id).await,
            None => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves a consistent map: go on.
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The session id in the request's cookies, if any.
pub(super) fn cookie_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value that carries session `id`.
pub(super) fn set_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; Secure; HttpOnly; SameSite=Lax; Path=/")
}

/// The `Set-Cookie` value that removes the session cookie.
pub(super) fn clear_cookie() -> String {
    format!("{COOKIE}=; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            subject: "ada".into(),
            name: String::new(),
            issuer: "http://127.0.0.1".into(),
            organisation: "au".into(),
            roles: BTreeSet::new(),
        }
    }

    #[tokio::test]
    async fn sessions_end_after_the_idle_period_and_on_logout() {
        let sessions = Sessions::new(Duration::from_secs(60), None);
        let start = 1_000_000;
        let (id, _) = sessions.create_at(caller(), Lang::En, start);
        assert_eq!(id.len(), 43, "256 bits in base64");
        let later = start + 50;
        assert!(sessions.get_at(&id, later).is_some(), "use refreshes it");
        assert!(sessions.get_at(&id, later + 59).is_some());
        assert!(sessions.get_at(&id, later + 59 + 60).is_none());
        assert!(
            sessions.get_at(&id, start).is_none(),
            "an expired session is gone"
        );
        let other = sessions.create(caller(), Lang::Fr).await.unwrap();
        sessions.end(&other).await.unwrap();
        assert!(sessions.get(&other).is_none());
    }

    #[tokio::test]
    async fn a_stored_session_outlives_the_process_but_not_its_idle_period() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let store = Store::open(dir.path()).unwrap();
            let sessions = Sessions::new(Duration::from_secs(60), Some(store));
            let id = sessions.create(caller(), Lang::Fr).await.unwrap();
            let before = sessions.get(&id).unwrap();
            (id, before.csrf)
        };
        let store = Store::open(dir.path()).unwrap();
        let sessions = Sessions::new(Duration::from_secs(60), Some(store.clone()));
        let back = sessions.get(&id.0).expect("the session came back from the store");
        assert_eq!((back.caller, back.csrf, back.lang), (caller(), id.1, Lang::Fr));
        assert!(sessions.get_at(&id.0, now() + 61).is_none(), "idle too long");
        let ended = sessions.create(caller(), Lang::En).await.unwrap();
        sessions.end(&ended).await.unwrap();
        let fresh = Sessions::new(Duration::from_secs(60), Some(store));
        assert!(fresh.get(&ended).is_none(), "a signed-out session stays out");
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let sessions = Sessions::new(Duration::from_secs(60), None);
        let (id, session) = sessions.create_at(caller(), Lang::En, now());
        assert!(session.csrf_ok(&session.csrf.clone()));
        assert!(!session.csrf_ok(""));
        assert!(!session.csrf_ok(&random_token()));
        let mut near = session.csrf.clone();
        near.pop();
        assert!(!session.csrf_ok(&near));
        assert_ne!(session.csrf, id, "the token is not the session id");
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; __Host-tocsin=abc; b=2".parse().unwrap());
        assert_eq!(cookie_id(&headers).as_deref(), Some("abc"));
        assert!(set_cookie("abc").contains("HttpOnly; SameSite=Lax; Path=/"));
    }
}
