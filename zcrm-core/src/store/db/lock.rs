//! The database-side locks of [`DbStore`]: the table's write lock and the refresh lock.

use super::{Backend, DbStore};
use crate::error::StoreError;
use crate::store::{lock_file, HeldLock, RefreshLock};
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, ConnectOptions, Connection, Executor, Row};

/// A MySQL named lock or PostgreSQL advisory lock, held by a session of its own: a connection
/// opened for the lock, outside the store's pool. A refresh holds its lock while it reads and
/// saves the token through the pool, so locks held on pooled connections would starve those
/// reads once as many tokens refresh at once as the pool has connections.
struct SessionLock {
    conn: Option<AnyConnection>,
    unlock: String,
    key: String,
}

#[async_trait]
impl HeldLock for SessionLock {
    async fn release(mut self: Box<Self>) {
        if let Some(mut conn) = self.conn.take() {
            let _ = sqlx::query(&self.unlock)
                .bind(self.key.clone())
                .execute(&mut conn)
                .await;
            // Ending the session releases whatever it still holds.
            let _ = conn.close().await;
        }
    }
}

/// The table's write lock, held on one pooled connection; every statement of the locked write
/// runs on that connection. Dropped without [`finish`](Self::finish) (an error or a cancelled
/// future), the connection is closed, which rolls back and releases the lock.
pub(super) struct RowLock {
    conn: Option<PoolConnection<Any>>,
    backend: Backend,
    name: String,
}

impl RowLock {
    pub(super) fn conn(&mut self) -> &mut AnyConnection {
        self.conn
            .as_mut()
            .expect("the connection is held until finish")
    }

    /// Commits (or rolls back) and releases the lock, returning the connection to the pool.
    pub(super) async fn finish(mut self, commit: bool) -> Result<(), sqlx::Error> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        let result = match self.backend {
            Backend::MySql => {
                // Statements were committed one by one; only the named lock remains.
                if sqlx::query("SELECT RELEASE_LOCK(?)")
                    .bind(self.name.clone())
                    .execute(&mut *conn)
                    .await
                    .is_err()
                {
                    drop(conn.detach());
                }
                return Ok(());
            }
            Backend::Postgres | Backend::Sqlite => {
                conn.execute(if commit { "COMMIT" } else { "ROLLBACK" })
                    .await
            }
        };
        if result.is_err() {
            drop(conn.detach());
        }
        result.map(|_| ())
    }
}

impl Drop for RowLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// A lock wait that timed out: PostgreSQL `lock_not_available`, SQLite `SQLITE_BUSY` or
/// `SQLITE_LOCKED` (and their extended codes), MySQL `ER_LOCK_WAIT_TIMEOUT`.
pub(super) fn is_lock_timeout(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let Some(code) = db.code() else {
        return false;
    };
    if code == "55P03" {
        return true;
    }
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return my.number() == 1205;
    }
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
    }
    false
}

