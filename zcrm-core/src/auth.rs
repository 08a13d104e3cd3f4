//! Tokens at run time: the [`OAuthToken`] a client is built from, and the manager that keeps a
//! valid access token, refreshing it once for all concurrent callers.

use crate::environment::ApiEnvironment;
use crate::error::{ConfigError, Error, OAuthError, StoreError};
use crate::oauth::{self, ClientCredentials};
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use crate::store::TokenStore;
use crate::token::StoredToken;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a client's first token comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// A grant code to exchange (self client or web redirect).
    Grant(GrantToken),
    /// A refresh token.
    Refresh(RefreshToken),
    /// An access token alone (no refresh possible).
    Access(AccessToken),
    /// The id of a token in the store.
    StoredId(String),
}

/// Credentials and a token source, validated: build it with [`OAuthToken::builder`].
#[derive(Debug, Clone)]
pub struct OAuthToken {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<ClientSecret>,
    pub(crate) redirect_url: Option<String>,
    pub(crate) source: TokenSource,
}

impl OAuthToken {
    /// A builder.
    pub fn builder() -> OAuthTokenBuilder {
        OAuthTokenBuilder::default()
    }

    /// The token source.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    pub(crate) fn credentials(&self) -> Option<ClientCredentials> {
        Some(ClientCredentials {
            client_id: self.client_id.clone()?,
            client_secret: self.client_secret.clone()?,
            redirect_url: self.redirect_url.clone(),
        })
    }
}

/// Builds an [`OAuthToken`]; give client id and secret and exactly one of grant token, refresh
/// token, access token or stored id.
#[derive(Debug, Clone, Default)]
pub struct OAuthTokenBuilder {
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    redirect_url: Option<String>,
    grant: Option<GrantToken>,
    refresh: Option<RefreshToken>,
    access: Option<AccessToken>,
    id: Option<String>,
}

impl OAuthTokenBuilder {
    /// The OAuth client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// The OAuth client secret.
    pub fn client_secret(mut self, s: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(s.into());
        self
    }
    /// The redirect URL registered for the client (web flow).
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }
    /// Start from a grant code.
    pub fn grant_token(mut self, t: impl Into<GrantToken>) -> Self {
        self.grant = Some(t.into());
        self
    }
    /// Start from a refresh token.
    pub fn refresh_token(mut self, t: impl Into<RefreshToken>) -> Self {
        self.refresh = Some(t.into());
        self
    }
    /// Start from an access token alone.
    pub fn access_token(mut self, t: impl Into<AccessToken>) -> Self {
        self.access = Some(t.into());
        self
    }
    /// Start from a token already in the store.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The token, or what is missing or conflicting.
    pub fn build(self) -> Result<OAuthToken, ConfigError> {
        let mut given = vec![];
        if self.grant.is_some() {
            given.push("grant token");
        }
        if self.refresh.is_some() {
            given.push("refresh token");
        }
        if self.access.is_some() {
            given.push("access token");
        }
        if self.id.is_some() {
            given.push("stored id");
        }
        if given.len() > 1 {
            return Err(ConfigError::ConflictingTokens { given });
        }
        let empty = |v: &str| v.trim().is_empty();
        let source = if let Some(g) = self.grant {
            if empty(g.expose()) {
                return Err(ConfigError::Empty {
                    field: "grant_token",
                    hint: "give the code from the API console or the OAuth redirect",
                });
            }
            TokenSource::Grant(g)
        } else if let Some(r) = self.refresh {
            if empty(r.expose()) {
                return Err(ConfigError::Empty {
                    field: "refresh_token",
                    hint: "give the refresh token Zoho issued",
                });
            }
            TokenSource::Refresh(r)
        } else if let Some(a) = self.access {
            if empty(a.expose()) {
                return Err(ConfigError::Empty {
                    field: "access_token",
                    hint: "give the access token Zoho issued",
                });
            }
            TokenSource::Access(a)
        } else if let Some(id) = self.id {
            if empty(&id) {
                return Err(ConfigError::Empty {
                    field: "id",
                    hint: "give the id of a stored token",
                });
            }
            TokenSource::StoredId(id)
        } else {
            return Err(ConfigError::NoToken);
        };
        if matches!(source, TokenSource::Grant(_) | TokenSource::Refresh(_)) {
            match &self.client_id {
                None => return Err(ConfigError::Missing { field: "client_id", hint: "grant and refresh tokens are exchanged with the client id and secret from the API console" }),
                Some(c) if empty(c) => return Err(ConfigError::Empty { field: "client_id", hint: "copy it from the API console" }),
                _ => {}
            }
            match &self.client_secret {
                None => return Err(ConfigError::Missing { field: "client_secret", hint: "grant and refresh tokens are exchanged with the client id and secret from the API console" }),
                Some(s) if empty(s.expose()) => return Err(ConfigError::Empty { field: "client_secret", hint: "copy it from the API console" }),
                _ => {}
            }
        }
        Ok(OAuthToken {
            client_id: self.client_id,
            client_secret: self.client_secret,
            redirect_url: self.redirect_url,
            source,
        })
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The epoch milliseconds at which a token lifetime that starts now ends (saturating: a
/// lifetime too long to represent ends at the end of time, never wraps into the past).
pub(crate) fn expiry_after(lifetime: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX))
}

