//! A multi-org web app on zcrm: people sign in with Zoho (the OAuth web flow), the app keeps one
//! token per user-org in a database, and shows each person their org's Leads.
//!
//! `cargo run -p zcrm-server-client [-- --port 8081]`
//!
//! With no `ZOHO_CLIENT_ID` the app starts the Zoho emulator in-process and signs people in
//! there. With `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET` (and optionally `ZOHO_DC`, default `us`,
//! and `ZOHO_REDIRECT_URL`, default `http://127.0.0.1:PORT/oauth/callback`) it uses real Zoho.
//! Tokens go to `ZCRM_DATABASE_URL` (`mysql://`, `postgres://` or `sqlite://`), by default a
//! SQLite file in `ZCRM_APP_DIR` (default `./zcrm-app-data`).

mod html;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use html::{esc, page};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zcrm_core::store::{DbStore, TokenStore};
use zcrm_core::{ApiEnvironment, Client, DataCenter, Environment, OAuthToken};
use zcrm_modules::api::record;

const COOKIE: &str = "zcrm_session";
const SCOPES: &str = "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ";
const PER_PAGE: i64 = 10;

/// One browser session.
#[derive(Default, Clone)]
struct Session {
    /// The `state` of the sign-in in progress (single use).
    state: Option<String>,
    /// The stored token of the signed-in user-org.
    token_id: Option<String>,
    user: Option<String>,
}

struct AppState {
    client_id: String,
    client_secret: String,
    redirect_url: String,
    /// Where sign-in starts (the accounts server of the default data centre, or the emulator).
    accounts_url: String,
    /// The emulator's environment, in demo mode.
    emulated: Option<ApiEnvironment>,
    store: Arc<dyn TokenStore>,
    sessions: Mutex<HashMap<String, Session>>,
    clients: Mutex<HashMap<String, Client>>,
    /// One connection pool for every user's client, with the SDK's transport settings (no
    /// redirects: a redirected token request would carry the client secret elsewhere).
    http: zcrm_core::HttpPool,
    /// One concurrency limit per org, shared by its users' clients.
    limits: zcrm_core::OrgLimits,
}

type App = Arc<AppState>;

fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

fn session(app: &App, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = session_id(headers)?;
    let s = app
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .cloned()?;
    Some((id, s))
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(page(title, body))).into_response()
}

async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    match session(&app, &headers).and_then(|(_, s)| s.user) {
        Some(user) => html(StatusCode::OK, "zcrm example", &format!("<p>Signed in as <strong id=\"user\">{}</strong>.</p><nav><a href=\"/records\">Your Leads</a><a href=\"/logout\">Sign out</a></nav>", esc(&user))),
        None => html(StatusCode::OK, "zcrm example", "<p>See your Zoho CRM Leads.</p><p><a id=\"login\" href=\"/login\">Sign in with Zoho</a></p>"),
    }
}

async fn login(State(app): State<App>, headers: HeaderMap) -> Response {
    let state = random_hex(16);
    let (id, mut s) =
        session(&app, &headers).unwrap_or_else(|| (random_hex(24), Session::default()));
    s.state = Some(state.clone());
    app.sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), s);
    let query = serde_urlencoded::to_string([
        ("scope", SCOPES),
        ("client_id", app.client_id.as_str()),
        ("response_type", "code"),
        ("access_type", "offline"),
        ("prompt", "consent"),
        ("redirect_uri", app.redirect_url.as_str()),
        ("state", state.as_str()),
    ])
    .unwrap_or_default();
    let mut resp =
        Redirect::to(&format!("{}/oauth/v2/auth?{query}", app.accounts_url)).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        format!("{COOKIE}={id}; HttpOnly; SameSite=Lax; Path=/")
            .parse()
            .expect("cookie header"),
    );
    resp
}

/// The environment named by the callback: the emulator's, or a known Zoho data centre's. Any
/// other accounts server is refused, so the client secret never goes anywhere else.
fn callback_env(app: &App, q: &HashMap<String, String>) -> Result<ApiEnvironment, String> {
    let server = q.get("accounts-server").map(String::as_str).unwrap_or("");
    if let Some(env) = &app.emulated {
        return if server.trim_end_matches('/') == env.accounts_url() {
            Ok(env.clone())
        } else {
            Err(format!("unknown accounts server `{server}`"))
        };
    }
    let dc = DataCenter::from_accounts_server(server)
        .or_else(|_| {
            q.get("location")
                .map(String::as_str)
                .unwrap_or("")
                .parse::<DataCenter>()
        })
        .map_err(|e| e.to_string())?;
    Ok(dc.environment(Environment::Production))
}

