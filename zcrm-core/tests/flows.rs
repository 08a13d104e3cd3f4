//! Token flows and request behaviour of `Client` against the emulator.

mod common;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use zcrm_core::store::{FileStore, MemoryStore, TokenStore};
use zcrm_core::{
    ApiRequest, Client, Error, ErrorKind, OAuthError, OAuthToken, RetryPolicy, SdkConfig,
};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

use common::{admin, env_of, fast_retries, refreshes, PATRICIA, SCOPES};

fn grant_token(emu: &Emulator) -> OAuthToken {
    common::grant_token(emu, PATRICIA)
}

async fn client(emu: &Emulator, store: Arc<dyn TokenStore>, config: SdkConfig) -> Client {
    common::client(emu, store, config).await
}

async fn lead_names(c: &Client) -> Vec<String> {
    let v = c
        .get_json("/Leads", &[("fields", "Last_Name")])
        .await
        .unwrap()
        .unwrap();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Last_Name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn grant_flow_keys_the_token_by_user_and_org() {
    let emu = Emulator::start().await.unwrap();
    let store = Arc::new(MemoryStore::new());
    let c = client(&emu, store.clone(), SdkConfig::default()).await;
    assert_eq!(
        c.user_name().as_deref(),
        Some("patricia.boyle@zylker.example:60012345")
    );
    assert_eq!(c.token_id().as_deref(), Some("1"));
    assert_eq!(lead_names(&c).await, vec!["Tanaka", "Garcia", "Doe"]);
    // Logging in again as the same user-org updates that row and keeps its id.
    let again = client(&emu, store.clone(), SdkConfig::default()).await;
    assert_eq!(again.token_id().as_deref(), Some("1"));
    assert_eq!(store.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn refresh_access_and_id_flows() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let first = client(&emu, store.clone(), SdkConfig::default()).await;
    let row = store.find_by_id("1").await.unwrap().unwrap();
    // Refresh flow: a new client from the refresh token alone.
    let other_store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let t = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .refresh_token(row.refresh_token.clone().unwrap().expose())
        .build()
        .unwrap();
    let c = Client::builder()
        .environment(env_of(&emu))
        .token(t)
        .store(other_store.clone())
        .build()
        .await
        .unwrap();
    assert_eq!(lead_names(&c).await.len(), 3);
    assert_eq!(
        other_store.list().await.unwrap()[0].user_name.as_deref(),
        Some("patricia.boyle@zylker.example:60012345")
    );
    // Access flow.
    let t = OAuthToken::builder()
        .access_token(row.access_token.clone().unwrap().expose())
        .build()
        .unwrap();
    let c = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(env_of(&emu))
        .token(t)
        .build()
        .await
        .unwrap();
    assert_eq!(lead_names(&c).await.len(), 3);
    // Id flow: no token request at all while the stored access token is valid.
    let before = emu
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/oauth"))
        .count();
    let t = OAuthToken::builder()
        .id(first.token_id().unwrap())
        .build()
        .unwrap();
    let c = Client::builder()
        .environment(env_of(&emu))
        .token(t)
        .store(store.clone())
        .build()
        .await
        .unwrap();
    assert_eq!(lead_names(&c).await.len(), 3);
    assert_eq!(
        emu.requests()
            .iter()
            .filter(|r| r.path.starts_with("/oauth"))
            .count(),
        before
    );
    // An unknown id is a store error naming it.
    let t = OAuthToken::builder().id("42").build().unwrap();
    let e = Client::builder()
        .environment(env_of(&emu))
        .token(t)
        .store(store)
        .build()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "token store error: no stored token has id `42`"
    );
}

#[tokio::test]
async fn sixty_four_tasks_share_one_refresh() {
    let emu = Emulator::start().await.unwrap();
    let c = client(
        &emu,
        Arc::new(MemoryStore::new()),
        SdkConfig::builder().max_concurrency(64).build().unwrap(),
    )
    .await;
    admin(&emu, Method::POST, "/tokens/expire", json!({"all": true})).await;
    let before = refreshes(&emu);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_json("/Leads", &[("fields", "Last_Name")]).await })
        })
        .collect();
    let mut failures = 0;
    for t in tasks {
        if t.await.unwrap().is_err() {
            failures += 1;
        }
    }
    assert_eq!(failures, 0);
    assert_eq!(
        refreshes(&emu) - before,
        1,
        "exactly one refresh for 64 callers"
    );
}

