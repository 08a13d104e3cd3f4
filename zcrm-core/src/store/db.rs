//! Tokens in a SQL table with the official SDK's `oauthtoken` columns, on MySQL/MariaDB,
//! PostgreSQL or SQLite (sqlx). One connection pool per store; parameterised SQL only; the table
//! is created when absent, with a unique key per user-org.
//!
//! Columns (as the official SDK's MySQL store reads them): `id varchar(10)` primary key,
//! `user_name`, `client_id`, `client_secret`, `refresh_token`, `access_token`, `grant_token`
//! (`varchar(255)`), `expiry_time varchar(20)` (epoch milliseconds), `redirect_url`,
//! `api_domain` (`varchar(255)`).

use super::{lock_file, HeldLock, RefreshLock, TokenStore};
use crate::error::StoreError;
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use crate::token::StoredToken;
use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Row};

/// The official table name.
pub const DEFAULT_TABLE: &str = "oauthtoken";

const COLUMNS: &str = "id, user_name, client_id, client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url, api_domain";

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

/// A MySQL named lock or PostgreSQL advisory lock, held by one pooled connection's session.
struct SessionLock {
    conn: Option<PoolConnection<Any>>,
    unlock: String,
    key: String,
}

#[async_trait]
impl HeldLock for SessionLock {
    async fn release(mut self: Box<Self>) {
        if let Some(mut conn) = self.conn.take() {
            if sqlx::query(&self.unlock)
                .bind(self.key.clone())
                .execute(&mut *conn)
                .await
                .is_err()
            {
                // Closing the session releases its locks.
                drop(conn.detach());
            }
        }
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Not released explicitly: end the session rather than return a locked connection.
            drop(conn.detach());
        }
    }
}

fn err(target: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        target: target.to_string(),
        reason: e.to_string(),
    }
}

