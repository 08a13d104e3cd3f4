//! [`RedisStore`]: tokens in Redis, shared by every process and machine of a fleet (feature
//! `redis`).
//!
//! Layout: a hash `PREFIX:token:{id}` per token, an index `PREFIX:user:{email:zgid}` -> id, a
//! set `PREFIX:ids` and a counter `PREFIX:next_id`. A save runs as one Lua script, so
//! concurrent writers never lose an update. The refresh lock is `SET NX PX` with a random
//! value and an expiry of [`LOCK_TTL`], released only by its holder: a process that dies
//! holding it blocks the others for that long at most.

use super::{HeldLock, RefreshLock, TokenStore};
use crate::error::StoreError;
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use crate::token::StoredToken;
use async_trait::async_trait;
use redis::AsyncCommands;
use std::collections::HashMap;
use std::time::Duration;

/// How long a refresh lock lives unless released: a crashed holder frees it by then.
pub const LOCK_TTL: Duration = Duration::from_secs(30);
/// How long a refresh waits for another holder's lock before [`StoreError::Lock`].
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Tokens in Redis under a key prefix.
#[derive(Clone)]
pub struct RedisStore {
    conn: redis::aio::MultiplexedConnection,
    prefix: String,
    lock_ttl: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish()
    }
}

const FIELDS: [&str; 9] = [
    "user_name",
    "client_id",
    "client_secret",
    "refresh_token",
    "access_token",
    "grant_token",
    "expiry_time",
    "redirect_url",
    "api_domain",
];

/// KEYS[1] prefix; ARGV[1] id or "", ARGV[2..10] the fields ("" = none). Returns the id.
const SAVE: &str = r#"
local p = KEYS[1]
local id = ARGV[1]
local user = ARGV[2]
if id ~= "" and redis.call("EXISTS", p .. ":token:" .. id) == 0 then
  -- saving under a given id that is not stored: insert with that id
elseif id == "" and user ~= "" then
  local found = redis.call("GET", p .. ":user:" .. user)
  if found then id = found end
end
if id == "" then id = tostring(redis.call("INCR", p .. ":next_id")) end
local key = p .. ":token:" .. id
local old_user = redis.call("HGET", key, "user_name")
if old_user and old_user ~= "" and old_user ~= user then redis.call("DEL", p .. ":user:" .. old_user) end
redis.call("DEL", key)
local names = {"user_name","client_id","client_secret","refresh_token","access_token","grant_token","expiry_time","redirect_url","api_domain"}
redis.call("HSET", key, "id", id)
for i, name in ipairs(names) do
  if ARGV[i + 1] ~= "" then redis.call("HSET", key, name, ARGV[i + 1]) end
end
if user ~= "" then redis.call("SET", p .. ":user:" .. user, id) end
redis.call("SADD", p .. ":ids", id)
local n = tonumber(id)
if n and n > tonumber(redis.call("GET", p .. ":next_id") or "0") then redis.call("SET", p .. ":next_id", n) end
return id
"#;

fn io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        target: "redis".into(),
        reason: crate::http::redact(&crate::http::redact_url_credentials(&e.to_string())),
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:6379/0`; TLS (`rediss://`) is not built in: reach a TLS-only Redis through a local tunnel); every key starts with
    /// `prefix` (one prefix per application or tenant).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        if prefix.is_empty() || prefix.contains(char::is_whitespace) {
            return Err(StoreError::Io {
                target: "redis".into(),
                reason: format!(
                    "the key prefix `{}` must be non-empty, without spaces",
                    prefix.escape_debug()
                ),
            });
        }
        let client = redis::Client::open(url).map_err(io)?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(io)?;
        Ok(RedisStore {
            conn,
            prefix: prefix.to_string(),
            lock_ttl: LOCK_TTL,
        })
    }

    /// How long a refresh lock lives without renewal (default [`LOCK_TTL`]): a holder renews it
    /// every third of this while it refreshes, and a holder that dies frees it this long after.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl.max(Duration::from_millis(30));
        self
    }

    fn token(map: HashMap<String, String>) -> Option<StoredToken> {
        let get = |k: &str| map.get(k).filter(|v| !v.is_empty()).cloned();
        Some(StoredToken {
            id: Some(get("id")?),
            user_name: get("user_name"),
            client_id: get("client_id"),
            client_secret: get("client_secret").map(ClientSecret::new),
            refresh_token: get("refresh_token").map(RefreshToken::new),
            access_token: get("access_token").map(AccessToken::new),
            grant_token: get("grant_token").map(GrantToken::new),
            expiry_time: get("expiry_time").and_then(|v| v.parse().ok()),
            redirect_url: get("redirect_url"),
            api_domain: get("api_domain"),
        })
    }

    fn args(t: &StoredToken) -> Vec<String> {
        let mut v = vec![t.id.clone().unwrap_or_default()];
        v.extend(
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
            .into_iter()
            .map(Option::unwrap_or_default),
        );
        debug_assert_eq!(v.len(), FIELDS.len() + 1);
        v
    }
}

