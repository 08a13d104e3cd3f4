//! The emulator's in-memory world: orgs, users, OAuth clients, tokens and records.

use crate::metadata::ModuleMeta;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

pub use crate::record::Record;

/// An organisation (one Zoho CRM account).
#[derive(Debug, Clone)]
pub struct Org {
    pub id: String,
    pub zgid: String,
    pub company_name: String,
    pub domain_name: String,
    pub primary_email: String,
    pub edition: String,
    /// 7-digit prefix of every id minted in this org (Zoho ids share an org prefix).
    pub id_prefix: String,
    pub next_id: u64,
    pub meta: BTreeMap<String, ModuleMeta>,
    /// Live records per module, ordered by id.
    pub records: BTreeMap<String, BTreeMap<String, Record>>,
    /// Deleted-record entries per module (`type`, `deleted_time`, ...).
    pub deleted: BTreeMap<String, Vec<Value>>,
    /// Simultaneous CRM calls allowed; `None` means unlimited.
    pub concurrency_limit: Option<usize>,
    pub in_flight: Arc<AtomicU64>,
    /// Tags per module, as `settings/tags` lists them.
    pub tags: BTreeMap<String, Vec<Value>>,
    /// Record attachments by id.
    pub attachments: BTreeMap<String, Attachment>,
    /// Files for file and image fields (`/crm/v7/files`), by file id.
    pub files: BTreeMap<String, StoredFile>,
    /// Record photos, by `{module}/{record id}`.
    pub photos: BTreeMap<String, StoredFile>,
    /// Bulk jobs still to be created that will fail (admin `bulk-jobs/fail-next`)...
    pub bulk_failures: usize,
    /// ...once this many more have been created.
    pub bulk_failures_after: usize,
    /// Bulk read and write jobs by id.
    pub bulk_jobs: BTreeMap<String, BulkJob>,
    /// `next_page_token`s of completed bulk reads: the module and page a new job continues at.
    pub bulk_page_tokens: BTreeMap<String, (String, usize)>,
    /// Files uploaded for bulk writes, by file id.
    pub uploads: BTreeMap<String, Upload>,
    /// API credits the org's calls have used (see [`Org::charge`]).
    pub credits_used: u64,
    /// Mails sent (or scheduled) with `send_mail`, oldest first.
    pub mails: Vec<Value>,
    /// Mass update jobs by id.
    pub mass_updates: BTreeMap<String, Value>,
    /// Blueprints (processes over a picklist field), in the order they were defined.
    pub blueprints: Vec<crate::blueprint::Blueprint>,
    /// Notification channels (`actions/watch`) by channel id.
    pub channels: BTreeMap<String, crate::watch::Channel>,
    /// Record changes not yet matched against the channels; kept only while a channel exists.
    pub events: Vec<crate::notify::RecordEvent>,
}

/// A file stored for a file or image field, or a record photo.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Its name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// An attachment of a record: a stored file or a linked URL.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Module of the parent record.
    pub module: String,
    /// Id of the parent record.
    pub parent_id: String,
    /// The attachment as the list shows it (`id`, `File_Name`, `Size`, `$type`, ...).
    pub meta: Value,
    /// The file's bytes (for a linked URL, the URL's text).
    pub body: Vec<u8>,
    /// The file's media type.
    pub content_type: String,
}

/// A bulk read or bulk write job.
#[derive(Debug, Clone)]
pub struct BulkJob {
    /// `read` or `write`.
    pub operation: String,
    /// The job as its details call shows it, without the state fields that advance.
    pub json: Value,
    /// Details calls answered so far (each one moves the job a state further).
    pub polls: u32,
    /// The result file (a ZIP), made when the job completes.
    pub result: Option<Vec<u8>>,
    /// A write's `ignore_empty`: empty cells leave their fields alone.
    pub ignore_empty: bool,
    /// The job fails where it would complete (admin `bulk-jobs/fail-next`).
    pub failed: bool,
}

