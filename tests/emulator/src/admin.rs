//! The admin API under `/__emulator` (a prefix no Zoho path uses): grant codes, clients, metadata
//! changes, token control, scripted faults, concurrency limits, the request log and reset.

use crate::accounts::{revoke_refresh, scopes_of};
use crate::clock;
use crate::error::{json_response, ApiError, ApiResult};
use crate::metadata::{self, ModuleMeta};
use crate::seed;
use crate::state::{random_token, App, Client, Fault, FaultAction, GrantCode};
use crate::store;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Value};
use std::time::Duration;

pub(crate) fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_DATA",
        "invalid admin request",
        json!({"reason": reason.into()}),
    )
}

pub(crate) fn body_json(b: &Bytes) -> Result<Value, ApiError> {
    if b.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(b).map_err(|e| bad(format!("body is not valid JSON: {e}")))
}

/// The longest lifetime a token, code or page token may be given: ten years (a time past
/// the year 9999 cannot be held).
pub(crate) const MAX_TTL_SECS: u64 = 10 * 365 * 24 * 3600;

/// A lifetime in seconds from `v[name]`: absent is `None`, anything but a whole number from 0
/// (expired at once, to test expiry) to [`MAX_TTL_SECS`] is refused, saying so.
fn ttl(v: &Value, name: &str) -> Result<Option<Duration>, ApiError> {
    match &v[name] {
        Value::Null => Ok(None),
        t => t
            .as_u64()
            .filter(|s| *s <= MAX_TTL_SECS)
            .map(|s| Some(Duration::from_secs(s)))
            .ok_or_else(|| {
                bad(format!(
                    "{name}: expected a whole number of seconds from 0 to {MAX_TTL_SECS} (ten years)"
                ))
            }),
    }
}

fn ok(v: Value) -> ApiResult {
    Ok(json_response(StatusCode::OK, &v))
}

/// Routes of the admin API, mounted under `/__emulator`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(summary))
        .route("/grant-codes", post(grant_code))
        .route("/clients", post(add_client))
        .route("/settings", put(settings))
        .route("/tokens/expire", post(expire_tokens))
        .route("/tokens/revoke", post(revoke_tokens))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/requests", get(requests).delete(clear_requests))
        .route("/reset", post(reset))
        .route("/orgs", post(add_org))
        .route("/orgs/{org}/users", post(add_user))
        .route("/orgs/{org}/concurrency", put(concurrency))
        .route("/orgs/{org}/modules", post(add_module))
        .route("/orgs/{org}/fields/{module}", post(add_field))
        .route(
            "/orgs/{org}/fields/{module}/{field}/picklist-values",
            post(add_picklist_values),
        )
        .route("/orgs/{org}/records/{module}", post(add_records))
        .route("/orgs/{org}/uploads", post(crate::bulk::admin_upload))
        .route(
            "/orgs/{org}/bulk-jobs/fail-next",
            post(crate::bulk_result::admin_fail_next),
        )
        .route(
            "/orgs/{org}/bulk-jobs/{job_id}/complete",
            post(crate::bulk_result::admin_complete),
        )
        .route(
            "/orgs/{org}/bulk-callbacks",
            get(crate::bulk_result::admin_callbacks)
                .delete(crate::bulk_result::admin_clear_callbacks),
        )
        .route(
            "/orgs/{org}/mails",
            get(crate::mail::admin_list).delete(crate::mail::admin_clear),
        )
        .route(
            "/orgs/{org}/notifications",
            get(crate::notify::admin_list).delete(crate::notify::admin_clear),
        )
        .route(
            "/orgs/{org}/blueprints",
            get(crate::blueprint::admin_list)
                .post(crate::blueprint::admin_add)
                .delete(crate::blueprint::admin_clear),
        )
        .route("/orgs/{org}/credits", get(credits))
}

/// `GET /orgs/{org}/credits`: the API credits the org's calls have used.
async fn credits(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let w = app.world();
    let id = org_id(&w, &org)?;
    ok(json!({"used": w.orgs[&id].credits_used}))
}

