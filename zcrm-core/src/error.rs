//! The one error type of the SDK, with a [`kind`](Error::kind) and
//! [`is_retryable`](Error::is_retryable). No variant ever carries a secret.

use crate::outcome::RecordOutcome;
use serde_json::Value;
use std::ops::Range;

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SDK was configured wrongly; nothing was sent.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// Zoho Accounts refused a token request.
    #[error("Zoho accounts refused the token request: {0}")]
    OAuth(#[from] OAuthError),
    /// Zoho CRM answered with an error.
    #[error("Zoho CRM answered HTTP {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Zoho's error `code` (`INVALID_DATA`, `TOO_MANY_REQUESTS`, ...).
        code: String,
        /// Zoho's `message`.
        message: String,
        /// Zoho's `details`.
        details: Value,
    },
    /// A response did not have the shape expected.
    #[error("could not decode Zoho's response at `{path}`: {message}; body starts: {snippet}")]
    Decode {
        /// JSON path of the value that failed.
        path: String,
        /// What was wrong.
        message: String,
        /// The first bytes of the body, with token-like values redacted.
        snippet: String,
    },
    /// The connection failed (refused, reset, closed mid-response, TLS), or a task the SDK ran
    /// stopped. The underlying error, when there is one, is the [`source`](std::error::Error::source).
    #[error("HTTP transport error: {message}")]
    Transport {
        /// Which step failed (`could not connect`); the causes are the `source` chain.
        message: String,
        /// The underlying error (the HTTP client's, without the request's URL).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A connect or read timeout elapsed.
    #[error("request timed out: {0}")]
    Timeout(String),
    /// The token store failed; a token that could not be persisted is an error.
    #[error("token store error: {0}")]
    Store(#[from] StoreError),
    /// A record failed a check made before sending it; nothing was sent.
    #[error("validation failed: {0}")]
    Validation(#[from] PicklistError),
    /// A request that is not safe to repeat (a create, an upsert, a grant exchange) was sent, but
    /// its reply was lost or cut off: **the server may have applied it**. It is not retried;
    /// look the records up (by a unique field) before sending it again.
    #[error("outcome unknown: the request was sent but {reason}; the server may have applied it, so it was not repeated (look the data up before sending it again)")]
    UnknownOutcome {
        /// What happened to the reply.
        reason: String,
        /// HTTP status, when the status line arrived.
        status: Option<u16>,
        /// The first bytes of the reply that arrived, with token-like values redacted.
        snippet: String,
    },
    /// The server broke the API's contract (a page token that does not advance, a status the
    /// SDK did not ask for, fewer outcomes than records sent, ...).
    #[error("unexpected answer from Zoho: {0}")]
    Protocol(#[from] ProtocolError),
    /// A batch call failed part-way: the outcomes of every chunk already sent are kept here, so
    /// nothing written is lost and a retry can skip what succeeded.
    #[error("{0}")]
    PartialWrite(Box<PartialWrite>),
    /// A buffered (JSON) response body was larger than the configured limit
    /// ([`SdkConfigBuilder::max_response_bytes`](crate::config::SdkConfigBuilder::max_response_bytes)).
    #[error("the response body is larger than the limit of {limit} bytes (HTTP {status}); raise `max_response_bytes` if such answers are expected")]
    ResponseTooLarge {
        /// The configured limit in bytes.
        limit: u64,
        /// HTTP status of the response.
        status: u16,
    },
    /// A local file could not be read or written (an upload's source, a download's target).
    #[error("{what} `{path}`: {source}")]
    Io {
        /// What was being done (`reading the upload`, ...).
        what: &'static str,
        /// The file.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// The state of a batch call (create, update, upsert, delete in chunks of 100) that failed
/// part-way: the per-record outcomes of every chunk that completed, which records the failed
/// chunk held, and why it failed.
#[derive(Debug)]
pub struct PartialWrite {
    /// Outcomes of records `0..outcomes.len()` of the input, in order (successes and per-record
    /// errors alike).
    pub outcomes: Vec<RecordOutcome>,
    /// Input indices of the chunk that failed. When [`error`](Self::error) is
    /// [`Error::UnknownOutcome`], these records may have been written; otherwise they were not.
    pub failed: Range<usize>,
    /// Records in the call. Records `failed.end..total` were not sent.
    pub total: usize,
    /// Why the chunk failed.
    pub error: Error,
}

impl std::fmt::Display for PartialWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "batch stopped after {} of {} records: records {}..{} failed ({}); records {}..{} were not sent",
            self.outcomes.len(),
            self.total,
            self.failed.start,
            self.failed.end,
            self.error.report(),
            self.failed.end,
            self.total
        )
    }
}

/// How the server broke the API's contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A list answered `more_records: true` with a `next_page_token` that was already used: the
    /// listing would never end.
    #[error("{path}: the server sent page_token `{token}` again after {records} records; the listing makes no progress")]
    RepeatedPageToken {
        /// The path listed.
        path: String,
        /// The repeated token (a cursor, not a credential).
        token: String,
        /// Records received before.
        records: u64,
    },
    /// A list answered `more_records: true` past the records `page` reaches, without a
    /// `next_page_token` to go on with: the rest cannot be fetched.
    #[error("{path}: the server says more records exist after {records} records but sent no next_page_token to fetch them")]
    MissingPageToken {
        /// The path listed.
        path: String,
        /// Records received before.
        records: u64,
    },
    /// A page answered `more_records: true` with no records: the listing makes no progress.
    #[error(
        "{path}: page {page} holds no records but says more exist; the listing makes no progress"
    )]
    EmptyPage {
        /// The path listed.
        path: String,
        /// The page number (1-based, counting token pages too).
        page: u64,
    },
    /// More pages than Zoho can serve for this kind of list.
    #[error("{path}: more than {limit} pages; Zoho serves at most that many, so the server is not making progress")]
    TooManyPages {
        /// The path listed.
        path: String,
        /// The bound.
        limit: u64,
    },
    /// A status the SDK does not accept: a redirect (never followed, so credentials stay with
    /// the host they were meant for) or a 304 to a request without `If-Modified-Since`.
    #[error("HTTP {status} was not expected (redirects are not followed; 304 only answers a request with If-Modified-Since)")]
    UnexpectedStatus {
        /// The status.
        status: u16,
    },
    /// A batch answer carried another number of outcomes than records sent.
    #[error("{sent} records were sent but the answer carries {received} outcomes")]
    OutcomeCount {
        /// Records sent.
        sent: usize,
        /// Outcomes received.
        received: usize,
    },
    /// A value in a successful answer is missing or malformed.
    #[error("{what}")]
    Malformed {
        /// What is wrong, naming the JSON path.
        what: String,
    },
}