impl BulkJob {
    /// The job's state now: `ADDED`, `IN PROGRESS`, then `COMPLETED`, or for a failing job
    /// `FAILURE` (read) / `FAILED` (write).
    pub fn state(&self) -> &'static str {
        match crate::bulk::state_at(self.polls) {
            "COMPLETED" if self.failed && self.operation == "read" => "FAILURE",
            "COMPLETED" if self.failed => "FAILED",
            s => s,
        }
    }
}

/// A file uploaded for bulk write.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file name.
    pub name: String,
    /// The file's bytes.
    pub body: Vec<u8>,
}

impl Org {
    /// Whether the bulk job being created is to fail (one of `bulk_failures` is used).
    pub fn take_bulk_failure(&mut self) -> bool {
        if self.bulk_failures_after > 0 {
            self.bulk_failures_after -= 1;
            return false;
        }
        let fail = self.bulk_failures > 0;
        self.bulk_failures = self.bulk_failures.saturating_sub(1);
        fail
    }

    /// Mints the next id of this org (19 digits, increasing).
    pub fn mint_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}{:012}", self.id_prefix, self.next_id)
    }

    /// Charges API credits to the org (Zoho: 1 a call by default, 5 for a lead conversion).
    pub fn charge(&mut self, credits: u64) {
        self.credits_used = self.credits_used.saturating_add(credits);
    }

    /// Module metadata by API name, case-insensitively as Zoho resolves module names.
    pub fn module_name(&self, name: &str) -> Option<String> {
        if self.meta.contains_key(name) {
            return Some(name.to_string());
        }
        self.meta
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()
    }
}

/// A CRM user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub zuid: String,
    pub org_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub admin: bool,
}

impl User {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

/// A registered OAuth client (API console entry).
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    /// Registered redirect URIs; empty for a self client.
    pub redirect_uris: Vec<String>,
}

/// An unused grant code.
#[derive(Debug, Clone)]
pub struct GrantCode {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    /// The redirect URI of the authorization request, which the exchange must repeat.
    pub redirect_uri: Option<String>,
    pub offline: bool,
    pub expires_at: OffsetDateTime,
}

/// A refresh token.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub tag: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub created: OffsetDateTime,
    /// When each access token was minted from this refresh token (throttle window).
    pub minted: VecDeque<OffsetDateTime>,
    /// Active access tokens minted from it, oldest first.
    pub active: VecDeque<String>,
}

/// An access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub tag: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires_at: OffsetDateTime,
    pub refresh_token: Option<String>,
}

/// A `page_token` issued by a records list.
#[derive(Debug, Clone)]
pub struct PageToken {
    pub user_id: String,
    /// The request's other parameters, which a follow-up must repeat.
    pub bound: String,
    /// The sort key of the last record served.
    pub after: (String, String),
    pub served: usize,
    pub expires_at: OffsetDateTime,
}

/// A scripted fault for the next matching requests.
#[derive(Debug, Clone)]
pub struct Fault {
    pub id: u64,
    pub method: Option<String>,
    pub path_prefix: String,
    pub remaining: u32,
    /// Matching requests to let through before the fault applies.
    pub skip: u32,
    pub action: FaultAction,
}

/// What a fault does to a matching request.
#[derive(Debug, Clone)]
pub enum FaultAction {
    /// Answer with this status, body and headers instead of handling the request.
    Status {
        status: u16,
        body: Value,
        headers: Vec<(String, String)>,
    },
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Handle the request (a write is applied), then close the connection without answering:
    /// the reply is lost.
    DropAfter,
    /// Handle the request, then send only the first half of the body.
    Truncate,
}

/// Entries the request log keeps; past this the oldest half is dropped.
pub const LOG_CAPACITY: usize = 200_000;