async fn summary(State(app): State<App>) -> ApiResult {
    let w = app.world();
    let orgs: Vec<Value> = w.orgs.values().map(|o| json!({"id": o.id, "zgid": o.zgid, "company_name": o.company_name, "concurrency_limit": o.concurrency_limit,
        "users": w.users.values().filter(|u| u.org_id == o.id).map(|u| json!({"id": u.id, "email": u.email, "name": u.full_name(), "admin": u.admin})).collect::<Vec<_>>()})).collect();
    let clients: Vec<Value> = w.clients.values().map(|c| json!({"client_id": c.client_id, "client_secret": c.client_secret, "name": c.name, "redirect_uris": c.redirect_uris})).collect();
    ok(
        json!({"base_url": app.base_url(), "location": w.settings.location, "orgs": orgs, "clients": clients,
        "access_token_ttl_secs": w.settings.access_token_ttl.as_secs(), "grant_code_ttl_secs": w.settings.grant_code_ttl.as_secs()}),
    )
}

/// `POST /grant-codes {"client_id","user","scopes","expires_in_secs"?}`: a self-client grant code.
async fn grant_code(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let client_id = v["client_id"]
        .as_str()
        .unwrap_or(seed::SELF_CLIENT_ID)
        .to_string();
    if !w.clients.contains_key(&client_id) {
        return Err(bad(format!("unknown client_id `{client_id}`")));
    }
    let user = v["user"]
        .as_str()
        .ok_or_else(|| bad("`user` (an email or user id) is required"))?;
    let user = w
        .user_by_key(user)
        .cloned()
        .ok_or_else(|| bad(format!("unknown user `{user}`")))?;
    let scopes = scopes_of(&v["scopes"]);
    if scopes.is_empty() {
        return Err(bad("`scopes` is required"));
    }
    let ttl = ttl(&v, "expires_in_secs")?.unwrap_or(w.settings.grant_code_ttl);
    let code = random_token();
    w.grant_codes.insert(
        code.clone(),
        GrantCode {
            client_id,
            user_id: user.id,
            scopes,
            redirect_uri: None,
            offline: true,
            expires_at: clock::now() + ttl,
        },
    );
    ok(json!({"code": code, "expires_in": ttl.as_secs()}))
}