#[tokio::test]
async fn refreshes_ahead_of_expiry() {
    let emu = Emulator::start().await.unwrap();
    admin(
        &emu,
        Method::PUT,
        "/settings",
        json!({"access_token_ttl_secs": 30}),
    )
    .await;
    // With a 60 s skew a 30 s token is refreshed before use; the refresh is persisted.
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let c = client(
        &emu,
        store.clone(),
        SdkConfig::builder()
            .refresh_skew(Duration::from_secs(60))
            .build()
            .unwrap(),
    )
    .await;
    admin(
        &emu,
        Method::PUT,
        "/settings",
        json!({"access_token_ttl_secs": 3600}),
    )
    .await;
    let before = refreshes(&emu);
    lead_names(&c).await;
    lead_names(&c).await;
    assert_eq!(refreshes(&emu) - before, 1);
    let stored = store.find_by_id("1").await.unwrap().unwrap();
    assert!(stored.expiry_time.unwrap() > zcrm_now_ms() + 3_000_000);
}

fn zcrm_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn faults_end_in_retried_success_or_typed_errors() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, Arc::new(MemoryStore::new()), fast_retries()).await;
    let fault = |path: &str, action: Value| {
        admin(
            &emu,
            Method::POST,
            "/faults",
            json!({"path_prefix": path, "times": 1, "action": action}),
        )
    };
    fault(
        "/crm/v7/Leads",
        json!({"kind": "status", "status": 429, "headers": {"Retry-After": "0"}}),
    )
    .await;
    assert_eq!(lead_names(&c).await.len(), 3, "429 retried");
    fault("/crm/v7/Leads", json!({"kind": "status", "status": 500})).await;
    assert_eq!(lead_names(&c).await.len(), 3, "500 retried");
    fault("/crm/v7/Leads", json!({"kind": "drop"})).await;
    assert_eq!(lead_names(&c).await.len(), 3, "dropped connection retried");
    fault("/crm/v7/Leads", json!({"kind": "truncate"})).await;
    let e = c
        .get_json("/Leads", &[("fields", "Last_Name")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // A POST (create) is not retried: the 500 comes back as a typed error.
    fault("/crm/v7/Leads", json!({"kind": "status", "status": 500})).await;
    let e = c
        .execute(ApiRequest::with_body(
            Method::POST,
            "/Leads",
            json!({"data": [{"Last_Name": "X"}]}),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.api_code()),
        (ErrorKind::Api, Some("INTERNAL_ERROR"))
    );
    // Retries stop at max_attempts.
    admin(&emu, Method::POST, "/faults", json!({"path_prefix": "/crm/v7/Leads", "times": 3, "action": {"kind": "status", "status": 503}})).await;
    let e = c
        .get_json("/Leads", &[("fields", "Last_Name")])
        .await
        .unwrap_err();
    assert!(e.is_retryable() && e.to_string().contains("503"), "{e}");
}

#[tokio::test]
async fn read_timeout_applies() {
    let emu = Emulator::start().await.unwrap();
    let config = SdkConfig::builder()
        .read_timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let c = client(&emu, Arc::new(MemoryStore::new()), config).await;
    admin(
        &emu,
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/Leads", "action": {"kind": "delay", "ms": 1000}}),
    )
    .await;
    let e = c
        .get_json("/Leads", &[("fields", "Last_Name")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    // With retries, a single slow answer is retried to success.
    let c = client(
        &emu,
        Arc::new(MemoryStore::new()),
        SdkConfig::builder()
            .read_timeout(Duration::from_millis(300))
            .retry(RetryPolicy {
                initial_backoff: Duration::from_millis(10),
                ..Default::default()
            })
            .build()
            .unwrap(),
    )
    .await;
    admin(
        &emu,
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/Leads", "action": {"kind": "delay", "ms": 1000}}),
    )
    .await;
    assert_eq!(lead_names(&c).await.len(), 3);
}

#[tokio::test]
async fn invalid_token_mid_session_refreshes_and_replays() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, Arc::new(MemoryStore::new()), SdkConfig::default()).await;
    admin(&emu, Method::POST, "/tokens/expire", json!({"all": true})).await;
    let before = refreshes(&emu);
    assert_eq!(lead_names(&c).await.len(), 3);
    assert_eq!(refreshes(&emu) - before, 1);
}

#[tokio::test]
async fn revoked_refresh_token_is_a_typed_error() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let c = client(&emu, store.clone(), SdkConfig::default()).await;
    common::revoke_stored_refresh_token(&emu, store.as_ref(), "1").await;
    let e = c
        .get_json("/Leads", &[("fields", "Last_Name")])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::OAuth(OAuthError::InvalidCode)), "{e}");
    assert!(e.to_string().contains("revoked"));
}

