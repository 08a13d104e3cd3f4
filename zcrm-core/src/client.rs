//! The [`Client`]: one user in one org, cheap to clone, safe to share across tasks.

use crate::auth::TokenManager;
use crate::config::SdkConfig;
use crate::environment::ApiEnvironment;
use crate::error::{ConfigError, Error, ProtocolError};
use crate::http::{self, RetryBudget};
use crate::oauth;
use crate::store::TokenStore;
use crate::upload::Multipart;
use ::http::Method;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

mod builder;
mod download;
mod files;

pub use builder::{edition_concurrency, ClientBuilder, DEFAULT_TOKEN_FILE};
pub use files::UploadedFile;

/// The CRM API version this SDK speaks.
pub const API_VERSION: &str = "v7";

/// A request to the CRM API.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Path below `/crm/v7` (`/Leads`, `/settings/fields`), or a full path starting with
    /// `/crm/` (`/crm/bulk/v7/read`).
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
    /// Extra headers (`If-Modified-Since`, ...).
    pub headers: Vec<(String, String)>,
    /// Whether sending it twice is harmless (GET, PUT, DELETE, and read-only POSTs such as
    /// COQL); only these are retried.
    pub idempotent: bool,
    /// For batch writes: the number of records sent. An HTTP 400 or 412 answer carrying exactly
    /// that many per-record items is then returned as a response (the outcomes), not an error.
    pub expected_items: Option<usize>,
    /// A `multipart/form-data` body (files), sent instead of the JSON body.
    multipart: Option<Arc<Multipart>>,
    /// Send to the environment's file-upload host instead of the API domain.
    upload_host: bool,
    /// Send to this Zoho host (`https://download-accl.zoho.com`) with the path as it is: a
    /// bulk job's `download_url`, checked to be Zoho's before it is set.
    zoho_base: Option<String>,
    /// The time the whole exchange may take, body included (the config's read timeout unless
    /// set).
    timeout: Option<std::time::Duration>,
}

impl ApiRequest {
    /// A request of `method` to `path`, without a body. A POST or a DELETE is taken as unsafe
    /// to repeat (a second delete answers that the first one's records are gone), so neither
    /// is retried once it may have reached the server.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = method != Method::POST && method != Method::DELETE;
        ApiRequest {
            method,
            path: path.into(),
            query: vec![],
            body: None,
            headers: vec![],
            idempotent,
            expected_items: None,
            multipart: None,
            upload_host: false,
            zoho_base: None,
            timeout: None,
        }
    }
    /// Sets the JSON body to `body`, encoded.
    pub fn json_body<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let value = serde_json::to_value(body).map_err(|e| Error::Decode {
            path: "$".into(),
            message: format!("the request body could not be encoded: {e}"),
            snippet: String::new(),
        })?;
        self.body = Some(value);
        Ok(self)
    }
    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            method: Method::GET,
            path: path.into(),
            query: vec![],
            body: None,
            headers: vec![],
            idempotent: true,
            expected_items: None,
            multipart: None,
            upload_host: false,
            zoho_base: None,
            timeout: None,
        }
    }
    /// A request with a JSON body.
    pub fn with_body(method: Method, path: impl Into<String>, body: Value) -> Self {
        let idempotent = method != Method::POST;
        ApiRequest {
            method,
            path: path.into(),
            query: vec![],
            body: Some(body),
            headers: vec![],
            idempotent,
            expected_items: None,
            multipart: None,
            upload_host: false,
            zoho_base: None,
            timeout: None,
        }
    }
    /// Sends `form` as the body (`multipart/form-data`), in place of a JSON body. Its file
    /// parts stream from their source as the request is sent.
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.body = None;
        self.multipart = Some(Arc::new(form));
        self
    }
    /// Sends the request to the environment's file-upload host
    /// ([`ApiEnvironment::file_upload_url`]) instead of the API domain (bulk write's
    /// `/crm/v7/upload`).
    pub fn to_upload_host(mut self) -> Self {
        self.upload_host = true;
        self
    }
    /// Sends the request to `base` (a Zoho host, checked by the caller) with the path as it
    /// is.
    pub(crate) fn on_zoho_host(mut self, base: String) -> Self {
        self.zoho_base = Some(base);
        self
    }
    /// Sets the time the whole exchange may take, body included, in place of the config's
    /// read timeout (large uploads and downloads).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Adds a query parameter.
    pub fn query(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }
    /// Adds a header.
    pub fn header(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    /// Whether the request carries an `If-Modified-Since` header (only then is a 304 an
    /// answer).
    fn conditional(&self) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("if-modified-since"))
    }
}