async fn add_client(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let client = Client {
        client_id: v["client_id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("1000.{}", random_token()[5..35].to_uppercase())),
        client_secret: v["client_secret"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| random_token()[5..47].to_string()),
        name: v["name"].as_str().unwrap_or("Client").to_string(),
        redirect_uris: scopes_of(&v["redirect_uris"]),
    };
    let out = json!({"client_id": client.client_id, "client_secret": client.client_secret, "name": client.name, "redirect_uris": client.redirect_uris});
    app.world().clients.insert(client.client_id.clone(), client);
    ok(out)
}

async fn settings(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let access = ttl(&v, "access_token_ttl_secs")?;
    let grant = ttl(&v, "grant_code_ttl_secs")?;
    let page = ttl(&v, "page_token_ttl_secs")?;
    let mut w = app.world();
    if let Some(d) = access {
        w.settings.access_token_ttl = d;
    }
    if let Some(d) = grant {
        w.settings.grant_code_ttl = d;
    }
    if let Some(s) = v["location"].as_str() {
        w.settings.location = s.to_string();
    }
    if let Some(d) = page {
        w.settings.page_token_ttl = d;
    }
    if let Some(n) = v["pagination_limit"].as_u64() {
        w.settings.pagination_limit = n as usize;
    }
    if let Some(n) = v["token_throttle"].as_u64() {
        w.settings.token_throttle = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = v["bulk_read_page_rows"].as_u64() {
        w.settings.bulk_read_page_rows = usize::try_from(n).unwrap_or(usize::MAX).max(1);
    }
    if let Some(n) = v["max_upload_bytes"].as_u64() {
        w.settings.max_upload_bytes = usize::try_from(n).unwrap_or(usize::MAX);
    }
    ok(
        json!({"access_token_ttl_secs": w.settings.access_token_ttl.as_secs(), "grant_code_ttl_secs": w.settings.grant_code_ttl.as_secs(), "location": w.settings.location,
            "bulk_read_page_rows": w.settings.bulk_read_page_rows, "max_upload_bytes": w.settings.max_upload_bytes}),
    )
}

/// Access tokens selected by `{"all":true}`, `{"user":...}` or `{"access_token":...}`.
fn select_tokens(w: &crate::state::World, v: &Value) -> Result<Vec<String>, ApiError> {
    if v["all"] == true {
        return Ok(w.access_tokens.keys().cloned().collect());
    }
    if let Some(t) = v["access_token"].as_str() {
        return Ok(vec![t.to_string()]);
    }
    if let Some(u) = v["user"].as_str() {
        let user = w
            .user_by_key(u)
            .ok_or_else(|| bad(format!("unknown user `{u}`")))?;
        return Ok(w
            .access_tokens
            .iter()
            .filter(|(_, a)| a.user_id == user.id)
            .map(|(k, _)| k.clone())
            .collect());
    }
    Err(bad("give `all`, `user` or `access_token`"))
}

async fn expire_tokens(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let keys = select_tokens(&w, &v)?;
    let past = clock::now() - time::Duration::seconds(1);
    let mut n = 0;
    for k in keys {
        if let Some(a) = w.access_tokens.get_mut(&k) {
            a.expires_at = past;
            n += 1;
        }
    }
    ok(json!({"expired": n}))
}

async fn revoke_tokens(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let mut n = 0;
    if let Some(rt) = v["refresh_token"].as_str() {
        n += revoke_refresh(&mut w, rt) as usize;
    } else {
        for k in select_tokens(&w, &v)? {
            n += w.access_tokens.remove(&k).is_some() as usize;
        }
    }
    ok(json!({"revoked": n}))
}

fn default_fault_body(status: u16) -> Value {
    let (code, message) = match status {
        429 => ("TOO_MANY_REQUESTS", "You have reached the API limit"),
        500 => ("INTERNAL_ERROR", "Internal Server Error"),
        503 => (
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable",
        ),
        401 => ("INVALID_TOKEN", "invalid oauth token"),
        400 => ("INVALID_DATA", "invalid data"),
        403 => ("NO_PERMISSION", "permission denied"),
        404 => (
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
        ),
        _ => ("INTERNAL_ERROR", "Internal Server Error"),
    };
    json!({"code": code, "details": {}, "message": message, "status": "error"})
}

/// `POST /faults {"path_prefix","method"?,"times"?,"skip"?,"action":{"kind":"status"|"delay"|"drop"|"drop_after"|"truncate",...}}`.
async fn add_fault(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let path_prefix = v["path_prefix"].as_str().unwrap_or("/").to_string();
    let times = match &v["times"] {
        Value::Null => 1,
        t => t
            .as_u64()
            .filter(|n| (1..=u32::MAX as u64).contains(n))
            .ok_or_else(|| bad("times: expected a whole number from 1 to 4294967295"))?
            as u32,
    };
    let a = &v["action"];
    let action = match a["kind"].as_str() {
        Some("status") => {
            let status = a["status"]
                .as_u64()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| bad("status faults need `status`, an HTTP status from 100 to 599"))?
                as u16;
            let headers = a["headers"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            FaultAction::Status {
                status,
                body: a
                    .get("body")
                    .cloned()
                    .unwrap_or_else(|| default_fault_body(status)),
                headers,
            }
        }
        Some("delay") => FaultAction::Delay(Duration::from_millis(
            a["ms"]
                .as_u64()
                .ok_or_else(|| bad("delay faults need `ms`"))?,
        )),
        Some("drop") => FaultAction::Drop,
        Some("drop_after") => FaultAction::DropAfter,
        Some("truncate") => FaultAction::Truncate,
        _ => {
            return Err(bad(
                "action.kind must be one of status, delay, drop, drop_after, truncate",
            ))
        }
    };
    let mut w = app.world();
    w.next_fault += 1;
    let id = w.next_fault;
    w.faults.push(Fault {
        id,
        method: v["method"].as_str().map(str::to_string),
        path_prefix,
        remaining: times,
        skip: v["skip"]
            .as_u64()
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        action,
    });
    ok(json!({"id": id}))
}

async fn list_faults(State(app): State<App>) -> ApiResult {
    let w = app.world();
    ok(
        json!({"faults": w.faults.iter().map(|f| json!({"id": f.id, "method": f.method, "path_prefix": f.path_prefix, "remaining": f.remaining, "skip": f.skip, "action": format!("{:?}", f.action)})).collect::<Vec<_>>()}),
    )
}

async fn clear_faults(State(app): State<App>) -> ApiResult {
    app.world().faults.clear();
    ok(json!({"cleared": true}))
}

async fn requests(State(app): State<App>) -> ApiResult {
    let log = app.log.lock().unwrap_or_else(|e| e.into_inner());
    ok(json!({"requests": *log}))
}

async fn clear_requests(State(app): State<App>) -> ApiResult {
    app.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    ok(json!({"cleared": true}))
}

async fn reset(State(app): State<App>) -> ApiResult {
    let mut w = app.world();
    let settings = w.settings.clone();
    *w = seed::world(&app.seed, settings);
    app.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    app.notifier.clear(None);
    app.bulk_callbacks.clear(None);
    ok(json!({"reset": true}))
}

fn user_json(u: &crate::state::User) -> Value {
    json!({"id": u.id, "zuid": u.zuid, "email": u.email, "first_name": u.first_name,
        "last_name": u.last_name, "admin": u.admin})
}

/// `POST /orgs {"company_name", "zgid"?, "admin": {"email", "first_name"?, "last_name"}}`: a new
/// org with the standard modules and no records, and its first user, an admin.
async fn add_org(State(app): State<App>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let name = v["company_name"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("company_name is required"))?;
    let zgid = match &v["zgid"] {
        Value::Null => None,
        Value::String(s) => Some(s.as_str()),
        _ => return Err(bad("zgid must be a string of 1 to 18 digits")),
    };
    let admin = &v["admin"];
    let email = admin["email"]
        .as_str()
        .ok_or_else(|| bad("admin.email is required"))?;
    let last = admin["last_name"]
        .as_str()
        .ok_or_else(|| bad("admin.last_name is required"))?;
    let first = admin["first_name"].as_str().unwrap_or("");
    let mut w = app.world();
    let id = seed::add_org(&mut w, &app.seed, name, zgid, (email, first, last)).map_err(bad)?;
    let org = &w.orgs[&id];
    let users: Vec<Value> = w
        .users
        .values()
        .filter(|u| u.org_id == id)
        .map(user_json)
        .collect();
    ok(json!({"id": org.id, "zgid": org.zgid, "company_name": org.company_name, "users": users}))
}

/// `POST /orgs/{org}/users {"email", "first_name"?, "last_name", "admin"?}`: a user of the org.
async fn add_user(State(app): State<App>, Path(org): Path<String>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let email = v["email"]
        .as_str()
        .ok_or_else(|| bad("email is required"))?;
    let last = v["last_name"]
        .as_str()
        .ok_or_else(|| bad("last_name is required"))?;
    let first = v["first_name"].as_str().unwrap_or("");
    let admin = match &v["admin"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => return Err(bad("admin must be true or false")),
    };
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let user = seed::add_user(&mut w, &id, email, first, last, admin).map_err(bad)?;
    ok(user_json(&user))
}

pub(crate) fn org_id(w: &crate::state::World, key: &str) -> Result<String, ApiError> {
    w.org_key(key)
        .ok_or_else(|| bad(format!("unknown org `{key}` (give its id or zgid)")))
}

async fn concurrency(State(app): State<App>, Path(org): Path<String>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let limit = v["limit"].as_u64().map(|n| n as usize);
    w.orgs.get_mut(&id).expect("org").concurrency_limit = limit;
    ok(json!({"limit": limit}))
}

/// `POST /orgs/{org}/modules {"api_name","singular_label"?,"plural_label"?}`: a custom module with
/// the standard system fields and a mandatory `Name`.
async fn add_module(State(app): State<App>, Path(org): Path<String>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let api_name = v["api_name"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("api_name is required"))?
        .to_string();
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    if o.module_name(&api_name).is_some() {
        return Err(bad(format!("module `{api_name}` exists")));
    }
    let now = clock::now();
    let stamp = clock::format(now);
    let Some(template) = o.meta.get("Vendors").cloned() else {
        return Err(bad(
            "custom modules are made from the Vendors module's system fields, and these specs have no Vendors",
        ));
    };
    let mut module = template.module.clone();
    let mid = o.mint_id();
    module["id"] = json!(mid);
    module["api_name"] = json!(api_name);
    module["module_name"] = json!(api_name);
    module["generated_type"] = json!("custom");
    module["singular_label"] = json!(v["singular_label"].as_str().unwrap_or(&api_name));
    module["plural_label"] = json!(v["plural_label"].as_str().unwrap_or(&api_name));
    let mut fields: Vec<Value> = template
        .fields
        .iter()
        .filter(|f| {
            f["custom_field"] == false
                && ![
                    "Vendor_Name",
                    "Email",
                    "Phone",
                    "Website",
                    "GL_Account",
                    "Category",
                    "Street",
                    "City",
                    "State",
                    "Zip_Code",
                    "Country",
                    "Description",
                ]
                .contains(&f["api_name"].as_str().unwrap_or(""))
        })
        .cloned()
        .collect();
    let mut name = metadata::custom_field(&json!({"api_name": "Name", "data_type": "text", "field_label": format!("{} Name", v["singular_label"].as_str().unwrap_or(&api_name)), "length": 120, "system_mandatory": true, "display_field": true, "custom_field": false}), o.mint_id(), &stamp).map_err(bad)?;
    name["system_mandatory"] = json!(true);
    fields.push(name);
    o.records.insert(api_name.clone(), Default::default());
    o.meta.insert(
        api_name.clone(),
        ModuleMeta {
            module: module.clone(),
            fields,
            fields_modified: now,
        },
    );
    ok(json!({"module": module}))
}

async fn add_field(
    State(app): State<App>,
    Path((org, module)): Path<(String, String)>,
    b: Bytes,
) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    let module = o
        .module_name(&module)
        .ok_or_else(|| bad(format!("unknown module `{module}`")))?;
    let now = clock::now();
    let fid = o.mint_id();
    let mut f = metadata::custom_field(&v, fid, &clock::format(now)).map_err(bad)?;
    if let Some(values) = v["pick_list_values"].as_array() {
        let opts: Vec<Value> = values
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => metadata::picklist_option(
                    s,
                    s,
                    i + 1,
                    format!("{}{i:03}", f["id"].as_str().unwrap_or("")),
                ),
                other => other.clone(),
            })
            .collect();
        f["pick_list_values"] = json!(opts);
    }
    if let Some(target) = v["lookup_module"].as_str() {
        f["lookup"] = json!({"display_label": f["field_label"], "api_name": f["api_name"], "module": {"api_name": target, "id": o.meta.get(target).map(|m| m.module["id"].clone())}, "id": f["id"], "query_details": {}, "revalidate_filter_during_edit": false});
    }
    let meta = o.meta.get_mut(&module).expect("module");
    if meta.field(f["api_name"].as_str().unwrap_or("")).is_some() {
        return Err(bad("a field with that api_name exists"));
    }
    meta.fields.push(f.clone());
    meta.fields_modified = now;
    ok(json!({"field": f}))
}

