//! A token as stored: the row of the official SDK's token file and `oauthtoken` table.

use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};

/// One stored token: what a token store keeps per user and org.
///
/// `user_name` is `email:zgid` (the official SDK's key for a user in an org); `expiry_time` is
/// the access token's expiry in epoch milliseconds. Secrets print as `[redacted]` in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredToken {
    /// Row id (`"1"`, `"2"`, ...), assigned by the store on first save.
    pub id: Option<String>,
    /// `email:zgid` of the user and org the token belongs to.
    pub user_name: Option<String>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// OAuth client secret.
    pub client_secret: Option<ClientSecret>,
    /// Refresh token.
    pub refresh_token: Option<RefreshToken>,
    /// Current access token.
    pub access_token: Option<AccessToken>,
    /// The grant code it was made from (already used).
    pub grant_token: Option<GrantToken>,
    /// Access-token expiry, epoch milliseconds.
    pub expiry_time: Option<i64>,
    /// Redirect URL of the OAuth client.
    pub redirect_url: Option<String>,
    /// API domain the token is valid for (`https://www.zohoapis.eu`).
    pub api_domain: Option<String>,
}

impl StoredToken {
    /// The `email:zgid` key of a user in an org.
    pub fn user_key(email: &str, zgid: &str) -> String {
        format!("{email}:{zgid}")
    }
}
