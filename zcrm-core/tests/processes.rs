//! Several processes sharing one token store. The test binary runs itself as the child
//! processes (`child_*` tests do their part only when `ZCRM_CHILD` is set).

use reqwest::Method;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zcrm_core::store::{FileStore, TokenStore};
use zcrm_core::{ApiEnvironment, Client, OAuthToken, StoredToken};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zcrm-proc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn open_store(spec: &str) -> Arc<dyn TokenStore> {
    match spec.split_once(':') {
        Some(("file", path)) => Arc::new(FileStore::new(path)),
        #[cfg(feature = "db")]
        Some(("db", url)) => Arc::new(
            zcrm_core::store::DbStore::connect_with_table(
                url,
                &std::env::var("ZCRM_TABLE").unwrap_or_else(|_| "oauthtoken".into()),
            )
            .await
            .unwrap(),
        ),
        _ => panic!("unknown store spec {spec}"),
    }
}

fn spawn_child(test: &str, envs: &[(&str, String)]) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("ZCRM_CHILD", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Child: load the shared token by id (now stale), say ready, wait for the go signal, call.
#[tokio::test]
async fn child_refresher() {
    if std::env::var("ZCRM_CHILD").is_err() {
        return;
    }
    let var = |k: &str| std::env::var(k).unwrap();
    let store = open_store(&var("ZCRM_STORE")).await;
    let url = var("ZCRM_EMULATOR");
    let env = ApiEnvironment::custom(&url, &url, &url);
    let client = Client::builder()
        .environment(env)
        .token(
            OAuthToken::builder()
                .id(var("ZCRM_TOKEN_ID"))
                .build()
                .unwrap(),
        )
        .store(store)
        .build()
        .await
        .unwrap();
    let dir = PathBuf::from(var("ZCRM_DIR"));
    std::fs::write(dir.join(format!("ready-{}", std::process::id())), b"").unwrap();
    wait_for(&dir.join("go"));
    let org = client.get_json("/org", &[]).await.unwrap().unwrap();
    assert_eq!(org["org"][0]["zgid"], "60012345");
}

async fn two_processes_refresh_once(store_spec: String, dir: &Path) {
    let emu = Emulator::start().await.unwrap();
    let store = open_store(&store_spec).await;
    store.delete_all().await.unwrap();
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
    let token = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()
        .unwrap();
    let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
    let client = Client::builder()
        .environment(env)
        .token(token)
        .store(store.clone())
        .build()
        .await
        .unwrap();
    let id = client.token_id().unwrap();
    // Expire the stored token: both processes will load a token that needs refreshing.
    let mut t: StoredToken = store.find_by_id(&id).await.unwrap().unwrap();
    t.expiry_time = Some(0);
    store.save(&t).await.unwrap();
    let envs = vec![
        ("ZCRM_STORE", store_spec.clone()),
        ("ZCRM_EMULATOR", emu.base_url.clone()),
        ("ZCRM_TOKEN_ID", id),
        ("ZCRM_DIR", dir.display().to_string()),
        (
            "ZCRM_TABLE",
            std::env::var("ZCRM_TABLE").unwrap_or_else(|_| "oauthtoken".into()),
        ),
    ];
    let mut children: Vec<_> = (0..2)
        .map(|_| spawn_child("child_refresher", &envs))
        .collect();
    for c in &children {
        wait_for(&dir.join(format!("ready-{}", c.id())));
    }
    std::fs::write(dir.join("go"), b"").unwrap();
    for c in &mut children {
        let status = tokio::task::block_in_place(|| c.wait()).unwrap();
        assert!(status.success(), "a child failed");
    }
    let refreshes = emu
        .requests()
        .iter()
        .filter(|r| r.path == "/oauth/v2/token" && r.grant_type.as_deref() == Some("refresh_token"))
        .count();
    assert_eq!(
        refreshes, 1,
        "two processes refresh the shared token once between them"
    );
    let _ = reqwest::Client::new()
        .request(Method::GET, format!("{}/", emu.admin_url))
        .json(&json!({}))
        .send()
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_a_file_store() {
    if std::env::var("ZCRM_CHILD").is_ok() {
        return;
    }
    let dir = temp_dir("file");
    two_processes_refresh_once(
        format!("file:{}", dir.join("sdk_tokens.txt").display()),
        &dir,
    )
    .await;
}

#[cfg(feature = "db")]
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_a_db_store() {
    if std::env::var("ZCRM_CHILD").is_ok() {
        return;
    }
    let dir = temp_dir("sqlite");
    two_processes_refresh_once(
        format!("db:sqlite://{}", dir.join("tokens.db").display()),
        &dir,
    )
    .await;
    for var in ["ZCRM_TEST_MYSQL_URL", "ZCRM_TEST_POSTGRES_URL"] {
        match std::env::var(var) {
            Ok(url) => {
                let dir = temp_dir(&var.to_lowercase());
                std::env::set_var("ZCRM_TABLE", format!("zcrm_proc_{}", std::process::id()));
                two_processes_refresh_once(format!("db:{url}"), &dir).await;
            }
            Err(_) => println!("skipped the {var} run: {var} is not set"),
        }
    }
}

/// Child: 200 concurrent saves of distinct users.
#[tokio::test(flavor = "multi_thread")]
async fn child_saver() {
    if std::env::var("ZCRM_CHILD").is_err() || std::env::var("ZCRM_SAVES").is_err() {
        return;
    }
    let store = Arc::new(FileStore::new(std::env::var("ZCRM_FILE").unwrap()));
    let pid = std::process::id();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .save(&StoredToken {
                        user_name: Some(format!("u{pid}-{i}@x.example:1")),
                        ..Default::default()
                    })
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn eight_processes_times_200_saves_lose_nothing() {
    if std::env::var("ZCRM_CHILD").is_ok() {
        return;
    }
    let dir = temp_dir("saves");
    let file = dir.join("sdk_tokens.txt");
    let envs = vec![
        ("ZCRM_FILE", file.display().to_string()),
        ("ZCRM_SAVES", "1".to_string()),
    ];
    let mut children: Vec<_> = (0..8).map(|_| spawn_child("child_saver", &envs)).collect();
    for c in &mut children {
        assert!(c.wait().unwrap().success());
    }
    let rows = FileStore::new(&file).list().await.unwrap();
    assert_eq!(rows.len(), 1600);
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r.id.clone().unwrap()).collect();
    let users: std::collections::HashSet<_> =
        rows.iter().map(|r| r.user_name.clone().unwrap()).collect();
    assert_eq!((ids.len(), users.len()), (1600, 1600));
}
