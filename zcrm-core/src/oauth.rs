//! The token endpoint of Zoho Accounts: grant exchange, refresh and revocation. Secrets travel
//! only in form bodies; redirects are never followed.

use crate::environment::ApiEnvironment;
use crate::error::{Error, OAuthError};
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use serde_json::Value;
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

pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<Value, Error> {
    let resp = http
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(crate::http::transport_error)?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(crate::http::transport_error)?;
    if status == 429 || status >= 500 {
        return Err(Error::Api {
            status,
            code: "TOKEN_ENDPOINT_UNAVAILABLE".into(),
            message: format!("the accounts server answered HTTP {status}"),
            details: Value::Null,
        });
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| crate::http::decode_error("$", &e.to_string(), &bytes))
}

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
    let mut secs = v.get("expires_in").and_then(Value::as_i64).unwrap_or(3600);
    // Legacy responses carry `expires_in_sec`, and then `expires_in` is milliseconds.
    if let Some(s) = v.get("expires_in_sec").and_then(Value::as_i64) {
        secs = s;
    }
    Ok(TokenResponse {
        access_token: AccessToken::new(access),
        refresh_token: v
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(RefreshToken::new),
        expires_in: Duration::from_secs(secs.max(0) as u64),
        api_domain: v
            .get("api_domain")
            .and_then(Value::as_str)
            .map(|s| s.trim_end_matches('/').to_string()),
    })
}

/// Exchanges a grant code for tokens.
pub async fn exchange_grant(
    http: &reqwest::Client,
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
            post_form(http, &env.token_url(), &form).await?,
            env.accounts_url(),
        )
    }
    .instrument(span)
    .await
}

/// Gets a new access token for a refresh token.
pub async fn refresh(
    http: &reqwest::Client,
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
        post_form(http, &env.token_url(), &form).await?,
        env.accounts_url(),
    )
}

/// Revokes a refresh token (and every access token minted from it).
pub async fn revoke(
    http: &reqwest::Client,
    env: &ApiEnvironment,
    refresh: &RefreshToken,
) -> Result<(), Error> {
    let url = format!("{}/revoke", env.token_url());
    let v = post_form(http, &url, &[("token", refresh.expose())]).await?;
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
}
