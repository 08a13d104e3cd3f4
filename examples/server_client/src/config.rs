//! The app's web settings, read from the environment:
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `ZCRM_PUBLIC_URL` | the URL browsers use to reach the app (`https://crm.example.com` behind a TLS-terminating proxy); `https://` makes every cookie `Secure` | the origin of `ZOHO_REDIRECT_URL`, else `http://127.0.0.1:PORT` |
//! | `ZCRM_TRUST_FORWARDED_PROTO` | `1`/`true`: a request carrying `X-Forwarded-Proto: https` came over https (set it only when a proxy you run sets that header) | off |
//! | `ZCRM_SESSION_IDLE_SECS` | a session's lifetime without a request, in seconds | 1800 ([`IDLE_LIFETIME`](crate::sessions::IDLE_LIFETIME)) |
//! | `ZCRM_SESSION_MAX_SECS` | a session's lifetime from its start, in seconds | 43200 ([`ABSOLUTE_LIFETIME`](crate::sessions::ABSOLUTE_LIFETIME)) |
//! | `ZCRM_MAX_SESSIONS` | most sessions held at once | 10000 ([`MAX_SESSIONS`](crate::sessions::MAX_SESSIONS)) |

use crate::sessions::SessionLimits;
use std::fmt;
use std::time::Duration;

/// The URL browsers use to reach the app.
pub const PUBLIC_URL: &str = "ZCRM_PUBLIC_URL";
/// Whether `X-Forwarded-Proto` is believed.
pub const TRUST_FORWARDED_PROTO: &str = "ZCRM_TRUST_FORWARDED_PROTO";
/// A session's idle lifetime in seconds.
pub const SESSION_IDLE_SECS: &str = "ZCRM_SESSION_IDLE_SECS";
/// A session's absolute lifetime in seconds.
pub const SESSION_MAX_SECS: &str = "ZCRM_SESSION_MAX_SECS";
/// The most sessions held at once.
pub const MAX_SESSIONS: &str = "ZCRM_MAX_SESSIONS";

/// Longest lifetime accepted: one year.
const MAX_LIFETIME_SECS: u64 = 365 * 24 * 60 * 60;
/// Largest session cap accepted.
const MAX_SESSION_CAP: usize = 10_000_000;

/// A setting with a value it cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The environment variable.
    pub var: &'static str,
    /// The value it has.
    pub value: String,
    /// What it may be.
    pub allowed: &'static str,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is `{}`; allowed: {}",
            self.var, self.value, self.allowed
        )
    }
}

impl std::error::Error for SettingError {}

/// The settings of the app's web side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// The app's public URL without a trailing `/`, when configured.
    pub public_url: Option<String>,
    /// Whether `X-Forwarded-Proto: https` marks a request as https.
    pub trust_forwarded_proto: bool,
    /// Session lifetimes and cap.
    pub sessions: SessionLimits,
}

impl WebSettings {
    /// Reads the settings through `lookup` (the environment; blank counts as unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let get = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
        let public_url = get(PUBLIC_URL).map(|v| parse_public_url(&v)).transpose()?;
        let trust_forwarded_proto = match get(TRUST_FORWARDED_PROTO) {
            None => false,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(SettingError {
                        var: TRUST_FORWARDED_PROTO,
                        value: v,
                        allowed: "1, true, yes, on, 0, false, no or off",
                    })
                }
            },
        };
        let defaults = SessionLimits::default();
        let secs = |var: &'static str, default: Duration| -> Result<Duration, SettingError> {
            match get(var) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_LIFETIME_SECS).contains(n))
                    .map(Duration::from_secs)
                    .ok_or(SettingError {
                        var,
                        value: v,
                        allowed: "a whole number of seconds from 1 to 31536000 (one year)",
                    }),
            }
        };
        let idle = secs(SESSION_IDLE_SECS, defaults.idle)?;
        let absolute = secs(SESSION_MAX_SECS, defaults.absolute)?;
        let max_sessions = match get(MAX_SESSIONS) {
            None => defaults.max_sessions,
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_SESSION_CAP).contains(n))
                .ok_or(SettingError {
                    var: MAX_SESSIONS,
                    value: v,
                    allowed: "a whole number from 1 to 10000000",
                })?,
        };
        Ok(WebSettings {
            public_url,
            trust_forwarded_proto,
            sessions: SessionLimits {
                idle,
                absolute,
                max_sessions,
            },
        })
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|v| std::env::var(v).ok())
    }
}

fn parse_public_url(v: &str) -> Result<String, SettingError> {
    let url = v.trim().trim_end_matches('/');
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !url.contains(['?', '#']) => {
            Ok(url.to_string())
        }
        _ => Err(SettingError {
            var: PUBLIC_URL,
            value: v.to_string(),
            allowed:
                "an http:// or https:// URL with a host and no query, e.g. https://crm.example.com",
        }),
    }
}

/// Whether a URL is https.
pub fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<WebSettings, SettingError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WebSettings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let s = read(&[]).unwrap();
        assert_eq!(s.public_url, None);
        assert!(!s.trust_forwarded_proto);
        assert_eq!(s.sessions, SessionLimits::default());
        assert_eq!(read(&[(SESSION_IDLE_SECS, "  ")]).unwrap(), s);
    }

    #[test]
    fn values_are_read() {
        let s = read(&[
            (PUBLIC_URL, "https://crm.example.com/"),
            (TRUST_FORWARDED_PROTO, "TRUE"),
            (SESSION_IDLE_SECS, "5"),
            (SESSION_MAX_SECS, "60"),
            (MAX_SESSIONS, "3"),
        ])
        .unwrap();
        assert_eq!(s.public_url.as_deref(), Some("https://crm.example.com"));
        assert!(s.trust_forwarded_proto);
        assert_eq!(
            s.sessions,
            SessionLimits {
                idle: Duration::from_secs(5),
                absolute: Duration::from_secs(60),
                max_sessions: 3
            }
        );
        assert!(
            !read(&[(TRUST_FORWARDED_PROTO, "0")])
                .unwrap()
                .trust_forwarded_proto
        );
    }

    #[test]
    fn bad_values_are_named_with_what_is_allowed() {
        let cases = [
            (SESSION_IDLE_SECS, "0"),
            (SESSION_IDLE_SECS, "-5"),
            (SESSION_MAX_SECS, "ten"),
            (SESSION_MAX_SECS, "31536001"),
            (MAX_SESSIONS, "0"),
            (MAX_SESSIONS, "99999999999999999999999"),
            (TRUST_FORWARDED_PROTO, "maybe"),
            (PUBLIC_URL, "crm.example.com"),
            (PUBLIC_URL, "https://"),
            (PUBLIC_URL, "https:///x"),
            (PUBLIC_URL, "ftp://crm.example.com"),
            (PUBLIC_URL, "https://crm.example.com/?a=b"),
        ];
        for (var, value) in cases {
            let e = read(&[(var, value)]).unwrap_err();
            assert_eq!((e.var, e.value.as_str()), (var, value));
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("`{var}` is `{value}`; allowed: ")),
                "{text}"
            );
        }
    }

    #[test]
    fn https_is_recognised_in_any_case() {
        assert!(is_https("https://a"));
        assert!(is_https("HTTPS://a"));
        assert!(!is_https("http://a"));
        assert!(!is_https("http"));
        assert!(!is_https(""));
    }
}
