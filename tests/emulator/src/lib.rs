#![recursion_limit = "256"]
#![warn(missing_docs)]
//! `zcrm-emulator`: an in-memory emulator of Zoho Accounts (OAuth) and the Zoho CRM v7 REST API,
//! for developing and testing code that talks to Zoho offline.
//!
//! It serves the OAuth consent page and token endpoint, the CRM record, search, COQL, bulk and
//! metadata endpoints with Zoho's validation and error shapes, and an admin API under
//! `/__emulator` for tests, which [`Emulator::admin`] drives from Rust: orgs, users, custom
//! modules, fields and records, faults, token expiry. The field metadata of the standard
//! modules is built in ([`EmulatorConfig::specs_dir`] serves another).
//!
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! let emu = zcrm_emulator::Emulator::start().await?;
//! println!("accounts: {}  api: {}", emu.accounts_url, emu.api_url);
//! let code = emu.mint_grant_code("patricia.boyle@zylker.example", &["ZohoCRM.modules.ALL"])?;
//! # let _ = code; Ok(()) }
//! ```

mod accounts;
mod admin;
mod attachments;
mod auth;
mod blueprint;
mod bodies;
mod bulk;
mod bulk_result;
mod clock;
mod clone;
mod control;
mod convert;
mod coql;
mod criteria;
mod error;
mod files;
mod mail;
mod mass_update;
mod metadata;
mod middleware;
mod multipart;
mod notify;
mod record;
mod records;
mod recycle_bin;
mod related;
mod search;
mod seed;
mod settings;
mod shapes;
mod state;
mod store;
mod tag_settings;
mod tags;
mod validate;
mod watch;
mod write;

use axum::routing::{any, delete, get, post, put};
use axum::Router;
use state::{App, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use control::{Admin, AdminError, Fault, FaultAction, NewOrg};
pub use seed::{
    SELF_CLIENT_ID, SELF_CLIENT_SECRET, WEB_CLIENT_ID, WEB_CLIENT_SECRET, WEB_REDIRECT_URIS,
};
pub use state::LogEntry;

/// How an emulator starts.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Directory holding `modules.json` and `fields/*.json`; `None` (the default) serves the
    /// metadata built into the emulator: the standard modules of the zcrm project's `specs/`.
    pub specs_dir: Option<PathBuf>,
    /// Lifetime of access tokens (Zoho: one hour; at most ten years).
    pub access_token_ttl: Duration,
    /// Lifetime of grant codes (Zoho's self-client default: three minutes).
    pub grant_code_ttl: Duration,
    /// `location` sent on the OAuth redirect (`us`, `eu`, ...).
    pub location: String,
    /// Rows of one bulk read result page (Zoho: 200,000); lower it to test paging with few
    /// records (the admin API's `PUT /settings {"bulk_read_page_rows"}` changes it too).
    pub bulk_read_page_rows: usize,
    /// Bytes one uploaded file may have: an attachment, a photo or a field's file (Zoho's API
    /// takes bodies up to 100 MB); more is answered 413 `FILE_SIZE_MORE_THAN_ALLOWED_SIZE`.
    pub max_upload_bytes: usize,
    /// Serve the bulk-write upload (`/crm/v7/upload`) on a second port only, as Zoho serves it
    /// on its own host: [`Emulator::upload_url`] names it, and the API port answers the path
    /// as an unknown module would. Bulk write results are then served from that port too (a
    /// `download_url` on another host than the API's, as Zoho's are).
    pub separate_upload_host: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            specs_dir: None,
            access_token_ttl: Duration::from_secs(3600),
            grant_code_ttl: Duration::from_secs(180),
            location: "us".into(),
            bulk_read_page_rows: bulk::READ_PAGE_ROWS,
            max_upload_bytes: files::MAX_UPLOAD_BYTES,
            separate_upload_host: false,
        }
    }
}

