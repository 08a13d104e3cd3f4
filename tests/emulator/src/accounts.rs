//! Zoho Accounts: the consent page, the token endpoint and revocation.

use crate::clock;
use crate::middleware::LogSlot;
use crate::state::{random_token, AccessToken, App, GrantCode, RefreshToken, World};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use serde_json::{json, Value};
use std::collections::HashMap;
use time::Duration;

type Params = HashMap<String, String>;

/// Access tokens that may be minted from one refresh token per window.
pub const THROTTLE_LIMIT: usize = 10;
/// The throttle window.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(10);
/// Active access tokens per refresh token; minting another evicts the oldest.
pub const ACTIVE_ACCESS_TOKENS: usize = 15;
/// Refresh tokens per user and client; issuing another revokes the oldest.
pub const REFRESH_TOKENS_PER_USER: usize = 20;

fn oauth_error(code: &str) -> Response {
    crate::error::json_response(StatusCode::OK, &json!({ "error": code }))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><title>Zoho Accounts - Error</title></head><body><h1>Invalid request</h1><p id=\"error\">{}</p></body></html>",
        html_escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// `GET /oauth/v2/auth`: the consent page.
pub async fn authorize(State(app): State<App>, Query(q): Query<Params>) -> Response {
    let world = app.world();
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let Some(client) = world.clients.get(get("client_id")) else {
        return error_page(
            "Invalid Client: no client is registered with this client_id in this data center.",
        );
    };
    if get("response_type") != "code" {
        return error_page("response_type must be `code`.");
    }
    if !client
        .redirect_uris
        .iter()
        .any(|u| u == get("redirect_uri"))
    {
        return error_page(
            "Invalid Redirect Uri: redirect_uri does not match a registered URI of this client.",
        );
    }
    if get("scope").trim().is_empty() {
        return error_page("scope is required.");
    }
    let scopes: String = get("scope")
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| format!("<li>{}</li>", html_escape(s)))
        .collect();
    let hint = get("login_hint");
    let users: String = world
        .users
        .values()
        .map(|u| {
            let org = &world.orgs[&u.org_id];
            let selected = if u.email.eq_ignore_ascii_case(hint) {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{}\"{selected}>{} &lt;{}&gt; &mdash; {}</option>",
                html_escape(&u.email),
                html_escape(&u.full_name()),
                html_escape(&u.email),
                html_escape(&org.company_name)
            )
        })
        .collect();
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "access_type",
        "prompt",
    ]
    .iter()
    .filter_map(|k| {
        q.get(*k).map(|v| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                html_escape(v)
            )
        })
    })
    .collect();
    let body = format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Zoho Accounts - Consent</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:3em auto}}button{{margin-right:1em;padding:.5em 1.5em}}</style></head>
<body>
<h1>Zoho Accounts (emulator)</h1>
<p><strong id="client-name">{name}</strong> would like to access your Zoho CRM data:</p>
<ul id="scopes">{scopes}</ul>
<form method="post" action="/oauth/v2/auth/approve">
{hidden}
<label for="user">Signed in as</label>
<select id="user" name="user">{users}</select>
<p><button id="accept" type="submit" name="decision" value="accept">Accept</button>
<button id="deny" type="submit" name="decision" value="deny">Deny</button></p>
</form>
</body></html>"#,
        name = html_escape(&client.name)
    );
    Html(body).into_response()
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let q = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{q}")
}

/// `POST /oauth/v2/auth/approve`: the consent form's answer; redirects back to the app.
pub async fn approve(State(app): State<App>, body: Bytes) -> Response {
    let f: Params = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let base_url = app.base_url();
    let mut world = app.world();
    let Some(client) = world.clients.get(get("client_id")).cloned() else {
        return error_page("Invalid Client.");
    };
    let redirect_uri = get("redirect_uri");
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return error_page("Invalid Redirect Uri.");
    }
    let state = f.get("state");
    if get("decision") != "accept" {
        let mut pairs = vec![("error", "access_denied")];
        if let Some(s) = state {
            pairs.push(("state", s));
        }
        return Redirect::to(&with_query(redirect_uri, &pairs)).into_response();
    }
    let Some(user) = world.user_by_key(get("user")).cloned() else {
        return error_page("Unknown user.");
    };
    let code = random_token();
    let ttl = world.settings.grant_code_ttl;
    world.grant_codes.insert(
        code.clone(),
        GrantCode {
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            scopes: split_scopes(get("scope")),
            redirect_uri: Some(redirect_uri.to_string()),
            offline: get("access_type") == "offline",
            expires_at: clock::now() + ttl,
        },
    );
    let location = world.settings.location.clone();
    let mut pairs = vec![
        ("code", code.as_str()),
        ("location", location.as_str()),
        ("accounts-server", base_url.as_str()),
    ];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    Redirect::to(&with_query(redirect_uri, &pairs)).into_response()
}

