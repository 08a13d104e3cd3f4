//! Setup shared by the tests: a client signed in to the emulator, and Zoho's published samples.
#![allow(dead_code)]

use std::path::PathBuf;
use zcrm_core::{ApiEnvironment, Client, OAuthToken};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

/// The emulator and a client signed in as the Zylker org's admin.
pub async fn setup() -> (Emulator, Client) {
    setup_with(&[
        "ZohoCRM.modules.ALL",
        "ZohoCRM.settings.ALL",
        "ZohoCRM.users.READ",
        "ZohoCRM.org.READ",
    ])
    .await
}

/// The emulator and a client signed in as the Zylker org's admin with `scopes`.
pub async fn setup_with(scopes: &[&str]) -> (Emulator, Client) {
    let emu = Emulator::start().await.unwrap();
    let client = sign_in(&emu, scopes).await;
    (emu, client)
}

/// A client signed in to `emu` as the Zylker org's admin with `scopes`.
pub async fn sign_in(emu: &Emulator, scopes: &[&str]) -> Client {
    let code = emu
        .mint_grant_code("patricia.boyle@zylker.example", scopes)
        .unwrap();
    let token = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()
        .unwrap();
    let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.upload_url);
    Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(env)
        .token(token)
        .build()
        .await
        .unwrap()
}

/// A skip that is visible, and a failure under `CI=true`.
pub fn skip(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("required in CI: {reason}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

/// `../shared/zoho-samples` beside the project; `None` (after a visible skip, or a failure
/// under CI) when it is absent.
pub fn samples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/zoho-samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip("../shared/zoho-samples is absent (Zoho's published samples are read from beside the project)");
        None
    }
}
