//! Console sessions: a random id in an HttpOnly, SameSite=Strict cookie,
//! one CSRF token per session, and a one-shot message shown on the next
//! page. Kept in the admin's memory (see docs/decisions.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use rand::RngCore;

pub(crate) const SESSION_COOKIE: &str = "ponte_session";
/// Set on the sign-in page, sent back by its form (login CSRF).
pub(crate) const SIGNIN_COOKIE: &str = "ponte_signin";
pub(crate) const LANG_COOKIE: &str = "ponte_lang";
/// A session unused this long is gone.
pub(crate) const IDLE: Duration = Duration::from_secs(8 * 3600);
const MAX_SESSIONS: usize = 10_000;

/// 32 random bytes as hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Constant-time equality of two tokens.
pub(crate) fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

struct Session {
    csrf: String,
    last_seen: Instant,
    flash: Option<String>,
}

/// What a signed-in request knows about its session.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub id: String,
    pub csrf: String,
}

#[derive(Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new session; returns its id (for the cookie).
    pub fn open(&self) -> String {
        let id = random_token();
        if let Ok(mut map) = self.map.lock() {
            let now = Instant::now();
            map.retain(|_, s| now.duration_since(s.last_seen) < IDLE);
            if map.len() >= MAX_SESSIONS {
                // Forget the least recently used rather than refuse a sign-in.
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, s)| s.last_seen)
                    .map(|(k, _)| k.clone())
                {
                    map.remove(&oldest);
                }
            }
            map.insert(
                id.clone(),
                Session {
                    csrf: random_token(),
                    last_seen: now,
                    flash: None,
                },
            );
        }
        id
    }

    /// The live session `id`, refreshed; None when unknown or expired.
    pub fn touch(&self, id: &str) -> Option<Current> {
        let mut map = self.map.lock().ok()?;
        let now = Instant::now();
        let s = map.get_mut(id)?;
        if now.duration_since(s.last_seen) >= IDLE {
            map.remove(id);
            return None;
        }
        s.last_seen = now;
        Some(Current {
            id: id.to_string(),
            csrf: s.csrf.clone(),
        })
    }

    pub fn close(&self, id: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(id);
        }
    }

    /// A message for the next page this session sees.
    pub fn flash(&self, id: &str, message: impl Into<String>) {
        if let Ok(mut map) = self.map.lock()
            && let Some(s) = map.get_mut(id)
        {
            s.flash = Some(message.into());
        }
    }

    pub fn take_flash(&self, id: &str) -> Option<String> {
        self.map.lock().ok()?.get_mut(id)?.flash.take()
    }
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether the browser reached us over TLS (directly or through a proxy
/// that says so).
pub(crate) fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, `Secure`
/// when asked; `max_age` 0 deletes the cookie.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> String {
    let mut c = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        max_age.as_secs()
    );
    if secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_open_touch_flash_and_close() {
        let s = Sessions::default();
        let id = s.open();
        let cur = s.touch(&id).expect("live");
        assert_eq!(cur.csrf.len(), 64);
        assert_ne!(cur.csrf, id);
        assert!(s.touch("nope").is_none());
        s.flash(&id, "saved");
        assert_eq!(s.take_flash(&id).as_deref(), Some("saved"));
        assert_eq!(s.take_flash(&id), None, "shown once");
        s.close(&id);
        assert!(s.touch(&id).is_none());
    }

    #[test]
    fn cookies_are_read_and_written_strictly() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; ponte_session=abc; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let c = set_cookie(SESSION_COOKIE, "abc", IDLE, true);
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!set_cookie(SESSION_COOKIE, "abc", IDLE, false).contains("Secure"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("", ""));
    }
}
