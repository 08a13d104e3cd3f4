//! Building a [`Client`]: the token flows, user-org discovery, and which API domain to use.

use super::{Client, Inner};
use crate::auth::{expiry_after, OAuthToken, TokenManager, TokenSource};
use crate::config::SdkConfig;
use crate::environment::{ApiEnvironment, DataCenter};
use crate::error::{ConfigError, Error, StoreError};
use crate::http::{self, RetryBudget};
use crate::oauth;
use crate::store::{FileStore, TokenStore};

/// The token file a client uses when given no store: `sdk_tokens.txt` in the working
/// directory, as the official SDKs do.
pub const DEFAULT_TOKEN_FILE: &str = "sdk_tokens.txt";
use crate::token::StoredToken;
use serde_json::Value;
use std::sync::Arc;

/// Concurrent calls Zoho allows per org by edition (`license_details.paid_type`).
pub fn edition_concurrency(edition: &str) -> usize {
    match edition.to_ascii_lowercase().as_str() {
        "free" => 5,
        "standard" | "starter" => 10,
        "professional" => 15,
        "enterprise" | "zohoone" | "zoho one" => 20,
        "ultimate" | "crmplus" | "crm plus" => 25,
        _ => 10,
    }
}

/// The limit used until the org's edition is known: the smallest edition's.
const UNKNOWN_EDITION_LIMIT: usize = 5;

/// Builds a [`Client`]: [`build`](ClientBuilder::build) runs the token flow.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    env: Option<ApiEnvironment>,
    token: Option<OAuthToken>,
    store: Option<Arc<dyn TokenStore>>,
    config: Option<SdkConfig>,
    http: Option<crate::http::HttpPool>,
    org_limits: Option<crate::limits::OrgLimits>,
}

impl ClientBuilder {
    /// Where the org lives (required).
    pub fn environment(mut self, env: ApiEnvironment) -> Self {
        self.env = Some(env);
        self
    }
    /// The token to start from (required).
    pub fn token(mut self, t: OAuthToken) -> Self {
        self.token = Some(t);
        self
    }
    /// Where tokens persist. Default: a [`FileStore`] at `sdk_tokens.txt` in the working
    /// directory (the official SDKs' file, created with mode 0600), so that a program run
    /// again finds its token; give a [`MemoryStore`](crate::store::MemoryStore) to keep tokens
    /// in memory only.
    pub fn store(mut self, s: Arc<dyn TokenStore>) -> Self {
        self.store = Some(s);
        self
    }
    /// Configuration (default: [`SdkConfig::default`]).
    pub fn config(mut self, c: SdkConfig) -> Self {
        self.config = Some(c);
        self
    }
    /// Shares one concurrency limit per org between the clients built with the same registry
    /// (several users of one org in one process).
    pub fn org_limits(mut self, limits: crate::limits::OrgLimits) -> Self {
        self.org_limits = Some(limits);
        self
    }
    /// Shares one HTTP connection pool between clients (many users in one process). The pool
    /// carries the SDK's transport settings (see [`HttpPool`](crate::HttpPool)); by default each
    /// client builds its own from its configuration.
    pub fn http_pool(mut self, pool: crate::http::HttpPool) -> Self {
        self.http = Some(pool);
        self
    }

