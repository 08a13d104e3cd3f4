//! The app's state, routes and pages.

use crate::html::{esc, page, STYLE};
use crate::security::{self, CookiePolicy, COOKIE};
use crate::sessions::{Session, SessionStore};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use zcrm_core::oauth::Callback;
use zcrm_core::secret::ClientSecret;
use zcrm_core::store::TokenStore;
use zcrm_core::{ApiEnvironment, Client, DataCenter, Environment, Error, OAuthError, OAuthToken};
use zcrm_modules::api::Api;

const SCOPES: &str = "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ";
const PER_PAGE: i64 = 10;

/// This app as an OAuth client of Zoho (as registered in Zoho's API console).
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The client id.
    pub client_id: String,
    /// The client secret (its `Debug` is redacted).
    pub client_secret: ClientSecret,
    /// The redirect URL registered for the client (`.../oauth/callback`).
    pub redirect_url: String,
    /// Where sign-in starts (the accounts server of the default data centre, or the emulator).
    pub accounts_url: String,
}

/// Everything the routes share.
pub struct AppState {
    /// The OAuth client.
    pub oauth: OAuthApp,
    /// The emulator's environment, in demo mode.
    pub emulated: Option<ApiEnvironment>,
    /// Where the users' tokens are kept.
    pub store: Arc<dyn TokenStore>,
    /// The browser sessions.
    pub sessions: SessionStore,
    /// When the session cookie is `Secure`.
    pub cookies: CookiePolicy,
    /// One SDK client per stored token.
    pub clients: Mutex<HashMap<String, Client>>,
    /// One connection pool for every user's client, with the SDK's transport settings (no
    /// redirects: a redirected token request would carry the client secret elsewhere).
    pub http: zcrm_core::HttpPool,
    /// One concurrency limit per org, shared by its users' clients.
    pub limits: zcrm_core::OrgLimits,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("oauth", &self.oauth)
            .field("emulated", &self.emulated.is_some())
            .field("sessions", &self.sessions.limits())
            .field("cookies", &self.cookies)
            .finish_non_exhaustive()
    }
}

/// The state as the routes hold it.
pub type App = Arc<AppState>;

/// The app's routes, every response carrying the security headers.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/style.css", get(style))
        .route("/login", get(login))
        .route("/oauth/callback", get(callback))
        .route("/records", get(records))
        .route("/logout", get(logout))
        .layer(axum::middleware::map_response(security::headers))
        .with_state(app)
}

/// The session id the request's cookie names.
fn session_id(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

fn session(app: &App, headers: &HeaderMap) -> Option<Session> {
    app.sessions.get(&session_id(headers)?)
}

fn with_cookie(cookie: Cookie<'static>, resp: Response) -> Response {
    (CookieJar::new().add(cookie), resp).into_response()
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(page(title, body))).into_response()
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    match session(&app, &headers) {
        Some(Session::SignedIn { user, .. }) => html(StatusCode::OK, "zcrm example", &format!("<p>Signed in as <strong id=\"user\">{}</strong>.</p><nav><a href=\"/records\">Your Leads</a><a href=\"/logout\">Sign out</a></nav>", esc(&user))),
        _ => html(StatusCode::OK, "zcrm example", "<p>See your Zoho CRM Leads.</p><p><a id=\"login\" href=\"/login\">Sign in with Zoho</a></p>"),
    }
}

/// Starts a sign-in in a new session (whatever session the browser had is dropped).
async fn login(State(app): State<App>, headers: HeaderMap) -> Response {
    let previous = session_id(&headers);
    let (id, state) = app.sessions.start_sign_in(previous.as_deref());
    let o = &app.oauth;
    let scopes: Vec<&str> = SCOPES.split(',').collect();
    let consent = match zcrm_core::oauth::authorize_url(
        &o.accounts_url,
        &o.client_id,
        &o.redirect_url,
        &scopes,
        &state,
    ) {
        Ok(url) => url,
        Err(e) => {
            return html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in unavailable",
                &format!("<p class=\"msg\" id=\"error\">{}</p>", esc(&e.to_string())),
            )
        }
    };
    let cookie = app
        .cookies
        .session(&headers, id, app.sessions.limits().absolute);
    with_cookie(cookie, Redirect::to(&consent).into_response())
}

/// The environment named by the callback: the emulator's, or a known Zoho data centre's. Any
/// other accounts server is refused, so the client secret never goes anywhere else.
fn callback_env(app: &App, back: &Callback) -> Result<ApiEnvironment, String> {
    if let Some(env) = &app.emulated {
        let server = back.accounts_server.as_deref().unwrap_or("");
        return if server.trim_end_matches('/') == env.accounts_url() {
            Ok(env.clone())
        } else {
            Err(format!("unknown accounts server `{server}`"))
        };
    }
    let dc = back.data_center().map_err(|e| e.to_string())?;
    Ok(dc.environment(Environment::Production))
}

