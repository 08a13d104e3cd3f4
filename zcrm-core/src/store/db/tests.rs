use super::url::{url_secrets, userinfo};
use super::*;
use crate::store::contract;

/// Reports a skipped check on the real stderr; under `CI=true` a skip is a failure.
fn skip(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("required in CI: {reason}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) => {
            skip(&format!(
                "{var} is not set (give a database URL to run this check on that server)"
            ));
            None
        }
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("zcrm-dbstore-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A table name no other test uses.
fn table(name: &str) -> String {
    format!("zcrm_{name}_{}", std::process::id())
}

fn user(name: &str) -> StoredToken {
    StoredToken {
        user_name: Some(format!("{name}@x.example:1")),
        refresh_token: Some(RefreshToken::new(format!("1000.refresh.{name}"))),
        ..Default::default()
    }
}

async fn drop_table(store: &DbStore) {
    sqlx::query(&format!("DROP TABLE IF EXISTS {}", store.table))
        .execute(&store.pool)
        .await
        .unwrap();
}

/// A URL with `password` put into its user-info (`scheme://user@host` → `scheme://user:pw@host`).
fn with_password(url: &str, password: &str) -> String {
    let (start, at) = userinfo(url).expect("a URL with a user");
    let user = url[start..at].split(':').next().unwrap();
    format!("{}{user}:{password}{}", &url[..start], &url[at..])
}

fn assert_no_password(what: &str, text: &str) {
    for p in ["hunter2", "hunter%32"] {
        assert!(!text.contains(p), "{what} shows the password: {text}");
    }
}

#[test]
fn urls_lose_their_password() {
    assert_eq!(
        redact_url("mysql://root:hunter2@127.0.0.1:3306/test"),
        "mysql://root@127.0.0.1:3306/test"
    );
    assert_eq!(
        redact_url("postgres://u:p@ss:w@rd@h/db?sslmode=disable&password=x2"),
        "postgres://u@h/db?sslmode=disable&password=[redacted]"
    );
    assert_eq!(redact_url("sqlite:///tmp/a@b.db"), "sqlite:///tmp/a@b.db");
    assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    assert_eq!(
        url_secrets("mysql://root:hunter%32@h/x?Password=two"),
        vec!["hunter%32", "hunter2", "two"]
    );
}

/// Every way of failing to open a store whose URL has a password: the error, in `Display` and
/// `Debug`, never shows it.
#[tokio::test]
async fn errors_of_a_url_with_a_password_do_not_show_it() {
    let mut urls = vec![
        "mysql://root:hunter2@127.0.0.1:1/x".to_string(),
        "mariadb://root:hunter%32@127.0.0.1:1/x".to_string(),
        "postgres://postgres:hunter2@127.0.0.1:1/x".to_string(),
        "mysql://root:hunter2@127.0.0.1:notaport/x".to_string(),
        "postgres://postgres:hunter2@[::1/x".to_string(),
        "postgres://postgres@127.0.0.1:1/x?password=hunter2".to_string(),
        "oracle://scott:hunter2@127.0.0.1/x".to_string(),
        "sqlite://u:hunter2@/nonexistent-dir/x.db?mode=rw".to_string(),
    ];
    // A server that refuses the password.
    if let Ok(url) = std::env::var("ZCRM_TEST_MYSQL_URL") {
        urls.push(with_password(&url, "hunter2"));
    }
    for url in &urls {
        let e = DbStore::open(url, "t", Duration::from_secs(1))
            .await
            .expect_err(url);
        assert_no_password(url, &e.to_string());
        assert_no_password(url, &format!("{e:?}"));
    }
    let e = DbStore::connect_with_table("mysql://root:hunter2@127.0.0.1:1/x", "bad name")
        .await
        .unwrap_err();
    assert_no_password("a bad table name", &e.to_string());
}

/// A store connected with a password (PostgreSQL's trust authentication takes any) shows it in
/// neither its `Debug` nor the errors of its operations.
#[tokio::test]
async fn a_store_connected_with_a_password_does_not_show_it() {
    let dir = temp_dir("debug");
    let store = DbStore::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    let text = format!("{store:?}");
    assert!(
        text.starts_with("DbStore { target: \"sqlite://") && text.contains("table oauthtoken"),
        "{text}"
    );
    let Some(url) = server_url("ZCRM_TEST_POSTGRES_URL") else {
        return;
    };
    let url = with_password(&url, "hunter2");
    let name = table("pw");
    let store = DbStore::open(&url, &name, Duration::from_secs(1))
        .await
        .unwrap();
    let text = format!("{store:?}");
    assert!(text.contains("postgres://postgres@"), "{text}");
    assert_no_password("Debug", &text);
    // Errors of a connected store: the table gone, then its lock held elsewhere.
    drop_table(&store).await;
    let e = store.list().await.unwrap_err();
    assert!(e.to_string().contains(&name), "{e}");
    assert_no_password("an error", &format!("{e} {e:?}"));
    store
        .locked(Locked::CreateTable(Schema::Ours))
        .await
        .unwrap();
    let mut other = store.pool.acquire().await.unwrap();
    other.execute("BEGIN").await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('zcrm-rows'), hashtext($1))::text")
        .bind(format!("zcrm-rows-{name}"))
        .execute(&mut *other)
        .await
        .unwrap();
    let e = store.save(&user("new")).await.unwrap_err();
    assert_no_password("a lock error", &format!("{e} {e:?}"));
    other.execute("ROLLBACK").await.unwrap();
    drop(other);
    drop_table(&store).await;
}

#[tokio::test]
async fn sqlite_contract() {
    let dir = temp_dir("contract");
    let path = dir.join("tokens.db");
    let store = DbStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    contract::run(&store).await;
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_file_is_created_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("mode");
    let path = dir.join("tokens.db");
    let store = DbStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.save(&user("a")).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the token database is readable by others");
}

/// The documented schema of the official SDK's table: no unique key on `user_name`.
fn official_schema(table: &str) -> String {
    format!("CREATE TABLE {table} (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), PRIMARY KEY (id))")
}

/// The URL of a backend and a table name for a test; `None` (skipped) for a server whose URL
/// variable is not set.
fn on_backend(backend: &str, name: &str) -> Option<(String, String)> {
    let url = match backend {
        "sqlite" => format!(
            "sqlite://{}",
            temp_dir(&format!("{backend}-{name}"))
                .join("t.db")
                .display()
        ),
        "mysql" => server_url("ZCRM_TEST_MYSQL_URL")?,
        _ => server_url("ZCRM_TEST_POSTGRES_URL")?,
    };
    Some((url, table(name)))
}

const BACKENDS: [&str; 3] = ["sqlite", "mysql", "postgres"];

#[tokio::test]
async fn contract_on_every_server_and_on_the_official_schema() {
    for backend in BACKENDS {
        let Some((url, name)) = on_backend(backend, "contract") else {
            continue;
        };
        let store = DbStore::connect_with_table(&url, &name)
            .await
            .unwrap_or_else(|e| panic!("{backend}: the server is not usable: {e}"));
        store.delete_all().await.unwrap();
        contract::run(&store).await;
        drop_table(&store).await;
        // A table the official SDK created: no unique key, and the store does not add one.
        sqlx::query(&official_schema(&name))
            .execute(&store.pool)
            .await
            .unwrap();
        let store = DbStore::connect_with_table(&url, &name).await.unwrap();
        contract::run(&store).await;
        drop_table(&store).await;
    }
}

/// A lookup that fails is an error, not "not found" followed by an insert of a second row for
/// the same user-org.
#[tokio::test]
async fn a_failed_lookup_is_an_error_not_a_new_row() {
    let dir = temp_dir("lookup");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let pool = DbStore::connect_with_table(&url, "other")
        .await
        .unwrap()
        .pool;
    // An official-schema table with a row whose id is stored as a BLOB: it cannot be read back
    // as text, so looking the user-org up fails.
    pool.execute(official_schema("sdk").as_str()).await.unwrap();
    pool.execute("INSERT INTO sdk (id, user_name) VALUES (X'31', 'a@x.example:1')")
        .await
        .unwrap();
    let store = DbStore::connect_with_table(&url, "sdk").await.unwrap();
    let e = store.save(&user("a")).await.unwrap_err();
    assert!(matches!(e, StoreError::Io { .. }), "{e:?}");
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM sdk")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1, "a second row was inserted for the same user-org");
}

/// Holds the table's write lock from another connection, as another process would.
async fn hold_row_lock(backend: &str, store: &DbStore) -> PoolConnection<Any> {
    let mut c = store.pool.acquire().await.unwrap();
    let name = format!("zcrm-rows-{}", store.table);
    match backend {
        "mysql" => {
            let got: i64 = sqlx::query("SELECT GET_LOCK(?, 0)")
                .bind(name)
                .fetch_one(&mut *c)
                .await
                .unwrap()
                .get(0);
            assert_eq!(got, 1);
        }
        "postgres" => {
            c.execute("BEGIN").await.unwrap();
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('zcrm-rows'), hashtext($1))::text")
                .bind(name)
                .execute(&mut *c)
                .await
                .unwrap();
        }
        _ => {
            c.execute("BEGIN IMMEDIATE").await.unwrap();
        }
    }
    c
}