/// No body limit: the upload handlers check sizes themselves, answering Zoho's 413.
fn unlimited() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::disable()
}

/// The routes Zoho itself serves (accounts and CRM), without the admin API.
fn zoho_routes(app: &App, with_upload: bool) -> Router<App> {
    let mut crm = Router::new()
        .route("/coql", post(coql::execute))
        .route(
            "/files",
            post(files::upload).get(files::download).layer(unlimited()),
        )
        .route("/org", get(settings::org))
        .route("/users", get(settings::users))
        .route("/users/{id}", get(settings::user_one))
        .route("/users/actions/count", get(settings::users_count))
        .route("/users/{id}/{*rest}", any(middleware::not_found))
        .route("/settings/{*rest}", any(middleware::not_found))
        .route("/settings/recycle_bin", get(recycle_bin::list))
        .route("/settings/recycle_bin/{id}", get(recycle_bin::one))
        .route("/settings/modules", get(settings::modules))
        .route("/settings/modules/{api_name}", get(settings::module_one))
        .route("/settings/fields", get(settings::fields))
        .route("/settings/fields/{id}", get(settings::field_one))
        .route(
            "/settings/fields/{id}/pick_list_values",
            get(settings::pick_list_values),
        )
        .route("/settings/layouts", get(settings::layouts))
        .route("/settings/layouts/{id}", get(settings::layout_one))
        .route(
            "/settings/tags",
            get(tags::list)
                .post(tags::create)
                .put(tag_settings::update_many),
        )
        .route(
            "/settings/tags/{id}",
            put(tag_settings::update_one).delete(tag_settings::delete),
        )
        .route(
            "/settings/tags/{id}/actions/merge",
            post(tag_settings::merge),
        )
        .route(
            "/settings/tags/{id}/actions/records_count",
            get(tag_settings::records_count),
        )
        .route(
            "/actions/watch",
            get(watch::list)
                .post(watch::enable)
                .put(watch::replace)
                .patch(watch::patch)
                .delete(watch::disable),
        )
        .route(
            "/{module}",
            get(records::list)
                .post(write::create)
                .put(write::update_many)
                .delete(records::delete_many),
        )
        .route("/{module}/upsert", post(write::upsert))
        .route("/{module}/deleted", get(records::deleted))
        .route(
            "/{module}/search",
            get(search::search).post(search::search_body),
        )
        .route("/{module}/bulk/search", post(search::search_body))
        .route("/{module}/actions/count", get(search::count))
        .route("/{module}/actions/add_tags", post(tags::add_many))
        .route("/{module}/actions/remove_tags", post(tags::remove_many))
        .route(
            "/{module}/actions/mass_update",
            get(mass_update::status).post(mass_update::schedule),
        )
        .route(
            "/{module}/{id}",
            get(records::get_one)
                .put(write::update_one)
                .delete(records::delete_one),
        )
        .route("/{module}/{id}/actions/clone", post(clone::clone))
        .route("/{module}/{id}/actions/convert", post(convert::convert))
        .route("/{module}/{id}/actions/send_mail", post(mail::send))
        .route(
            "/{module}/{id}/actions/blueprint",
            get(blueprint::get).put(blueprint::update),
        )
        .route("/{module}/{id}/actions/add_tags", post(tags::add_one))
        .route("/{module}/{id}/actions/remove_tags", post(tags::remove_one))
        .route(
            "/{module}/{id}/Attachments",
            get(attachments::list)
                .post(attachments::upload)
                .delete(attachments::delete_many)
                .layer(unlimited()),
        )
        .route(
            "/{module}/{id}/photo",
            get(files::photo)
                .post(files::upload_photo)
                .delete(files::delete_photo)
                .layer(unlimited()),
        )
        .route(
            "/{module}/{id}/Attachments/{attachment_id}",
            get(attachments::download).delete(attachments::delete_one),
        )
        .route(
            "/{module}/{id}/{related}",
            get(related::list)
                .put(related::link)
                .delete(related::unlink)
                .post(related::add_notes),
        )
        .route(
            "/{module}/{id}/{related}/{related_id}",
            delete(related::unlink_one),
        );
    if with_upload {
        crm = crm.route("/upload", post(bulk::upload).layer(unlimited()));
    }
    let mut bulk = Router::new()
        .route("/read", post(bulk::create_read))
        .route("/read/{job_id}", get(bulk::read_details))
        .route("/read/{job_id}/result", get(bulk_result::read_result))
        .route("/write", post(bulk::create_write))
        .route("/write/{job_id}", get(bulk::write_details));
    // With a separate upload host, write results are served there only.
    if with_upload {
        bulk = bulk.route("/write/{job_id}/result", get(bulk_result::write_result));
    }
    Router::new()
        .route("/oauth/v2/auth", get(accounts::authorize))
        .route("/oauth/v2/auth/approve", post(accounts::approve))
        .route("/oauth/v2/token", post(accounts::token))
        .route("/oauth/v2/token/revoke", post(accounts::revoke))
        .route("/oauth/serverinfo", get(accounts::serverinfo))
        .nest("/crm/v7", crm.clone())
        .nest("/crm/v8", crm)
        .nest("/crm/bulk/v7", bulk.clone())
        .nest("/crm/bulk/v8", bulk)
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            middleware::observe,
        ))
}