async fn callback(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = session_id(&headers) else {
        return html(StatusCode::BAD_REQUEST, "Sign-in refused", "<p class=\"msg\" id=\"error\">This sign-in response does not belong to a sign-in started here (no session). Nothing was stored.</p><p><a href=\"/login\">Start again</a></p>");
    };
    let expected = app
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(&id)
        .and_then(|s| s.state.take());
    let given = q.get("state");
    if expected.is_none() || given != expected.as_ref() {
        tracing::warn!("sign-in callback with a missing or wrong state refused");
        return html(StatusCode::BAD_REQUEST, "Sign-in refused", "<p class=\"msg\" id=\"error\">This sign-in response does not match the sign-in started in this browser (missing or wrong <code>state</code>). Nothing was stored.</p><p><a href=\"/login\">Start again</a></p>");
    }
    if let Some(err) = q.get("error") {
        let msg = if err == "access_denied" {
            "You declined to let this app read your Zoho CRM data, so you are not signed in. Nothing was stored."
        } else {
            "Zoho did not sign you in. Nothing was stored."
        };
        return html(
            StatusCode::OK,
            "Not signed in",
            &format!(
                "<p class=\"msg\" id=\"declined\">{}</p><p><a href=\"/login\">Try again</a></p>",
                esc(msg)
            ),
        );
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        return html(
            StatusCode::BAD_REQUEST,
            "Sign-in refused",
            "<p class=\"msg\" id=\"error\">The sign-in response carries no code.</p>",
        );
    };
    let env = match callback_env(&app, &q) {
        Ok(e) => e,
        Err(e) => {
            return html(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                &format!("<p class=\"msg\" id=\"error\">{}</p>", esc(&e)),
            )
        }
    };
    let token = match OAuthToken::builder()
        .client_id(&app.client_id)
        .client_secret(app.client_secret.as_str())
        .redirect_url(&app.redirect_url)
        .grant_token(code.as_str())
        .build()
    {
        Ok(t) => t,
        Err(e) => {
            return html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                &format!("<p class=\"msg\">{}</p>", esc(&e.to_string())),
            )
        }
    };
    let client = match Client::builder()
        .environment(env)
        .token(token)
        .store(app.store.clone())
        .http_pool(app.http.clone())
        .org_limits(app.limits.clone())
        .build()
        .await
    {
        Ok(c) => c,
        Err(e) => {
            return html(
                StatusCode::BAD_GATEWAY,
                "Sign-in failed",
                &format!(
                    "<p class=\"msg\" id=\"error\">{}</p><p><a href=\"/login\">Try again</a></p>",
                    esc(&e.to_string())
                ),
            )
        }
    };
    let (token_id, user) = (
        client.token_id().unwrap_or_default(),
        client.user_name().unwrap_or_default(),
    );
    tracing::info!(user = %user, token_id = %token_id, "signed in");
    app.clients
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token_id.clone(), client);
    if let Some(s) = app
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(&id)
    {
        s.token_id = Some(token_id);
        s.user = Some(user);
    }
    Redirect::to("/records").into_response()
}