    /// Runs the token flow (grant exchange, refresh, or loading a stored token), discovers the
    /// user and org of new tokens (`users?type=CurrentUser`, `org`) so that one user-org maps to
    /// one stored token, persists it, and returns the client.
    pub async fn build(self) -> Result<Client, Error> {
        let env = self.env.ok_or(ConfigError::Missing {
            field: "environment",
            hint: "give a DataCenter environment or a custom one",
        })?;
        let token = self.token.ok_or(ConfigError::Missing {
            field: "token",
            hint: "give an OAuthToken",
        })?;
        // The default file is fixed to the working directory at build time, so a later change
        // of directory does not move it.
        let default_store = self.store.is_none();
        let store: Arc<dyn TokenStore> = self.store.unwrap_or_else(|| {
            let path = std::env::current_dir()
                .map(|d| d.join(DEFAULT_TOKEN_FILE))
                .unwrap_or_else(|_| DEFAULT_TOKEN_FILE.into());
            Arc::new(FileStore::new(path))
        });
        // The default file must be writable before a single-use grant code is spent on a
        // token it could not keep: taking its lock creates the lock file beside it.
        if default_store && matches!(token.source, TokenSource::Grant(_)) {
            match store.lock_refresh("bootstrap").await {
                Ok(lock) => lock.release().await,
                Err(e) => {
                    return Err(ConfigError::Invalid {
                        field: "store",
                        reason: format!(
                            "no store was given, so the token would be kept in {DEFAULT_TOKEN_FILE} in the working directory, which cannot be written ({e}); nothing was exchanged. Give a store with .store(..): a FileStore elsewhere, a DbStore, a RedisStore or a MemoryStore"
                        ),
                    }
                    .into())
                }
            }
        }
        let config = self.config.unwrap_or_default();
        let self_org_limits = self.org_limits;
        let http = match self.http {
            Some(pool) => pool.http,
            None => http::HttpPool::new(&config)?.http,
        };
        let budget = Arc::new(RetryBudget::new(config.retry().budget));
        let transport = oauth::Transport {
            http: http.clone(),
            retry: config.retry().clone(),
            budget: budget.clone(),
            max_body: config.max_response_bytes(),
        };
        let mut stored = match &token.source {
            TokenSource::StoredId(id) => store
                .find_by_id(id)
                .await?
                .ok_or_else(|| StoreError::NotFound(id.clone()))?,
            TokenSource::Grant(g) => {
                let creds = token.credentials().expect("validated by the builder");
                // A self-client grant already exchanged (a program run again with the same
                // code) is found in the store, as the official SDK looks it up, and not spent
                // again: same code, client id and secret. Never for a server-based sign-in (a
                // redirect URL): there a spent code replayed to the callback must not sign
                // anyone in as the person it was first issued to.
                let known = if creds.redirect_url.is_none() {
                    store.list().await?.into_iter().find(|t| {
                        t.grant_token.as_ref() == Some(g)
                            && t.client_id.as_deref() == Some(creds.client_id.as_str())
                            && t.client_secret.as_ref().map(|s| s.expose())
                                == Some(creds.client_secret.expose())
                            && (t.refresh_token.is_some() || t.access_token.is_some())
                    })
                } else {
                    None
                };
                if let Some(t) = known {
                    tracing::info!("the grant token was exchanged before; using its stored token");
                    t
                } else {
                    let resp = oauth::exchange_grant(&transport, &env, &creds, g).await?;
                    StoredToken {
                        client_id: Some(creds.client_id),
                        client_secret: Some(creds.client_secret),
                        redirect_url: creds.redirect_url,
                        refresh_token: resp.refresh_token,
                        access_token: Some(resp.access_token),
                        grant_token: Some(g.clone()),
                        expiry_time: Some(expiry_after(resp.expires_in)),
                        api_domain: resp.api_domain,
                        ..Default::default()
                    }
                }
            }
            TokenSource::Refresh(r) => {
                let creds = token.credentials().expect("validated by the builder");
                let known = store
                    .list()
                    .await?
                    .into_iter()
                    .find(|t| t.refresh_token.as_ref() == Some(r));
                match known {
                    Some(t) => t,
                    None => StoredToken {
                        client_id: Some(creds.client_id),
                        client_secret: Some(creds.client_secret),
                        redirect_url: creds.redirect_url,
                        refresh_token: Some(r.clone()),
                        ..Default::default()
                    },
                }
            }
            TokenSource::Access(a) => StoredToken {
                access_token: Some(a.clone()),
                api_domain: Some(env.api_url().to_string()),
                ..Default::default()
            },
        };
        let api_base = api_base(&env, stored.api_domain.as_deref())?;
        let auth_env = env.clone();
        let manager = TokenManager::new(
            transport,
            auth_env,
            store.clone(),
            stored.clone(),
            config.refresh_skew(),
        );
        let client = Client {
            inner: Arc::new(Inner {
                limiter: std::sync::RwLock::new(crate::limits::Limit::new(
                    config.max_concurrency().unwrap_or(UNKNOWN_EDITION_LIMIT),
                )),
                metadata: std::sync::OnceLock::new(),
                zgid: std::sync::OnceLock::new(),
                edition_unknown: std::sync::atomic::AtomicBool::new(false),
                budget,
                http,
                config,
                api_base,
                auth: manager,
            }),
        };
        let mut edition = None;
        if !matches!(token.source, TokenSource::StoredId(_)) {
            // Make sure the access token works (refreshing a refresh-only token), then key it by
            // user and org and persist it.
            client.inner.auth.access_token().await?;
            stored = client.inner.auth.snapshot();
            if stored.user_name.is_none() {
                match discover_user(&client).await {
                    Ok((user, ed)) => {
                        stored.user_name = Some(user);
                        edition = ed;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e.report(), "could not discover the user and org (scopes ZohoCRM.users.READ and ZohoCRM.org.READ are needed); the token is stored without them")
                    }
                }
            }
            let saved = store.save(&stored).await?;
            client.inner.auth.replace(saved);
        }
        let explicit = client.inner.config.max_concurrency();
        // A client built from a stored token makes no request here: its org's edition is
        // learnt the first time its requests have to queue for a slot (see `Client::permit`).
        let learn_later = explicit.is_none() && edition.is_none();
        let size = explicit.unwrap_or_else(|| {
            edition
                .as_deref()
                .map(edition_concurrency)
                .unwrap_or(UNKNOWN_EDITION_LIMIT)
        });
        let user = client.user_name().unwrap_or_default();
        let limit = match (&self_org_limits, user.rsplit_once(':')) {
            // Clients of the same org built with the same registry share one limit.
            (Some(reg), Some((_, zgid))) => {
                reg.get(&format!("{}|{zgid}", client.inner.api_base), size)
            }
            _ => crate::limits::Limit::new(size),
        };
        limit.raise_to(size);
        *client
            .inner
            .limiter
            .write()
            .unwrap_or_else(|e| e.into_inner()) = limit;
        client
            .inner
            .edition_unknown
            .store(learn_later, std::sync::atomic::Ordering::SeqCst);
        Ok(client)
    }
}