#[tokio::test]
async fn oauth_errors_are_typed() {
    let emu = Emulator::start().await.unwrap();
    let build = |t: OAuthToken| {
        Client::builder()
            .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
            .environment(env_of(&emu))
            .token(t)
            .build()
    };
    let code = emu.mint_grant_code(PATRICIA, &SCOPES).unwrap();
    let t = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code.clone())
        .build()
        .unwrap();
    build(t.clone()).await.unwrap();
    assert!(
        matches!(
            build(t).await.unwrap_err(),
            Error::OAuth(OAuthError::InvalidCode)
        ),
        "reused code"
    );
    let t = OAuthToken::builder()
        .client_id("1000.UNKNOWN")
        .client_secret("x")
        .grant_token(code.clone())
        .build()
        .unwrap();
    let e = build(t).await.unwrap_err();
    assert!(
        matches!(e, Error::OAuth(OAuthError::InvalidClient { .. })),
        "{e}"
    );
    assert!(e.to_string().contains(&emu.accounts_url));
    let t = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret("wrong")
        .grant_token(code)
        .build()
        .unwrap();
    assert!(matches!(
        build(t).await.unwrap_err(),
        Error::OAuth(OAuthError::InvalidClientSecret)
    ));
    // The throttle: ten access tokens per refresh token in ten minutes.
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let c = client(&emu, store.clone(), SdkConfig::default()).await;
    let mut last = Ok(());
    for _ in 0..10 {
        admin(&emu, Method::POST, "/tokens/expire", json!({"all": true})).await;
        last = c.get_json("/org", &[]).await.map(|_| ());
        if last.is_err() {
            break;
        }
    }
    let e = last.unwrap_err();
    assert!(
        matches!(e, Error::OAuth(OAuthError::Throttled { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("10 access tokens per refresh token"));
}

#[tokio::test]
async fn file_store_persists_across_clients() {
    let emu = Emulator::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("zcrm-flows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sdk_tokens.txt");
    let _ = std::fs::remove_file(&path);
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(&path));
    let c = client(&emu, store, SdkConfig::default()).await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\r\n1,patricia.boyle@zylker.example:60012345,"));
    let t = OAuthToken::builder()
        .id(c.token_id().unwrap())
        .build()
        .unwrap();
    let again = Client::builder()
        .environment(env_of(&emu))
        .token(t)
        .store(Arc::new(FileStore::new(&path)))
        .build()
        .await
        .unwrap();
    assert_eq!(lead_names(&again).await.len(), 3);
}

#[tokio::test]
async fn many_users_and_orgs_in_one_process() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let http = zcrm_core::HttpPool::new(&SdkConfig::default()).unwrap();
    let login = |user: &str| {
        let code = emu.mint_grant_code(user, &SCOPES).unwrap();
        let t = OAuthToken::builder()
            .client_id(SELF_CLIENT_ID)
            .client_secret(SELF_CLIENT_SECRET)
            .grant_token(code)
            .build()
            .unwrap();
        Client::builder()
            .environment(env_of(&emu))
            .token(t)
            .store(store.clone())
            .http_pool(http.clone())
            .build()
    };
    let zylker = login(PATRICIA).await.unwrap();
    let acme = login("amelia.burrows@acme.example").await.unwrap();
    let ryan = login("ryan.cole@zylker.example").await.unwrap();
    let (a, b, c) = tokio::join!(lead_names(&zylker), lead_names(&acme), lead_names(&ryan));
    assert_eq!(a, vec!["Tanaka", "Garcia", "Doe"]);
    assert_eq!(b, vec!["Runner", "Coyote"]);
    assert_eq!(c, a, "two users of one org see the same org");
    let mut users: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|t| t.user_name)
        .collect();
    users.sort();
    assert_eq!(
        users,
        vec![
            "amelia.burrows@acme.example:60054321",
            "patricia.boyle@zylker.example:60012345",
            "ryan.cole@zylker.example:60012345"
        ]
    );
    // Expiring one user's tokens refreshes that user only.
    admin(
        &emu,
        Method::POST,
        "/tokens/expire",
        json!({"user": "amelia.burrows@acme.example"}),
    )
    .await;
    let before = refreshes(&emu);
    lead_names(&zylker).await;
    lead_names(&acme).await;
    assert_eq!(refreshes(&emu) - before, 1);
    // The emulated orgs are Enterprise: 20 concurrent calls unless configured.
    assert_eq!(zylker.concurrency_limit(), 20);
    let capped = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(env_of(&emu))
        .token(grant_token(&emu))
        .config(SdkConfig::builder().max_concurrency(3).build().unwrap())
        .build()
        .await
        .unwrap();
    assert_eq!(capped.concurrency_limit(), 3);
}

