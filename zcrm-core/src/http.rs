//! HTTP plumbing: the pooled reqwest client, error conversion with redaction, backoff.

use crate::config::{RetryPolicy, SdkConfig};
use crate::error::{ConfigError, Error};
use rand::Rng;
use serde_json::Value;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A pool of HTTP connections with the SDK's transport settings: rustls, the configured connect
/// and read timeouts (token calls included), the `User-Agent`, the proxy, and **no redirects**
/// (a redirect of the token endpoint would carry the client secret elsewhere). Clone it and give
/// it to several [`ClientBuilder`](crate::ClientBuilder)s so that many users in one process
/// share connections; the settings cannot be changed or dropped on the way.
#[derive(Debug, Clone)]
pub struct HttpPool {
    pub(crate) http: reqwest::Client,
}

impl HttpPool {
    /// A pool with the transport settings of `config` (timeouts, proxy, `User-Agent`).
    pub fn new(config: &SdkConfig) -> Result<Self, Error> {
        build(config).map(|http| HttpPool { http })
    }
}

/// Builds the one pooled HTTP client of a [`Client`](crate::Client): rustls, the configured
/// timeouts (token calls included), no redirects, the proxy if any.
fn build(config: &SdkConfig) -> Result<reqwest::Client, Error> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(config.connect_timeout())
        .timeout(config.read_timeout())
        .user_agent(config.user_agent())
        .redirect(reqwest::redirect::Policy::none());
    if let Some(p) = config.proxy() {
        let mut proxy = reqwest::Proxy::all(&p.url).map_err(|e| ConfigError::Invalid {
            field: "proxy.url",
            reason: format!(
                "`{}`: {}",
                redact_url_credentials(&p.url),
                redact_url_credentials(&e.without_url().to_string())
            ),
        })?;
        if let Some(user) = &p.username {
            proxy = proxy.basic_auth(user, p.password.as_ref().map(|s| s.expose()).unwrap_or(""));
        }
        b = b.proxy(proxy);
    }
    b.build()
        .map_err(|e| Error::transport(e.without_url().to_string()))
}

/// A failed send: a transport or timeout error when the request can be sent again, an
/// [`Error::UnknownOutcome`] when it is not safe to repeat and may have reached the server
/// (anything but a failure to connect).
pub(crate) fn send_error(e: reqwest::Error, idempotent: bool) -> Error {
    if idempotent || e.is_connect() || e.is_builder() {
        return transport_error(e);
    }
    Error::UnknownOutcome {
        reason: format!("no reply arrived ({})", error_chain(&e.without_url())),
        status: None,
        snippet: String::new(),
    }
}

/// The seconds of a `Retry-After` header, when it holds a number.
pub(crate) fn retry_after(resp: &reqwest::Response) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
}

/// A body read in full, or why not.
pub(crate) enum BodyError {
    /// The connection failed while the body arrived.
    Transport(reqwest::Error, Vec<u8>),
    /// The body is larger than the limit.
    TooLarge,
}

/// Reads a response body, stopping as soon as it exceeds `limit` bytes (also when
/// `Content-Length` announces more), so that an oversized answer never fills memory.
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
) -> Result<bytes::Bytes, BodyError> {
    let announced = resp.content_length();
    if announced.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    // One allocation when the length is announced (it is within the limit here).
    let mut buf =
        bytes::BytesMut::with_capacity(announced.map_or(0, |n| usize::try_from(n).unwrap_or(0)));
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if (buf.len() + chunk.len()) as u64 > limit {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf.freeze()),
            Err(e) => return Err(BodyError::Transport(e, buf.to_vec())),
        }
    }
}

/// Turns a failed body read into the SDK's error (see [`send_error`] for `idempotent`).
pub(crate) fn body_error(e: BodyError, status: u16, idempotent: bool, limit: u64) -> Error {
    match e {
        // A success to a request that is not safe to repeat was applied, however long its
        // reply: not reading it leaves the outcome unknown, not failed.
        BodyError::TooLarge if !idempotent && (200..300).contains(&status) => {
            Error::UnknownOutcome {
                reason: format!(
                    "its reply (HTTP {status}) is larger than the limit of {limit} bytes (`max_response_bytes`) and was not read"
                ),
                status: Some(status),
                snippet: String::new(),
            }
        }
        BodyError::TooLarge => Error::ResponseTooLarge { limit, status },
        BodyError::Transport(e, _) if idempotent => transport_error(e),
        BodyError::Transport(e, partial) => Error::UnknownOutcome {
            reason: format!(
                "the reply (HTTP {status}) was cut off after {} bytes ({})",
                partial.len(),
                error_chain(&e.without_url())
            ),
            status: Some(status),
            snippet: snippet(&partial),
        },
    }
}