async fn release_row_lock(backend: &str, store: &DbStore, mut c: PoolConnection<Any>) {
    if backend == "mysql" {
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(format!("zcrm-rows-{}", store.table))
            .execute(&mut *c)
            .await
            .unwrap();
    } else {
        c.execute("ROLLBACK").await.unwrap();
    }
}

/// A lock wait that times out is a `StoreError::Lock` and writes nothing: never a write that
/// carries on unlocked.
#[tokio::test]
async fn a_lock_not_taken_is_a_typed_error_and_writes_nothing() {
    for backend in BACKENDS {
        let Some((url, name)) = on_backend(backend, "lockwait") else {
            continue;
        };
        let wait = Duration::from_secs(1);
        let store = DbStore::open(&url, &name, wait).await.unwrap();
        store.delete_all().await.unwrap();
        // SQLite: the lock lives in the database file, so the holder needs its own connection.
        let holder = if backend == "sqlite" {
            DbStore::open(&url, &name, wait).await.unwrap()
        } else {
            store.clone()
        };
        let held = hold_row_lock(backend, &holder).await;
        let e = store.save(&user("new")).await.unwrap_err();
        assert!(matches!(e, StoreError::Lock { .. }), "{backend}: {e:?}");
        assert!(e.to_string().contains("lock not taken"), "{e}");
        release_row_lock(backend, &holder, held).await;
        assert!(
            store
                .find_by_user("new@x.example:1")
                .await
                .unwrap()
                .is_none(),
            "{backend}: a row was written without the lock"
        );
        // Released: the same save goes through.
        store.save(&user("new")).await.unwrap();
        drop_table(&store).await;
    }
}

