//! Field metadata at run time: fetched lazily per module (first use of Leads fetches Leads
//! only), kept in memory and, when `resource_path` is set, in files written atomically under
//! `<resource_path>/zcrm-metadata/<api host>_<org>/`, so other processes reuse them. File names
//! hold the API host, the org id and the module, never token material.
//!
//! With `auto_refresh_fields`, an entry older than `metadata_ttl` is revalidated with
//! `If-Modified-Since` (304 keeps it); without, entries change only through
//! [`Client::refresh_metadata`]. A failed refresh keeps the cached copy (with a warning); with no
//! copy it is an error.
//!
//! Field metadata is decoded strictly: a body without a `fields` array, a field without an
//! `api_name` or `data_type`, `pick_list_values` that is not an array, or an option without an
//! `actual_value` is an [`Error::Decode`] naming the module and the JSON path (with the start of
//! the body), and is never cached, so picklist validation is never silently switched off by a
//! malformed answer. A 304 is accepted only for a request that sent `If-Modified-Since`.
//!
//! Every record write goes through [`Client::validate_picklists`]: `Records` writes, and the
//! generated record operations through [`Client::execute_record_write`].

use crate::client::{ApiRequest, Client};
use crate::error::Error;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

mod decode;

/// How often the same unknown picklist value may force a refresh of its module.
pub const MISS_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// One picklist option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PicklistOption {
    /// The value the API stores and expects.
    pub actual: String,
    /// The value the CRM shows.
    pub display: String,
}

/// One field's metadata, as far as the SDK uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMeta {
    /// API name.
    pub api_name: String,
    /// Zoho data type.
    pub data_type: String,
    /// Used picklist options (empty for other fields).
    pub options: Vec<PicklistOption>,
    /// The field object as Zoho sent it.
    pub raw: Value,
}

/// The fields of one module and when they were fetched or last confirmed unchanged.
#[derive(Debug, Clone)]
pub struct ModuleFields {
    /// Module API name.
    pub module: String,
    /// Epoch milliseconds of the last fetch or 304.
    pub checked_at: i64,
    /// Fields by API name.
    pub fields: HashMap<String, FieldMeta>,
}

impl ModuleFields {
    /// A field by API name.
    pub fn field(&self, api_name: &str) -> Option<&FieldMeta> {
        self.fields.get(api_name)
    }
}