/// The base URL for a token: its `api_domain` when it belongs to the configured environment;
/// a domain of another environment (production vs sandbox) is an error, never a silent switch.
fn api_base(env: &ApiEnvironment, api_domain: Option<&str>) -> Result<String, Error> {
    let Some(domain) = api_domain.map(|d| d.trim_end_matches('/')) else {
        return Ok(env.api_url().to_string());
    };
    let Some((_, kind)) = env.data_center() else {
        return Ok(domain.to_string());
    };
    let domain_kind = DataCenter::ALL.iter().flat_map(|dc| {
        [
            crate::Environment::Production,
            crate::Environment::Developer,
            crate::Environment::Sandbox,
        ]
        .into_iter()
        .map(move |k| (dc.environment(k), k))
    });
    for (e, k) in domain_kind {
        if e.api_url() == domain {
            if k != kind {
                return Err(ConfigError::Invalid { field: "api_domain", reason: format!("the token belongs to {domain} ({k:?}) but the client is configured for {} ({kind:?}); use a token of that environment", env.api_url()) }.into());
            }
            return Ok(domain.to_string());
        }
    }
    Ok(domain.to_string())
}

pub(super) fn org_edition(org: &Value) -> Option<String> {
    org.pointer("/org/0/license_details/paid_type")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The org's `zgid` from a `GET /org` answer.
pub(super) fn org_zgid(org: &Value) -> Option<String> {
    match org.pointer("/org/0/zgid") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

async fn discover_user(client: &Client) -> Result<(String, Option<String>), Error> {
    let users = client
        .get_json("/users", &[("type", "CurrentUser")])
        .await?
        .unwrap_or(Value::Null);
    let email = users
        .pointer("/users/0/email")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            http::decode_error("$.users[0].email", "missing", users.to_string().as_bytes())
        })?
        .to_string();
    let org = client.get_json("/org", &[]).await?.unwrap_or(Value::Null);
    let Some(zgid) = org_zgid(&org) else {
        return Err(http::decode_error(
            "$.org[0].zgid",
            "missing",
            org.to_string().as_bytes(),
        ));
    };
    Ok((StoredToken::user_key(&email, &zgid), org_edition(&org)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;

    #[test]
    fn edition_limits() {
        assert_eq!(
            [
                edition_concurrency("Free"),
                edition_concurrency("standard"),
                edition_concurrency("professional"),
                edition_concurrency("enterprise"),
                edition_concurrency("ultimate")
            ],
            [5, 10, 15, 20, 25]
        );
    }
    #[test]
    fn api_domain_never_switches_environment() {
        let sandbox = DataCenter::Us.environment(Environment::Sandbox);
        let e = api_base(&sandbox, Some("https://www.zohoapis.com")).unwrap_err();
        assert!(
            e.to_string()
                .contains("configured for https://sandbox.zohoapis.com"),
            "{e}"
        );
        assert_eq!(
            api_base(&sandbox, Some("https://sandbox.zohoapis.com")).unwrap(),
            "https://sandbox.zohoapis.com"
        );
        let prod = DataCenter::Us.environment(Environment::Production);
        assert_eq!(
            api_base(&prod, Some("https://www.zohoapis.eu")).unwrap(),
            "https://www.zohoapis.eu"
        );
        assert_eq!(api_base(&prod, None).unwrap(), "https://www.zohoapis.com");
        let custom = ApiEnvironment::custom(
            "http://127.0.0.1:1",
            "http://127.0.0.1:1",
            "http://127.0.0.1:1",
        );
        assert_eq!(
            api_base(&custom, Some("http://127.0.0.1:2")).unwrap(),
            "http://127.0.0.1:2"
        );
    }
}
