//! Several processes sharing one token store. This test binary has its own `main`: with
//! `ZCRM_CHILD=<role>` it runs as one of the child processes of a test (and is no test itself);
//! otherwise it runs the tests. A check that needs a database server whose URL variable is not
//! set is reported as ignored, with the reason; under `CI=true` it fails instead.

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zcrm_core::store::{FileStore, TokenStore};
use zcrm_core::{ApiEnvironment, Client, OAuthToken, StoredToken};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

fn main() -> ExitCode {
    #[cfg(all(
        any(feature = "mysql", feature = "postgres", feature = "sqlite"),
        feature = "test-support"
    ))]
    zcrm_core::store::contract::run_storm_child_if_asked();
    if let Ok(role) = std::env::var("ZCRM_CHILD") {
        return child(&role);
    }
    let args = Arguments::from_args();
    #[allow(unused_mut)]
    let mut trials = vec![
        test("two_processes_share_a_file_store", || {
            let dir = temp_dir("file");
            let spec = format!("file:{}", dir.join("sdk_tokens.txt").display());
            block_on(two_processes_refresh_once(spec, "oauthtoken".into(), dir));
            Ok(Completion::Completed)
        }),
        test(
            "eight_processes_times_200_file_saves_lose_nothing",
            eight_processes_times_200_file_saves_lose_nothing,
        ),
        test(
            "killed_file_writers_leave_no_copy_of_the_tokens",
            killed_file_writers_leave_no_copy_of_the_tokens,
        ),
    ];
    #[cfg(all(
        any(feature = "mysql", feature = "postgres", feature = "sqlite"),
        feature = "test-support"
    ))]
    db::trials(&mut trials);
    #[cfg(feature = "redis")]
    trials.push(test(
        "eight_processes_of_64_tasks_on_redis_refresh_once_when_the_token_expires",
        fleet_on_redis,
    ));
    libtest_mimic::run(&args, trials).exit_code()
}

fn test(name: &str, f: impl FnOnce() -> Result<Completion, Failed> + Send + 'static) -> Trial {
    Trial::ignorable_test(name, f)
}

fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zcrm-proc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn var(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"))
}

async fn open_store(spec: &str, table: &str) -> Arc<dyn TokenStore> {
    #[cfg(not(any(feature = "mysql", feature = "postgres", feature = "sqlite")))]
    let _ = table;
    match spec.split_once(':') {
        Some(("file", path)) => Arc::new(FileStore::new(path)),
        #[cfg(feature = "redis")]
        Some(("redis", url)) => Arc::new(
            zcrm_core::store::RedisStore::connect(url, table)
                .await
                .unwrap(),
        ),
        #[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
        Some(("db", url)) => Arc::new(
            zcrm_core::store::DbStore::connect_with_table(url, table)
                .await
                .unwrap(),
        ),
        _ => panic!("unknown store spec {spec}"),
    }
}

fn spawn_child(role: &str, envs: &[(&str, String)]) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env("ZCRM_CHILD", role);
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

/// Runs this process as a child of a test.
fn child(role: &str) -> ExitCode {
    match role {
        "refresher" => block_on(child_refresher()),
        "saver" => block_on(child_saver()),
        "file-writer" => block_on(child_file_writer()),
        "fleet" => block_on(child_fleet()),
        other => panic!("unknown child role {other}"),
    }
    ExitCode::SUCCESS
}