/// Keeps one token valid: refreshes ahead of expiry, once for all concurrent callers, after
/// re-reading the store (another process may have refreshed already), and persists the result.
#[derive(Debug)]
pub(crate) struct TokenManager {
    http: oauth::Transport,
    env: ApiEnvironment,
    store: Arc<dyn TokenStore>,
    current: RwLock<StoredToken>,
    refresh_lock: tokio::sync::Mutex<()>,
    skew: Duration,
    /// A refresh token Zoho answered `invalid_code` for: it is not sent again (a token that
    /// another process stores in its place is).
    rejected: RwLock<Option<RefreshToken>>,
}

impl TokenManager {
    pub(crate) fn new(
        http: oauth::Transport,
        env: ApiEnvironment,
        store: Arc<dyn TokenStore>,
        token: StoredToken,
        skew: Duration,
    ) -> Self {
        TokenManager {
            http,
            env,
            store,
            current: RwLock::new(token),
            refresh_lock: tokio::sync::Mutex::new(()),
            skew,
            rejected: RwLock::new(None),
        }
    }

    pub(crate) fn env(&self) -> &ApiEnvironment {
        &self.env
    }

    pub(crate) fn transport(&self) -> &oauth::Transport {
        &self.http
    }

    pub(crate) fn replace(&self, token: StoredToken) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = token;
    }

    pub(crate) fn snapshot(&self) -> StoredToken {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn valid(&self, t: &StoredToken) -> Option<AccessToken> {
        let access = t.access_token.clone()?;
        match t.expiry_time {
            None => Some(access),
            // Saturating: a nonsense expiry (i64::MIN from a damaged store) counts as expired,
            // never wraps into "valid forever".
            Some(exp)
                if exp.saturating_sub(i64::try_from(self.skew.as_millis()).unwrap_or(i64::MAX))
                    > now_ms() =>
            {
                Some(access)
            }
            Some(_) => None,
        }
    }

    /// A valid access token, refreshing if needed.
    pub(crate) async fn access_token(&self) -> Result<AccessToken, Error> {
        // The common case reads the current token in place (no copy of the whole token).
        let current = self.valid(&self.current.read().unwrap_or_else(|e| e.into_inner()));
        if let Some(t) = current {
            return Ok(t);
        }
        let _single_flight = self.refresh_lock.lock().await;
        let current = self.snapshot();
        if let Some(t) = self.valid(&current) {
            return Ok(t);
        }
        // Other processes sharing the store: take its lock, then look whether one of them has
        // refreshed already.
        let key = current
            .id
            .clone()
            .or_else(|| current.user_name.clone())
            .unwrap_or_else(|| "token".into());
        let lock = self.store.lock_refresh(&key).await?;
        let result = self.refresh_locked(current).await;
        lock.release().await;
        result
    }

    async fn refresh_locked(&self, current: StoredToken) -> Result<AccessToken, Error> {
        let mut current = current;
        if let Some(id) = &current.id {
            if let Some(stored) = self.store.find_by_id(id).await? {
                // Ids are given again after a row is deleted (`MAX(id) + 1`): a row of another
                // user-org under this id is not this token's. Nothing of it is used, and
                // nothing is saved over it.
                if let (Some(mine), Some(theirs)) = (&current.user_name, &stored.user_name) {
                    if mine != theirs {
                        return Err(StoreError::Io {
                            target: format!("stored token `{id}`"),
                            reason: "this client's token was deleted and its id now belongs to another user-org; sign in again".into(),
                        }
                        .into());
                    }
                }
                if stored.access_token != current.access_token {
                    if let Some(t) = self.valid(&stored) {
                        tracing::debug!("reusing an access token refreshed by another process");
                        *self.current.write().unwrap_or_else(|e| e.into_inner()) = stored;
                        return Ok(t);
                    }
                }
                // A refresh token stored since (another process signed in again) replaces
                // this one, which Zoho may have rejected.
                if stored.refresh_token.is_some() && stored.refresh_token != current.refresh_token {
                    current = stored;
                }
            }
        }
        let refresh = current.refresh_token.clone().ok_or_else(|| {
            Error::OAuth(OAuthError::Other { error: "access token expired".into(), description: "the token has no refresh token to renew it; give a refresh token or a new grant code".into() })
        })?;
        if self
            .rejected
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            == Some(&refresh)
        {
            return Err(Error::OAuth(OAuthError::RefreshTokenRejected));
        }
        let creds = ClientCredentials {
            client_id: current.client_id.clone().unwrap_or_default(),
            client_secret: current
                .client_secret
                .clone()
                .unwrap_or_else(|| ClientSecret::new("")),
            redirect_url: current.redirect_url.clone(),
        };
        let resp = match oauth::refresh(&self.http, &self.env, &creds, &refresh).await {
            Err(Error::OAuth(OAuthError::InvalidCode)) => {
                *self.rejected.write().unwrap_or_else(|e| e.into_inner()) = Some(refresh);
                return Err(Error::OAuth(OAuthError::InvalidCode));
            }
            other => other?,
        };
        let mut next = current.clone();
        next.access_token = Some(resp.access_token.clone());
        next.expiry_time = Some(expiry_after(resp.expires_in));
        if let Some(r) = resp.refresh_token {
            next.refresh_token = Some(r);
        }
        let saved = self.store.save(&next).await?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = saved;
        Ok(resp.access_token)
    }

    /// Marks `stale` as expired (after Zoho rejected it) unless a newer token replaced it.
    pub(crate) fn invalidate(&self, stale: &AccessToken) {
        let mut cur = self.current.write().unwrap_or_else(|e| e.into_inner());
        if cur.access_token.as_ref() == Some(stale) {
            cur.expiry_time = Some(0);
            if cur.refresh_token.is_none() {
                cur.access_token = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_arithmetic_saturates() {
        assert_eq!(expiry_after(Duration::MAX), i64::MAX);
        let soon = expiry_after(Duration::from_secs(3600));
        assert!((soon - now_ms() - 3_600_000).abs() < 5_000, "{soon}");
    }

    #[test]
    fn every_misconfiguration_has_a_message() {
        let b = OAuthToken::builder;
        assert_eq!(b().build().unwrap_err().to_string(), "no token given: give exactly one of grant token, refresh token, access token or stored id");
        assert_eq!(
            b().client_id("c").client_secret("s").grant_token("g").refresh_token("r").build().unwrap_err().to_string(),
            "give exactly one of grant token, refresh token, access token or stored id; got grant token and refresh token"
        );
        assert_eq!(
            b().client_id("")
                .client_secret("s")
                .grant_token("g")
                .build()
                .unwrap_err()
                .to_string(),
            "`client_id` is empty; copy it from the API console"
        );
        assert_eq!(
            b().client_secret("s").refresh_token("r").build().unwrap_err().to_string(),
            "`client_id` is missing; grant and refresh tokens are exchanged with the client id and secret from the API console"
        );
        assert_eq!(b().client_id("c").grant_token("g").build().unwrap_err().to_string(), "`client_secret` is missing; grant and refresh tokens are exchanged with the client id and secret from the API console");
        assert_eq!(
            b().client_id("c")
                .client_secret("s")
                .grant_token(" ")
                .build()
                .unwrap_err()
                .to_string(),
            "`grant_token` is empty; give the code from the API console or the OAuth redirect"
        );
        let access = b().access_token("1000.a").build().unwrap();
        assert!(
            matches!(access.source(), TokenSource::Access(a) if a.expose() == "1000.a"),
            "{access:?}"
        );
        assert!(
            access.credentials().is_none(),
            "no client credentials given"
        );
        let id = b().id("1").build().unwrap();
        assert!(matches!(id.source(), TokenSource::StoredId(i) if i == "1"));
        let grant = b()
            .client_id("c")
            .client_secret("s")
            .redirect_url("http://127.0.0.1/cb")
            .grant_token("g")
            .build()
            .unwrap();
        let creds = grant.credentials().unwrap();
        assert_eq!(
            (
                creds.client_id.as_str(),
                creds.client_secret.expose(),
                creds.redirect_url.as_deref()
            ),
            ("c", "s", Some("http://127.0.0.1/cb"))
        );
        assert!(matches!(grant.source(), TokenSource::Grant(g) if g.expose() == "g"));
    }
}