/// Deletes the lock only while it still holds this holder's value.
const UNLOCK: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;
/// Extends the lock only while it still holds this holder's value.
const RENEW: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end"#;

/// A held refresh lock: renewed every third of [`LOCK_TTL`] while held (so a refresh that
/// takes longer than the TTL, with its retries, keeps it), released by its holder only, and
/// released in the background when dropped unreleased (a cancelled refresh).
struct RedisLock {
    conn: redis::aio::MultiplexedConnection,
    key: String,
    value: String,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

impl RedisLock {
    fn new(
        conn: redis::aio::MultiplexedConnection,
        key: String,
        value: String,
        ttl: Duration,
    ) -> RedisLock {
        let (mut c, k, v) = (conn.clone(), key.clone(), value.clone());
        let renewal = tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                let renewed: Result<i64, _> = redis::Script::new(RENEW)
                    .key(&k)
                    .arg(&v)
                    .arg(ttl.as_millis() as u64)
                    .invoke_async(&mut c)
                    .await;
                if !matches!(renewed, Ok(1)) {
                    tracing::warn!(lock = %k, "the refresh lock could not be renewed; another process may take it");
                    return;
                }
            }
        });
        RedisLock {
            conn,
            key,
            value,
            renewal: Some(renewal),
        }
    }

    async fn unlock(mut conn: redis::aio::MultiplexedConnection, key: String, value: String) {
        let released: Result<i64, _> = redis::Script::new(UNLOCK)
            .key(&key)
            .arg(&value)
            .invoke_async(&mut conn)
            .await;
        if let Err(e) = released {
            tracing::warn!(lock = %key, error = %io(e), "the refresh lock could not be released; it expires on its own");
        }
    }
}

#[async_trait]
impl HeldLock for RedisLock {
    async fn release(mut self: Box<Self>) {
        if let Some(r) = self.renewal.take() {
            r.abort();
        }
        Self::unlock(self.conn.clone(), self.key.clone(), self.value.clone()).await;
    }
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        // Dropped without `release` (the refresh was cancelled): stop renewing and release in
        // the background, so that others need not wait for the expiry.
        if let Some(r) = self.renewal.take() {
            r.abort();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(Self::unlock(
                    self.conn.clone(),
                    self.key.clone(),
                    self.value.clone(),
                ));
            }
        }
    }
}

#[async_trait]
impl TokenStore for RedisStore {
    async fn find_by_user(&self, user_name: &str) -> Result<Option<StoredToken>, StoreError> {
        let mut c = self.conn.clone();
        let id: Option<String> = c
            .get(format!("{}:user:{user_name}", self.prefix))
            .await
            .map_err(io)?;
        match id {
            Some(id) => self.find_by_id(&id).await,
            None => Ok(None),
        }
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        let mut c = self.conn.clone();
        let map: HashMap<String, String> = c
            .hgetall(format!("{}:token:{id}", self.prefix))
            .await
            .map_err(io)?;
        Ok(Self::token(map))
    }

    async fn save(&self, token: &StoredToken) -> Result<StoredToken, StoreError> {
        let mut c = self.conn.clone();
        let id: String = redis::Script::new(SAVE)
            .key(&self.prefix)
            .arg(Self::args(token))
            .invoke_async(&mut c)
            .await
            .map_err(io)?;
        let mut saved = token.clone();
        saved.id = Some(id);
        Ok(saved)
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let existing = self.find_by_id(id).await?;
        let mut c = self.conn.clone();
        if let Some(user) = existing.as_ref().and_then(|t| t.user_name.clone()) {
            let _: i64 = c
                .del(format!("{}:user:{user}", self.prefix))
                .await
                .map_err(io)?;
        }
        let _: i64 = c
            .srem(format!("{}:ids", self.prefix), id)
            .await
            .map_err(io)?;
        let n: i64 = c
            .del(format!("{}:token:{id}", self.prefix))
            .await
            .map_err(io)?;
        Ok(n > 0)
    }