/// An error and its sources, joined with `: `.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// The first 200 characters of a body, with token-like values redacted.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let snippet: String = text.chars().take(200).collect();
    redact(&snippet)
}

/// A reqwest error as a transport or timeout error; the URL is left out. A transport error's
/// message says which step failed and its causes are its `source` chain, not repeated in the
/// message (so an error reporter that walks the chain, such as anyhow's `{:#}`, shows each
/// cause once).
pub(crate) fn transport_error(e: reqwest::Error) -> Error {
    let e = e.without_url();
    if e.is_timeout() {
        return Error::Timeout(error_chain(&e));
    }
    let message = if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the response could not be read".to_string()
    } else if e.is_request() {
        "the request failed before a response arrived".to_string()
    } else {
        e.to_string()
    };
    Error::Transport {
        message,
        source: Some(Box::new(e)),
    }
}

/// A URL without the user and password of its authority (`http://u:p@host` -> `http://host`,
/// with `[credentials]` in their place).
pub(crate) fn redact_url_credentials(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}[credentials]@{}", &url[..start], &url[start + at + 1..]),
        None => url.to_string(),
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
    Error::Decode {
        path: path.to_string(),
        message: message.to_string(),
        snippet: snippet(body),
    }
}

/// Decodes JSON into `T`, naming the JSON path of a failure.
///
/// The fast path decodes directly; only a failure is decoded again to find the path.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    match serde_json::from_slice(body) {
        Ok(v) => Ok(v),
        Err(plain) => {
            let de = &mut serde_json::Deserializer::from_slice(body);
            match serde_path_to_error::deserialize::<_, T>(de) {
                Err(e) => Err(decode_error(
                    &e.path().to_string(),
                    &e.inner().to_string(),
                    body,
                )),
                // Decoders are deterministic; should one not be, the first error stands.
                Ok(_) => Err(decode_error("$", &plain.to_string(), body)),
            }
        }
    }
}

/// The keys under which Zoho answers one item per input, errors included.
const ERROR_WRAPPERS: [&str; 6] = ["data", "tags", "watch", "users", "modules", "fields"];

/// The error item of a wrapped answer under `key`: the first item with `status: "error"` (or
/// else the first with a `code`) of a list, or the object itself when Zoho sends one object.
fn wrapped_error<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let has_code = |x: &&Value| x.get("code").is_some();
    match v.get(key)? {
        Value::Array(items) => items
            .iter()
            .find(|x| x.get("status").and_then(Value::as_str) == Some("error") && has_code(x))
            .or_else(|| items.iter().find(has_code)),
        item @ Value::Object(_) => Some(item).filter(has_code),
        _ => None,
    }
}

/// Zoho's error envelope as an [`Error::Api`] (lenient: a body of another shape keeps its text).
pub(crate) fn api_error(status: u16, body: &[u8]) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    // Some errors come wrapped, one item per input, under the operation's key:
    // `{"data": [...]}`, `{"tags": [...]}`, `{"watch": [...]}`, ...
    let e = ERROR_WRAPPERS
        .iter()
        .find_map(|key| wrapped_error(&v, key))
        .unwrap_or(&v);
    let code = e
        .get("code")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
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

/// Decides, attempt after attempt, whether and when a failed request is sent again: only
/// retryable errors, at most `max_attempts` in all, each retry paid from the shared budget,
/// waiting `Retry-After` when the server gave one (capped) or a full-jitter backoff.
pub(crate) struct Retrier<'a> {
    policy: &'a RetryPolicy,
    budget: &'a RetryBudget,
    attempts: u32,
}

