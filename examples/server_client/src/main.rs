//! A multi-org web app on zcrm: people sign in with Zoho (the OAuth web flow), the app keeps one
//! token per user-org in a database, and shows each person their org's Leads.
//!
//! `cargo run -p zcrm-server-client [-- --port 8081]`
//!
//! With no `ZOHO_CLIENT_ID` the app starts the Zoho emulator in-process and signs people in
//! there. With `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET` (and optionally `ZOHO_DC`, default `us`,
//! and `ZOHO_REDIRECT_URL`, default `ZCRM_PUBLIC_URL/oauth/callback` or
//! `http://127.0.0.1:PORT/oauth/callback`) it uses real Zoho. Tokens go to `ZCRM_DATABASE_URL`
//! (`mysql://`, `postgres://` or `sqlite://`), by default a SQLite file in `ZCRM_APP_DIR`
//! (default `./zcrm-app-data`).
//!
//! Sessions and cookies: see [`config`] for the settings (public URL, `Secure` cookies behind a
//! TLS-terminating proxy, session lifetimes and cap) and [`sessions`] for how sessions live.

mod config;
mod html;
mod security;
mod sessions;
mod web;

use config::WebSettings;
use security::CookiePolicy;
use sessions::SessionStore;
use std::sync::{Arc, Mutex};
use web::{AppState, OAuthApp};
use zcrm_core::secret::ClientSecret;
use zcrm_core::store::{DbStore, TokenStore};
use zcrm_core::{ApiEnvironment, DataCenter};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    zcrm_core::logging::init(tracing::Level::INFO, None)?;
    let settings = WebSettings::from_env()?;
    let mut port: u16 = match var("ZCRM_APP_PORT") {
        None => 8081,
        Some(p) => p
            .trim()
            .parse()
            .map_err(|_| format!("`ZCRM_APP_PORT` is `{p}`; allowed: a port from 0 to 65535"))?,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--port" {
            port = args
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or("--port takes a number from 0 to 65535")?;
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let redirect_url = var("ZOHO_REDIRECT_URL").unwrap_or_else(|| match &settings.public_url {
        Some(u) => format!("{u}/oauth/callback"),
        None => format!("http://127.0.0.1:{port}/oauth/callback"),
    });
    // The callback is where the signed-in cookie is set: served over https, the app is.
    let cookies = CookiePolicy {
        always_secure: match &settings.public_url {
            Some(u) => config::is_https(u),
            None => config::is_https(&redirect_url),
        },
        trust_forwarded_proto: settings.trust_forwarded_proto,
    };
    let http = zcrm_core::HttpPool::new(&zcrm_core::SdkConfig::default())?;
    let mut emulator = None;
    let (client_id, client_secret, accounts_url, emulated) = match (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET").map(ClientSecret::new),
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
            let secret = ClientSecret::new(c["client_secret"].as_str().ok_or("emulator client")?);
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
        oauth: OAuthApp {
            client_id,
            client_secret,
            redirect_url,
            accounts_url,
        },
        emulated,
        store,
        sessions: SessionStore::new(settings.sessions),
        cookies,
        clients: Mutex::default(),
        http,
        limits: zcrm_core::OrgLimits::new(),
    });
    tracing::info!(
        idle_secs = settings.sessions.idle.as_secs(),
        max_secs = settings.sessions.absolute.as_secs(),
        max_sessions = settings.sessions.max_sessions,
        secure_cookies = cookies.always_secure,
        trust_forwarded_proto = cookies.trust_forwarded_proto,
        "sessions"
    );
    println!("zcrm web app listening on http://127.0.0.1:{port}");
    axum::serve(listener, web::router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(emulator);
    Ok(())
}
