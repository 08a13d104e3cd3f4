//! Tokens in a SQL table with the official SDK's `oauthtoken` columns, on MySQL/MariaDB,
//! PostgreSQL or SQLite (sqlx). One connection pool per store; parameterised SQL only.
//!
//! Columns (as the official SDK's MySQL store reads them): `id varchar(10)` primary key,
//! `user_name`, `client_id`, `client_secret`, `refresh_token`, `access_token`, `grant_token`
//! (`varchar(255)`), `expiry_time varchar(20)` (epoch milliseconds), `redirect_url`,
//! `api_domain` (`varchar(255)`).
//!
//! # Many processes, one table
//! Updating a stored row is a single `UPDATE`. Creating a row (a user-org's first sign-in) looks
//! the user-org up, takes the next numeric id (`MAX(id) + 1`, ids compared as numbers, so the
//! official SDK reads the same `"1"`, `"2"`, ...) and inserts, all under one database-side lock per
//! table: `GET_LOCK` on MySQL/MariaDB, a transaction-scoped advisory lock on PostgreSQL,
//! `BEGIN IMMEDIATE` on SQLite. The table is created, when absent, under the same lock.
//! Correctness does not rest on a unique key, so a table created by the official SDK's documented
//! schema (which has none) is as safe as one this store creates (which has `UNIQUE (user_name)`).
//! A lock not taken within 60 seconds is a [`StoreError::Lock`]; nothing is then written.
//!
//! A token's refresh lock (MySQL `GET_LOCK`, PostgreSQL `pg_advisory_lock`) is held by a
//! connection opened for it, outside the pool: the refresh reads and saves the token through
//! the pool while it holds the lock, so any number of tokens can refresh at once.
//!
//! A SQLite database file that the store creates has mode 0600, like [`FileStore`]'s file.
//!
//! [`FileStore`]: super::FileStore

use super::{parse_expiry, RefreshLock, TokenStore};
use crate::error::StoreError;
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use crate::token::StoredToken;
use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row};
use std::time::Duration;

mod lock;
// The tests open every kind of database: they run when all three are built in.
#[cfg(all(test, feature = "mysql", feature = "postgres", feature = "sqlite"))]
mod tests;
mod url;

use lock::is_lock_timeout;
pub(crate) use url::redact_url;
use url::{scrub, url_secrets};

/// The official table name.
pub const DEFAULT_TABLE: &str = "oauthtoken";

const COLUMNS: &str = "id, user_name, client_id, client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url, api_domain";

/// How long a writer waits for the table's lock (and a process for a pooled connection, beyond
/// that) before giving up with [`StoreError::Lock`].
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Attempts of a locked write that a writer taking no lock (the official SDK) made conflict
/// with a key.
const CONFLICT_ATTEMPTS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    MySql,
    Postgres,
    Sqlite,
}

/// Tokens in a database table.
#[derive(Clone)]
pub struct DbStore {
    pool: AnyPool,
    table: String,
    backend: Backend,
    target: String,
    lock_wait: Duration,
    /// SQLite: the database file, beside which the refresh lock file lives.
    sqlite_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for DbStore {
    /// Names the database without its password, and nothing of the pool.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbStore")
            .field("target", &self.target)
            .finish()
    }
}

/// The keys of a table the store creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    /// The primary key on `id` and a unique key on `user_name`.
    Ours,
    /// The official SDK's documented schema: the primary key on `id` only (the sign-in
    /// storms of `store::contract` create it).
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    Official,
}

/// What runs under the table's lock.
enum Locked<'a> {
    CreateTable(Schema),
    Save(&'a StoredToken),
}

