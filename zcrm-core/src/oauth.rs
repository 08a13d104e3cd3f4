//! Zoho Accounts: the token endpoint (grant exchange, refresh and revocation; secrets travel
//! only in form bodies, redirects are never followed), and the browser's side of the
//! server-based flow ([`authorize_url`], [`Callback`]).

mod consent;

pub use consent::{authorize_url, new_state, Callback};

use crate::config::RetryPolicy;
use crate::environment::ApiEnvironment;
use crate::error::{Error, OAuthError, ProtocolError};
use crate::http::{self, Retrier, RetryBudget};
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A successful token response.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    /// The new access token.
    pub access_token: AccessToken,
    /// A refresh token (grant exchange with offline access only).
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime of the access token.
    pub expires_in: Duration,
    /// The API domain of the org's data centre.
    pub api_domain: Option<String>,
}

/// Client credentials for the token endpoint.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: ClientSecret,
    /// Redirect URL, sent with grant exchanges when set.
    pub redirect_url: Option<String>,
}

/// What a token-endpoint call needs: the pooled HTTP client, the retry policy and the retry
/// budget of the client it serves, and the body size limit.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: Arc<RetryBudget>,
    pub(crate) max_body: u64,
}

/// Posts a form to the accounts server, retrying under the client's policy and budget. A call
/// that is not `safe_to_repeat` (a grant exchange spends its single-use code) is retried only
/// when it surely was not processed: the connection failed, or the server answered 429 or 503.
pub(crate) async fn post_form(
    t: &Transport,
    url: &str,
    form: &[(&str, &str)],
    safe_to_repeat: bool,
) -> Result<Value, Error> {
    let mut retrier = Retrier::new(&t.retry, &t.budget);
    loop {
        retrier.start();
        let (error, retry_after) = match post_once(t, url, form, safe_to_repeat).await {
            Ok(v) => {
                retrier.succeeded();
                return Ok(v);
            }
            Err(e) => e,
        };
        // A refresh may be repeated after any passing failure, an unreadable reply included (it
        // only mints another access token); a grant exchange only when it surely was not
        // processed: the connection failed, or the server answered 429 or 503.
        let may_repeat = match &error {
            Error::Transport { .. } => true,
            Error::Api {
                status: 429 | 503, ..
            } => true,
            Error::Timeout(_) | Error::Api { .. } => safe_to_repeat && error.is_retryable(),
            Error::Decode { .. } => safe_to_repeat,
            _ => false,
        };
        let Some(wait) = retrier.wait_after(may_repeat, retry_after) else {
            return Err(error);
        };
        tracing::warn!(error = %error.report(), wait_ms = wait.as_millis() as u64, "token request failed; retrying");
        tokio::time::sleep(wait).await;
    }
}

async fn post_once(
    t: &Transport,
    url: &str,
    form: &[(&str, &str)],
    safe_to_repeat: bool,
) -> Result<Value, (Error, Option<u64>)> {
    let resp = t
        .http
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(|e| (http::send_error(e, safe_to_repeat), None))?;
    let status = resp.status().as_u16();
    let retry_after = http::retry_after(&resp);
    let bytes = http::read_body(resp, t.max_body).await.map_err(|e| {
        (
            http::body_error(e, status, safe_to_repeat, t.max_body),
            None,
        )
    })?;
    if status == 429 || status >= 500 {
        return Err((
            Error::Api {
                status,
                code: "TOKEN_ENDPOINT_UNAVAILABLE".into(),
                message: format!("the accounts server answered HTTP {status}"),
                details: Value::Null,
            },
            retry_after,
        ));
    }
    if !(200..300).contains(&status) && !(400..500).contains(&status) {
        // Redirects are never followed: the form carries the client secret.
        return Err((ProtocolError::UnexpectedStatus { status }.into(), None));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let err = http::decode_error("$", &e.to_string(), &bytes);
        match err {
            Error::Decode {
                message, snippet, ..
            } if !safe_to_repeat => (
                Error::UnknownOutcome {
                    reason: format!(
                        "the token endpoint's reply (HTTP {status}) could not be read: {message}"
                    ),
                    status: Some(status),
                    snippet,
                },
                None,
            ),
            other => (other, None),
        }
    })
}

/// The longest access-token lifetime accepted from the token endpoint (Zoho issues one hour).
pub const MAX_EXPIRES_IN_SECS: i64 = 366 * 24 * 3600;

fn parse(v: Value, accounts_url: &str) -> Result<TokenResponse, Error> {
    if let Some(err) = v.get("error").and_then(Value::as_str) {
        let description = v
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        return Err(Error::OAuth(match err {
            "invalid_code" => OAuthError::InvalidCode,
            "invalid_client" => OAuthError::InvalidClient {
                accounts_url: accounts_url.to_string(),
            },
            "invalid_client_secret" => OAuthError::InvalidClientSecret,
            "invalid_redirect_uri" => OAuthError::InvalidRedirectUri,
            "Access Denied" | "access_denied" => OAuthError::Throttled { description },
            other => OAuthError::Other {
                error: other.to_string(),
                description,
            },
        }));
    }
    let access = v
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::OAuth(OAuthError::Other {
                error: "no access_token".into(),
                description: "the token response carries neither access_token nor error".into(),
            })
        })?;
    // Legacy responses carry `expires_in_sec`, and then `expires_in` is milliseconds.
    let (key, raw) = match v.get("expires_in_sec") {
        Some(s) => ("expires_in_sec", Some(s)),
        None => ("expires_in", v.get("expires_in")),
    };
    let secs = match raw {
        None => 3600,
        Some(n) => n
            .as_i64()
            .filter(|s| (0..=MAX_EXPIRES_IN_SECS).contains(s))
            .ok_or_else(|| {
                ProtocolError::Malformed {
                    what: format!(
                        "the token endpoint sent {key} = {n}; a whole number of seconds from 0 to {MAX_EXPIRES_IN_SECS} is expected"
                    ),
                }
            })?,
    };
    Ok(TokenResponse {
        access_token: AccessToken::new(access),
        refresh_token: v
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(RefreshToken::new),
        expires_in: Duration::from_secs(secs.unsigned_abs()),
        api_domain: v
            .get("api_domain")
            .and_then(Value::as_str)
            .map(|s| s.trim_end_matches('/').to_string()),
    })
}