#[tokio::test]
async fn clients_of_one_org_share_its_concurrency_limit() {
    let emu = Emulator::start().await.unwrap();
    admin(
        &emu,
        Method::PUT,
        "/orgs/60012345/concurrency",
        json!({"limit": 2}),
    )
    .await;
    admin(&emu, Method::POST, "/faults", json!({"path_prefix": "/crm/v7/Leads", "times": 100, "action": {"kind": "delay", "ms": 200}})).await;
    let build = |user: &'static str, limits: Option<zcrm_core::OrgLimits>| {
        let config = SdkConfig::builder()
            .max_concurrency(2)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let mut b = Client::builder()
            .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
            .environment(env_of(&emu))
            .token(common::grant_token(&emu, user))
            .config(config);
        if let Some(l) = limits {
            b = b.org_limits(l);
        }
        b.build()
    };
    let burst = |clients: Vec<Client>| async move {
        let tasks: Vec<_> = clients
            .iter()
            .flat_map(|c| (0..3).map(move |_| c.clone()))
            .map(|c| {
                tokio::spawn(async move { c.get_json("/Leads", &[("fields", "Last_Name")]).await })
            })
            .collect();
        let mut refused = 0;
        for t in tasks {
            if let Err(e) = t.await.unwrap() {
                assert_eq!(e.api_code(), Some("TOO_MANY_REQUESTS"), "{e}");
                refused += 1;
            }
        }
        refused
    };
    let shared = zcrm_core::OrgLimits::new();
    let a = build(PATRICIA, Some(shared.clone())).await.unwrap();
    let b = build("ryan.cole@zylker.example", Some(shared.clone()))
        .await
        .unwrap();
    assert_eq!(
        burst(vec![a, b]).await,
        0,
        "two users of one org stay within its limit together"
    );
    let a = build(PATRICIA, None).await.unwrap();
    let b = build("ryan.cole@zylker.example", None).await.unwrap();
    assert!(
        burst(vec![a, b]).await > 0,
        "with a limit each, they exceed the org's"
    );
}