/// The whole service: Zoho's routes plus the admin API under `/__emulator`.
pub(crate) fn router(app: App, with_upload: bool) -> Router {
    Router::new()
        .nest("/__emulator", admin::routes())
        .merge(zoho_routes(&app, with_upload))
        .with_state(app)
}

/// The file-upload host alone (`/crm/{v7,v8}/upload`), for a separate port; it also serves
/// bulk write results, as Zoho's own download hosts do.
fn upload_router(app: App) -> Router {
    let upload = Router::new().route("/upload", post(bulk::upload).layer(unlimited()));
    let results = Router::new().route("/write/{job_id}/result", get(bulk_result::write_result));
    Router::new()
        .nest("/crm/v7", upload.clone())
        .nest("/crm/v8", upload)
        .nest("/crm/bulk/v7", results.clone())
        .nest("/crm/bulk/v8", results)
        .fallback(middleware::not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            middleware::observe,
        ))
        .with_state(app)
}

/// Serves `service` on `listener` until `stop` fires.
fn serve(
    listener: tokio::net::TcpListener,
    service: Router,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    // A send buffer a whole list page fits in: the page is handed to the kernel in one
    // write, not in pieces as the client drains it (each a wake-up of the server).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(1 << 20);
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async {
                let _ = stop.await;
            })
            .await;
    });
}