/// A successful response: a 2xx status, a 304 to a request with `If-Modified-Since`, or (for
/// batch writes) a 400/412 carrying one outcome per record.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status (200, 201, 204, 207, 304).
    pub status: u16,
    /// The body (empty for 204 and 304).
    pub body: Bytes,
    /// Whether the request was safe to repeat; a body of a request that was not, and that
    /// cannot be decoded, is an unknown outcome.
    idempotent: bool,
}

impl ApiResponse {
    /// Decodes the body; `None` for an empty body (204, 304).
    ///
    /// When the request was not safe to repeat (a create, an upsert) and the body does not
    /// decode, the error is [`Error::UnknownOutcome`]: the server answered success, so it may
    /// have written the data although its reply cannot be read.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        if self.body.is_empty() {
            return Ok(None);
        }
        match http::decode(&self.body) {
            Ok(v) => Ok(Some(v)),
            Err(Error::Decode { path, message, .. })
                if !self.idempotent && (200..300).contains(&self.status) =>
            {
                Err(self.unknown_outcome(format!(
                    "its reply (HTTP {}) could not be read at `{path}`: {message}",
                    self.status
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// This answer as an [`Error::UnknownOutcome`]: the request may have taken effect, and
    /// `reason` says why its outcome cannot be read.
    pub(crate) fn unknown_outcome(&self, reason: String) -> Error {
        Error::UnknownOutcome {
            reason,
            status: Some(self.status),
            snippet: http::snippet(&self.body),
        }
    }
}

/// Learns the org's edition (`GET /org`) and raises the client's concurrency limit to it; on
/// failure the limit stays as it is. (A boxed future: the request it
/// sends goes through `Client::permit`, which spawns this.)
fn learn_edition(
    client: Client,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    Box::pin(async move {
        match client.get_json("/org", &[]).await {
            Ok(org) => {
                if let Some(e) = org.as_ref().and_then(builder::org_edition) {
                    client.limiter().raise_to(builder::edition_concurrency(&e));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.report(), "could not learn the org's edition (scope ZohoCRM.org.READ is needed); the concurrency limit stays at the smallest edition's")
            }
        }
    })
}

/// The answer of [`Client::send`].
pub(crate) enum Reply {
    /// A body read in full.
    Buffered(ApiResponse),
    /// A 2xx response whose body is still to be read, with its concurrency slot.
    Streamed(reqwest::Response, Slot),
}

/// A concurrency slot held by a streamed response body; given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot(Arc<crate::limits::Limit>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.release_one();
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: SdkConfig,
    api_base: String,
    auth: TokenManager,
    limiter: std::sync::RwLock<Arc<crate::limits::Limit>>,
    metadata: std::sync::OnceLock<crate::metadata::MetadataCache>,
    /// The org's id, once asked of `GET /org` (when the user name does not carry it).
    zgid: std::sync::OnceLock<String>,
    /// The org's edition (its concurrency limit) is still to be learnt: set for clients built
    /// from a stored token without `max_concurrency`, cleared when the learning starts.
    edition_unknown: std::sync::atomic::AtomicBool,
    budget: Arc<RetryBudget>,
}

/// A Zoho CRM client for one user in one org. `Clone` is cheap (an `Arc`); clones share the
/// token, the connection pool and the concurrency limit.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The id of this client's token in the store.
    pub fn token_id(&self) -> Option<String> {
        self.inner.auth.snapshot().id
    }

    /// The user and org of this client (`email:zgid`), when discovered.
    pub fn user_name(&self) -> Option<String> {
        self.inner.auth.snapshot().user_name
    }

    /// The org's id (`zgid`): from the stored user name (`email:zgid`), or asked of
    /// `GET /org` once when that is unknown (scope `ZohoCRM.org.READ`).
    pub async fn org_zgid(&self) -> Result<String, Error> {
        if let Some(z) = self.inner.zgid.get() {
            return Ok(z.clone());
        }
        if let Some(z) = self
            .user_name()
            .and_then(|u| u.rsplit_once(':').map(|(_, z)| z.to_string()))
            .filter(|z| !z.is_empty())
        {
            return Ok(z);
        }
        let org = self.get_json("/org", &[]).await?.unwrap_or(Value::Null);
        let zgid = builder::org_zgid(&org).ok_or_else(|| {
            http::decode_error("$.org[0].zgid", "missing", org.to_string().as_bytes())
        })?;
        Ok(self.inner.zgid.get_or_init(|| zgid).clone())
    }

    /// The file-upload host of the environment (`https://content.zohoapis.com`).
    pub(crate) fn upload_base(&self) -> String {
        self.inner.auth.env().file_upload_url().to_string()
    }

    /// The API domain requests go to.
    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// The configuration.
    pub fn config(&self) -> &SdkConfig {
        &self.inner.config
    }

    /// The field-metadata cache, keyed by this client's org and API host.
    pub(crate) fn metadata(&self) -> &crate::metadata::MetadataCache {
        self.inner.metadata.get_or_init(|| {
            let user = self.inner.auth.snapshot().user_name.unwrap_or_default();
            let org = user
                .rsplit_once(':')
                .map(|(_, zgid)| zgid.to_string())
                .filter(|z| !z.is_empty());
            let c = &self.inner.config;
            // Files are shared by org; a client whose org is unknown (discovery failed) keeps
            // its metadata in memory only, so that it never reads another org's fields.
            let dir = c.resource_path().filter(|_| org.is_some());
            if org.is_none() && c.resource_path().is_some() {
                tracing::warn!("the org of this token is unknown: field metadata is cached in memory only, not under resource_path");
            }
            crate::metadata::MetadataCache::new(
                dir,
                &self.inner.api_base,
                org.as_deref().unwrap_or("unknown-org"),
                c.metadata_ttl(),
                c.auto_refresh_fields(),
            )
        })
    }

    /// The directory of this client's field-metadata files, when `resource_path` is set.
    pub fn metadata_dir(&self) -> Option<std::path::PathBuf> {
        self.metadata().dir().map(|p| p.to_path_buf())
    }

    fn limiter(&self) -> Arc<crate::limits::Limit> {
        self.inner
            .limiter
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Simultaneous requests this client allows (shared with the other clients of its org when
    /// built with the same `OrgLimits`).
    pub fn concurrency_limit(&self) -> usize {
        self.limiter().size()
    }

    /// A slot under the concurrency limit. The first time requests have to queue while the
    /// org's edition is unknown (a client built from a stored token), one `GET /org` is sent in
    /// the background to learn it and raise the limit; a client that never queues never sends
    /// it.
    async fn permit<'a>(
        &self,
        limiter: &'a crate::limits::Limit,
    ) -> Result<tokio::sync::SemaphorePermit<'a>, Error> {
        if let Some(p) = limiter.try_acquire() {
            return Ok(p);
        }
        if self
            .inner
            .edition_unknown
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            tokio::spawn(learn_edition(self.clone()));
        }
        limiter
            .acquire()
            .await
            .ok_or_else(|| Error::transport("the concurrency limiter is closed"))
    }

    /// Sends a request with a valid access token: waits for a concurrency slot, retries
    /// idempotent requests on 429, 5xx, transport errors and timeouts (exponential backoff with
    /// full jitter, `Retry-After` honoured, within the retry budget), and on 401 `INVALID_TOKEN`
    /// refreshes the token once and replays.
    pub async fn execute(&self, req: ApiRequest) -> Result<ApiResponse, Error> {
        let span = request_span(&req);
        self.execute_inner(req).instrument(span).await
    }

    async fn execute_inner(&self, req: ApiRequest) -> Result<ApiResponse, Error> {
        match self.send(req, false).await? {
            Reply::Buffered(r) => Ok(r),
            Reply::Streamed(..) => unreachable!("a buffered request is answered buffered"),
        }
    }

    /// The URL of a request: the API domain, the file-upload host, or a Zoho download host.
    fn url_of(&self, req: &ApiRequest) -> String {
        if let Some(base) = &req.zoho_base {
            return format!("{base}{}", req.path);
        }
        let base = if req.upload_host {
            self.inner.auth.env().file_upload_url().to_string()
        } else {
            self.inner.api_base.clone()
        };
        if req.path.starts_with("/crm/") {
            format!("{base}{}", req.path)
        } else {
            format!("{base}/crm/{API_VERSION}{}", req.path)
        }
    }

    /// Sends a request (see [`execute`](Self::execute)); with `streamed`, a 2xx body is not
    /// read but handed back with the response, holding its concurrency slot until dropped.
    pub(crate) async fn send(&self, req: ApiRequest, streamed: bool) -> Result<Reply, Error> {
        check_path(&req.path)?;
        // An upload may have been taken by the server once its body started to leave: it is
        // never repeated after that, whatever its method (see `may_repeat` below).
        let idempotent = req.idempotent && req.multipart.is_none();
        if let Some(m) = &req.multipart {
            m.check().await?;
        }
        let inner = &self.inner;
        let url = self.url_of(&req);
        let limit = inner.config.max_response_bytes();
        let mut retrier = http::Retrier::new(inner.config.retry(), &inner.budget);
        let mut replayed = false;
        loop {
            let attempt = retrier.start();
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            let started = Instant::now();
            let result = {
                let limiter = self.limiter();
                let permit = self.permit(&limiter).await?;
                // The token is taken once the request may go: a refresh that happened while it
                // queued is used, so no request leaves with a token known to be stale.
                let token = inner.auth.access_token().await?;
                let mut rb = inner
                    .http
                    .request(req.method.clone(), &url)
                    .header(
                        "Authorization",
                        format!("Zoho-oauthtoken {}", token.expose()),
                    )
                    .query(&req.query);
                for (k, v) in &req.headers {
                    rb = rb.header(k, v);
                }
                if let Some(t) = req.timeout {
                    rb = rb.timeout(t);
                }
                if let Some(m) = &req.multipart {
                    match m.form().await? {
                        Some(form) => rb = rb.multipart(form),
                        None => return Err(Error::Config(ConfigError::Invalid {
                            field: "multipart",
                            reason: "a file part read from a reader was sent already and cannot be sent again; give a path or bytes to send a file more than once".into(),
                        })),
                    }
                } else if let Some(b) = &req.body {
                    rb = rb.json(b);
                }
                match rb.send().await {
                    Ok(resp) if streamed && (200..300).contains(&resp.status().as_u16()) => {
                        let status = resp.status().as_u16();
                        span.record("status", status);
                        span.record("duration_ms", started.elapsed().as_millis() as u64);
                        retrier.succeeded();
                        permit.forget();
                        return Ok(Reply::Streamed(resp, Slot(limiter.clone())));
                    }
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let retry_after = http::retry_after(&resp);
                        http::read_body(resp, limit)
                            .await
                            .map(|body| (status, retry_after, body, token))
                            .map_err(|e| http::body_error(e, status, idempotent, limit))
                    }
                    Err(e) => Err(http::send_error(e, idempotent)),
                }
            };
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            // A body read from a reader cannot be sent again: whatever came back is final.
            let resendable = req.multipart.as_ref().is_none_or(|m| m.replayable());
            let (error, retry_after) = match result {
                Ok((status, retry_after, body, token)) => {
                    span.record("status", status);
                    let accepted = (200..300).contains(&status)
                        || (status == 304 && req.conditional())
                        || (matches!(status, 400 | 412)
                            && req.expected_items.is_some()
                            && per_record_items(&body) == req.expected_items);
                    if accepted {
                        retrier.succeeded();
                        return Ok(Reply::Buffered(ApiResponse {
                            status,
                            body,
                            idempotent,
                        }));
                    }
                    if status < 400 {
                        // Redirects are never followed (they would carry the token to another
                        // host) and a 304 answers only a conditional request.
                        return Err(ProtocolError::UnexpectedStatus { status }.into());
                    }
                    let err = http::api_error(status, &body);
                    // A 401 that says the token is invalid, or whose body cannot be read, is
                    // answered by one refresh and one replay.
                    let stale = matches!(err.api_code(), Some("INVALID_TOKEN" | "HTTP_ERROR"));
                    if status == 401 && stale && !replayed {
                        inner.auth.invalidate(&token);
                        if !resendable {
                            return Err(not_resent(err));
                        }
                        tracing::info!("access token rejected; refreshing once and replaying");
                        replayed = true;
                        retrier.unstart();
                        continue;
                    }
                    (err, retry_after)
                }
                Err(e) => (e, None),
            };
            // A request that is not safe to repeat is sent again only after a 429: the server
            // refused it unprocessed.
            let throttled = matches!(error, Error::Api { status: 429, .. });
            let may_repeat = error.is_retryable() && (idempotent || throttled);
            if may_repeat && !resendable {
                return Err(not_resent(error));
            }
            let Some(wait) = retrier.wait_after(may_repeat, retry_after) else {
                return Err(error);
            };
            tracing::warn!(error = %error.report(), wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// GETs a path and decodes its JSON; `None` for 204/304.
    pub async fn get_json(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<Value>, Error> {
        let mut req = ApiRequest::get(path);
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        self.execute(req).await?.json()
    }

    /// Revokes this client's refresh token at Zoho and deletes the stored token.
    pub async fn revoke(&self, store: &dyn TokenStore) -> Result<(), Error> {
        let t = self.inner.auth.snapshot();
        if let Some(r) = &t.refresh_token {
            oauth::revoke(self.inner.auth.transport(), &self.inner.auth_env(), r).await?;
        }
        if let Some(id) = &t.id {
            store.delete(id).await?;
        }
        Ok(())
    }
}

impl Inner {
    fn auth_env(&self) -> ApiEnvironment {
        self.auth.env().clone()
    }
}

/// An answer that would have been followed by a resend (429, a stale token), for a request
/// whose file part was read from a reader and cannot be sent again: said in the error.
fn not_resent(error: Error) -> Error {
    match error {
        Error::Api {
            status,
            code,
            message,
            details,
        } => Error::Api {
            status,
            code,
            message: format!("{message} (not sent again: a file part read from a reader can be sent once; give a path or bytes to have it resent)"),
            details,
        },
        other => other,
    }
}

/// The tracing span of one request (method, path, module; attempt, status and duration are
/// recorded as it goes).
fn request_span(req: &ApiRequest) -> tracing::Span {
    let module = req
        .path
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|m| !m.is_empty() && !matches!(*m, "settings" | "users" | "org" | "coql"))
        .unwrap_or("")
        .to_string();
    tracing::info_span!(
        "zcrm.request",
        method = %req.method,
        path = %req.path,
        module = %module,
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty
    )
}

/// Refuses a path the URL would not carry as written: one that does not start with `/`, or
/// with an empty, `.` or `..` segment (percent-encoded too: URL parsers and servers read `%2e`
/// as `.`), which would reach another resource (`/Leads/.` is the list of Leads). Such a
/// segment cannot be escaped, so an id or a module name that is one is an error before
/// anything is sent.
fn check_path(path: &str) -> Result<(), Error> {
    let invalid = |reason: String| {
        Err(ConfigError::Invalid {
            field: "path",
            reason,
        }
        .into())
    };
    let Some(rest) = path.strip_prefix('/') else {
        return invalid(format!("`{path}` must start with `/`"));
    };
    let dots = |seg: &str| seg.to_ascii_lowercase().replace("%2e", ".");
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    match rest.split('/').find(|seg| matches!(dots(seg).as_str(), "" | "." | "..")) {
        None => Ok(()),
        Some(seg) => invalid(format!(
            "`{path}` has the segment `{seg}`; an empty, `.` or `..` segment would send the request to another resource (record ids and module names cannot be empty, `.` or `..`)"
        )),
    }
}

/// What a path segment keeps as it is: letters, digits and `-._~` (RFC 3986's unreserved
/// characters); everything else is percent-encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment.
pub fn encode_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// The number of per-record result items (`{"data":[{"code","status",...}, ...]}`) in a body.
/// Items about the URL path (`details.resource_path_index`, e.g. `INVALID_MODULE`) are
/// request-level errors that Zoho also wraps in `data`, so they count as none.
fn per_record_items(body: &[u8]) -> Option<usize> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let items = v.get("data")?.as_array()?;
    let per_record = |i: &Value| {
        i.get("code").is_some()
            && i.get("status").is_some()
            && i.pointer("/details/resource_path_index").is_none()
    };
    items.iter().all(per_record).then_some(items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Client>();
    }

    /// Building a client and sending requests can run on any executor thread (`tokio::spawn`,
    /// web handlers).
    #[allow(dead_code)]
    fn futures_are_send(b: ClientBuilder, c: Client) {
        fn send<T: Send>(_: T) {}
        send(b.build());
        send(c.execute(ApiRequest::get("/org")));
        send(c.dynamic("Leads").create(&[]));
        send(c.module_fields("Leads"));
    }

    #[test]
    fn segments_keep_only_unreserved_characters() {
        assert_eq!(encode_segment("Leads"), "Leads");
        assert_eq!(encode_segment("a b/c?d#e%f"), "a%20b%2Fc%3Fd%23e%25f");
        assert_eq!(encode_segment("x-y.z_w~"), "x-y.z_w~");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    mod properties {
        use super::*;
        use crate::arbitrary::{body, ZOHO_KEYS};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

            /// Any body, with any status, is classified and decoded without a panic: an error
            /// body always yields a code, a success body a value or a typed error.
            #[test]
            fn api_bodies_never_panic(b in body(ZOHO_KEYS), status in 100u16..600, idempotent in any::<bool>()) {
                let e = http::api_error(status, &b);
                prop_assert!(e.api_code().is_some_and(|c| !c.is_empty()));
                let _ = per_record_items(&b);
                let resp = ApiResponse { status, body: Bytes::from(b.clone()), idempotent };
                let decoded = resp.json::<crate::records::DynamicRecord>();
                if let Err(e) = decoded {
                    let unknown = e.kind() == crate::ErrorKind::UnknownOutcome;
                    prop_assert_eq!(unknown, !idempotent && (200..300).contains(&status), "{}", e);
                }
                let _ = resp.json::<crate::outcome::RecordOutcome>();
                let _ = resp.json::<Value>();
            }
        }
    }
}