impl DbStore {
    /// Takes the table's write lock (see the module docs).
    pub(super) async fn lock_rows(&self) -> Result<RowLock, StoreError> {
        let name: String = format!("zcrm-rows-{}", self.table)
            .chars()
            .take(64)
            .collect();
        let mut lock = RowLock {
            conn: Some(self.conn().await?),
            backend: self.backend,
            name: name.clone(),
        };
        let not_taken = |reason: String| StoreError::Lock {
            target: self.target.clone(),
            reason,
        };
        let wait = self.lock_wait.as_secs().max(1);
        match self.backend {
            Backend::MySql => {
                let got: Option<i64> = sqlx::query("SELECT GET_LOCK(?, ?)")
                    .bind(name.clone())
                    .bind(wait as i64)
                    .fetch_one(lock.conn())
                    .await
                    .and_then(|r| r.try_get(0))
                    .map_err(|e| self.err(e))?;
                match got {
                    Some(1) => {}
                    Some(_) => {
                        return Err(not_taken(format!(
                            "GET_LOCK('{name}') timed out after {wait} s"
                        )))
                    }
                    None => {
                        return Err(not_taken(format!(
                            "GET_LOCK('{name}') failed (the server returned NULL)"
                        )))
                    }
                }
            }
            Backend::Postgres => {
                let ms = self.lock_wait.as_millis().clamp(1, i32::MAX as u128);
                let c = lock.conn();
                c.execute("BEGIN").await.map_err(|e| self.err(e))?;
                c.execute(format!("SET LOCAL lock_timeout = {ms}").as_str())
                    .await
                    .map_err(|e| self.err(e))?;
                // Two int keys: a key space apart from the refresh lock's bigint keys.
                sqlx::query(
                    "SELECT pg_advisory_xact_lock(hashtext('zcrm-rows'), hashtext($1))::text",
                )
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(|e| self.err(e))?;
            }
            Backend::Sqlite => {
                lock.conn()
                    .execute("BEGIN IMMEDIATE")
                    .await
                    .map_err(|e| self.err(e))?;
            }
        }
        Ok(lock)
    }

    /// MySQL `GET_LOCK` (its answer checked: a timeout or a refusal is [`StoreError::Lock`]),
    /// PostgreSQL `pg_advisory_lock`, or for SQLite a lock file beside the database.
    pub(super) async fn refresh_lock(&self, key: &str) -> Result<RefreshLock, StoreError> {
        let name = format!("zcrm-refresh-{}-{key}", self.table);
        let name: String = name.chars().take(64).collect();
        let (lock, unlock) = match self.backend {
            Backend::Sqlite => {
                return match &self.sqlite_file {
                    Some(f) => {
                        let mut n = f.file_name().unwrap_or_default().to_os_string();
                        n.push(".refresh.lock");
                        lock_file(f.with_file_name(n), self.lock_wait).await
                    }
                    None => Ok(RefreshLock::none()),
                };
            }
            Backend::MySql => ("SELECT GET_LOCK(?, ?)", "SELECT RELEASE_LOCK(?)"),
            Backend::Postgres => (
                "SELECT pg_advisory_lock(hashtext($1))::text",
                "SELECT pg_advisory_unlock(hashtext($1))::text",
            ),
        };
        // A session of its own (see `SessionLock`); dropped on any error below, which ends it.
        let mut conn = self
            .pool
            .connect_options()
            .connect()
            .await
            .map_err(|e| self.err(e))?;
        let mut q = sqlx::query(lock).bind(name.clone());
        let wait = self.lock_wait.as_secs().max(1);
        if self.backend == Backend::MySql {
            q = q.bind(wait as i64);
        }
        if self.backend == Backend::Postgres {
            // The session's lock wait is bounded like MySQL's (the session serves nothing else).
            let ms = self.lock_wait.as_millis().clamp(1, i32::MAX as u128);
            conn.execute(format!("SET lock_timeout = {ms}").as_str())
                .await
                .map_err(|e| self.err(e))?;
        }
        let row = q.fetch_one(&mut conn).await.map_err(|e| StoreError::Lock {
            target: self.target.clone(),
            reason: if is_lock_timeout(&e) {
                format!("the refresh lock `{name}` was not obtained within {wait} s")
            } else {
                format!("cannot take the refresh lock: {e}")
            },
        })?;
        let session = SessionLock {
            conn: Some(conn),
            unlock: unlock.to_string(),
            key: name.clone(),
        };
        if self.backend == Backend::MySql {
            let got: Option<i64> = row.try_get(0).map_err(|e| self.err(e))?;
            if got != Some(1) {
                // Dropping `session` ends its session.
                return Err(StoreError::Lock {
                    target: self.target.clone(),
                    reason: match got {
                        Some(_) => format!("GET_LOCK('{name}') timed out after {wait} s"),
                        None => format!("GET_LOCK('{name}') failed (the server returned NULL)"),
                    },
                });
            }
        }
        Ok(RefreshLock::held(session))
    }
}