/// Exchanges a grant code for tokens. The code is single-use: the call is retried only when it
/// surely did not reach the server, and a lost reply is an [`Error::UnknownOutcome`].
pub(crate) async fn exchange_grant(
    http: &Transport,
    env: &ApiEnvironment,
    creds: &ClientCredentials,
    grant: &GrantToken,
) -> Result<TokenResponse, Error> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose()),
        ("code", grant.expose()),
    ];
    if let Some(r) = &creds.redirect_url {
        form.push(("redirect_uri", r.as_str()));
    }
    use tracing::Instrument;
    let span = tracing::info_span!("zcrm.oauth", grant_type = "authorization_code");
    async {
        parse(
            post_form(http, &env.token_url(), &form, false).await?,
            env.accounts_url(),
        )
    }
    .instrument(span)
    .await
}

/// Gets a new access token for a refresh token, retried under the client's policy.
pub(crate) async fn refresh(
    http: &Transport,
    env: &ApiEnvironment,
    creds: &ClientCredentials,
    refresh: &RefreshToken,
) -> Result<TokenResponse, Error> {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose()),
        ("refresh_token", refresh.expose()),
    ];
    tracing::info!(grant_type = "refresh_token", "refreshing access token");
    parse(
        post_form(http, &env.token_url(), &form, true).await?,
        env.accounts_url(),
    )
}

/// Revokes a refresh token (and every access token minted from it).
pub(crate) async fn revoke(
    http: &Transport,
    env: &ApiEnvironment,
    refresh: &RefreshToken,
) -> Result<(), Error> {
    let url = format!("{}/revoke", env.token_url());
    let v = post_form(http, &url, &[("token", refresh.expose())], true).await?;
    if v.get("status").and_then(Value::as_str) == Some("success") {
        Ok(())
    } else {
        Err(Error::OAuth(OAuthError::Other {
            error: v
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("revoke failed")
                .to_string(),
            description: String::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_zoho_errors() {
        let e = |v| parse(v, "https://accounts.zoho.eu").unwrap_err();
        assert!(matches!(
            e(json!({"error": "invalid_code"})),
            Error::OAuth(OAuthError::InvalidCode)
        ));
        assert!(matches!(
            e(json!({"error": "invalid_client"})),
            Error::OAuth(OAuthError::InvalidClient { .. })
        ));
        assert!(matches!(
            e(
                json!({"error": "Access Denied", "error_description": "too many", "status": "failure"})
            ),
            Error::OAuth(OAuthError::Throttled { .. })
        ));
        let ok = parse(json!({"access_token": "1000.a", "expires_in": 3600, "api_domain": "https://www.zohoapis.eu/"}), "").unwrap();
        assert_eq!(ok.expires_in, Duration::from_secs(3600));
        assert_eq!(ok.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
        let legacy = parse(
            json!({"access_token": "1000.a", "expires_in": 3600000, "expires_in_sec": 3600}),
            "",
        )
        .unwrap();
        assert_eq!(legacy.expires_in, Duration::from_secs(3600));
    }

    mod properties {
        use super::*;
        use crate::arbitrary::{body, json, ZOHO_KEYS};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

            /// Any token-endpoint answer gives a token (only when it has an access token) with a
            /// representable lifetime, or a typed error; never a panic.
            #[test]
            fn token_endpoint_json_never_panics(v in json(ZOHO_KEYS)) {
                let had_access = v.get("access_token").is_some_and(Value::is_string);
                match parse(v, "https://accounts.zoho.com") {
                    Ok(t) => {
                        prop_assert!(had_access);
                        prop_assert!(t.expires_in.as_secs() <= MAX_EXPIRES_IN_SECS as u64);
                    }
                    Err(e) => prop_assert!(!e.to_string().is_empty()),
                }
            }

            /// Token answers as Zoho shapes them, with any value in any field.
            #[test]
            fn token_fields_of_any_type(
                access in json(ZOHO_KEYS),
                expires in json(ZOHO_KEYS),
                legacy in proptest::option::of(json(ZOHO_KEYS)),
                error in proptest::option::of(json(ZOHO_KEYS)),
            ) {
                let mut v = serde_json::json!({"access_token": access, "expires_in": expires});
                if let Some(l) = legacy { v["expires_in_sec"] = l; }
                if let Some(e) = error { v["error"] = e; }
                if let Ok(t) = parse(v, "") {
                    let ms = crate::auth::expiry_after(t.expires_in);
                    prop_assert!(ms >= crate::auth::now_ms());
                }
            }

            /// Bytes that are not JSON decode to an error.
            #[test]
            fn token_bodies_of_any_bytes(b in body(ZOHO_KEYS)) {
                if let Ok(v) = serde_json::from_slice::<Value>(&b) {
                    let _ = parse(v, "");
                }
            }
        }
    }
}