#[tokio::test]
async fn a_token_that_cannot_be_persisted_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    // The store's parent is a file, so nothing can be written there.
    let blocker = std::env::temp_dir().join(format!("zcrm-not-a-dir-{}", std::process::id()));
    std::fs::write(&blocker, b"x").unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(blocker.join("tokens.csv")));
    let e = Client::builder()
        .environment(env_of(&emu))
        .token(grant_token(&emu))
        .store(store)
        .build()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store, "{e}");
    assert!(e.to_string().contains("tokens.csv"), "{e}");
    std::fs::remove_file(blocker).unwrap();
}

#[tokio::test]
async fn a_client_from_a_stored_token_learns_its_edition_only_when_requests_queue() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let first = client(&emu, store.clone(), SdkConfig::default()).await;
    let id = first.token_id().unwrap();
    let org_calls = || common::logged(&emu, "GET", "/crm/v7/org");
    let before = org_calls();
    let c = Client::builder()
        .environment(env_of(&emu))
        .token(OAuthToken::builder().id(id).build().unwrap())
        .store(store.clone())
        .build()
        .await
        .unwrap();
    // Building and one request at a time: no `GET /org`, the smallest edition's limit.
    assert_eq!(org_calls(), before, "the build sent GET /org");
    assert_eq!(c.concurrency_limit(), 5);
    lead_names(&c).await;
    lead_names(&c).await;
    assert_eq!(
        org_calls(),
        before,
        "a request that did not queue sent GET /org"
    );
    // Requests queue (slow answers, 12 at once): the edition is learnt once, the limit raised.
    common::fault(
        &emu,
        "/crm/v7/Leads",
        None,
        0,
        24,
        json!({"kind": "delay", "ms": 100}),
    )
    .await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { lead_names(&c).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().len(), 3);
    }
    // The learning runs in the background: wait for its answer (at most 5 s).
    for _ in 0..100 {
        if c.concurrency_limit() == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(c.concurrency_limit(), 20);
    assert_eq!(
        org_calls(),
        before + 1,
        "one GET /org, once requests queued"
    );
}