async fn client_for(app: &App, token_id: &str) -> Result<Client, String> {
    if let Some(c) = app
        .clients
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(token_id)
    {
        return Ok(c.clone());
    }
    // After a restart: rebuild from the stored token (its api_domain names the data centre).
    let stored = app
        .store
        .find_by_id(token_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("your stored sign-in is gone; sign in again")?;
    let env = match &app.emulated {
        Some(e) => e.clone(),
        None => {
            let domain = stored.api_domain.unwrap_or_default();
            let dc = DataCenter::ALL
                .into_iter()
                .find(|dc| dc.environment(Environment::Production).api_url() == domain)
                .unwrap_or(DataCenter::Us);
            dc.environment(Environment::Production)
        }
    };
    let client = Client::builder()
        .environment(env)
        .token(
            OAuthToken::builder()
                .id(token_id)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .store(app.store.clone())
        .http_pool(app.http.clone())
        .org_limits(app.limits.clone())
        .build()
        .await
        .map_err(|e| e.to_string())?;
    app.clients
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token_id.to_string(), client.clone());
    Ok(client)
}

async fn records(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some((
        _,
        Session {
            token_id: Some(token_id),
            user,
            ..
        },
    )) = session(&app, &headers)
    else {
        return html(StatusCode::UNAUTHORIZED, "Not signed in", "<p class=\"msg\">Sign in to see your Leads.</p><p><a id=\"login\" href=\"/login\">Sign in with Zoho</a></p>");
    };
    let page_no: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let client = match client_for(&app, &token_id).await {
        Ok(c) => c,
        Err(e) => {
            return html(
                StatusCode::BAD_GATEWAY,
                "Leads",
                &format!("<p class=\"msg\">{}</p>", esc(&e)),
            )
        }
    };
    let params = record::GetRecordsParams {
        fields: Some("Last_Name,Company".into()),
        page: Some(page_no),
        per_page: Some(PER_PAGE),
        sort_order: Some("asc".into()),
        sort_by: Some("id".into()),
        ..Default::default()
    };
    let resp = match record::get_records(&client, "Leads", &params).await {
        Ok(r) => r,
        Err(e) => {
            return html(
                StatusCode::BAD_GATEWAY,
                "Leads",
                &format!(
                    "<p class=\"msg\">Zoho answered: {}</p>",
                    esc(&e.to_string())
                ),
            )
        }
    };
    let (rows, more) = match resp {
        Some(r) => (
            r.data.unwrap_or_default(),
            r.info.and_then(|i| i.more_records).unwrap_or(false),
        ),
        None => (vec![], false),
    };
    let text = |r: &zcrm_modules::api::common::Record, k: &str| -> String {
        match k {
            "id" => r.id.clone().unwrap_or_default(),
            _ => r
                .extra
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        }
    };
    let body_rows: String = rows
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&text(r, "id")),
                esc(&text(r, "Last_Name")),
                esc(&text(r, "Company"))
            )
        })
        .collect();
    let mut nav = String::new();
    if page_no > 1 {
        nav.push_str(&format!(
            "<a id=\"prev\" href=\"/records?page={}\">Previous</a>",
            page_no - 1
        ));
    }
    if more {
        nav.push_str(&format!(
            "<a id=\"next\" href=\"/records?page={}\">Next</a>",
            page_no + 1
        ));
    }
    let body = format!(
        "<p>Signed in as <strong id=\"user\">{}</strong> &middot; <a href=\"/logout\">Sign out</a></p><table id=\"leads\"><thead><tr><th>ID</th><th>Last Name</th><th>Company</th></tr></thead><tbody>{body_rows}</tbody></table><p>Page {page_no}</p><nav>{nav}</nav>",
        esc(user.as_deref().unwrap_or(""))
    );
    html(StatusCode::OK, "Your Leads", &body)
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        app.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        format!("{COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
            .parse()
            .expect("cookie header"),
    );
    resp
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    zcrm_core::logging::init(tracing::Level::INFO, None)?;
    let mut port: u16 = var("ZCRM_APP_PORT")
        .and_then(|p| p.parse().ok())
        .unwrap_or(8081);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--port" {
            port = args
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or("--port takes a number")?;
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let redirect_url = var("ZOHO_REDIRECT_URL")
        .unwrap_or_else(|| format!("http://127.0.0.1:{port}/oauth/callback"));
    let http = zcrm_core::HttpPool::new(&zcrm_core::SdkConfig::default())?;
    let mut emulator = None;
    let (client_id, client_secret, accounts_url, emulated) = match (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET"),
    ) {
        (Some(id), Some(secret)) => {
            let dc: DataCenter = var("ZOHO_DC").unwrap_or_else(|| "us".into()).parse()?;
            (id, secret, dc.accounts_url().to_string(), None)
        }
        _ => {
            let emu = zcrm_emulator::Emulator::start().await?;
            // Register this app's redirect URL, as one does in Zoho's API console.
            let c: serde_json::Value = reqwest::Client::new().post(format!("{}/clients", emu.admin_url)).json(&serde_json::json!({"name": "zcrm example app", "redirect_uris": [redirect_url]})).send().await?.json().await?;
            let id = c["client_id"]
                .as_str()
                .ok_or("emulator client")?
                .to_string();
            let secret = c["client_secret"]
                .as_str()
                .ok_or("emulator client")?
                .to_string();
            println!(
                "Zoho emulator at {} (demo mode: no ZOHO_CLIENT_ID)",
                emu.base_url
            );
            let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
            let accounts = emu.accounts_url.clone();
            emulator = Some(emu);
            (id, secret, accounts, Some(env))
        }
    };
    let db_url = match var("ZCRM_DATABASE_URL") {
        Some(u) => u,
        None => {
            let dir = std::path::PathBuf::from(
                var("ZCRM_APP_DIR").unwrap_or_else(|| "zcrm-app-data".into()),
            );
            std::fs::create_dir_all(&dir)?;
            format!("sqlite://{}", dir.join("zcrm-tokens.db").display())
        }
    };
    let store: Arc<dyn TokenStore> = Arc::new(DbStore::connect(&db_url).await?);
    let app = Arc::new(AppState {
        client_id,
        client_secret,
        redirect_url,
        accounts_url,
        emulated,
        store,
        sessions: Mutex::default(),
        clients: Mutex::default(),
        http,
        limits: zcrm_core::OrgLimits::new(),
    });
    let router = Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/oauth/callback", get(callback))
        .route("/records", get(records))
        .route("/logout", get(logout))
        .with_state(app);
    println!("zcrm web app listening on http://127.0.0.1:{port}");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(emulator);
    Ok(())
}
