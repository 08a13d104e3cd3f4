//! Token stores: where tokens live between runs and are shared between processes.
//!
//! Every store has the same contract (`contract::run`, feature `test-support`, checks it): a
//! token is keyed by its id
//! and by its user-org (`email:zgid`); saving a token of a user-org that is already stored
//! updates that row and keeps its id; new rows get the next numeric id.

#[cfg(any(test, feature = "test-support"))]
pub mod contract;
#[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
pub mod db;
pub mod file;
pub mod memory;
#[cfg(feature = "redis")]
pub mod redis;

use crate::error::StoreError;
use crate::token::StoredToken;
use async_trait::async_trait;

#[cfg(feature = "redis")]
pub use self::redis::RedisStore;
#[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
pub use db::DbStore;
pub use file::FileStore;
pub use memory::MemoryStore;

/// Persistent storage of tokens. Object safe: use it as `Arc<dyn TokenStore>`.
#[async_trait]
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// The token of a user-org (`email:zgid`).
    async fn find_by_user(&self, user_name: &str) -> Result<Option<StoredToken>, StoreError>;
    /// The token with this id.
    async fn find_by_id(&self, id: &str) -> Result<Option<StoredToken>, StoreError>;
    /// Inserts or updates a token and returns it as stored (with its id). A token with an id
    /// updates that row; otherwise a token whose user-org is stored updates that row and keeps
    /// its id; otherwise a new row gets the next numeric id.
    async fn save(&self, token: &StoredToken) -> Result<StoredToken, StoreError>;
    /// Deletes a token; `false` when no token has this id.
    async fn delete(&self, id: &str) -> Result<bool, StoreError>;
    /// Every stored token.
    async fn list(&self) -> Result<Vec<StoredToken>, StoreError>;
    /// Deletes every token.
    async fn delete_all(&self) -> Result<(), StoreError>;

    /// Serialises token refreshes across the processes sharing this store: held while one
    /// refresh runs, so that the others find the refreshed token instead of refreshing again
    /// (Zoho allows 10 new access tokens per refresh token in 10 minutes). The default holds
    /// nothing, which is right for stores no other process can see.
    async fn lock_refresh(&self, _key: &str) -> Result<RefreshLock, StoreError> {
        Ok(RefreshLock::none())
    }
}

/// A held cross-process lock; release it with [`RefreshLock::release`] (dropping it also
/// releases it, possibly later).
#[must_use = "the lock is released when dropped"]
pub struct RefreshLock(Option<Box<dyn HeldLock>>);

/// The release of a lock held by a [`RefreshLock`].
#[async_trait]
pub trait HeldLock: Send {
    /// Releases the lock.
    async fn release(self: Box<Self>);
}

impl RefreshLock {
    /// A lock that holds nothing.
    pub fn none() -> Self {
        RefreshLock(None)
    }
    /// Wraps a held lock.
    pub fn held(lock: impl HeldLock + 'static) -> Self {
        RefreshLock(Some(Box::new(lock)))
    }
    /// Releases the lock.
    pub async fn release(mut self) {
        if let Some(l) = self.0.take() {
            l.release().await;
        }
    }
}

impl std::fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "RefreshLock(held)"
        } else {
            "RefreshLock(none)"
        })
    }
}

/// An exclusive advisory lock on a file, held until released or dropped.
pub(crate) struct FileLock(pub(crate) std::fs::File);

#[async_trait]
impl HeldLock for FileLock {
    async fn release(self: Box<Self>) {
        let _ = self.0.unlock();
    }
}

/// How long a refresh waits for a lock file that another holder keeps, before
/// [`StoreError::Lock`] (as long as a database store waits for its locks by default).
pub(crate) const FILE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Takes an exclusive lock on `path` (created with mode 0600), waiting for other holders at most
/// `wait`: a holder that never lets go (a stopped process) is a [`StoreError::Lock`], not a wait
/// without end.
pub(crate) async fn lock_file(
    path: std::path::PathBuf,
    wait: std::time::Duration,
) -> Result<RefreshLock, StoreError> {
    let target = path.display().to_string();
    let file = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        opts.open(&path)
    })
    .await
    .map_err(|e| StoreError::Io {
        target: target.clone(),
        reason: e.to_string(),
    })?
    .map_err(|e| StoreError::Io {
        target: target.clone(),
        reason: format!("cannot open the lock file: {e}"),
    })?;
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RefreshLock::held(FileLock(file))),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Lock {
                    target,
                    reason: format!(
                        "the refresh lock file is held by another writer; not obtained within {} s",
                        wait.as_secs()
                    ),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Io {
                    target,
                    reason: format!("cannot lock: {e}"),
                })
            }
        }
    }
}

/// Applies [`TokenStore::save`]'s rules to an in-memory list of rows; returns the saved row.
/// Stores that rewrite all rows at once (memory, file) share it.
pub(crate) fn upsert_row(rows: &mut Vec<StoredToken>, token: &StoredToken) -> StoredToken {
    let pos = match &token.id {
        Some(id) => rows.iter().position(|r| r.id.as_deref() == Some(id)),
        None => None,
    }
    .or_else(|| {
        token
            .user_name
            .as_deref()
            .and_then(|u| rows.iter().position(|r| r.user_name.as_deref() == Some(u)))
    });
    let mut saved = token.clone();
    match pos {
        Some(i) => {
            saved.id = rows[i].id.clone();
            rows[i] = saved.clone();
        }
        None => {
            if saved.id.is_none() {
                saved.id = Some(next_id(rows.iter().filter_map(|r| r.id.as_deref())));
            }
            rows.push(saved.clone());
        }
    }
    saved
}

/// The next numeric id after the largest numeric id (`"1"` when there is none). Compared as
/// numbers, so `"10"` follows `"9"`.
pub(crate) fn next_id<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    (ids.filter_map(|id| id.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1)
    .to_string()
}

/// Reads an `expiry_time` (epoch milliseconds): an integer, or a finite number within `i64`
/// written as a float (the official SDK sometimes writes `1795863405468.0`), its fraction
/// dropped. `None` for anything else, such as `-1e30`, `inf` or `soon`.
pub(crate) fn parse_expiry(s: &str) -> Option<i64> {
    if let Ok(v) = s.parse::<i64>() {
        return Some(v);
    }
    let f = s.parse::<f64>().ok()?;
    // i64::MIN is -2^63 exactly; 2^63 itself is out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.is_finite() && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}
