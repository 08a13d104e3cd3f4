//! HTTP plumbing: the pooled reqwest client, error conversion with redaction, backoff.

use crate::config::SdkConfig;
use crate::error::{ConfigError, Error};
use rand::Rng;
use serde_json::Value;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Builds the one pooled HTTP client of a [`Client`](crate::Client): rustls, the configured
/// timeouts (token calls included), no redirects, the proxy if any.
pub(crate) fn build(config: &SdkConfig) -> Result<reqwest::Client, Error> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(config.connect_timeout())
        .timeout(config.read_timeout())
        .user_agent(config.user_agent())
        .redirect(reqwest::redirect::Policy::none());
    if let Some(p) = config.proxy() {
        let mut proxy = reqwest::Proxy::all(&p.url).map_err(|e| ConfigError::Invalid {
            field: "proxy.url",
            reason: e.without_url().to_string(),
        })?;
        if let Some(user) = &p.username {
            proxy = proxy.basic_auth(user, p.password.as_ref().map(|s| s.expose()).unwrap_or(""));
        }
        b = b.proxy(proxy);
    }
    b.build()
        .map_err(|e| Error::Transport(e.without_url().to_string()))
}

/// A reqwest error as a transport or timeout error; the URL is left out.
pub(crate) fn transport_error(e: reqwest::Error) -> Error {
    let timeout = e.is_timeout();
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    if timeout {
        Error::Timeout(msg)
    } else {
        Error::Transport(msg)
    }
}

/// Replaces anything shaped like a Zoho token (`1000.<hex>.<hex>`) with `1000.[redacted]`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("1000.") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 5..];
        let len = tail
            .find(|c: char| !(c.is_ascii_hexdigit() || c == '.'))
            .unwrap_or(tail.len());
        if len >= 16 {
            out.push_str("1000.[redacted]");
        } else {
            out.push_str(&rest[at..at + 5 + len]);
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// A decode error with a redacted snippet of the body.
pub(crate) fn decode_error(path: &str, message: &str, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let snippet: String = text.chars().take(200).collect();
    Error::Decode {
        path: path.to_string(),
        message: message.to_string(),
        snippet: redact(&snippet),
    }
}

/// Decodes JSON into `T`, naming the JSON path of a failure.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de)
        .map_err(|e| decode_error(&e.path().to_string(), &e.inner().to_string(), body))
}

/// Zoho's error envelope as an [`Error::Api`] (lenient: a body of another shape keeps its text).
pub(crate) fn api_error(status: u16, body: &[u8]) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    // Some errors come wrapped in `{"data": [...]}`.
    let e = v
        .get("data")
        .and_then(|d| d.get(0))
        .filter(|x| x.get("code").is_some())
        .unwrap_or(&v);
    let code = e
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("HTTP_ERROR")
        .to_string();
    let message = e
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| redact(&String::from_utf8_lossy(&body[..body.len().min(200)])));
    Error::Api {
        status,
        code,
        message,
        details: e.get("details").cloned().unwrap_or(Value::Null),
    }
}

/// Full-jitter exponential backoff for the retry after `attempt` (1-based).
pub(crate) fn backoff(initial: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = initial.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let cap = exp.min(max);
    cap.mul_f64(rand::thread_rng().gen::<f64>())
}

/// A shared retry budget: each retry spends one, each success earns one back (up to the cap).
#[derive(Debug)]
pub(crate) struct RetryBudget {
    left: AtomicI64,
    cap: i64,
}

impl RetryBudget {
    pub(crate) fn new(cap: u32) -> Self {
        RetryBudget {
            left: AtomicI64::new(cap as i64),
            cap: cap as i64,
        }
    }
    pub(crate) fn try_spend(&self) -> bool {
        self.left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n > 0).then_some(n - 1)
            })
            .is_ok()
    }
    pub(crate) fn earn(&self) {
        let _ = self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.cap).then_some(n + 1)
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_tokens() {
        let t = "{\"access_token\":\"1000.2eb9378240011f1b8ccecf2ddb3c2a1c.6178b8333677cf002b9c53033b525653\",\"x\":\"1000.5\"}";
        assert_eq!(
            redact(t),
            "{\"access_token\":\"1000.[redacted]\",\"x\":\"1000.5\"}"
        );
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        for attempt in 1..20 {
            assert!(
                backoff(Duration::from_millis(100), Duration::from_secs(2), attempt)
                    <= Duration::from_secs(2)
            );
        }
    }

    #[test]
    fn budget_spends_and_earns() {
        let b = RetryBudget::new(2);
        assert!(b.try_spend() && b.try_spend());
        assert!(!b.try_spend());
        b.earn();
        assert!(b.try_spend());
    }

    #[test]
    fn api_errors_bare_or_wrapped() {
        let e = api_error(400, br#"{"data":[{"code":"INVALID_MODULE","details":{"resource_path_index":0},"message":"m","status":"error"}]}"#);
        assert_eq!(e.api_code(), Some("INVALID_MODULE"));
        let e = api_error(502, b"<html>bad gateway</html>");
        assert_eq!(e.api_code(), Some("HTTP_ERROR"));
    }
}