/// Builds the shared state from a config.
pub(crate) fn app(config: &EmulatorConfig) -> Result<App, String> {
    let seed = seed::Seed::load(config.specs_dir.clone())?;
    // Lifetimes past ten years are held at ten years (a time past the year 9999 cannot be).
    let longest = Duration::from_secs(admin::MAX_TTL_SECS);
    let settings = Settings {
        access_token_ttl: config.access_token_ttl.min(longest),
        grant_code_ttl: config.grant_code_ttl.min(longest),
        location: config.location.clone(),
        page_token_ttl: Duration::from_secs(24 * 3600),
        pagination_limit: records::TOKEN_LIMIT,
        token_throttle: accounts::THROTTLE_LIMIT,
        bulk_read_page_rows: config.bulk_read_page_rows.max(1),
        max_upload_bytes: config.max_upload_bytes,
    };
    let world = seed::world(&seed, settings);
    Ok(App {
        world: Arc::new(Mutex::new(world)),
        log: Arc::new(Mutex::new(Vec::new())),
        log_seq: Arc::new(AtomicU64::new(0)),
        seed,
        base_url: Arc::new(Mutex::new(String::new())),
        download_url: Arc::new(Mutex::new(String::new())),
        bodies: bodies::Bodies::default(),
        notifier: notify::Notifier::default(),
        bulk_callbacks: bulk_result::Callbacks::default(),
    })
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`: accounts server, API domain and admin API share it.
    pub base_url: String,
    /// The accounts server (what `accounts-server` names on the OAuth redirect).
    pub accounts_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The API domain (`api_domain` of tokens); CRM paths are `{api_url}/crm/v7/...`.
    pub api_url: String,
    /// The admin API.
    pub admin_url: String,
    /// The file-upload host (the environment's `file_upload_url`): `base_url`, or a second
    /// port with [`EmulatorConfig::separate_upload_host`].
    pub upload_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    app: App,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    upload_shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Emulator {
    /// Starts on an ephemeral port of 127.0.0.1 with the default config.
    pub async fn start() -> Result<Emulator, String> {
        Self::start_with(
            EmulatorConfig::default(),
            "127.0.0.1:0".parse().expect("static addr"),
        )
        .await
    }

    /// Starts with a config on an address (port 0 picks a free port).
    pub async fn start_with(config: EmulatorConfig, addr: SocketAddr) -> Result<Emulator, String> {
        let app = app(&config)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot bind {addr}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let base_url = format!("http://{addr}");
        *app.base_url.lock().unwrap_or_else(|e| e.into_inner()) = base_url.clone();
        *app.download_url.lock().unwrap_or_else(|e| e.into_inner()) = base_url.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        serve(
            listener,
            router(app.clone(), !config.separate_upload_host),
            rx,
        );
        let (upload_url, upload_shutdown) = if config.separate_upload_host {
            let upload = tokio::net::TcpListener::bind((addr.ip(), 0))
                .await
                .map_err(|e| format!("cannot bind the upload port: {e}"))?;
            let upload_addr = upload.local_addr().map_err(|e| e.to_string())?;
            let (utx, urx) = tokio::sync::oneshot::channel::<()>();
            serve(upload, upload_router(app.clone()), urx);
            let url = format!("http://{upload_addr}");
            *app.download_url.lock().unwrap_or_else(|e| e.into_inner()) = url.clone();
            (url, Some(utx))
        } else {
            (base_url.clone(), None)
        };
        Ok(Emulator {
            accounts_url: base_url.clone(),
            token_url: format!("{base_url}/oauth/v2/token"),
            api_url: base_url.clone(),
            admin_url: format!("{base_url}/__emulator"),
            upload_url,
            base_url,
            addr,
            app,
            shutdown: Some(tx),
            upload_shutdown,
        })
    }

    /// Mints a self-client grant code for a user (by email or id), as the API console does.
    pub fn mint_grant_code(&self, user: &str, scopes: &[&str]) -> Result<String, String> {
        let mut w = self.app.world();
        let user = w
            .user_by_key(user)
            .cloned()
            .ok_or_else(|| format!("unknown user `{user}`"))?;
        let code = state::random_token();
        let ttl = w.settings.grant_code_ttl;
        w.grant_codes.insert(
            code.clone(),
            state::GrantCode {
                client_id: SELF_CLIENT_ID.to_string(),
                user_id: user.id,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                redirect_uri: None,
                offline: true,
                expires_at: clock::now() + ttl,
            },
        );
        Ok(code)
    }

    /// The admin API from Rust: seed orgs, users, modules, fields and records, inject faults,
    /// expire tokens.
    pub fn admin(&self) -> Admin {
        Admin::new(&self.admin_url)
    }

    /// The request log so far.
    pub fn requests(&self) -> Vec<LogEntry> {
        self.app
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for tx in [self.shutdown.take(), self.upload_shutdown.take()]
            .into_iter()
            .flatten()
        {
            let _ = tx.send(());
        }
    }
}