/// One line of the request log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogEntry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Query string with secret values replaced by `[redacted]`.
    pub query: String,
    /// The status answered.
    pub status: u16,
    /// Tag of the token used (`at-3` access token, `rt-2` refresh token, `gc` grant code).
    pub token: Option<String>,
    /// `grant_type` of token requests.
    pub grant_type: Option<String>,
    /// `zgid` of the org the request acted on.
    pub org: Option<String>,
    /// The injected fault that met the request, if any.
    pub fault: Option<String>,
}

/// Tunable settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub access_token_ttl: Duration,
    pub grant_code_ttl: Duration,
    /// `location` sent back on the OAuth redirect.
    pub location: String,
    /// Lifetime of a records list `page_token` (Zoho: 24 hours).
    pub page_token_ttl: Duration,
    /// Records reachable through `page_token`s (Zoho: 100,000).
    pub pagination_limit: usize,
    /// Access tokens one refresh token may mint in ten minutes (Zoho: 10).
    pub token_throttle: usize,
    /// Rows of one bulk read result page (Zoho: 200,000).
    pub bulk_read_page_rows: usize,
    /// Bytes one uploaded file (attachment, photo, field file) may have.
    pub max_upload_bytes: usize,
}

/// Everything the emulator knows.
#[derive(Debug)]
pub struct World {
    pub settings: Settings,
    pub orgs: BTreeMap<String, Org>,
    pub users: BTreeMap<String, User>,
    pub clients: BTreeMap<String, Client>,
    pub grant_codes: HashMap<String, GrantCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub access_tokens: HashMap<String, AccessToken>,
    /// Issued `page_token`s of records lists.
    pub page_tokens: HashMap<String, PageToken>,
    pub faults: Vec<Fault>,
    pub next_fault: u64,
    pub next_tag: u64,
}

impl World {
    pub fn tag(&mut self, prefix: &str) -> String {
        self.next_tag += 1;
        format!("{prefix}-{}", self.next_tag)
    }

    pub fn user_by_key(&self, key: &str) -> Option<&User> {
        self.users.get(key).or_else(|| {
            self.users
                .values()
                .find(|u| u.email.eq_ignore_ascii_case(key) || u.zuid == key)
        })
    }

    pub fn org_key(&self, key: &str) -> Option<String> {
        if self.orgs.contains_key(key) {
            return Some(key.to_string());
        }
        // A zgid is unique and wins over a domain name that happens to read the same.
        self.orgs
            .values()
            .find(|o| o.zgid == key)
            .or_else(|| {
                self.orgs
                    .values()
                    .find(|o| o.domain_name.eq_ignore_ascii_case(key))
            })
            .map(|o| o.id.clone())
    }
}

/// Shared state handed to every handler.
#[derive(Clone)]
pub struct App {
    pub world: Arc<Mutex<World>>,
    pub log: Arc<Mutex<Vec<LogEntry>>>,
    pub log_seq: Arc<AtomicU64>,
    pub seed: Arc<crate::seed::Seed>,
    /// Base URL this emulator answers on (`http://127.0.0.1:PORT`).
    pub base_url: Arc<Mutex<String>>,
    /// Base URL of the host serving bulk write results (`base_url`, or the upload port when the
    /// upload host is separate, as Zoho serves them from its own download hosts).
    pub download_url: Arc<Mutex<String>>,
    /// Buffers for list pages, used again once sent.
    pub bodies: crate::bodies::Bodies,
    /// Delivers notification callbacks and records each attempt.
    pub notifier: crate::notify::Notifier,
    /// Bulk job callbacks POSTed so far (each attempt, oldest first).
    pub bulk_callbacks: crate::bulk_result::Callbacks,
}

impl App {
    /// Locks the world. A poisoned lock is recovered: handlers never leave it half-changed.
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// See [`App::download_url`].
    pub fn download_base(&self) -> String {
        self.download_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn base_url(&self) -> String {
        self.base_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A random token in Zoho's shape: `1000.<32 hex>.<32 hex>`.
pub fn random_token() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let a: u128 = rng.gen();
    let b: u128 = rng.gen();
    format!("1000.{a:032x}.{b:032x}")
}
