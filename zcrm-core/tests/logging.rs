//! Every log line of a full flow, captured at TRACE from every crate, contains no secret.

use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use zcrm_core::store::{FileStore, TokenStore};
use zcrm_core::{ApiEnvironment, ApiRequest, Client, DynamicRecord, OAuthToken, SdkConfig};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_reaches_any_log() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let emu = Emulator::start().await.unwrap();
    let code = emu
        .mint_grant_code(
            "patricia.boyle@zylker.example",
            &[
                "ZohoCRM.modules.ALL",
                "ZohoCRM.settings.ALL",
                "ZohoCRM.users.READ",
                "ZohoCRM.org.READ",
            ],
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("zcrm-logging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(FileStore::new(dir.join("tokens.csv")));
    let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
    let token = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code.clone())
        .build()
        .unwrap();
    let client = Client::builder()
        .environment(env.clone())
        .token(token)
        .store(store.clone())
        .config(SdkConfig::default())
        .build()
        .await
        .unwrap();
    tracing::debug!(client = ?client, "client built");
    let leads = client.dynamic("Leads");
    leads
        .create(&[DynamicRecord::new().set("Last_Name", "Logged")])
        .await
        .unwrap();
    // A 401 mid-session (refresh and replay), a retried 500, an API error and an OAuth error.
    let http = reqwest::Client::new();
    http.post(format!("{}/tokens/expire", emu.admin_url))
        .json(&json!({"all": true}))
        .send()
        .await
        .unwrap();
    http.post(format!("{}/faults", emu.admin_url))
        .json(&json!({"path_prefix": "/crm/v7/org", "action": {"kind": "status", "status": 500}}))
        .send()
        .await
        .unwrap();
    client.get_json("/org", &[]).await.unwrap();
    let _ = client
        .execute(ApiRequest::get("/Nope").query("fields", "x"))
        .await
        .unwrap_err();
    let bad = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code.clone())
        .build()
        .unwrap();
    let err = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(env)
        .token(bad)
        .build()
        .await
        .unwrap_err();
    tracing::error!(error = %err, debug = ?err, "expected failure");
    let stored = store.list().await.unwrap();
    tracing::debug!(tokens = ?stored, "stored tokens");
    client.revoke(store.as_ref()).await.unwrap();
    let _ = Method::GET;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("zcrm.request"), "request spans are logged");
    assert!(
        logs.contains("refreshing access token"),
        "refresh events are logged"
    );
    let mut secrets = vec![SELF_CLIENT_SECRET.to_string(), code];
    for t in &stored {
        secrets.extend(t.access_token.iter().map(|x| x.expose().to_string()));
        secrets.extend(t.refresh_token.iter().map(|x| x.expose().to_string()));
    }
    assert!(secrets.len() >= 4);
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "a secret reached the logs");
        let (head, _) = s.split_at(s.len().min(20));
        assert!(
            !logs.contains(head) || head.len() < 20,
            "a secret's prefix reached the logs"
        );
    }
}

#[cfg(feature = "logging")]
#[test]
fn init_writes_to_a_file_or_reports_why_not() {
    let e = zcrm_core::logging::init(
        tracing::Level::INFO,
        Some(std::path::Path::new("/no/such/dir/x.log")),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("cannot open /no/such/dir/x.log"),
        "{e}"
    );
}