/// `POST .../picklist-values {"values":["A", {"display_value":"B","actual_value":"b"}]}`.
async fn add_picklist_values(
    State(app): State<App>,
    Path((org, module, field)): Path<(String, String, String)>,
    b: Bytes,
) -> ApiResult {
    let v = body_json(&b)?;
    let values = v["values"]
        .as_array()
        .cloned()
        .ok_or_else(|| bad("`values` is required"))?;
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    let module = o
        .module_name(&module)
        .ok_or_else(|| bad(format!("unknown module `{module}`")))?;
    let base = o.mint_id();
    let meta = o.meta.get_mut(&module).expect("module");
    let f = meta
        .fields
        .iter_mut()
        .find(|f| f["api_name"] == field.as_str())
        .ok_or_else(|| bad(format!("unknown field `{field}`")))?;
    if !matches!(
        f["data_type"].as_str(),
        Some("picklist" | "multiselectpicklist")
    ) {
        return Err(bad("the field is not a picklist"));
    }
    let list = f["pick_list_values"]
        .as_array_mut()
        .ok_or_else(|| bad("field has no pick_list_values"))?;
    for (i, x) in values.iter().enumerate() {
        let (display, actual) = match x {
            Value::String(s) => (s.clone(), s.clone()),
            o => (
                o["display_value"].as_str().unwrap_or("").to_string(),
                o["actual_value"].as_str().unwrap_or("").to_string(),
            ),
        };
        if actual.is_empty() {
            return Err(bad("every value needs an actual_value"));
        }
        let seq = list.len() + 1;
        list.push(metadata::picklist_option(
            &display,
            &actual,
            seq,
            format!("{base}{i:02}"),
        ));
    }
    let out = f.clone();
    meta.fields_modified = clock::now();
    ok(json!({"field": out}))
}

