//! The session cookie's attributes and the security headers of every response.

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::time::Duration;

/// The session cookie's name.
pub const COOKIE: &str = "zcrm_session";

/// The Content-Security-Policy of every response: nothing but the app's own stylesheet loads,
/// no script runs, no other site may frame the pages, forms post only to the app.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// When the session cookie is `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    /// Always (the app's public URL is https).
    pub always_secure: bool,
    /// When the request carries `X-Forwarded-Proto: https` (a proxy the operator runs sets it).
    pub trust_forwarded_proto: bool,
}

impl CookiePolicy {
    /// Whether a cookie set in answer to a request with these headers is `Secure`.
    pub fn secure(&self, headers: &HeaderMap) -> bool {
        self.always_secure || (self.trust_forwarded_proto && forwarded_https(headers))
    }

    /// The session cookie naming `id`: HttpOnly, SameSite=Lax (the sign-in comes back from Zoho
    /// as a top-level navigation, which Strict would strip), `Path=/`, `Max-Age` the session's
    /// absolute lifetime, `Secure` as [`secure`](Self::secure) says.
    pub fn session(&self, headers: &HeaderMap, id: String, max_age: Duration) -> Cookie<'static> {
        let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        Cookie::build((COOKIE, id))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure(headers))
            .max_age(time::Duration::seconds(max_age))
            .build()
    }

    /// A cookie that removes the session cookie (same attributes, empty, `Max-Age=0`).
    pub fn cleared(&self, headers: &HeaderMap) -> Cookie<'static> {
        Cookie::build((COOKIE, ""))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure(headers))
            .max_age(time::Duration::ZERO)
            .build()
    }
}

/// Whether the first `X-Forwarded-Proto` value (the one the client-facing proxy saw) is https.
fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// Adds the security headers to a response (keeping any the handler set itself).
pub async fn headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // The callback's URL carries the grant code: no page sends its URL anywhere.
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    // Pages show a user's records: not to be kept by shared or browser caches.
    set(h, header::CACHE_CONTROL, "no-store");
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn secure_only_when_configured_or_a_trusted_proxy_says_https() {
        let https = headers_with(&[("x-forwarded-proto", "https")]);
        let plain = headers_with(&[]);
        let never = CookiePolicy {
            always_secure: false,
            trust_forwarded_proto: false,
        };
        assert!(!never.secure(&plain));
        assert!(!never.secure(&https), "the header is not believed unasked");
        let always = CookiePolicy {
            always_secure: true,
            trust_forwarded_proto: false,
        };
        assert!(always.secure(&plain));
        let proxied = CookiePolicy {
            always_secure: false,
            trust_forwarded_proto: true,
        };
        assert!(proxied.secure(&https));
        assert!(proxied.secure(&headers_with(&[("X-Forwarded-Proto", "HTTPS, http")])));
        assert!(!proxied.secure(&plain));
        assert!(!proxied.secure(&headers_with(&[("x-forwarded-proto", "http")])));
        assert!(!proxied.secure(&headers_with(&[("x-forwarded-proto", "http, https")])));
    }

    #[test]
    fn cookie_shape() {
        let p = CookiePolicy {
            always_secure: true,
            trust_forwarded_proto: false,
        };
        let h = HeaderMap::new();
        let c = p
            .session(&h, "abc".into(), Duration::from_secs(60))
            .to_string();
        assert_eq!(
            c,
            "zcrm_session=abc; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=60"
        );
        assert_eq!(
            p.cleared(&h).to_string(),
            "zcrm_session=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"
        );
        let plain = CookiePolicy {
            always_secure: false,
            trust_forwarded_proto: false,
        };
        assert_eq!(
            plain
                .session(&h, "abc".into(), Duration::from_secs(u64::MAX))
                .to_string(),
            format!(
                "zcrm_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
                i64::MAX
            )
        );
    }
}