impl DbStore {
    /// Connects to `url` (`mysql://`, `postgres://` or `sqlite://`) and creates the
    /// `oauthtoken` table when absent.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_table(url, DEFAULT_TABLE).await
    }

    /// As [`connect`](Self::connect), with another table name (letters, digits and `_`).
    pub async fn connect_with_table(url: &str, table: &str) -> Result<Self, StoreError> {
        let backend = match url.split(':').next().unwrap_or("") {
            "mysql" | "mariadb" => Backend::MySql,
            "postgres" | "postgresql" => Backend::Postgres,
            "sqlite" => Backend::Sqlite,
            other => {
                return Err(StoreError::Io {
                    target: redact_url(url),
                    reason: format!(
                    "unsupported database `{other}`: use a mysql://, postgres:// or sqlite:// URL"
                ),
                })
            }
        };
        let valid = !table.is_empty()
            && table.len() <= 64
            && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !table.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(StoreError::Io { target: redact_url(url), reason: format!("table name `{table}` must be letters, digits and `_` (at most 64, not starting with a digit)") });
        }
        let target = format!("{} table {table}", redact_url(url));
        sqlx::any::install_default_drivers();
        let mut url = url.replace("mariadb://", "mysql://");
        if backend == Backend::Sqlite && !url.contains("mode=") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 5 })
            .connect(&url)
            .await
            .map_err(|e| err(&target, e))?;
        let sqlite_file = (backend == Backend::Sqlite)
            .then(|| {
                url.trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:")
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .filter(|p| !p.is_empty() && !p.contains(":memory:"))
            .map(std::path::PathBuf::from);
        let store = DbStore {
            pool,
            table: table.to_string(),
            backend,
            target,
            sqlite_file,
        };
        store.create_table().await?;
        Ok(store)
    }

    async fn create_table(&self) -> Result<(), StoreError> {
        let t = &self.table;
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {t} (id varchar(10) NOT NULL PRIMARY KEY, user_name varchar(255), client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), CONSTRAINT {t}_user_org UNIQUE (user_name))"
        );
        sqlx::query(&sql)
            .execute(&self.pool)
            .await
            .map_err(|e| err(&self.target, e))?;
        Ok(())
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
            expiry_time: s(7)?.and_then(|v| {
                v.parse::<i64>()
                    .ok()
                    .or_else(|| v.parse::<f64>().ok().map(|f| f as i64))
            }),
            redirect_url: s(8)?,
            api_domain: s(9)?,
        })
    }

    async fn find_where(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<StoredToken>, StoreError> {
        let sql = self.sql(&format!("SELECT {COLUMNS} FROM {{t}} WHERE {column} = ?"));
        let row = sqlx::query(&sql)
            .bind(value.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| err(&self.target, e))?;
        row.map(|r| Self::row(&r))
            .transpose()
            .map_err(|e| err(&self.target, e))
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

    async fn update(&self, id: &str, t: &StoredToken) -> Result<(), sqlx::Error> {
        let sql = self.sql("UPDATE {t} SET user_name = ?, client_id = ?, client_secret = ?, refresh_token = ?, access_token = ?, grant_token = ?, expiry_time = ?, redirect_url = ?, api_domain = ? WHERE id = ?");
        let mut q = sqlx::query(&sql);
        for v in Self::values(t) {
            q = q.bind(v);
        }
        q.bind(id.to_string()).execute(&self.pool).await?;
        Ok(())
    }

    async fn insert(&self, id: &str, t: &StoredToken) -> Result<(), sqlx::Error> {
        let sql = self.sql(&format!(
            "INSERT INTO {{t}} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        let mut q = sqlx::query(&sql).bind(id.to_string());
        for v in Self::values(t) {
            q = q.bind(v);
        }
        q.execute(&self.pool).await?;
        Ok(())
    }

    async fn next_id(&self) -> Result<String, sqlx::Error> {
        let cast = match self.backend {
            Backend::MySql => "CAST(id AS UNSIGNED)",
            Backend::Postgres => "CAST(id AS BIGINT)",
            Backend::Sqlite => "CAST(id AS INTEGER)",
        };
        // Ids compare as numbers (the official store compares them as text and repeats ids
        // after 9).
        let sql = self.sql(&format!(
            "SELECT CAST(COALESCE(MAX({cast}), 0) + 1 AS CHAR(20)) FROM {{t}}"
        ));
        let sql = if self.backend == Backend::Postgres {
            sql.replace("AS CHAR(20)", "AS VARCHAR(20)")
        } else if self.backend == Backend::Sqlite {
            sql.replace("AS CHAR(20)", "AS TEXT")
        } else {
            sql
        };
        let row = sqlx::query(&sql).fetch_one(&self.pool).await?;
        row.try_get::<String, _>(0)
    }

    async fn save_once(&self, token: &StoredToken) -> Result<StoredToken, sqlx::Error> {
        let existing = match &token.id {
            Some(id) => self
                .find_where("id", id)
                .await
                .ok()
                .flatten()
                .and(Some(id.clone())),
            None => None,
        };
        let existing = match (existing, &token.user_name) {
            (Some(id), _) => Some(id),
            (None, Some(u)) => self
                .find_where("user_name", u)
                .await
                .ok()
                .flatten()
                .and_then(|t| t.id),
            (None, None) => None,
        };
        let mut saved = token.clone();
        match existing {
            Some(id) => {
                self.update(&id, token).await?;
                saved.id = Some(id);
            }
            None => {
                let id = match &token.id {
                    Some(id) => id.clone(),
                    None => self.next_id().await?,
                };
                self.insert(&id, token).await?;
                saved.id = Some(id);
            }
        }
        Ok(saved)
    }
}

/// A database URL without its password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[async_trait]
impl TokenStore for DbStore {
    async fn find_by_user(&self, user_name: &str) -> Result<Option<StoredToken>, StoreError> {
        self.find_where("user_name", user_name).await
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        self.find_where("id", id).await
    }

    async fn save(&self, token: &StoredToken) -> Result<StoredToken, StoreError> {
        // Concurrent inserts may pick the same id or user-org; the unique keys reject all but one
        // and the others retry (finding the row and updating it, or taking the next id).
        let mut last = None;
        for _ in 0..20 {
            match self.save_once(token).await {
                Ok(t) => return Ok(t),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    last = Some(e.to_string())
                }
                Err(e) => return Err(err(&self.target, e)),
            }
        }
        Err(err(
            &self.target,
            format!(
                "could not save after repeated key conflicts: {}",
                last.unwrap_or_default()
            ),
        ))
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let sql = self.sql("DELETE FROM {t} WHERE id = ?");
        let r = sqlx::query(&sql)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(|e| err(&self.target, e))?;
        Ok(r.rows_affected() > 0)
    }

    async fn list(&self) -> Result<Vec<StoredToken>, StoreError> {
        let sql = self.sql(&format!("SELECT {COLUMNS} FROM {{t}}"));
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| err(&self.target, e))?;
        rows.iter()
            .map(Self::row)
            .collect::<Result<_, _>>()
            .map_err(|e| err(&self.target, e))
    }

    async fn delete_all(&self) -> Result<(), StoreError> {
        let sql = self.sql("DELETE FROM {t}");
        sqlx::query(&sql)
            .execute(&self.pool)
            .await
            .map_err(|e| err(&self.target, e))?;
        Ok(())
    }

    /// MySQL `GET_LOCK`, PostgreSQL `pg_advisory_lock`, or for SQLite a lock file beside the
    /// database.
    async fn lock_refresh(&self, key: &str) -> Result<RefreshLock, StoreError> {
        let name = format!("zcrm-refresh-{}-{key}", self.table);
        let name: String = name.chars().take(64).collect();
        let (lock, unlock) = match self.backend {
            Backend::Sqlite => {
                return match &self.sqlite_file {
                    Some(f) => {
                        let mut n = f.file_name().unwrap_or_default().to_os_string();
                        n.push(".refresh.lock");
                        lock_file(f.with_file_name(n)).await
                    }
                    None => Ok(RefreshLock::none()),
                };
            }
            Backend::MySql => ("SELECT GET_LOCK(?, 60)", "SELECT RELEASE_LOCK(?)"),
            Backend::Postgres => (
                "SELECT pg_advisory_lock(hashtext($1))::text",
                "SELECT pg_advisory_unlock(hashtext($1))::text",
            ),
        };
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| err(&self.target, e))?;
        sqlx::query(lock)
            .bind(name.clone())
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| err(&self.target, format!("cannot take the refresh lock: {e}")))?;
        Ok(RefreshLock::held(SessionLock {
            conn: Some(conn),
            unlock: unlock.to_string(),
            key: name,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_shows_no_password() {
        let dir = std::env::temp_dir().join(format!("zcrm-dbstore-debug-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = DbStore::connect(&format!("sqlite://{}", dir.join("t.db").display()))
            .await
            .unwrap();
        let text = format!("{store:?}");
        assert!(
            text.starts_with("DbStore { target: \"sqlite://") && text.contains("table oauthtoken"),
            "{text}"
        );
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("mysql://root:hunter2@127.0.0.1:3306/test"),
            "mysql://root@127.0.0.1:3306/test"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[tokio::test]
    async fn sqlite_contract() {
        let dir = std::env::temp_dir().join(format!("zcrm-dbstore-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens.db");
        let _ = std::fs::remove_file(&path);
        let store = DbStore::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        crate::store::contract::run(&store).await;
    }

    /// Runs the contract on a fresh table of the server named by `var`, then drops the table.
    async fn server_contract(var: &str) {
        let Ok(url) = std::env::var(var) else {
            println!("skipped: {var} is not set (give a database URL to run the DbStore contract on that server)");
            return;
        };
        let table = format!("zcrm_contract_{}", std::process::id());
        let store = DbStore::connect_with_table(&url, &table)
            .await
            .unwrap_or_else(|e| panic!("{var} is set but the server is not usable: {e}"));
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&store.pool)
            .await
            .unwrap();
        crate::store::contract::run(&store).await;
        sqlx::query(&format!("DROP TABLE {table}"))
            .execute(&store.pool)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn mysql_contract() {
        server_contract("ZCRM_TEST_MYSQL_URL").await;
    }

    #[tokio::test]
    async fn postgres_contract() {
        server_contract("ZCRM_TEST_POSTGRES_URL").await;
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
}