fn io(target: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        target: target.to_string(),
        reason: e.to_string(),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl DbStore {
    /// Connects to `url` (`mysql://`, `postgres://` or `sqlite://`) and creates the
    /// `oauthtoken` table when absent.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_table(url, DEFAULT_TABLE).await
    }

    /// As [`connect`](Self::connect), with another table name (letters, digits and `_`).
    pub async fn connect_with_table(url: &str, table: &str) -> Result<Self, StoreError> {
        Self::open(url, table, LOCK_WAIT).await
    }

    pub(crate) async fn open(
        url: &str,
        table: &str,
        lock_wait: Duration,
    ) -> Result<Self, StoreError> {
        Self::open_with_schema(url, table, lock_wait, Schema::Ours).await
    }

    /// Opens the store; a missing table is created with `schema`.
    pub(crate) async fn open_with_schema(
        url: &str,
        table: &str,
        lock_wait: Duration,
        schema: Schema,
    ) -> Result<Self, StoreError> {
        let shown = redact_url(url);
        let secrets = url_secrets(url);
        let scheme = url.split(':').next().unwrap_or("");
        let (backend, built) = match scheme {
            "mysql" | "mariadb" => (Backend::MySql, cfg!(feature = "mysql").then_some("mysql")),
            "postgres" | "postgresql" => (
                Backend::Postgres,
                cfg!(feature = "postgres").then_some("postgres"),
            ),
            "sqlite" => (Backend::Sqlite, cfg!(feature = "sqlite").then_some("sqlite")),
            other => {
                return Err(StoreError::Io {
                    target: shown,
                    reason: scrub(
                        format!("unsupported database `{other}`: use a mysql://, postgres:// or sqlite:// URL"),
                        &secrets,
                    ),
                })
            }
        };
        if built.is_none() {
            let feature = match backend {
                Backend::MySql => "mysql",
                Backend::Postgres => "postgres",
                Backend::Sqlite => "sqlite",
            };
            return Err(StoreError::Io {
                target: shown,
                reason: format!(
                    "zcrm-core was built without the `{feature}` feature, so a {scheme}:// database cannot be opened; enable it (or `db` for every database)"
                ),
            });
        }
        let valid = !table.is_empty()
            && table.len() <= 64
            && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !table.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(StoreError::Io { target: shown, reason: format!("table name `{table}` must be letters, digits and `_` (at most 64, not starting with a digit)") });
        }
        let target = format!("{shown} table {table}");
        let fail = |e: &dyn std::fmt::Display| io(&target, scrub(e.to_string(), &secrets));
        sqlx::any::install_default_drivers();
        let mut url = url.replace("mariadb://", "mysql://");
        let mut sqlite_file = None;
        if backend == Backend::Sqlite {
            let creates = !url.contains("mode=");
            if creates {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            #[cfg(feature = "sqlite")]
            let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().map_err(|e| fail(&e))?;
            #[cfg(feature = "sqlite")]
            let file = opts.get_filename();
            #[cfg(not(feature = "sqlite"))]
            let file = std::path::Path::new("");
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            if !in_memory && !file.as_os_str().is_empty() {
                if creates {
                    create_private_file(file)
                        .map_err(|e| fail(&format!("cannot create {}: {e}", file.display())))?;
                }
                sqlite_file = Some(file.to_path_buf());
            }
        }
        // One connection first, which fails at once when the server refuses it (the pool
        // would retry until its acquire timeout).
        let probe = AnyConnection::connect(&url).await.map_err(|e| fail(&e))?;
        let _ = probe.close().await;
        let busy_ms = lock_wait.as_millis().min(i32::MAX as u128);
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 5 })
            // A writer may queue for a connection behind others that wait for the lock.
            .acquire_timeout(lock_wait.saturating_mul(2))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(format!("PRAGMA busy_timeout = {busy_ms}").as_str())
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy(&url)
            .map_err(|e| fail(&e))?;
        let store = DbStore {
            pool,
            table: table.to_string(),
            backend,
            target,
            lock_wait,
            sqlite_file,
        };
        store.locked(Locked::CreateTable(schema)).await?;
        Ok(store)
    }

    /// Drops the table.
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub(crate) async fn drop_table(&self) -> Result<(), StoreError> {
        sqlx::query(&format!("DROP TABLE IF EXISTS {}", self.table))
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        if is_lock_timeout(&e) {
            StoreError::Lock {
                target: self.target.clone(),
                reason: format!(
                    "the database's lock on table {} was not granted within {} s: {e}",
                    self.table,
                    self.lock_wait.as_secs()
                ),
            }
        } else {
            io(&self.target, e)
        }
    }

    /// `?` placeholders, or `$1, $2, ...` for PostgreSQL.
    fn sql(&self, template: &str) -> String {
        let s = template.replace("{t}", &self.table);
        if self.backend != Backend::Postgres {
            return s;
        }
        let mut out = String::with_capacity(s.len());
        let mut n = 0;
        for c in s.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    }

    fn row(r: &AnyRow) -> Result<StoredToken, sqlx::Error> {
        let s = |i: usize| -> Result<Option<String>, sqlx::Error> {
            Ok(r.try_get::<Option<String>, _>(i)?.filter(|v| !v.is_empty()))
        };
        Ok(StoredToken {
            id: s(0)?,
            user_name: s(1)?,
            client_id: s(2)?,
            client_secret: s(3)?.map(ClientSecret::new),
            refresh_token: s(4)?.map(RefreshToken::new),
            access_token: s(5)?.map(AccessToken::new),
            grant_token: s(6)?.map(GrantToken::new),
            // An unreadable expiry reads as expired (0), so the token is refreshed before use;
            // none at all would count as valid forever.
            expiry_time: s(7)?.map(|v| parse_expiry(&v).unwrap_or(0)),
            redirect_url: s(8)?,
            api_domain: s(9)?,
        })
    }

    async fn conn(&self) -> Result<PoolConnection<Any>, StoreError> {
        self.pool.acquire().await.map_err(|e| self.err(e))
    }

    async fn find_where(
        &self,
        conn: &mut AnyConnection,
        column: &str,
        value: &str,
    ) -> Result<Option<StoredToken>, sqlx::Error> {
        let sql = self.sql(&format!("SELECT {COLUMNS} FROM {{t}} WHERE {column} = ?"));
        let row = sqlx::query(&sql)
            .bind(value.to_string())
            .fetch_optional(conn)
            .await?;
        row.map(|r| Self::row(&r)).transpose()
    }

    /// The id of a row of this user-org.
    async fn id_of_user(
        &self,
        conn: &mut AnyConnection,
        user_name: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let sql = self.sql("SELECT id FROM {t} WHERE user_name = ?");
        let row = sqlx::query(&sql)
            .bind(user_name.to_string())
            .fetch_optional(conn)
            .await?;
        row.map(|r| r.try_get::<String, _>(0)).transpose()
    }

    fn values(t: &StoredToken) -> [Option<String>; 9] {
        [
            t.user_name.clone(),
            t.client_id.clone(),
            t.client_secret.as_ref().map(|x| x.expose().to_string()),
            t.refresh_token.as_ref().map(|x| x.expose().to_string()),
            t.access_token.as_ref().map(|x| x.expose().to_string()),
            t.grant_token.as_ref().map(|x| x.expose().to_string()),
            t.expiry_time.map(|x| x.to_string()),
            t.redirect_url.clone(),
            t.api_domain.clone(),
        ]
    }

    /// Updates the row `id`; the number of rows it matched (MySQL counts found rows, not
    /// changed ones).
    async fn update(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        t: &StoredToken,
    ) -> Result<u64, sqlx::Error> {
        let sql = self.sql("UPDATE {t} SET user_name = ?, client_id = ?, client_secret = ?, refresh_token = ?, access_token = ?, grant_token = ?, expiry_time = ?, redirect_url = ?, api_domain = ? WHERE id = ?");
        let mut q = sqlx::query(&sql);
        for v in Self::values(t) {
            q = q.bind(v);
        }
        Ok(q.bind(id.to_string()).execute(conn).await?.rows_affected())
    }

    async fn insert(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        t: &StoredToken,
    ) -> Result<(), sqlx::Error> {
        let sql = self.sql(&format!(
            "INSERT INTO {{t}} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        let mut q = sqlx::query(&sql).bind(id.to_string());
        for v in Self::values(t) {
            q = q.bind(v);
        }
        q.execute(conn).await?;
        Ok(())
    }

    /// The largest numeric id plus one. Ids compare as numbers (the official store compares
    /// them as text and repeats ids after 9); ids that are not numbers are ignored.
    async fn next_id(&self, conn: &mut AnyConnection) -> Result<String, sqlx::Error> {
        let sql = match self.backend {
            Backend::MySql => "SELECT CAST(COALESCE(MAX(CASE WHEN id REGEXP '^[0-9]{1,18}$' THEN CAST(id AS UNSIGNED) END), 0) + 1 AS CHAR(20)) FROM {t}",
            Backend::Postgres => "SELECT CAST(COALESCE(MAX(CASE WHEN id ~ '^[0-9]{1,18}$' THEN CAST(id AS BIGINT) END), 0) + 1 AS VARCHAR(20)) FROM {t}",
            Backend::Sqlite => "SELECT CAST(COALESCE(MAX(CASE WHEN id <> '' AND length(id) <= 18 AND id NOT GLOB '*[^0-9]*' THEN CAST(id AS INTEGER) END), 0) + 1 AS TEXT) FROM {t}",
        };
        let row = sqlx::query(&self.sql(sql)).fetch_one(conn).await?;
        row.try_get::<String, _>(0)
    }

    fn create_table_sql(&self, schema: Schema) -> String {
        let t = &self.table;
        let key = match schema {
            Schema::Ours => format!("PRIMARY KEY (id), CONSTRAINT {t}_user_org UNIQUE (user_name)"),
            Schema::Official => "PRIMARY KEY (id)".to_string(),
        };
        format!(
            "CREATE TABLE IF NOT EXISTS {t} (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), {key})"
        )
    }

    /// Runs `what` under the table's write lock, again when a writer that takes no lock made it
    /// conflict with a key.
    async fn locked(&self, what: Locked<'_>) -> Result<Option<StoredToken>, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut lock = self.lock_rows().await?;
            let result = match &what {
                Locked::CreateTable(schema) => lock
                    .conn()
                    .execute(self.create_table_sql(*schema).as_str())
                    .await
                    .map(|_| None),
                Locked::Save(token) => self.save_locked(lock.conn(), token).await.map(Some),
            };
            let end = lock.finish(result.is_ok()).await;
            match (result, end) {
                (Ok(out), Ok(())) => return Ok(out),
                (Err(e), _) if is_unique_violation(&e) && attempt < CONFLICT_ATTEMPTS => {}
                (Err(e), _) | (Ok(_), Err(e)) => return Err(self.err(e)),
            }
        }
    }

    /// The lookup, id allocation and insert of [`TokenStore::save`], on the locked connection.
    async fn save_locked(
        &self,
        conn: &mut AnyConnection,
        token: &StoredToken,
    ) -> Result<StoredToken, sqlx::Error> {
        let mut existing = None;
        if let Some(id) = &token.id {
            if self.find_where(conn, "id", id).await?.is_some() {
                existing = Some(id.clone());
            }
        }
        if existing.is_none() {
            if let Some(u) = &token.user_name {
                existing = self.id_of_user(conn, u).await?;
            }
        }
        let mut saved = token.clone();
        match existing {
            Some(id) => {
                self.update(conn, &id, token).await?;
                saved.id = Some(id);
            }
            None => {
                let id = match &token.id {
                    Some(id) => id.clone(),
                    None => self.next_id(conn).await?,
                };
                self.insert(conn, &id, token).await?;
                saved.id = Some(id);
            }
        }
        Ok(saved)
    }

    /// Updates the row this token belongs to without any lock, when there is one; `None` when
    /// the token needs a new row (or its row went away meanwhile).
    async fn update_existing(
        &self,
        token: &StoredToken,
    ) -> Result<Option<StoredToken>, StoreError> {
        let mut conn = self.conn().await?;
        let id = match (&token.id, &token.user_name) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(u)) => self
                .id_of_user(&mut conn, u)
                .await
                .map_err(|e| self.err(e))?,
            (None, None) => None,
        };
        let Some(id) = id else {
            return Ok(None);
        };
        let matched = self
            .update(&mut conn, &id, token)
            .await
            .map_err(|e| self.err(e))?;
        Ok((matched > 0).then(|| StoredToken {
            id: Some(id),
            ..token.clone()
        }))
    }
}