/// MySQL's `GET_LOCK` answers 0 when it times out: the refresh lock is then not held.
#[tokio::test]
async fn mysql_refresh_lock_timeout_is_an_error() {
    let Some(url) = server_url("ZCRM_TEST_MYSQL_URL") else {
        return;
    };
    let name = table("refreshwait");
    let store = DbStore::open(&url, &name, Duration::from_secs(1))
        .await
        .unwrap();
    let mut other = store.pool.acquire().await.unwrap();
    let got: i64 = sqlx::query("SELECT GET_LOCK(?, 0)")
        .bind(format!("zcrm-refresh-{name}-k"))
        .fetch_one(&mut *other)
        .await
        .unwrap()
        .get(0);
    assert_eq!(got, 1);
    let e = store.lock_refresh("k").await.unwrap_err();
    assert!(matches!(e, StoreError::Lock { .. }), "{e:?}");
    sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(format!("zcrm-refresh-{name}-k"))
        .execute(&mut *other)
        .await
        .unwrap();
    drop(other);
    store.lock_refresh("k").await.unwrap().release().await;
    drop_table(&store).await;
}

/// PostgreSQL: a refresh lock held elsewhere longer than the store waits is a typed error, not
/// an endless wait; the connection is usable afterwards.
#[tokio::test]
async fn postgres_refresh_lock_timeout_is_an_error() {
    let Some(url) = server_url("ZCRM_TEST_POSTGRES_URL") else {
        return;
    };
    let name = table("refreshwait");
    let store = DbStore::open(&url, &name, Duration::from_secs(1))
        .await
        .unwrap();
    let key = format!("zcrm-refresh-{name}-k");
    let mut other = store.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))::text")
        .bind(key.clone())
        .fetch_one(&mut *other)
        .await
        .unwrap();
    let e = tokio::time::timeout(Duration::from_secs(30), store.lock_refresh("k"))
        .await
        .expect("the wait is bounded")
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Lock { reason, .. } if reason.contains("not obtained within 1 s")),
        "{e:?}"
    );
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))::text")
        .bind(key)
        .fetch_one(&mut *other)
        .await
        .unwrap();
    drop(other);
    store.lock_refresh("k").await.unwrap().release().await;
    // Connections go back to the pool without the short lock timeout: hold every pooled
    // connection at once and look at each.
    let mut held = vec![];
    for _ in 0..store.pool.size().max(1) {
        held.push(store.pool.acquire().await.unwrap());
    }
    for c in &mut held {
        let t: String = sqlx::query("SHOW lock_timeout")
            .fetch_one(&mut **c)
            .await
            .unwrap()
            .get(0);
        assert_eq!(t, "0", "lock_timeout reset");
    }
    drop(held);
    drop_table(&store).await;
}