/// `POST /orgs/{org}/records/{module} {"records":[...]}` stores records as given (no validation),
/// or `{"generate": N, "template": {...}}` makes N records, `{n}` in template strings numbered.
async fn add_records(
    State(app): State<App>,
    Path((org, module)): Path<(String, String)>,
    b: Bytes,
) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let owner = w
        .users
        .values()
        .find(|u| u.org_id == id && u.admin)
        .cloned()
        .ok_or_else(|| bad("org has no admin"))?;
    let o = w.orgs.get_mut(&id).expect("org");
    let module = o
        .module_name(&module)
        .ok_or_else(|| bad(format!("unknown module `{module}`")))?;
    let now = clock::now();
    let mut ids = vec![];
    if let Some(n) = v["generate"].as_u64() {
        let template = v["template"].as_object().cloned().unwrap_or_else(|| {
            let mut m = serde_json::Map::new();
            let display = o.meta[&module]
                .display_field()
                .unwrap_or("Name")
                .to_string();
            m.insert(display, json!(format!("{module} {{n}}")));
            m
        });
        for i in 1..=n {
            let data = template
                .iter()
                .map(|(k, val)| {
                    (
                        k.clone(),
                        match val {
                            Value::String(s) => json!(s.replace("{n}", &format!("{i:06}"))),
                            o => o.clone(),
                        },
                    )
                })
                .collect();
            ids.push(store::insert(o, &module, data, &owner, now)["id"].clone());
        }
    } else {
        let recs = v["records"]
            .as_array()
            .ok_or_else(|| bad("give `records` or `generate`"))?;
        for r in recs {
            ids.push(
                store::insert(
                    o,
                    &module,
                    r.as_object().cloned().unwrap_or_default(),
                    &owner,
                    now,
                )["id"]
                    .clone(),
            );
        }
    }
    drop(w);
    // Watched modules hear of records stored this way too.
    crate::notify::dispatch(&app);
    let count = ids.len();
    // Large batches answer only the count, unless the ids are asked for (`"all_ids": true`).
    let ids = if count > 1000 && v["all_ids"] != true {
        vec![]
    } else {
        ids
    };
    ok(json!({"count": count, "ids": ids}))
}