fn now_ms() -> i64 {
    crate::auth::now_ms()
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The cache of one client.
#[derive(Debug)]
pub(crate) struct MetadataCache {
    dir: Option<PathBuf>,
    ttl: Duration,
    auto_refresh: bool,
    memory: RwLock<HashMap<String, Arc<ModuleFields>>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    forced: Mutex<HashMap<String, Instant>>,
}

enum Fetched {
    NotModified,
    Fields(ModuleFields, Vec<Value>),
}

impl MetadataCache {
    /// A cache for the org `org` (its zgid, or `unknown`) at `api_base`.
    pub(crate) fn new(
        resource_path: Option<&Path>,
        api_base: &str,
        org: &str,
        ttl: Duration,
        auto_refresh: bool,
    ) -> Self {
        let host = api_base.split("://").nth(1).unwrap_or(api_base);
        let dir =
            resource_path.map(|p| p.join("zcrm-metadata").join(safe(&format!("{host}_{org}"))));
        MetadataCache {
            dir,
            ttl,
            auto_refresh,
            memory: RwLock::default(),
            locks: Mutex::default(),
            forced: Mutex::default(),
        }
    }

    /// The directory of the files, if any.
    pub(crate) fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Whether an entry needs no revalidation. `checked_at` may come from a file another
    /// process wrote (or damaged): a time in the future or too far in the past is old, never an
    /// overflow and never "fresh forever".
    fn fresh(&self, m: &ModuleFields) -> bool {
        let ttl = i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX);
        !self.auto_refresh || (0..ttl).contains(&now_ms().saturating_sub(m.checked_at))
    }

    fn cached(&self, module: &str) -> Option<Arc<ModuleFields>> {
        self.memory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(module)
            .cloned()
    }

    fn file(&self, module: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{}.json", safe(module))))
    }

    /// The cached file of a module; a file that cannot be read or decoded counts as absent
    /// (with a warning), so the metadata is fetched again. Read and decoded on a blocking
    /// thread, off the async executor.
    async fn read_file(&self, module: &str) -> Option<ModuleFields> {
        let path = self.file(module)?;
        let module = module.to_string();
        tokio::task::spawn_blocking(move || read_cache_file(&path, &module))
            .await
            .ok()
            .flatten()
    }

    /// Writes a module's cache file (a temporary file renamed over it) on a blocking thread.
    async fn write_file(&self, module: &str, checked_at: i64, fields: &[Value]) {
        let (Some(dir), Some(path)) = (self.dir.clone(), self.file(module)) else {
            return;
        };
        let body =
            json!({"module": module, "checked_at": checked_at, "fields": fields}).to_string();
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{}.{}.{}.tmp",
            safe(module),
            std::process::id(),
            SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let written = tokio::task::spawn_blocking(move || {
            let result = std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(&tmp, body))
                .and_then(|_| std::fs::rename(&tmp, &path));
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Err(e) = written {
            tracing::warn!(error = %e, module, "could not write the field-metadata cache file");
        }
    }

    async fn store(
        &self,
        mut m: ModuleFields,
        checked_at: i64,
        fields: &[Value],
    ) -> Arc<ModuleFields> {
        m.checked_at = checked_at;
        let module = m.module.clone();
        let module = module.as_str();
        let m = Arc::new(m);
        self.memory
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(module.to_string(), m.clone());
        self.write_file(module, checked_at, fields).await;
        m
    }

    fn lock(&self, module: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(module.to_string())
            .or_default()
            .clone()
    }

    async fn fetch(client: &Client, module: &str, since: Option<i64>) -> Result<Fetched, Error> {
        let mut req = ApiRequest::get("/settings/fields").query("module", module);
        if let Some(ms) = since {
            // The header has second precision: ask from a second before the last check, so a
            // change made in the same second is not mistaken for "not modified".
            let t = OffsetDateTime::from_unix_timestamp(ms / 1000 - 1)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            req = req.header(
                "If-Modified-Since",
                crate::types::DateTime::new(t).to_string(),
            );
        }
        let resp = client.execute(req).await?;
        if resp.status == 304 {
            if since.is_some() {
                return Ok(Fetched::NotModified);
            }
            // "Not modified" answers nothing when no copy was named: there are no fields to use.
            return Err(Error::Api {
                status: 304,
                code: "UNEXPECTED_NOT_MODIFIED".into(),
                message: format!(
                    "the field metadata of module `{module}` was answered 304 Not Modified, but no If-Modified-Since was sent"
                ),
                details: Value::Null,
            });
        }
        let v: Value = if resp.body.is_empty() {
            Value::Null
        } else {
            crate::http::decode(&resp.body)?
        };
        let (m, raw) = ModuleFields::decode(module, 0, &v, &resp.body)?;
        Ok(Fetched::Fields(m, raw))
    }

    /// The fields of a module: memory, then file, then the API; once per module at a time.
    pub(crate) async fn get(
        &self,
        client: &Client,
        module: &str,
        force: bool,
    ) -> Result<Arc<ModuleFields>, Error> {
        if !force {
            if let Some(m) = self.cached(module).filter(|m| self.fresh(m)) {
                return Ok(m);
            }
        }
        let lock = self.lock(module);
        let _single_flight = lock.lock().await;
        let before = self.cached(module);
        if !force {
            if let Some(m) = before.clone().filter(|m| self.fresh(m)) {
                return Ok(m);
            }
        }
        let mut copy = before;
        if copy.is_none() {
            if let Some(m) = self.read_file(module).await {
                let m = Arc::new(m);
                self.memory
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(module.to_string(), m.clone());
                if !force && self.fresh(&m) {
                    return Ok(m);
                }
                copy = Some(m);
            }
        }
        // The copy is as new as the moment the request starts.
        let started = now_ms();
        match Self::fetch(client, module, copy.as_ref().map(|c| c.checked_at)).await {
            Ok(Fetched::NotModified) => match copy {
                Some(c) => {
                    let raw: Vec<Value> = c.fields.values().map(|f| f.raw.clone()).collect();
                    Ok(self.store(ModuleFields::clone(&c), started, &raw).await)
                }
                // `fetch` accepts a 304 only when it sent If-Modified-Since, which it does only
                // with a copy.
                None => Err(Error::Api {
                    status: 304,
                    code: "UNEXPECTED_NOT_MODIFIED".into(),
                    message: format!("the field metadata of module `{module}` was answered 304 Not Modified with no copy to keep"),
                    details: Value::Null,
                }),
            },
            Ok(Fetched::Fields(m, raw)) => Ok(self.store(m, started, &raw).await),
            Err(e) => match copy {
                Some(c) => {
                    tracing::warn!(error = %e.report(), module, "refreshing field metadata failed; using the cached copy");
                    Ok(c)
                }
                None => Err(e),
            },
        }
    }

    /// Whether an unknown picklist value may force a refresh now: once per value per interval,
    /// so a value added in the CRM is found while a repeated bad value costs one request.
    pub(crate) fn may_force(&self, module: &str, field: &str, value: &str) -> bool {
        let key = format!("{module}\u{0}{field}\u{0}{value}");
        let mut forced = self.forced.lock().unwrap_or_else(|e| e.into_inner());
        forced.retain(|_, t| t.elapsed() < MISS_REFRESH_INTERVAL);
        if forced.contains_key(&key) {
            return false;
        }
        forced.insert(key, Instant::now());
        true
    }

    /// Modules known in memory or on disk (the directory read on a blocking thread).
    pub(crate) async fn known_modules(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .memory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        if let Some(dir) = self.dir.clone() {
            let names = tokio::task::spawn_blocking(move || {
                std::fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            for name in names {
                if let Some(m) = name.strip_suffix(".json") {
                    if !m.starts_with('.') && !out.iter().any(|x| x == m) {
                        out.push(m.to_string());
                    }
                }
            }
        }
        out.sort();
        out
    }
}

/// Reads and decodes one module's cache file (blocking); `None` when absent or unreadable.
fn read_cache_file(path: &std::path::Path, module: &str) -> Option<ModuleFields> {
    let text = std::fs::read_to_string(path).ok()?;
    let decoded = serde_json::from_str::<Value>(&text)
        .map_err(|e| e.to_string())
        .and_then(|v| {
            let at = v
                .get("checked_at")
                .and_then(Value::as_i64)
                .ok_or("`checked_at` is missing")?;
            ModuleFields::decode(module, at, &v, text.as_bytes()).map_err(|e| e.to_string())
        });
    match decoded {
        Ok((m, _)) => Some(m),
        Err(e) => {
            tracing::warn!(error = %e, module, file = %path.display(), "ignoring a field-metadata cache file that does not decode");
            None
        }
    }
}

pub use crate::error::PicklistError;

/// Checks the picklist and multi-select picklist values of records (JSON objects) against a
/// module's fields; the first bad value, if any.
pub fn check_picklists(meta: &ModuleFields, records: &[Value]) -> Option<PicklistError> {
    for rec in records {
        let Some(obj) = rec.as_object() else { continue };
        for (key, value) in obj {
            let Some(f) = meta.field(key) else { continue };
            if f.data_type != "picklist" && f.data_type != "multiselectpicklist" {
                continue;
            }
            let values: Vec<&str> = match value {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            for v in values {
                if !f.options.iter().any(|o| o.actual == v) {
                    let hint = f
                        .options
                        .iter()
                        .find(|o| o.display == v)
                        .map(|o| {
                            format!(
                                " (it is the display value of `{}`, which is what the API stores)",
                                o.actual
                            )
                        })
                        .unwrap_or_default();
                    return Some(PicklistError {
                        module: meta.module.clone(),
                        field: key.clone(),
                        value: v.to_string(),
                        allowed: f.options.iter().map(|o| o.actual.clone()).collect(),
                        hint,
                    });
                }
            }
        }
    }
    None
}

impl Client {
    /// The fields of a module (cached; see the module docs).
    pub async fn module_fields(&self, module: &str) -> Result<Arc<ModuleFields>, Error> {
        self.metadata().get(self, module, false).await
    }

    /// Fetches a module's field metadata again (a 304 keeps the cached copy).
    pub async fn refresh_metadata(&self, module: &str) -> Result<Arc<ModuleFields>, Error> {
        self.metadata().get(self, module, true).await
    }

    /// Refreshes every module cached in memory or on disk.
    pub async fn refresh_all_metadata(&self) -> Result<(), Error> {
        for m in self.metadata().known_modules().await {
            self.metadata().get(self, &m, true).await?;
        }
        Ok(())
    }

    /// Checks records about to be written (the JSON objects of a write's `data`) against the
    /// module's picklists, unless `pick_list_validation` is off; on a miss, refreshes the
    /// module's metadata once (once per unknown value every 30 s) and checks again. A bad value
    /// is [`Error::Validation`] and nothing should be sent. Every record write of the SDK calls
    /// this: `Records` create, update and upsert, and [`Client::execute_record_write`].
    pub async fn validate_picklists(&self, module: &str, records: &[Value]) -> Result<(), Error> {
        if !self.config().pick_list_validation() {
            return Ok(());
        }
        let meta = self.module_fields(module).await?;
        let Some(miss) = check_picklists(&meta, records) else {
            return Ok(());
        };
        if self.metadata().may_force(module, &miss.field, &miss.value) {
            tracing::debug!(module, field = %miss.field, "picklist value not in cached metadata; refreshing it once");
            let meta = self.refresh_metadata(module).await?;
            return match check_picklists(&meta, records) {
                Some(e) => Err(Error::Validation(e)),
                None => Ok(()),
            };
        }
        Err(Error::Validation(miss))
    }

    /// Sends a request that writes records of `module` (create, update, upsert, clone: a body
    /// whose `data` holds the records) after the same checks as `Records` writes
    /// ([`Client::validate_picklists`]); a record that fails them is an error and nothing is
    /// sent. The generated record operations send their writes through here.
    pub async fn execute_record_write(
        &self,
        module: &str,
        req: ApiRequest,
    ) -> Result<crate::client::ApiResponse, Error> {
        let records = req
            .body
            .as_ref()
            .and_then(|b| b.get("data"))
            .and_then(Value::as_array);
        if let Some(records) = records {
            self.validate_picklists(module, records).await?;
        }
        self.execute(req).await
    }
}