/// A program run again with the same grant code finds the token that code was exchanged for in
/// the store, as the official SDK does, instead of spending the code again (Zoho would answer
/// `invalid_code`); another client's row with the same code is not taken.
#[tokio::test]
async fn a_grant_code_already_exchanged_is_found_in_the_store() {
    let emu = Emulator::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("zcrm-grant-again-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(dir.join("sdk_tokens.txt")));
    let token = grant_token(&emu);
    let build = |token: OAuthToken| {
        Client::builder()
            .environment(env_of(&emu))
            .token(token)
            .store(store.clone())
            .build()
    };
    let first = build(token.clone()).await.unwrap();
    let again = build(token.clone())
        .await
        .expect("the second run uses the stored token");
    assert_eq!(first.token_id(), again.token_id());
    assert_eq!(lead_names(&again).await, vec!["Tanaka", "Garcia", "Doe"]);
    let exchanges = emu
        .requests()
        .iter()
        .filter(|r| r.grant_type.as_deref() == Some("authorization_code"))
        .count();
    assert_eq!(exchanges, 1, "the code is exchanged once");
    // The same code under another client id is not that row: it goes to Zoho (and fails).
    let code = token_code(&token);
    let other = OAuthToken::builder()
        .client_id("1000.OTHER")
        .client_secret("other")
        .grant_token(code)
        .build()
        .unwrap();
    assert!(build(other).await.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The grant code of a token built from one.
fn token_code(t: &OAuthToken) -> String {
    match t.source() {
        zcrm_core::TokenSource::Grant(g) => g.expose().to_string(),
        other => panic!("not a grant token: {other:?}"),
    }
}

/// A client given no store keeps its token in `sdk_tokens.txt` in the working directory, with
/// mode 0600, as the official SDKs do; the next run finds it there. (The working directory of
/// this test process is changed, so this test runs in a child process of its own.)
#[test]
fn without_a_store_the_token_goes_to_sdk_tokens_txt_in_the_working_directory() {
    if std::env::var("ZCRM_DEFAULT_STORE_CHILD").is_ok() {
        return default_store_child();
    }
    let dir = std::env::temp_dir().join(format!("zcrm-default-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "without_a_store_the_token_goes_to_sdk_tokens_txt_in_the_working_directory",
            "--nocapture",
        ])
        .env("ZCRM_DEFAULT_STORE_CHILD", "1")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.join(zcrm_core::client::DEFAULT_TOKEN_FILE);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("id,user_name,client_id,client_secret,refresh_token"),
        "{text}"
    );
    assert!(
        text.contains("patricia.boyle@zylker.example:60012345"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn default_store_child() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let emu = Emulator::start().await.unwrap();
            let c = Client::builder()
                .environment(env_of(&emu))
                .token(grant_token(&emu))
                .build()
                .await
                .unwrap();
            let id = c.token_id().unwrap();
            // The next run, from the id alone, finds it in the same file.
            let again = Client::builder()
                .environment(env_of(&emu))
                .token(OAuthToken::builder().id(id).build().unwrap())
                .build()
                .await
                .unwrap();
            assert_eq!(lead_names(&again).await, vec!["Tanaka", "Garcia", "Doe"]);
        });
}

/// A stored row is never handed out for a grant code replayed in a server-based sign-in (a
/// redirect URL), nor with another client secret: those codes go to Zoho, which refuses a
/// spent one.
#[tokio::test]
async fn a_spent_code_is_not_taken_from_the_store_for_a_web_sign_in_or_another_secret() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let first = client(&emu, store.clone(), SdkConfig::default()).await;
    let row = store
        .find_by_id(&first.token_id().unwrap())
        .await
        .unwrap()
        .unwrap();
    let spent = row.grant_token.clone().unwrap().expose().to_string();
    let replay = |token: OAuthToken| {
        Client::builder()
            .store(store.clone())
            .environment(env_of(&emu))
            .token(token)
            .build()
    };
    let web = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .redirect_url("https://app.example/oauth/callback")
        .grant_token(spent.clone())
        .build()
        .unwrap();
    let e = replay(web).await.unwrap_err();
    assert_eq!(e.kind(), zcrm_core::ErrorKind::OAuth, "{e}");
    let other_secret = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret("not the secret")
        .grant_token(spent)
        .build()
        .unwrap();
    assert!(replay(other_secret).await.is_err());
}

/// Without a store, a working directory where the token file cannot be written is an error
/// before the single-use grant code is spent, and it says how to give a store. (A directory
/// removed under the process stands in for a read-only one; this runs in a child process.)
#[test]
fn an_unwritable_default_token_file_is_refused_before_the_code_is_spent() {
    if std::env::var("ZCRM_UNWRITABLE_CHILD").is_ok() {
        return unwritable_child();
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "an_unwritable_default_token_file_is_refused_before_the_code_is_spent",
            "--nocapture",
        ])
        .env("ZCRM_UNWRITABLE_CHILD", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn unwritable_child() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let emu = Emulator::start().await.unwrap();
            let dir = std::env::temp_dir().join(format!("zcrm-gone-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::env::set_current_dir(&dir).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
            let e = Client::builder()
                .environment(env_of(&emu))
                .token(grant_token(&emu))
                .build()
                .await
                .unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("sdk_tokens.txt") && text.contains(".store("),
                "{text}"
            );
            let exchanged = emu
                .requests()
                .iter()
                .any(|r| r.grant_type.as_deref() == Some("authorization_code"));
            assert!(!exchanged, "the code was not spent");
        });
}