    async fn list(&self) -> Result<Vec<StoredToken>, StoreError> {
        let mut c = self.conn.clone();
        let ids: Vec<String> = c
            .smembers(format!("{}:ids", self.prefix))
            .await
            .map_err(io)?;
        let mut out = vec![];
        for id in ids {
            if let Some(t) = self.find_by_id(&id).await? {
                out.push(t);
            }
        }
        Ok(out)
    }

    async fn delete_all(&self) -> Result<(), StoreError> {
        for t in self.list().await? {
            self.delete(t.id.as_deref().unwrap_or("")).await?;
        }
        let mut c = self.conn.clone();
        let _: i64 = c
            .del(format!("{}:next_id", self.prefix))
            .await
            .map_err(io)?;
        Ok(())
    }

    async fn lock_refresh(&self, key: &str) -> Result<RefreshLock, StoreError> {
        use rand::Rng;
        let lock_key = format!("{}:refresh-lock:{key}", self.prefix);
        let value: String = {
            let mut rng = rand::thread_rng();
            (0..16)
                .map(|_| format!("{:02x}", rng.gen::<u8>()))
                .collect()
        };
        let mut c = self.conn.clone();
        let start = std::time::Instant::now();
        loop {
            let ok: bool = redis::cmd("SET")
                .arg(&lock_key)
                .arg(&value)
                .arg("NX")
                .arg("PX")
                .arg(self.lock_ttl.as_millis() as u64)
                .query_async::<Option<String>>(&mut c)
                .await
                .map_err(io)?
                .is_some();
            if ok {
                return Ok(RefreshLock::held(RedisLock::new(
                    self.conn.clone(),
                    lock_key,
                    value,
                    self.lock_ttl,
                )));
            }
            if start.elapsed() >= LOCK_WAIT {
                return Err(StoreError::Lock {
                    target: lock_key,
                    reason: format!(
                        "the refresh lock is held by another process; not obtained within {} s (it expires {} s after it was taken)",
                        LOCK_WAIT.as_secs(),
                        LOCK_TTL.as_secs()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn contract_and_lock_expiry() {
        let url = match std::env::var("ZCRM_TEST_REDIS_URL") {
            Ok(url) => url,
            Err(_) => {
                let reason = "ZCRM_TEST_REDIS_URL is not set (give a Redis URL to run the RedisStore contract)";
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("required in CI: {reason}");
                }
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
                return;
            }
        };
        let prefix = format!("zcrm-test-{}-{}", std::process::id(), rand::random::<u32>());
        let store = RedisStore::connect(&url, &prefix)
            .await
            .expect("redis reachable");
        crate::store::contract::run(&store).await;
        // A held lock keeps others out; released, the next one gets it at once.
        let held = store.lock_refresh("1").await.unwrap();
        let other = tokio::time::timeout(Duration::from_millis(300), store.lock_refresh("1")).await;
        assert!(other.is_err(), "a second holder waits");
        held.release().await;
        let again = tokio::time::timeout(Duration::from_secs(2), store.lock_refresh("1"))
            .await
            .expect("free once released")
            .unwrap();
        again.release().await;
        // A lock whose holder died expires: one left behind with a short life is taken after it.
        let mut c = store.conn.clone();
        let stale = format!("{prefix}:refresh-lock:2");
        let _: () = redis::cmd("SET")
            .arg(&stale)
            .arg("dead")
            .arg("PX")
            .arg(200)
            .query_async(&mut c)
            .await
            .unwrap();
        let taken = tokio::time::timeout(Duration::from_secs(3), store.lock_refresh("2"))
            .await
            .expect("an expired lock is taken")
            .unwrap();
        taken.release().await;
        // A holder keeps its lock past the TTL by renewing it; dropped unreleased (a cancelled
        // refresh), it is freed at once, not at the expiry.
        let short = RedisStore::connect(&url, &prefix)
            .await
            .unwrap()
            .lock_ttl(Duration::from_millis(300));
        let held = short.lock_refresh("3").await.unwrap();
        let waited =
            tokio::time::timeout(Duration::from_millis(1200), short.lock_refresh("3")).await;
        assert!(
            waited.is_err(),
            "renewed past four TTLs, the lock is still held"
        );
        drop(held);
        let freed = tokio::time::timeout(Duration::from_millis(250), short.lock_refresh("3"))
            .await
            .expect("a dropped lock is released without waiting for its expiry")
            .unwrap();
        freed.release().await;
        store.delete_all().await.unwrap();
        assert!(RedisStore::connect(&url, "").await.is_err());
        assert!(
            !format!("{store:?}").contains("redis://"),
            "Debug shows the prefix only"
        );
    }
}