/// The class of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Config`].
    Config,
    /// See [`Error::OAuth`].
    OAuth,
    /// See [`Error::Api`].
    Api,
    /// See [`Error::Decode`].
    Decode,
    /// See [`Error::Transport`].
    Transport,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::Store`].
    Store,
    /// See [`Error::Validation`].
    Validation,
    /// See [`Error::UnknownOutcome`].
    UnknownOutcome,
    /// See [`Error::Protocol`].
    Protocol,
    /// See [`Error::PartialWrite`].
    PartialWrite,
    /// See [`Error::ResponseTooLarge`].
    ResponseTooLarge,
    /// See [`Error::Io`].
    Io,
}

impl Error {
    /// A transport error without an underlying error.
    pub(crate) fn transport(message: impl Into<String>) -> Error {
        Error::Transport {
            message: message.into(),
            source: None,
        }
    }

    /// The message followed by each cause of the `source` chain, joined with `: ` (what
    /// anyhow's `{:#}` prints): the whole story in one line, for logs.
    ///
    /// ```
    /// let e = zcrm_core::Error::Transport {
    ///     message: "could not connect".into(),
    ///     source: Some(Box::new(std::io::Error::other("connection refused"))),
    /// };
    /// assert_eq!(e.to_string(), "HTTP transport error: could not connect");
    /// assert_eq!(e.report(), "HTTP transport error: could not connect: connection refused");
    /// // A message that already tells its cause does not repeat it.
    /// let io = zcrm_core::Error::Io {
    ///     what: "reading",
    ///     path: "/x".into(),
    ///     source: std::io::Error::other("gone"),
    /// };
    /// assert_eq!(io.report(), io.to_string());
    /// ```
    pub fn report(&self) -> String {
        let mut out = self.to_string();
        let mut src = std::error::Error::source(self);
        while let Some(s) = src {
            let text = s.to_string();
            // Messages that already end with their cause's text do not repeat it.
            if !out.ends_with(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            src = s.source();
        }
        out
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::OAuth(_) => ErrorKind::OAuth,
            Error::Api { .. } => ErrorKind::Api,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Store(_) => ErrorKind::Store,
            Error::Validation(_) => ErrorKind::Validation,
            Error::UnknownOutcome { .. } => ErrorKind::UnknownOutcome,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::PartialWrite(_) => ErrorKind::PartialWrite,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// Whether sending the same request again may succeed: throttling (429), server errors
    /// (5xx), transport failures and timeouts. An [`Error::UnknownOutcome`] is not: repeating
    /// it may write twice.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => *status == 429 || *status >= 500,
            Error::Transport { .. } | Error::Timeout(_) => true,
            _ => false,
        }
    }

    /// Whether the server may have applied the request, or part of it, although an error came
    /// back (so that sending it again could write twice): an [`Error::UnknownOutcome`], or a
    /// [`PartialWrite`] that wrote records before failing or whose failed chunk is an unknown
    /// outcome.
    pub fn may_have_applied(&self) -> bool {
        match self {
            Error::UnknownOutcome { .. } => true,
            Error::PartialWrite(p) => {
                p.outcomes.iter().any(RecordOutcome::is_success) || p.error.may_have_applied()
            }
            _ => false,
        }
    }

    /// Zoho's error code, for API errors.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A wrong or incomplete configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value that must not be empty is empty.
    #[error("`{field}` is empty; {hint}")]
    Empty {
        /// The field.
        field: &'static str,
        /// What to give instead.
        hint: &'static str,
    },
    /// A value is missing.
    #[error("`{field}` is missing; {hint}")]
    Missing {
        /// The field.
        field: &'static str,
        /// Why it is needed.
        hint: &'static str,
    },
    /// More than one source of a token was given.
    #[error("give exactly one of grant token, refresh token, access token or stored id; got {}", given.join(" and "))]
    ConflictingTokens {
        /// What was given.
        given: Vec<&'static str>,
    },
    /// No source of a token was given.
    #[error(
        "no token given: give exactly one of grant token, refresh token, access token or stored id"
    )]
    NoToken,
    /// `resource_path` is not an existing writable directory.
    #[error("resource_path `{path}` {reason}; give an existing, writable directory")]
    ResourcePath {
        /// The path given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A data-centre name that matches none.
    #[error(transparent)]
    DataCenter(#[from] crate::environment::UnknownDataCenter),
    /// Any other invalid value.
    #[error("`{field}`: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
}

/// A token request Zoho Accounts refused, with what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// `invalid_code`.
    #[error("invalid_code: the grant code or refresh token is not valid. Grant codes are single-use and expire within minutes (generate a new one in the API console); a refresh token stops working when revoked, or when more than 20 were issued for this user and client")]
    InvalidCode,
    /// The refresh token was answered `invalid_code` before (revoked, expired, or one of more
    /// than 20 issued); it is not sent to Zoho again.
    #[error("the refresh token was rejected by Zoho (invalid_code) and is not sent again: it was revoked or replaced; sign in again with a new grant code")]
    RefreshTokenRejected,
    /// `invalid_client`.
    #[error("invalid_client: client id not registered in this data center (accounts server {accounts_url}); use the data center where the client was created")]
    InvalidClient {
        /// The accounts server asked.
        accounts_url: String,
    },
    /// `invalid_client_secret`.
    #[error("invalid_client_secret: the client secret does not match the client id; copy it again from the API console")]
    InvalidClientSecret,
    /// `invalid_redirect_uri`.
    #[error("invalid_redirect_uri: the redirect URI differs from the one registered for the client and used in the authorization request")]
    InvalidRedirectUri,
    /// `Access Denied`: the token-creation throttle.
    #[error("Access Denied: Zoho allows 10 access tokens per refresh token in 10 minutes; reuse the current access token until it expires ({description})")]
    Throttled {
        /// Zoho's `error_description`.
        description: String,
    },
    /// An OAuth callback whose `state` is missing or is not the one kept for the sign-in
    /// (expired, from another browser, or forged).
    #[error("the sign-in callback's state is missing or does not match the sign-in started here (expired, from another browser, or forged); no code was taken from it")]
    StateMismatch,
    /// The person declined the consent (`error=access_denied` on the callback).
    #[error("access_denied: the person declined to let the client read their Zoho CRM data; nothing was granted")]
    AccessDenied,
    /// An OAuth callback with neither a code nor an error.
    #[error("the sign-in callback carries no code (and no error); start the sign-in again")]
    NoCode,
    /// Any other `error`.
    #[error("{error}: {description}")]
    Other {
        /// Zoho's `error`.
        error: String,
        /// Zoho's `error_description`, if any.
        description: String,
    },
}

