//! Setup shared by the emulator-driven tests: a self-client sign-in and the admin API.
#![allow(dead_code)]

use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use zcrm_core::store::TokenStore;
use zcrm_core::{ApiEnvironment, Client, OAuthToken, RetryPolicy, SdkConfig};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

/// The seeded admin of the Zylker org.
pub const PATRICIA: &str = "patricia.boyle@zylker.example";
/// Scopes for records, metadata and user-org discovery.
pub const SCOPES: [&str; 5] = [
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoCRM.coql.READ",
];

/// The emulator as a custom environment.
pub fn env_of(emu: &Emulator) -> ApiEnvironment {
    ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url)
}

/// A token from a fresh self-client grant code for `user`.
pub fn grant_token(emu: &Emulator, user: &str) -> OAuthToken {
    let code = emu.mint_grant_code(user, &SCOPES).unwrap();
    OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()
        .unwrap()
}

/// A client signed in as Patricia.
pub async fn client(emu: &Emulator, store: Arc<dyn TokenStore>, config: SdkConfig) -> Client {
    Client::builder()
        .environment(env_of(emu))
        .token(grant_token(emu, PATRICIA))
        .store(store)
        .config(config)
        .build()
        .await
        .unwrap()
}

/// Calls the emulator's admin API.
pub async fn admin(emu: &Emulator, method: Method, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", emu.admin_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "admin {path}: {}", r.status());
    r.json().await.unwrap()
}

/// Refresh-token grants the emulator has answered.
pub fn refreshes(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path == "/oauth/v2/token" && r.grant_type.as_deref() == Some("refresh_token"))
        .count()
}

/// Retries as by default (3 attempts) but with millisecond backoffs.
pub fn fast_retries() -> SdkConfig {
    SdkConfig::builder()
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            budget: 100,
        })
        .build()
        .unwrap()
}

/// Adds a fault: after `skip` matching requests, the next `times` get `action`.
pub async fn fault(
    emu: &Emulator,
    path: &str,
    method: Option<&str>,
    skip: u32,
    times: u32,
    action: Value,
) {
    let mut f =
        serde_json::json!({"path_prefix": path, "skip": skip, "times": times, "action": action});
    if let Some(m) = method {
        f["method"] = m.into();
    }
    admin(emu, Method::POST, "/faults", f).await;
}

/// Requests the emulator logged with this method whose path starts with `prefix`.
pub fn logged(emu: &Emulator, method: &str, prefix: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}

/// Revokes, at the emulator, the refresh token stored under `id`.
pub async fn revoke_stored_refresh_token(emu: &Emulator, store: &dyn TokenStore, id: &str) {
    let refresh = store
        .find_by_id(id)
        .await
        .unwrap()
        .unwrap()
        .refresh_token
        .unwrap();
    admin(
        emu,
        Method::POST,
        "/tokens/revoke",
        serde_json::json!({"refresh_token": refresh.expose()}),
    )
    .await;
}

/// A client builder for a server at `url` (accounts and API alike) with an access token alone.
pub fn access_token_client(url: &str) -> zcrm_core::ClientBuilder {
    Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(ApiEnvironment::custom(url, url, url))
        .token(
            OAuthToken::builder()
                .access_token("1000.x")
                .build()
                .unwrap(),
        )
}

/// The field-metadata requests the emulator answered: query and status.
pub fn field_fetches(emu: &Emulator) -> Vec<(String, u16)> {
    emu.requests()
        .into_iter()
        .filter(|r| r.path == "/crm/v7/settings/fields")
        .map(|r| (r.query, r.status))
        .collect()
}

/// A Lead with this last name.
pub fn lead(last: &str) -> zcrm_core::DynamicRecord {
    zcrm_core::DynamicRecord::new().set("Last_Name", last)
}
