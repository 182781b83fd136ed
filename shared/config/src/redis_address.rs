//! Where Redis is: one server (`redis://`, `rediss://`) or a master found
//! through Redis Sentinel (`redis+sentinel://`).
//!
//! The Sentinel form is
//! `redis+sentinel://[user:password@]host:port[,host:port…]/master-name[/db]`:
//! the addresses are the sentinels' (port 26379 when left out), the
//! credentials and the database number are the Redis servers'. Sentinels
//! themselves are reached without a password.

use std::fmt;

pub const SENTINEL_SCHEME: &str = "redis+sentinel://";
const DEFAULT_SENTINEL_PORT: u16 = 26379;

#[derive(Clone, PartialEq, Eq)]
pub enum RedisAddress {
    /// One Redis server; the URL is handed to the client as it is.
    Direct(String),
    /// A master that Sentinel names and fails over.
    Sentinel(SentinelAddress),
}

#[derive(Clone, PartialEq, Eq)]
pub struct SentinelAddress {
    /// `host:port` of every sentinel, in the order given.
    pub sentinels: Vec<(String, u16)>,
    /// The name the sentinels monitor the master under.
    pub master: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub db: i64,
}

impl SentinelAddress {
    /// The sentinels as the client wants them (`redis://host:port`).
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|(host, port)| format!("redis://{host}:{port}"))
            .collect()
    }
}

// Never print the password, even by accident through `{:?}`.
impl fmt::Debug for SentinelAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentinelAddress")
            .field("sentinels", &self.sentinels)
            .field("master", &self.master)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("db", &self.db)
            .finish()
    }
}

impl fmt::Debug for RedisAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisAddress::Direct(url) => f
                .debug_tuple("Direct")
                .field(&crate::redact_url(url))
                .finish(),
            RedisAddress::Sentinel(s) => f.debug_tuple("Sentinel").field(s).finish(),
        }
    }
}

impl RedisAddress {
    /// Parses `PONTE_REDIS_URL`. The error says what is wrong without
    /// repeating the password.
    pub fn parse(url: &str) -> Result<RedisAddress, String> {
        if url.starts_with("redis://") || url.starts_with("rediss://") {
            return Ok(RedisAddress::Direct(url.to_string()));
        }
        let Some(rest) = url.strip_prefix(SENTINEL_SCHEME) else {
            return Err(format!(
                "must start with redis://, rediss:// or {SENTINEL_SCHEME}, got `{}`",
                crate::redact_url(url)
            ));
        };
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, rest),
        };
        let (hosts, path) = rest.split_once('/').unwrap_or((rest, ""));
        let sentinels = hosts
            .split(',')
            .map(parse_host)
            .collect::<Result<Vec<_>, _>>()?;
        let mut path = path.split('/');
        let master = path.next().unwrap_or("").to_string();
        if master.is_empty() {
            return Err(format!(
                "names no master: write {SENTINEL_SCHEME}host:port,…/<master-name>"
            ));
        }
        let db = match path.next() {
            None | Some("") => 0,
            Some(n) => n
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("database `{n}` is not a number"))?,
        };
        if path.next().is_some() {
            return Err("has more than /<master-name>/<db> in its path".into());
        }
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = u.split_once(':').unwrap_or((u, ""));
                (
                    Some(percent_decode(user)?).filter(|s| !s.is_empty()),
                    Some(percent_decode(pass)?).filter(|s| !s.is_empty()),
                )
            }
        };
        Ok(RedisAddress::Sentinel(SentinelAddress {
            sentinels,
            master,
            username,
            password,
            db,
        }))
    }
}

fn parse_host(h: &str) -> Result<(String, u16), String> {
    let h = h.trim();
    if h.is_empty() {
        return Err("has an empty sentinel address".into());
    }
    match h.rsplit_once(':') {
        Some((host, port)) => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("sentinel `{h}` has no valid port"))?;
            if host.is_empty() {
                return Err(format!("sentinel `{h}` has no host"));
            }
            Ok((host.to_string(), port))
        }
        None => Ok((h.to_string(), DEFAULT_SENTINEL_PORT)),
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("has a bad %-escape in its user or password")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "has a user or password that is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_urls_pass_through() {
        assert_eq!(
            RedisAddress::parse("redis://127.0.0.1:6379"),
            Ok(RedisAddress::Direct("redis://127.0.0.1:6379".into()))
        );
    }

    #[test]
    fn sentinel_url_names_sentinels_master_credentials_and_db() {
        let RedisAddress::Sentinel(s) =
            RedisAddress::parse("redis+sentinel://:p%40ss@s1:26380,s2,10.0.0.3:5000/ponte/2")
                .expect("valid")
        else {
            panic!("not a sentinel address");
        };
        assert_eq!(
            s.sentinels,
            vec![
                ("s1".to_string(), 26380),
                ("s2".to_string(), 26379),
                ("10.0.0.3".to_string(), 5000)
            ]
        );
        assert_eq!(s.master, "ponte");
        assert_eq!(s.db, 2);
        assert_eq!(s.username, None);
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert_eq!(
            s.sentinel_urls()[1],
            "redis://s2:26379",
            "a sentinel without a port gets 26379"
        );
        assert!(
            !format!("{s:?}").contains("p@ss"),
            "Debug hides the password"
        );
    }

    #[test]
    fn bad_sentinel_urls_say_what_is_wrong_without_the_password() {
        let cases = [
            ("redis+sentinel://s1:26379", "names no master"),
            ("redis+sentinel://s1:26379/", "names no master"),
            ("redis+sentinel://s1:x/m", "no valid port"),
            ("redis+sentinel://s1,,s2/m", "empty sentinel"),
            ("redis+sentinel://s1/m/zero", "not a number"),
            ("redis+sentinel://s1/m/0/x", "more than"),
            ("http://u:secret@h", "must start with"),
        ];
        for (url, want) in cases {
            let err = RedisAddress::parse(url).expect_err(url);
            assert!(err.contains(want), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }
}
