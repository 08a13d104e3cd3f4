//! The token endpoint under faults, hostile token values, and what a client never does with a
//! secret: retried refreshes, a single-use grant never replayed blind, checked expiry
//! arithmetic, a rejected refresh token not sent again, redirects not followed.

mod common;
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use zcrm_core::store::{MemoryStore, TokenStore};
use zcrm_core::{
    Client, DynamicRecord, Error, ErrorKind, HttpPool, OAuthError, OAuthToken, ProtocolError,
    SdkConfig, StoredToken,
};
use zcrm_emulator::Emulator;

use common::{admin, env_of, fast_retries, fault, refreshes, PATRICIA};

const TOKEN: &str = "/oauth/v2/token";

#[tokio::test]
async fn refresh_failures_are_retried_for_reads_and_writes() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let c = common::client(&emu, store, fast_retries()).await;
    for action in [
        json!({"kind": "status", "status": 503}),
        json!({"kind": "status", "status": 429, "headers": {"Retry-After": "0"}}),
        json!({"kind": "drop"}),
        json!({"kind": "status", "status": 500}),
    ] {
        admin(&emu, Method::POST, "/tokens/expire", json!({"all": true})).await;
        fault(&emu, TOKEN, Some("POST"), 0, 1, action.clone()).await;
        let before = refreshes(&emu);
        let mut tasks = vec![];
        for i in 0..24 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                let read = c.get_json("/Leads", &[("fields", "Last_Name")]).await;
                let write = c
                    .dynamic("Leads")
                    .create(&[DynamicRecord::new().set("Last_Name", format!("T{i}"))])
                    .await;
                (read.map(|_| ()), write.map(|o| o.len()))
            }));
        }
        for t in tasks {
            let (read, write) = t.await.unwrap();
            read.unwrap_or_else(|e| panic!("{action}: read failed: {e}"));
            assert_eq!(
                write.unwrap_or_else(|e| panic!("{action}: create failed: {e}")),
                1
            );
        }
        // One refresh for all 48 calls: the failed attempt (answered or dropped) and its retry.
        let attempts = refreshes(&emu) - before;
        assert!(
            (1..=2).contains(&attempts),
            "{action}: {attempts} refresh requests logged"
        );
    }
}

#[tokio::test]
async fn a_grant_exchange_is_retried_only_when_it_surely_was_not_processed() {
    let emu = Emulator::start().await.unwrap();
    let build = |config: SdkConfig| {
        Client::builder()
            .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
            .environment(env_of(&emu))
            .token(common::grant_token(&emu, PATRICIA))
            .config(config)
            .build()
    };
    // A 503 did not spend the code: retried, signed in.
    fault(
        &emu,
        TOKEN,
        Some("POST"),
        0,
        1,
        json!({"kind": "status", "status": 503}),
    )
    .await;
    let c = build(fast_retries()).await.unwrap();
    assert!(c.user_name().unwrap().starts_with(PATRICIA));
    // The reply to an exchange is lost after the server used the code: not replayed (it would
    // answer invalid_code and hide what happened), reported as an unknown outcome.
    fault(
        &emu,
        TOKEN,
        Some("POST"),
        0,
        1,
        json!({"kind": "drop_after"}),
    )
    .await;
    let e = build(fast_retries()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    assert!(!e.to_string().contains(zcrm_emulator::SELF_CLIENT_SECRET));
}

#[tokio::test]
async fn absurd_token_lifetimes_are_typed_errors_not_panics() {
    let emu = Emulator::start().await.unwrap();
    for expires_in in [
        json!(9_223_372_036_854_775_i64),
        json!(i64::MAX),
        json!(-5),
        json!(1e30),
        json!("3600"),
    ] {
        let body = json!({"access_token": "1000.aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb", "refresh_token": "1000.cccccccccccccccccccccccc.dddddddddddddddddddddddd", "expires_in": expires_in, "api_domain": emu.api_url});
        fault(
            &emu,
            TOKEN,
            Some("POST"),
            0,
            1,
            json!({"kind": "status", "status": 200, "body": body}),
        )
        .await;
        let e = Client::builder()
            .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
            .environment(env_of(&emu))
            .token(common::grant_token(&emu, PATRICIA))
            .build()
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::Malformed { .. })),
            "{expires_in}: {e}"
        );
        assert!(
            e.to_string()
                .contains(&format!("expires_in = {expires_in}")),
            "names the value: {e}"
        );
        assert!(
            !e.to_string().contains("1000.aaaa"),
            "no token in errors: {e}"
        );
    }
}

#[tokio::test]
async fn a_damaged_stored_expiry_counts_as_expired() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let first = common::client(&emu, store.clone(), SdkConfig::default()).await;
    let id = first.token_id().unwrap();
    for expiry in [i64::MIN, i64::MIN + 1, -1_000_000_000_000_000_000, 0] {
        let mut t: StoredToken = store.find_by_id(&id).await.unwrap().unwrap();
        t.expiry_time = Some(expiry);
        store.save(&t).await.unwrap();
        let before = refreshes(&emu);
        let c = Client::builder()
            .environment(env_of(&emu))
            .token(OAuthToken::builder().id(id.clone()).build().unwrap())
            .store(store.clone())
            .build()
            .await
            .unwrap();
        c.get_json("/Leads", &[("fields", "Last_Name")])
            .await
            .unwrap();
        assert_eq!(refreshes(&emu) - before, 1, "expiry {expiry} is refreshed");
    }
}