impl<'a> Retrier<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy, budget: &'a RetryBudget) -> Self {
        Retrier {
            policy,
            budget,
            attempts: 0,
        }
    }

    /// Counts an attempt about to be made; returns its 1-based number.
    pub(crate) fn start(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Takes back the count of an attempt that is replayed for free (after a token refresh).
    pub(crate) fn unstart(&mut self) {
        self.attempts = self.attempts.saturating_sub(1);
    }

    /// After a failed attempt: how long to wait before the next, or `None` to give up.
    /// `may_repeat` says whether this failure may be sent again at all (a retryable error of a
    /// request that is safe to repeat).
    pub(crate) fn wait_after(
        &mut self,
        may_repeat: bool,
        retry_after_secs: Option<u64>,
    ) -> Option<Duration> {
        let retry =
            may_repeat && self.attempts < self.policy.max_attempts && self.budget.try_spend();
        if !retry {
            return None;
        }
        Some(match retry_after_secs {
            Some(s) => Duration::from_secs(s).min(self.policy.max_backoff),
            None => backoff(
                self.policy.initial_backoff,
                self.policy.max_backoff,
                self.attempts,
            ),
        })
    }

    /// After a success: earns one retry back for the budget.
    pub(crate) fn succeeded(&self) {
        self.budget.earn();
    }
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
    fn url_credentials_are_removed() {
        assert_eq!(
            redact_url_credentials("http://bob:hunter2@proxy.example:3128/x?a=b@c"),
            "http://[credentials]@proxy.example:3128/x?a=b@c"
        );
        assert_eq!(
            redact_url_credentials("http://proxy:3128"),
            "http://proxy:3128"
        );
        assert_eq!(redact_url_credentials("no scheme"), "no scheme");
    }

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
        // Full jitter: waits spread over [0, cap), not one fixed value. 1,000 draws of the third
        // attempt (cap 400 ms) fall in every quarter of the range.
        let cap = Duration::from_millis(400);
        let mut quarters = [0u32; 4];
        for _ in 0..1000 {
            let w = backoff(Duration::from_millis(100), Duration::from_secs(2), 3);
            assert!(w < cap, "{w:?}");
            quarters[(w.as_nanos() * 4 / cap.as_nanos()) as usize] += 1;
        }
        assert!(quarters.iter().all(|&n| n > 100), "{quarters:?}");
        // The exponent grows until the cap: attempt 1 never waits past the initial backoff.
        for _ in 0..100 {
            assert!(
                backoff(Duration::from_millis(100), Duration::from_secs(2), 1)
                    < Duration::from_millis(100)
            );
        }
    }

    #[test]
    fn retrier_respects_attempts_budget_and_safety() {
        let policy = RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            budget: 10,
        };
        let budget = RetryBudget::new(10);
        let busy = Error::Api {
            status: 503,
            code: "X".into(),
            message: "m".into(),
            details: Value::Null,
        };
        assert!(busy.is_retryable());
        let mut r = Retrier::new(&policy, &budget);
        r.start();
        assert!(r.wait_after(false, None).is_none(), "not to be repeated");
        assert_eq!(
            r.wait_after(true, Some(7)),
            Some(Duration::from_millis(50)),
            "Retry-After is capped by max_backoff"
        );
        r.start();
        assert!(r.wait_after(true, None).is_some());
        r.start();
        assert!(r.wait_after(true, None).is_none(), "3 attempts made");
        let empty = RetryBudget::new(0);
        let mut r = Retrier::new(&policy, &empty);
        r.start();
        assert!(r.wait_after(true, None).is_none(), "budget spent");
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
        for key in ["tags", "watch"] {
            let body = format!(
                r#"{{"{key}":[{{"code":"INVALID_DATA","details":{{"api_name":"id"}},"message":"invalid data","status":"error"}}]}}"#
            );
            let e = api_error(400, body.as_bytes());
            assert_eq!(e.api_code(), Some("INVALID_DATA"), "{key}");
            assert!(matches!(e, Error::Api { ref details, .. } if details["api_name"] == "id"));
        }
        // One object instead of a list, and an error after a success.
        let e = api_error(400, br#"{"data":{"code":"MANDATORY_NOT_FOUND","status":"error","message":"m","details":{}}}"#);
        assert_eq!(e.api_code(), Some("MANDATORY_NOT_FOUND"));
        let e = api_error(400, br#"{"data":[{"code":"SUCCESS","status":"success","message":"ok","details":{}},{"code":"INVALID_DATA","status":"error","message":"bad","details":{}}]}"#);
        assert_eq!(e.api_code(), Some("INVALID_DATA"));
        let e = api_error(502, b"<html>bad gateway</html>");
        assert_eq!(e.api_code(), Some("HTTP_ERROR"));
    }
}