/// Splits a scope list given with commas or spaces.
pub fn split_scopes(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Mints an access token for a refresh token (or for a grant without one).
fn mint(world: &mut World, refresh: Option<&str>, user_id: &str, scopes: &[String]) -> String {
    let token = random_token();
    let tag = world.tag("at");
    let ttl = world.settings.access_token_ttl;
    let now = clock::now();
    if let Some(r) = refresh.and_then(|r| world.refresh_tokens.get_mut(r)) {
        r.minted.push_back(now);
        r.active.push_back(token.clone());
        if r.active.len() > ACTIVE_ACCESS_TOKENS {
            if let Some(old) = r.active.pop_front() {
                world.access_tokens.remove(&old);
            }
        }
    }
    world.access_tokens.insert(
        token.clone(),
        AccessToken {
            tag,
            user_id: user_id.to_string(),
            scopes: scopes.to_vec(),
            expires_at: now + ttl,
            refresh_token: refresh.map(str::to_string),
        },
    );
    token
}

/// Removes a refresh token and every access token minted from it.
pub fn revoke_refresh(world: &mut World, token: &str) -> bool {
    match world.refresh_tokens.remove(token) {
        Some(r) => {
            for at in r.active {
                world.access_tokens.remove(&at);
            }
            world
                .access_tokens
                .retain(|_, a| a.refresh_token.as_deref() != Some(token));
            true
        }
        None => false,
    }
}

fn params(q: Params, body: &Bytes) -> Params {
    let mut all: Params = serde_urlencoded::from_bytes(body).unwrap_or_default();
    for (k, v) in q {
        all.entry(k).or_insert(v);
    }
    all
}

/// `POST /oauth/v2/token`: the `authorization_code` and `refresh_token` grants.
pub async fn token(
    State(app): State<App>,
    Extension(slot): Extension<LogSlot>,
    Query(q): Query<Params>,
    body: Bytes,
) -> Response {
    let p = params(q, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let grant_type = get("grant_type");
    slot.set_grant_type(grant_type);
    let base_url = app.base_url();
    let mut world = app.world();
    let Some(client) = world.clients.get(get("client_id")).cloned() else {
        return oauth_error("invalid_client");
    };
    if client.client_secret != get("client_secret") {
        return oauth_error("invalid_client_secret");
    }
    let now = clock::now();
    let ttl_secs = world.settings.access_token_ttl.as_secs();
    match grant_type {
        "authorization_code" => {
            slot.set_token("gc");
            let code = get("code");
            let Some(grant) = world.grant_codes.get(code).cloned() else {
                return oauth_error("invalid_code");
            };
            if grant.client_id != client.client_id {
                return oauth_error("invalid_code");
            }
            if let Some(expected) = &grant.redirect_uri {
                if get("redirect_uri") != expected {
                    return oauth_error("invalid_redirect_uri");
                }
            } else if !get("redirect_uri").is_empty()
                && !client.redirect_uris.is_empty()
                && !client
                    .redirect_uris
                    .iter()
                    .any(|u| u == get("redirect_uri"))
            {
                return oauth_error("invalid_redirect_uri");
            }
            world.grant_codes.remove(code);
            if grant.expires_at <= now {
                return oauth_error("invalid_code");
            }
            let mut out = json!({
                "scope": grant.scopes.join(" "),
                "api_domain": base_url,
                "token_type": "Bearer",
                "expires_in": ttl_secs,
            });
            let refresh = if grant.offline {
                let rt = random_token();
                let tag = world.tag("rt");
                world.refresh_tokens.insert(
                    rt.clone(),
                    RefreshToken {
                        tag,
                        client_id: client.client_id.clone(),
                        user_id: grant.user_id.clone(),
                        scopes: grant.scopes.clone(),
                        created: now,
                        minted: Default::default(),
                        active: Default::default(),
                    },
                );
                enforce_refresh_cap(&mut world, &client.client_id, &grant.user_id);
                out["refresh_token"] = json!(rt);
                Some(rt)
            } else {
                None
            };
            let at = mint(
                &mut world,
                refresh.as_deref(),
                &grant.user_id,
                &grant.scopes,
            );
            out["access_token"] = json!(at);
            note_org(&world, &grant.user_id, &slot);
            crate::error::json_response(StatusCode::OK, &out)
        }
        "refresh_token" => {
            let rt = get("refresh_token").to_string();
            let throttle = world.settings.token_throttle;
            let Some(r) = world.refresh_tokens.get_mut(&rt) else {
                return oauth_error("invalid_code");
            };
            slot.set_token(&r.tag);
            if r.client_id != client.client_id {
                return oauth_error("invalid_code");
            }
            while r
                .minted
                .front()
                .is_some_and(|t| *t <= now - THROTTLE_WINDOW)
            {
                r.minted.pop_front();
            }
            if r.minted.len() >= throttle {
                return crate::error::json_response(
                    StatusCode::OK,
                    &json!({
                        "error_description": "You have made too many requests continuously. Please try again after some time.",
                        "error": "Access Denied",
                        "status": "failure"
                    }),
                );
            }
            let (user_id, scopes) = (r.user_id.clone(), r.scopes.clone());
            let at = mint(&mut world, Some(&rt), &user_id, &scopes);
            note_org(&world, &user_id, &slot);
            crate::error::json_response(
                StatusCode::OK,
                &json!({
                    "access_token": at,
                    "scope": scopes.join(" "),
                    "api_domain": base_url,
                    "token_type": "Bearer",
                    "expires_in": ttl_secs,
                }),
            )
        }
        "" => oauth_error("invalid_request"),
        _ => oauth_error("unsupported_grant_type"),
    }
}

fn note_org(world: &World, user_id: &str, slot: &LogSlot) {
    if let Some(org) = world
        .users
        .get(user_id)
        .and_then(|u| world.orgs.get(&u.org_id))
    {
        slot.set_org(&org.zgid);
    }
}

fn enforce_refresh_cap(world: &mut World, client_id: &str, user_id: &str) {
    let mut mine: Vec<(time::OffsetDateTime, String)> = world
        .refresh_tokens
        .iter()
        .filter(|(_, r)| r.client_id == client_id && r.user_id == user_id)
        .map(|(k, r)| (r.created, k.clone()))
        .collect();
    if mine.len() > REFRESH_TOKENS_PER_USER {
        mine.sort();
        let excess = mine.len() - REFRESH_TOKENS_PER_USER;
        for (_, k) in mine.into_iter().take(excess) {
            revoke_refresh(world, &k);
        }
    }
}

/// `POST /oauth/v2/token/revoke?token=...` (query or form).
pub async fn revoke(
    State(app): State<App>,
    Extension(slot): Extension<LogSlot>,
    Query(q): Query<Params>,
    body: Bytes,
) -> Response {
    let p = params(q, &body);
    let token = p.get("token").cloned().unwrap_or_default();
    let mut world = app.world();
    if let Some(tag) = world.refresh_tokens.get(&token).map(|r| r.tag.clone()) {
        slot.set_token(&tag);
        revoke_refresh(&mut world, &token);
        return crate::error::json_response(StatusCode::OK, &json!({"status": "success"}));
    }
    if world.access_tokens.remove(&token).is_some() {
        return crate::error::json_response(StatusCode::OK, &json!({"status": "success"}));
    }
    crate::error::json_response(
        StatusCode::OK,
        &json!({"error": "invalid_token", "status": "failure"}),
    )
}

/// Answers `GET /oauth/serverinfo`: the data-centre map, pointing every location here.
pub async fn serverinfo(State(app): State<App>) -> Response {
    let base = app.base_url();
    let location = app.world().settings.location.clone();
    let mut resp = crate::error::json_response(
        StatusCode::OK,
        &json!({"result": "success", "locations": {location: base}}),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    resp
}

/// Value of a JSON object as a string list (admin helpers accept lists or comma strings).
pub fn scopes_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => split_scopes(s),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}