/// Many stores opening a new table at once: every one succeeds (PostgreSQL's `CREATE TABLE IF
/// NOT EXISTS` is not safe under concurrency by itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connects_to_a_new_table_all_succeed() {
    for backend in BACKENDS {
        let Some((url, name)) = on_backend(backend, "create") else {
            continue;
        };
        for round in 0..3 {
            let name = format!("{name}_{round}");
            let opens: Vec<_> = (0..12)
                .map(|_| {
                    let (url, name) = (url.clone(), name.clone());
                    tokio::spawn(async move { DbStore::connect_with_table(&url, &name).await })
                })
                .collect();
            let mut stores = vec![];
            for o in opens {
                stores.push(
                    o.await
                        .unwrap()
                        .unwrap_or_else(|e| panic!("{backend}: {e}")),
                );
            }
            drop_table(&stores[0]).await;
        }
    }
}

#[tokio::test]
async fn rejects_bad_names_and_urls() {
    let e = DbStore::connect_with_table("sqlite::memory:", "x; drop table y")
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("must be letters, digits and `_`"),
        "{e}"
    );
    let e = DbStore::connect("oracle://x").await.unwrap_err();
    assert!(
        e.to_string().contains("unsupported database `oracle`"),
        "{e}"
    );
}

#[test]
fn expiry_parsing_is_checked() {
    use crate::store::parse_expiry;
    assert_eq!(parse_expiry("1795863405468"), Some(1_795_863_405_468));
    assert_eq!(parse_expiry("1795863405468.0"), Some(1_795_863_405_468));
    assert_eq!(parse_expiry(&i64::MIN.to_string()), Some(i64::MIN));
    assert_eq!(parse_expiry("-9223372036854775808.0"), Some(i64::MIN));
    for bad in [
        "-1e30",
        "1e19",
        "9223372036854775808.0",
        "NaN",
        "inf",
        "",
        "soon",
    ] {
        assert_eq!(parse_expiry(bad), None, "{bad}");
    }
}