/// Creates `path` with mode 0600 when it does not exist (an empty file is an empty SQLite
/// database); an existing file is left as it is.
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl TokenStore for DbStore {
    async fn find_by_user(&self, user_name: &str) -> Result<Option<StoredToken>, StoreError> {
        let mut conn = self.conn().await?;
        self.find_where(&mut conn, "user_name", user_name)
            .await
            .map_err(|e| self.err(e))
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        let mut conn = self.conn().await?;
        self.find_where(&mut conn, "id", id)
            .await
            .map_err(|e| self.err(e))
    }

    async fn save(&self, token: &StoredToken) -> Result<StoredToken, StoreError> {
        if let Some(saved) = self.update_existing(token).await? {
            return Ok(saved);
        }
        match self.locked(Locked::Save(token)).await? {
            Some(saved) => Ok(saved),
            None => Err(io(&self.target, "the locked save returned no row")),
        }
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let sql = self.sql("DELETE FROM {t} WHERE id = ?");
        let r = sqlx::query(&sql)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(r.rows_affected() > 0)
    }

    async fn list(&self) -> Result<Vec<StoredToken>, StoreError> {
        let sql = self.sql(&format!("SELECT {COLUMNS} FROM {{t}}"));
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter()
            .map(Self::row)
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    async fn delete_all(&self) -> Result<(), StoreError> {
        let sql = self.sql("DELETE FROM {t}");
        sqlx::query(&sql)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// MySQL `GET_LOCK` (its answer checked: a timeout or a refusal is [`StoreError::Lock`]),
    /// PostgreSQL `pg_advisory_lock`, or for SQLite a lock file beside the database.
    async fn lock_refresh(&self, key: &str) -> Result<RefreshLock, StoreError> {
        self.refresh_lock(key).await
    }
}