/// A token store failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("{target}: {reason}")]
    Io {
        /// The file or database.
        target: String,
        /// What failed.
        reason: String,
    },
    /// The stored data is not in the expected format.
    #[error("{target}: line {line}: {reason}")]
    Corrupt {
        /// The file.
        target: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// No token has this id.
    #[error("no stored token has id `{0}`")]
    NotFound(String),
    /// A lock that serialises the store's writers (a database lock or a lock file) was not taken:
    /// it timed out or the database refused it. Nothing was written; the operation may be retried.
    #[error("{target}: lock not taken: {reason}")]
    Lock {
        /// The file or database.
        target: String,
        /// Which lock, and why it was not taken.
        reason: String,
    },
}

/// A value a picklist does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("picklist value `{value}` is not allowed for {module}.{field}{hint}; allowed values: {}", allowed.join(", "))]
pub struct PicklistError {
    /// Module API name.
    pub module: String,
    /// Field API name.
    pub field: String,
    /// The value given.
    pub value: String,
    /// The values the field allows (`actual_value`s).
    pub allowed: Vec<String>,
    /// A hint when the value is a display value.
    pub(crate) hint: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_classification() {
        let api = |status| Error::Api {
            status,
            code: "X".into(),
            message: "m".into(),
            details: Value::Null,
        };
        assert!(api(429).is_retryable());
        assert!(api(503).is_retryable());
        assert!(!api(400).is_retryable());
        assert!(!api(401).is_retryable());
        assert!(Error::transport("reset").is_retryable());
        assert!(!Error::OAuth(OAuthError::InvalidCode).is_retryable());
        assert_eq!(api(400).kind(), ErrorKind::Api);
        assert_eq!(api(400).api_code(), Some("X"));
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(OAuthError::InvalidCode
            .to_string()
            .contains("single-use and expire"));
        let e = OAuthError::InvalidClient {
            accounts_url: "https://accounts.zoho.eu".into(),
        };
        assert!(e.to_string().contains("not registered in this data center"));
        let c = ConfigError::ConflictingTokens {
            given: vec!["grant token", "refresh token"],
        };
        assert_eq!(c.to_string(), "give exactly one of grant token, refresh token, access token or stored id; got grant token and refresh token");
    }
}