#[tokio::test]
async fn a_rejected_refresh_token_is_not_sent_again() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let c = common::client(&emu, store.clone(), fast_retries()).await;
    common::revoke_stored_refresh_token(&emu, store.as_ref(), &c.token_id().unwrap()).await;
    let before = refreshes(&emu);
    let e = c.get_json("/org", &[]).await.unwrap_err();
    assert!(matches!(e, Error::OAuth(OAuthError::InvalidCode)), "{e}");
    for _ in 0..5 {
        let e = c.get_json("/org", &[]).await.unwrap_err();
        assert!(
            matches!(e, Error::OAuth(OAuthError::RefreshTokenRejected)),
            "{e}"
        );
    }
    assert_eq!(refreshes(&emu) - before, 1, "sent to Zoho once");
    // Signing in again stores a new refresh token under the same id; the client picks it up.
    let again = common::client(&emu, store.clone(), SdkConfig::default()).await;
    assert_eq!(again.token_id(), c.token_id());
    admin(&emu, Method::POST, "/tokens/expire", json!({"all": true})).await;
    c.get_json("/org", &[]).await.unwrap();
}

/// A listener that counts connections and answers each with `200 {}`.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            use tokio::io::AsyncWriteExt;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await;
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn redirects_of_the_token_endpoint_are_not_followed() {
    let emu = Emulator::start().await.unwrap();
    let (elsewhere, hits) = counting_server().await;
    // A client sharing a pool, as a web app serving many users does.
    let pool = HttpPool::new(&SdkConfig::default()).unwrap();
    for status in [301, 302, 307, 308] {
        fault(&emu, TOKEN, Some("POST"), 0, 1, json!({"kind": "status", "status": status, "body": {}, "headers": {"Location": format!("{elsewhere}/oauth/v2/token")}})).await;
        let e = Client::builder()
            .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
            .environment(env_of(&emu))
            .token(common::grant_token(&emu, PATRICIA))
            .http_pool(pool.clone())
            .build()
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::UnexpectedStatus { status: s }) if s == status),
            "{status}: {e}"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the form with the client secret never left for the Location"
    );
}

#[tokio::test]
async fn proxy_credentials_stay_out_of_debug_and_errors() {
    let proxy = zcrm_core::ProxyConfig {
        url: "http://bob:hunter2@127.0.0.1:9".into(),
        username: Some("bob".into()),
        password: Some("hunter3".into()),
    };
    let config = SdkConfig::builder()
        .proxy(proxy)
        .retry(zcrm_core::RetryPolicy::none())
        .build()
        .unwrap();
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("hunter3"),
        "{debug}"
    );
    assert!(debug.contains("127.0.0.1:9"), "{debug}");
    let e = common::access_token_client("http://127.0.0.1:9")
        .config(config)
        .build()
        .await
        .map(|c| format!("{c:?}"));
    let text = match e {
        Ok(debug) => debug,
        Err(e) => format!("{e} {e:?}"),
    };
    assert!(
        !text.contains("hunter2") && !text.contains("hunter3"),
        "{text}"
    );
    let bad = SdkConfig::builder()
        .proxy(zcrm_core::ProxyConfig {
            url: "socks9://bob:hunter2@x".into(),
            username: None,
            password: None,
        })
        .build()
        .unwrap_err();
    assert!(!bad.to_string().contains("hunter2"), "{bad}");
}

/// A token row that was deleted (a revoke, a sign-out elsewhere) can have its id given to the
/// next user-org that signs in (`MAX(id) + 1`). A client still holding the old token must then
/// never pick up that other user's token when its own is refreshed.
#[tokio::test]
async fn a_reused_token_id_never_hands_another_users_token_to_a_client() {
    const AMELIA: &str = "amelia.burrows@acme.example";
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let patricia = common::client(&emu, store.clone(), fast_retries()).await;
    let id = patricia.token_id().unwrap();
    assert!(store.delete(&id).await.unwrap());
    let amelia = Client::builder()
        .environment(env_of(&emu))
        .token(common::grant_token(&emu, AMELIA))
        .store(store.clone())
        .config(fast_retries())
        .build()
        .await
        .unwrap();
    assert_eq!(amelia.token_id(), Some(id.clone()), "the id is given again");
    let amelia_row = store.find_by_id(&id).await.unwrap().unwrap();
    assert!(amelia_row.user_name.as_deref().unwrap().starts_with(AMELIA));
    // Patricia's access token is rejected: her client refreshes.
    admin(
        &emu,
        Method::POST,
        "/tokens/expire",
        json!({ "user": PATRICIA }),
    )
    .await;
    let seen = patricia
        .get_json("/users", &[("type", "CurrentUser")])
        .await;
    if let Ok(Some(users)) = &seen {
        assert!(
            !users.to_string().contains(AMELIA),
            "Patricia's client acts as another user: {users}"
        );
    }
    // Whatever it answered, Amelia's stored token is still hers, untouched.
    let row = store.find_by_id(&id).await.unwrap().unwrap();
    assert_eq!(row.user_name, amelia_row.user_name);
    assert!(row.refresh_token == amelia_row.refresh_token, "{row:?}");
    amelia.get_json("/org", &[]).await.unwrap();
}