/// The sign-in coming back. The session that started it ends here, whatever the outcome; a
/// successful sign-in gets a new session with a new id.
async fn callback(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(id) = session_id(&headers) else {
        return html(StatusCode::BAD_REQUEST, "Sign-in refused", "<p class=\"msg\" id=\"error\">This sign-in response does not belong to a sign-in started here (no session). Nothing was stored.</p><p><a href=\"/login\">Start again</a></p>");
    };
    let expected = app.sessions.finish_sign_in(&id);
    let clear = |resp: Response| match expected {
        Some(_) => with_cookie(app.cookies.cleared(&headers), resp),
        None => resp,
    };
    let back = Callback::parse(uri.query().unwrap_or(""));
    let code = match back.grant(expected.as_deref().unwrap_or("")) {
        Ok(code) => code,
        Err(Error::OAuth(OAuthError::StateMismatch)) => {
            tracing::warn!("sign-in callback with a missing, expired or wrong state refused");
            return clear(html(StatusCode::BAD_REQUEST, "Sign-in refused", "<p class=\"msg\" id=\"error\">This sign-in response does not match a sign-in started in this browser (missing, expired or wrong <code>state</code>). Nothing was stored.</p><p><a href=\"/login\">Start again</a></p>"));
        }
        Err(Error::OAuth(OAuthError::NoCode)) => {
            return clear(html(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                "<p class=\"msg\" id=\"error\">The sign-in response carries no code.</p>",
            ))
        }
        Err(e) => {
            let msg = if matches!(e, Error::OAuth(OAuthError::AccessDenied)) {
                "You declined to let this app read your Zoho CRM data, so you are not signed in. Nothing was stored."
            } else {
                "Zoho did not sign you in. Nothing was stored."
            };
            return clear(html(
                StatusCode::OK,
                "Not signed in",
                &format!(
                    "<p class=\"msg\" id=\"declined\">{}</p><p><a href=\"/login\">Try again</a></p>",
                    esc(msg)
                ),
            ));
        }
    };
    let env = match callback_env(&app, &back) {
        Ok(e) => e,
        Err(e) => {
            return clear(html(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                &format!("<p class=\"msg\" id=\"error\">{}</p>", esc(&e)),
            ))
        }
    };
    let o = &app.oauth;
    let token = match OAuthToken::builder()
        .client_id(&o.client_id)
        .client_secret(o.client_secret.clone())
        .redirect_url(&o.redirect_url)
        .grant_token(code.expose())
        .build()
    {
        Ok(t) => t,
        Err(e) => {
            return clear(html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                &format!("<p class=\"msg\">{}</p>", esc(&e.to_string())),
            ))
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
            return clear(html(
                StatusCode::BAD_GATEWAY,
                "Sign-in failed",
                &format!(
                    "<p class=\"msg\" id=\"error\">{}</p><p><a href=\"/login\">Try again</a></p>",
                    esc(&e.to_string())
                ),
            ))
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
    let new_id = app.sessions.sign_in(token_id, user);
    let cookie = app
        .cookies
        .session(&headers, new_id, app.sessions.limits().absolute);
    with_cookie(cookie, Redirect::to("/records").into_response())
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
    let Some(Session::SignedIn { token_id, user }) = session(&app, &headers) else {
        return html(StatusCode::UNAUTHORIZED, "Not signed in", "<p class=\"msg\">Sign in to see your Leads.</p><p><a id=\"login\" href=\"/login\">Sign in with Zoho</a></p>");
    };
    let page_no: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| (1..i64::MAX).contains(p))
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
    let listing = client
        .api()
        .record()
        .get_records("Leads", "Last_Name,Company")
        .page(page_no)
        .per_page(PER_PAGE)
        .sort_order("asc")
        .sort_by("id");
    let resp = match listing.send().await {
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
        esc(&user)
    );
    html(StatusCode::OK, "Your Leads", &body)
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        app.sessions.remove(&id);
    }
    with_cookie(
        app.cookies.cleared(&headers),
        Redirect::to("/").into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_secret_is_redacted_in_the_state() {
        let oauth = OAuthApp {
            client_id: "1000.CLIENT".into(),
            client_secret: ClientSecret::new("s3cr3t-value"),
            redirect_url: "http://127.0.0.1/oauth/callback".into(),
            accounts_url: "http://127.0.0.1".into(),
        };
        let text = format!("{oauth:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(text.contains("ClientSecret([redacted])"), "{text}");
        assert_eq!(oauth.client_secret.expose(), "s3cr3t-value");
    }
}