/// Child: load the shared token by id (now stale), say ready, wait for the go signal, call.
async fn child_refresher() {
    let store = open_store(&var("ZCRM_STORE"), &var("ZCRM_TABLE")).await;
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

/// Signs Patricia in to `emu` with a self-client grant code, keeping the token in `store`;
/// the stored token's id.
async fn sign_in(emu: &Emulator, store: Arc<dyn TokenStore>) -> String {
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
        .store(store)
        .build()
        .await
        .unwrap();
    client.token_id().unwrap()
}

async fn two_processes_refresh_once(store_spec: String, table: String, dir: PathBuf) {
    let emu = Emulator::start().await.unwrap();
    let store = open_store(&store_spec, &table).await;
    store.delete_all().await.unwrap();
    let id = sign_in(&emu, store.clone()).await;
    // Expire the stored token: both processes will load a token that needs refreshing.
    let mut t: StoredToken = store.find_by_id(&id).await.unwrap().unwrap();
    t.expiry_time = Some(0);
    store.save(&t).await.unwrap();
    let envs = vec![
        ("ZCRM_STORE", store_spec.clone()),
        ("ZCRM_EMULATOR", emu.base_url.clone()),
        ("ZCRM_TOKEN_ID", id),
        ("ZCRM_DIR", dir.display().to_string()),
        ("ZCRM_TABLE", table),
    ];
    let mut children: Vec<_> = (0..2).map(|_| spawn_child("refresher", &envs)).collect();
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
    if let Some(("db", _)) = store_spec.split_once(':') {
        if !store_spec.starts_with("db:sqlite") {
            store.delete_all().await.unwrap();
        }
    }
}

/// Child of the fleet test: a client from the shared token, then `ZCRM_TASKS` tasks calling
/// the API until the `stop` file appears; every call must succeed.
async fn child_fleet() {
    let store = open_store(&var("ZCRM_STORE"), &var("ZCRM_TABLE")).await;
    let url = var("ZCRM_EMULATOR");
    let client = Client::builder()
        .environment(ApiEnvironment::custom(&url, &url, &url))
        .config(
            zcrm_core::SdkConfig::builder()
                .max_concurrency(16)
                .build()
                .unwrap(),
        )
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
    let tasks: usize = var("ZCRM_TASKS").parse().unwrap();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (client, stop) = (client.clone(), dir.join("stop"));
            tokio::spawn(async move {
                let mut calls = 0;
                while !stop.exists() || calls == 0 {
                    let org = client.get_json("/org", &[]).await.unwrap().unwrap();
                    assert_eq!(org["org"][0]["zgid"], "60012345");
                    calls += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

/// 8 processes x 64 tasks sharing one token in Redis; the access token is revoked at the
/// server mid-run (every task's next call answers 401 `INVALID_TOKEN`): exactly one refresh
/// for the whole fleet.
#[cfg(feature = "redis")]
fn fleet_on_redis() -> Result<Completion, Failed> {
    const REDIS: &str = "ZCRM_TEST_REDIS_URL";
    let Ok(url) = std::env::var(REDIS) else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("required in CI: {REDIS} is not set");
        }
        return Ok(Completion::ignored_with(format!(
            "SKIPPED: {REDIS} is not set (give a Redis URL to run this test)"
        )));
    };
    block_on(async move {
        let dir = temp_dir("fleet");
        let prefix = format!("zcrm-fleet-{}", std::process::id());
        let spec = format!("redis:{url}");
        let emu = Emulator::start().await.unwrap();
        let store = open_store(&spec, &prefix).await;
        store.delete_all().await.unwrap();
        let id = sign_in(&emu, store.clone()).await;
        let envs = vec![
            ("ZCRM_STORE", spec.clone()),
            ("ZCRM_EMULATOR", emu.base_url.clone()),
            ("ZCRM_TOKEN_ID", id),
            ("ZCRM_DIR", dir.display().to_string()),
            ("ZCRM_TABLE", prefix),
            ("ZCRM_TASKS", "64".into()),
        ];
        let mut children: Vec<_> = (0..8).map(|_| spawn_child("fleet", &envs)).collect();
        for c in &children {
            wait_for(&dir.join(format!("ready-{}", c.id())));
        }
        std::fs::write(dir.join("go"), b"").unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let expired = reqwest::Client::new()
            .post(format!("{}/tokens/expire", emu.admin_url))
            .json(&serde_json::json!({"all": true}))
            .send()
            .await
            .unwrap();
        assert!(expired.status().is_success());
        tokio::time::sleep(Duration::from_millis(800)).await;
        std::fs::write(dir.join("stop"), b"").unwrap();
        for c in &mut children {
            let status = tokio::task::block_in_place(|| c.wait()).unwrap();
            assert!(status.success(), "a process of the fleet failed");
        }
        let refreshes = emu
            .requests()
            .iter()
            .filter(|r| {
                r.path == "/oauth/v2/token" && r.grant_type.as_deref() == Some("refresh_token")
            })
            .count();
        let rejected = emu.requests().iter().filter(|r| r.status == 401).count();
        store.delete_all().await.unwrap();
        assert!(rejected > 0, "the expiry was met mid-run");
        assert_eq!(
            refreshes, 1,
            "8 processes x 64 tasks refresh the shared token once ({rejected} calls answered 401)"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "fleet on Redis: 8 processes x 64 tasks, {rejected} calls answered 401 after the expiry, {refreshes} refresh"
        );
        Ok(Completion::Completed)
    })
}

/// Child: 200 concurrent saves of distinct users.
async fn child_saver() {
    let store = Arc::new(FileStore::new(var("ZCRM_FILE")));
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

fn eight_processes_times_200_file_saves_lose_nothing() -> Result<Completion, Failed> {
    let dir = temp_dir("saves");
    let file = dir.join("sdk_tokens.txt");
    let envs = vec![("ZCRM_FILE", file.display().to_string())];
    let mut children: Vec<_> = (0..8).map(|_| spawn_child("saver", &envs)).collect();
    for c in &mut children {
        assert!(c.wait().unwrap().success());
    }
    let rows = block_on(FileStore::new(&file).list()).unwrap();
    assert_eq!(rows.len(), 1600);
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r.id.clone().unwrap()).collect();
    let users: std::collections::HashSet<_> =
        rows.iter().map(|r| r.user_name.clone().unwrap()).collect();
    assert_eq!((ids.len(), users.len()), (1600, 1600));
    Ok(Completion::Completed)
}

/// Child: rewrites the token file without end (until it is killed).
async fn child_file_writer() {
    let store = FileStore::new(var("ZCRM_FILE"));
    for i in 0u64.. {
        store
            .save(&StoredToken {
                user_name: Some(format!("w{}@x.example:1", i % 50)),
                refresh_token: Some(zcrm_core::secret::RefreshToken::new(format!(
                    "1000.refresh.{i}"
                ))),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tmp"))
        .collect()
}

/// Writers killed (SIGKILL) in the middle of their writes: whatever copies of the tokens they
/// left were never readable by others, and the next write removes them.
fn killed_file_writers_leave_no_copy_of_the_tokens() -> Result<Completion, Failed> {
    let dir = temp_dir("killed");
    let file = dir.join("sdk_tokens.txt");
    let envs = vec![("ZCRM_FILE", file.display().to_string())];
    let mut left = 0;
    for _ in 0..5 {
        let mut writer = spawn_child("file-writer", &envs);
        // Let it write a few times, then kill it wherever it is.
        let start = Instant::now();
        let first = loop {
            if let Ok(m) = std::fs::metadata(&file).and_then(|m| m.modified()) {
                break m;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the writer never wrote"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        while std::fs::metadata(&file).and_then(|m| m.modified()).ok() == Some(first) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(20));
        writer.kill().unwrap();
        writer.wait().unwrap();
        #[cfg(unix)]
        for tmp in temp_files(&dir) {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&tmp).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is readable by others", tmp.display());
        }
        left += temp_files(&dir).len();
    }
    block_on(FileStore::new(&file).save(&StoredToken::default())).unwrap();
    let remaining = temp_files(&dir);
    assert!(
        remaining.is_empty(),
        "copies of the tokens are still there ({left} seen after the kills): {remaining:?}"
    );
    assert!(!block_on(FileStore::new(&file).list()).unwrap().is_empty());
    Ok(Completion::Completed)
}

/// The tests that need a database: the DbStore shared by processes, and the sign-in storms.
#[cfg(all(
    any(feature = "mysql", feature = "postgres", feature = "sqlite"),
    feature = "test-support"
))]
mod db {
    use super::*;
    use std::sync::Mutex;
    use zcrm_core::store::contract::{self, StormConfig, StormTable};

    const MYSQL: &str = "ZCRM_TEST_MYSQL_URL";
    const POSTGRES: &str = "ZCRM_TEST_POSTGRES_URL";

    /// The tests of [`zcrm_core::store::DbStore`].
    pub(super) fn trials(trials: &mut Vec<Trial>) {
        trials.push(test("two_processes_share_a_sqlite_store", || {
            let dir = temp_dir("sqlite");
            let spec = format!("db:sqlite://{}", dir.join("tokens.db").display());
            block_on(two_processes_refresh_once(spec, "oauthtoken".into(), dir));
            Ok(Completion::Completed)
        }));
        for (backend, var) in [("mysql", MYSQL), ("postgres", POSTGRES)] {
            trials.push(test(
                &format!("two_processes_share_a_{backend}_store"),
                move || {
                    let Some(url) = server(var) else {
                        return skipped(var);
                    };
                    let dir = temp_dir(backend);
                    let table = format!("zcrm_proc_{}", std::process::id());
                    block_on(two_processes_refresh_once(format!("db:{url}"), table, dir));
                    Ok(Completion::Completed)
                },
            ));
        }
        for backend in ["sqlite", "mysql", "postgres"] {
            for (table, name) in [
                (StormTable::New, "a_new_table"),
                (StormTable::OfficialSchema, "the_official_sdks_table"),
            ] {
                trials.push(test(
                    &format!("{backend}_takes_8_x_200_concurrent_new_sign_ins_on_{name}"),
                    move || signin_storm(backend, table),
                ));
            }
        }
    }

    /// The URL in `var`; `None` when it is not set, which fails under `CI=true`.
    fn server(var: &str) -> Option<String> {
        let url = std::env::var(var).ok();
        if url.is_none() && std::env::var("CI").as_deref() == Ok("true") {
            panic!("required in CI: {var} is not set");
        }
        url
    }

    fn skipped(var: &str) -> Result<Completion, Failed> {
        Ok(Completion::ignored_with(format!(
            "SKIPPED: {var} is not set (give a database URL to run this test on that server)"
        )))
    }

    /// Storms run one at a time: each uses every core.
    static STORMS: Mutex<()> = Mutex::new(());

    /// 8 processes x 200 concurrent first saves (new user-orgs, no id) on one table.
    fn signin_storm(backend: &str, table: StormTable) -> Result<Completion, Failed> {
        let url = match backend {
            "mysql" => server(MYSQL),
            "postgres" => server(POSTGRES),
            _ => {
                let dir = temp_dir(&format!("storm-{table:?}"));
                Some(format!("sqlite://{}", dir.join("tokens.db").display()))
            }
        };
        let Some(url) = url else {
            return skipped(if backend == "mysql" { MYSQL } else { POSTGRES });
        };
        let _one_at_a_time = STORMS.lock().unwrap_or_else(|e| e.into_inner());
        let mut config = StormConfig::new(url, 8, 200);
        config.table = table;
        config.deadline = Duration::from_secs(240);
        let report = block_on(contract::signin_storm(&config)).map_err(|e| e.to_string())?;
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{report}");
        assert_eq!(report.rows, 1600, "{report}");
        assert_eq!(report.saved, 1600, "{report}");
        assert_eq!(report.errors, 0, "{report}");
        assert_eq!(
            (report.duplicate_ids, report.duplicate_users),
            (0, 0),
            "{report}"
        );
        assert!(report.is_clean(), "{report}");
        Ok(Completion::Completed)
    }
}
