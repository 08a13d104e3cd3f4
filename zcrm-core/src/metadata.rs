//! Field metadata at run time: fetched lazily per module (first use of Leads fetches Leads
//! only), kept in memory and, when `resource_path` is set, in files written atomically under
//! `<resource_path>/zcrm-metadata/<api host>_<org>/`, so other processes reuse them. File names
//! hold the API host, the org id and the module, never token material.
//!
//! With `auto_refresh_fields`, an entry older than `metadata_ttl` is revalidated with
//! `If-Modified-Since` (304 keeps it); without, entries change only through
//! [`Client::refresh_metadata`]. A failed refresh keeps the cached copy (with a warning); with no
//! copy it is an error.

use crate::client::{ApiRequest, Client};
use crate::error::Error;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

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
    fn from_json(module: &str, checked_at: i64, fields: &[Value]) -> Self {
        let fields = fields
            .iter()
            .filter_map(|f| {
                let api_name = f.get("api_name")?.as_str()?.to_string();
                let options = f
                    .get("pick_list_values")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|v| v.get("type").and_then(Value::as_str) != Some("unused"))
                    .filter_map(|v| {
                        Some(PicklistOption {
                            actual: v.get("actual_value")?.as_str()?.to_string(),
                            display: v
                                .get("display_value")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string(),
                        })
                    })
                    .collect();
                Some((
                    api_name.clone(),
                    FieldMeta {
                        api_name,
                        data_type: f
                            .get("data_type")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        options,
                        raw: f.clone(),
                    },
                ))
            })
            .collect();
        ModuleFields {
            module: module.to_string(),
            checked_at,
            fields,
        }
    }

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
    Fields(Vec<Value>),
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

    fn fresh(&self, m: &ModuleFields) -> bool {
        !self.auto_refresh || now_ms() - m.checked_at < self.ttl.as_millis() as i64
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

    fn read_file(&self, module: &str) -> Option<ModuleFields> {
        let text = std::fs::read_to_string(self.file(module)?).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        Some(ModuleFields::from_json(
            module,
            v.get("checked_at")?.as_i64()?,
            v.get("fields")?.as_array()?,
        ))
    }

    fn write_file(&self, module: &str, checked_at: i64, fields: &[Value]) {
        let (Some(dir), Some(path)) = (self.dir.as_ref(), self.file(module)) else {
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
        let result = std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&tmp, body))
            .and_then(|_| std::fs::rename(&tmp, &path));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(error = %e, module, "could not write the field-metadata cache file");
        }
    }

    fn store(&self, module: &str, checked_at: i64, fields: &[Value]) -> Arc<ModuleFields> {
        let m = Arc::new(ModuleFields::from_json(module, checked_at, fields));
        self.memory
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(module.to_string(), m.clone());
        self.write_file(module, checked_at, fields);
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
            return Ok(Fetched::NotModified);
        }
        let v: Option<Value> = resp.json()?;
        Ok(Fetched::Fields(
            v.and_then(|v| v.get("fields").and_then(Value::as_array).cloned())
                .unwrap_or_default(),
        ))
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
            if let Some(m) = self.read_file(module) {
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
            Ok(Fetched::NotModified) => {
                let c = copy.expect("304 answers a request with If-Modified-Since");
                let raw: Vec<Value> = c.fields.values().map(|f| f.raw.clone()).collect();
                Ok(self.store(module, started, &raw))
            }
            Ok(Fetched::Fields(fields)) => Ok(self.store(module, started, &fields)),
            Err(e) => match copy {
                Some(c) => {
                    tracing::warn!(error = %e, module, "refreshing field metadata failed; using the cached copy");
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

    /// Modules known in memory or on disk.
    pub(crate) fn known_modules(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .memory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        if let Some(dir) = &self.dir {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().to_string();
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

/// A value a picklist does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("picklist value `{value}` is not allowed for {module}.{field}{hint}; allowed values: {}", allowed.join(", "))]
pub struct PicklistError {
    /// Module API name.
    pub module: String,
    /// Field API name.
    pub field: String,
    /// The value given.
    pub value: String,
    /// The values the field allows (`actual_value`s).
    pub allowed: Vec<String>,
    /// A hint when the value is a display value.
    hint: String,
}

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
        for m in self.metadata().known_modules() {
            self.metadata().get(self, &m, true).await?;
        }
        Ok(())
    }

    /// Checks records about to be written against the module's picklists; on a miss, refreshes
    /// the module's metadata once (once per unknown value every 30 s) and checks again.
    pub(crate) async fn validate_picklists(
        &self,
        module: &str,
        records: &[Value],
    ) -> Result<(), Error> {
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
}