/// What a client's refresh does with the store: take the token's refresh lock, read the
/// stored token, save the new one, release. Many tokens of one process (a web app's users)
/// refresh at once through one store; every refresh must get through, whatever the number.
/// (On MySQL and PostgreSQL, whose refresh locks are per token; SQLite's is one lock file.)
#[tokio::test]
async fn many_tokens_refreshing_at_once_do_not_starve_the_store() {
    for backend in ["mysql", "postgres"] {
        let Some((url, name)) = on_backend(backend, "manyrefresh") else {
            continue;
        };
        let store = DbStore::open(&url, &name, Duration::from_secs(2))
            .await
            .unwrap();
        store.delete_all().await.unwrap();
        let tokens = 8;
        let mut saved = vec![];
        for i in 0..tokens {
            saved.push(store.save(&user(&format!("r{i}"))).await.unwrap());
        }
        // Every token's refresh lock is taken first (each refresh has begun), then each reads
        // and saves its token under its lock.
        let mut held = vec![];
        for t in &saved {
            let key = t.id.clone().unwrap();
            let lock = store.lock_refresh(&key).await;
            held.push((t, lock));
        }
        let results = futures_util::future::join_all(held.into_iter().map(|(t, lock)| {
            let store = store.clone();
            async move {
                let lock = lock?;
                let id = t.id.clone().unwrap();
                let mut found = store.find_by_id(&id).await?.expect("stored");
                found.access_token = Some(AccessToken::new(format!("1000.access.{id}")));
                let out = store.save(&found).await;
                lock.release().await;
                out
            }
        }))
        .await;
        for (i, r) in results.iter().enumerate() {
            assert!(r.is_ok(), "{backend}: refresh {i} of {tokens}: {r:?}");
        }
        for t in &saved {
            let id = t.id.clone().unwrap();
            let row = store.find_by_id(&id).await.unwrap().unwrap();
            assert_eq!(
                row.access_token.map(|a| a.expose().to_string()),
                Some(format!("1000.access.{id}"))
            );
        }
        drop_table(&store).await;
    }
}

/// An `expiry_time` the store cannot read (another program wrote `-1e30` or `soon`) is read as
/// expired, so the token is refreshed before use; never as "no expiry", which counts as valid
/// forever.
#[tokio::test]
async fn an_unreadable_expiry_reads_as_expired() {
    for backend in BACKENDS {
        let Some((url, name)) = on_backend(backend, "badexpiry") else {
            continue;
        };
        let store = DbStore::open(&url, &name, Duration::from_secs(5))
            .await
            .unwrap();
        store.delete_all().await.unwrap();
        let mut t = user("exp");
        t.access_token = Some(AccessToken::new("1000.a"));
        t.expiry_time = Some(crate::auth::now_ms() + 3_600_000);
        let id = store.save(&t).await.unwrap().id.unwrap();
        for bad in ["-1e30", "1e19", "soon", "NaN"] {
            sqlx::query(&store.sql("UPDATE {t} SET expiry_time = ? WHERE id = ?"))
                .bind(bad.to_string())
                .bind(id.clone())
                .execute(&store.pool)
                .await
                .unwrap();
            let found = store.find_by_id(&id).await.unwrap().unwrap();
            assert!(
                found
                    .expiry_time
                    .is_some_and(|e| e <= crate::auth::now_ms()),
                "{backend}: expiry `{bad}` read as {:?}",
                found.expiry_time
            );
        }
        drop_table(&store).await;
    }
}

/// SQLite's refresh lock is a lock file: its wait is bounded by the store's lock wait like the
/// servers' locks (a typed error past it), never endless while another process keeps it.
#[tokio::test]
async fn sqlite_refresh_lock_wait_is_bounded() {
    let Some((url, name)) = on_backend("sqlite", "refreshfile") else {
        return;
    };
    let store = DbStore::open(&url, &name, Duration::from_secs(1))
        .await
        .unwrap();
    let held = store.lock_refresh("a").await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(30), store.lock_refresh("b"))
        .await
        .expect("the wait for a held lock file ends")
        .unwrap_err();
    assert!(matches!(e, StoreError::Lock { .. }), "{e:?}");
    assert!(e.to_string().contains("within 1 s"), "{e}");
    held.release().await;
    store.lock_refresh("b").await.unwrap().release().await;
}
