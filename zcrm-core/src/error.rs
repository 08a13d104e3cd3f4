//! The one error type of the SDK, with a [`kind`](Error::kind) and
//! [`is_retryable`](Error::is_retryable). No variant ever carries a secret.

use serde_json::Value;

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
    /// The connection failed (refused, reset, closed mid-response, TLS).
    #[error("HTTP transport error: {0}")]
    Transport(String),
    /// A connect or read timeout elapsed.
    #[error("request timed out: {0}")]
    Timeout(String),
    /// The token store failed; a token that could not be persisted is an error.
    #[error("token store error: {0}")]
    Store(#[from] StoreError),
    /// A record failed a check made before sending it; nothing was sent.
    #[error("validation failed: {0}")]
    Validation(#[from] crate::metadata::PicklistError),
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
}

impl Error {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::OAuth(_) => ErrorKind::OAuth,
            Error::Api { .. } => ErrorKind::Api,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Transport(_) => ErrorKind::Transport,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Store(_) => ErrorKind::Store,
            Error::Validation(_) => ErrorKind::Validation,
        }
    }

    /// Whether sending the same request again may succeed: throttling (429), server errors
    /// (5xx), transport failures and timeouts.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => *status == 429 || *status >= 500,
            Error::Transport(_) | Error::Timeout(_) => true,
            Error::OAuth(OAuthError::Throttled { .. }) => false,
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
        assert!(Error::Transport("reset".into()).is_retryable());
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
