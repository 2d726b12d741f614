//! Signed-in sessions, in memory: a random 256-bit id in the `__Host-tocsin`
//! cookie, the verified `Caller`, a per-session CSRF token and the chosen
//! language. A session unused for the idle period ends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::i18n::Lang;
use crate::model::caller::Caller;

/// The session cookie's name: `__Host-` binds it to this origin over HTTPS.
pub(super) const COOKIE: &str = "__Host-tocsin";

/// Sessions at once; the least recently used goes beyond this.
const MAX_SESSIONS: usize = 10_000;

/// A random 256-bit value, URL-safe base64.
pub(super) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Compares two secrets in time independent of where they differ.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) caller: Caller,
    pub(super) csrf: String,
    pub(super) lang: Lang,
    last_seen: Instant,
}

impl Session {
    /// Whether `token` (a form's `csrf` field) is this session's.
    pub(super) fn csrf_ok(&self, token: &str) -> bool {
        !token.is_empty() && same_secret(&self.csrf, token)
    }
}

#[derive(Debug)]
pub(super) struct Sessions {
    idle: Duration,
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub(super) fn new(idle: Duration) -> Self {
        Self {
            idle,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a session; returns its id.
    pub(super) fn create(&self, caller: Caller, lang: Lang) -> String {
        self.create_at(caller, lang, Instant::now())
    }

    fn create_at(&self, caller: Caller, lang: Lang, now: Instant) -> String {
        let id = random_token();
        let session = Session {
            caller,
            csrf: random_token(),
            lang,
            last_seen: now,
        };
        let mut map = self.lock();
        map.retain(|_, s| now.saturating_duration_since(s.last_seen) < self.idle);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(id.clone(), session);
        id
    }

    /// The live session `id`, marked as used now.
    pub(super) fn get(&self, id: &str) -> Option<Session> {
        self.get_at(id, Instant::now())
    }

    fn get_at(&self, id: &str, now: Instant) -> Option<Session> {
        let mut map = self.lock();
        let session = map.get_mut(id)?;
        if now.saturating_duration_since(session.last_seen) >= self.idle {
            map.remove(id);
            return None;
        }
        session.last_seen = now;
        Some(session.clone())
    }

    pub(super) fn set_lang(&self, id: &str, lang: Lang) {
        if let Some(session) = self.lock().get_mut(id) {
            session.lang = lang;
        }
    }

    /// Ends session `id`.
    pub(super) fn end(&self, id: &str) {
        self.lock().remove(id);
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
    use std::collections::BTreeSet;

    fn caller() -> Caller {
        Caller {
            subject: "ada".into(),
            name: String::new(),
            issuer: "http://127.0.0.1".into(),
            organisation: "au".into(),
            roles: BTreeSet::new(),
        }
    }

    #[test]
    fn sessions_end_after_the_idle_period_and_on_logout() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let start = Instant::now();
        let id = sessions.create_at(caller(), Lang::En, start);
        assert_eq!(id.len(), 43, "256 bits in base64");
        let later = start + Duration::from_secs(50);
        assert!(sessions.get_at(&id, later).is_some(), "use refreshes it");
        assert!(sessions.get_at(&id, later + Duration::from_secs(59)).is_some());
        assert!(
            sessions
                .get_at(&id, later + Duration::from_secs(59 + 60))
                .is_none()
        );
        assert!(
            sessions.get_at(&id, start).is_none(),
            "an expired session is gone"
        );
        let other = sessions.create_at(caller(), Lang::Fr, start);
        sessions.end(&other);
        assert!(sessions.get_at(&other, start).is_none());
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let id = sessions.create(caller(), Lang::En);
        let session = sessions.get(&id).unwrap();
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
