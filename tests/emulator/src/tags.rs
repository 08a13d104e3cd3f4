//! Tags: `settings/tags` (list, create) and the record actions `add_tags` / `remove_tags`, on one
//! record or many. A record's tags are its `Tag` field: `[{"name","id","color_code"}]`.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::records::{batch_status, module_of};
use crate::settings::module_param;
use crate::state::{App, Org, User};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// Tags an org may have per module.
pub const ALLOWED_TAGS: usize = 500;
/// Longest tag name.
pub const MAX_NAME: usize = 25;
/// Records one `add_tags` / `remove_tags` call may name.
pub const MAX_RECORDS: usize = 500;
/// Colours Zoho hands out to tags created without one.
const PALETTE: [&str; 13] = [
    "#57B1FD", "#879BFC", "#658BA8", "#FD87BD", "#969696", "#F48435", "#1DB9B4", "#E7A826",
    "#63C57E", "#F17574", "#D297EE", "#A8C026", "#B88562",
];

pub(crate) fn short_user(u: &User) -> Value {
    json!({"name": u.full_name(), "id": u.id})
}

pub(crate) fn valid_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
}

/// Mints a tag of `module` (the name already checked) and stores it.
fn mint(org: &mut Org, module: &str, name: &str, colour: Option<&str>, by: &User) -> Value {
    let id = org.mint_id();
    let list = org.tags.entry(module.to_string()).or_default();
    let colour = colour
        .map(str::to_string)
        .unwrap_or_else(|| PALETTE[list.len() % PALETTE.len()].to_string());
    let now = clock::format(clock::now());
    let tag = json!({
        "created_time": now, "modified_time": now, "name": name, "modified_by": short_user(by),
        "id": id, "created_by": short_user(by), "color_code": colour,
    });
    list.push(tag.clone());
    tag
}

/// The tag of `module` named `name` (in any case) as a record's `Tag` field holds it, made in
/// the module's settings when missing.
pub(crate) fn ensure(org: &mut Org, module: &str, name: &str, by: &User) -> Value {
    let tag = match find(org, module, name) {
        Some(t) => t.clone(),
        None => mint(org, module, name, None, by),
    };
    json!({"name": tag["name"], "id": tag["id"], "color_code": tag["color_code"]})
}

pub(crate) fn find<'a>(org: &'a Org, module: &str, name: &str) -> Option<&'a Value> {
    org.tags.get(module)?.iter().find(|t| {
        t["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// `GET /settings/tags?module=[&my_tags=true]`.
pub async fn list(State(app): State<App>, caller: Caller, Query(p): Query<Params>) -> ApiResult {
    caller.require(Need::settings("tags"))?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let mine = p.get("my_tags").is_some_and(|v| v == "true");
    let tags: Vec<&Value> = world.orgs[&caller.org_id]
        .tags
        .get(&module)
        .map(|l| {
            l.iter()
                .filter(|t| !mine || t["created_by"]["id"] == caller.user.id.as_str())
                .collect()
        })
        .unwrap_or_default();
    let n = tags.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"tags": tags, "info": {"count": n, "allowed_count": ALLOWED_TAGS}}),
    ))
}

/// `POST /settings/tags?module=` with `{"tags":[{"name","color_code"?}]}`: per-tag outcomes.
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require(Need {
        service: "settings",
        resource: Some("tags"),
        op: "CREATE",
    })?;
    let mut world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let body = json_body(&headers, &body)?;
    let items = body
        .get("tags")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "tags", "json_path": "$.tags"}),
            )
        })?;
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let mut out = vec![];
    for (i, it) in items.iter().enumerate() {
        let path = format!("$.tags[{i}]");
        let name = it.get("name").and_then(Value::as_str).map(str::trim);
        let colour = it.get("color_code").and_then(Value::as_str);
        let outcome = match name {
            None | Some("") => item(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "name", "json_path": format!("{path}.name")}),
            ),
            Some(n) if n.chars().count() > MAX_NAME => item(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "name", "json_path": format!("{path}.name"), "maximum_length": MAX_NAME}),
            ),
            Some(_) if colour.is_some_and(|c| !valid_colour(c)) => item(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "color_code", "json_path": format!("{path}.color_code")}),
            ),
            Some(n) => match find(org, &module, n) {
                Some(t) => item(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    json!({"api_name": "name", "json_path": format!("{path}.name"), "id": t["id"]}),
                ),
                None if org.tags.get(&module).map_or(0, Vec::len) >= ALLOWED_TAGS => item(
                    "LIMIT_EXCEEDED",
                    "limit exceeded",
                    json!({"limit": ALLOWED_TAGS, "api_name": "name", "json_path": format!("{path}.name")}),
                ),
                None => item(
                    "SUCCESS",
                    "tags created successfully",
                    mint(org, &module, n, colour, &caller.user),
                ),
            },
        };
        out.push(outcome);
    }
    Ok(json_response(
        batch_status(&out, StatusCode::CREATED),
        &json!({"tags": out}),
    ))
}

/// The tags a call names, as the record's `Tag` field holds them, creating missing names when
/// `create` is set. Errors are item errors of the whole call.
fn resolve(
    org: &mut Org,
    module: &str,
    body: &Value,
    by: &User,
    create: bool,
) -> Result<Vec<Value>, ApiError> {
    let items = body
        .get("tags")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "tags", "json_path": "$.tags"}),
            )
        })?;
    let mut out: Vec<Value> = vec![];
    for (i, it) in items.iter().enumerate() {
        let bad = |field: &str| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": field, "json_path": format!("$.tags[{i}].{field}")}),
            )
            .wrapped()
        };
        // The id takes precedence over the name.
        let tag = if let Some(id) = it.get("id").and_then(Value::as_str) {
            org.tags
                .get(module)
                .and_then(|l| l.iter().find(|t| t["id"] == id))
                .cloned()
                .ok_or_else(|| bad("id"))?
        } else {
            let name = it
                .get("name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty() && n.chars().count() <= MAX_NAME)
                .ok_or_else(|| bad("name"))?;
            match find(org, module, name) {
                Some(t) => t.clone(),
                None if create => {
                    let colour = it
                        .get("color_code")
                        .and_then(Value::as_str)
                        .filter(|c| valid_colour(c));
                    mint(org, module, name, colour, by)
                }
                None => json!({"name": name, "id": Value::Null, "color_code": Value::Null}),
            }
        };
        let short = json!({"name": tag["name"], "id": tag["id"], "color_code": tag["color_code"]});
        if !out.iter().any(|t| t["name"] == short["name"]) {
            out.push(short);
        }
    }
    Ok(out)
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// Adds (`add`) or removes tags on the records of a call; `body` is the parsed body, whose
/// error is answered once the module is known.
fn tag_records(
    app: App,
    caller: Caller,
    module: String,
    path_id: Option<String>,
    p: Params,
    body: Result<Value, ApiError>,
    add: bool,
) -> ApiResult {
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, &caller, &module, "CREATE")?;
    let body = body?;
    let ids: Vec<String> = match &path_id {
        Some(id) => vec![id.clone()],
        None => match (body.get("ids").and_then(Value::as_array), p.get("ids")) {
            (Some(a), _) => a
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            (None, Some(q)) => q.split(',').map(|s| s.trim().to_string()).collect(),
            (None, None) => vec![],
        },
    };
    if ids.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "ids", "json_path": "$.ids"}),
        ));
    }
    if ids.len() > MAX_RECORDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_RECORDS, "api_name": "ids", "json_path": "$.ids"}),
        ));
    }
    let over_write =
        truthy(body.get("over_write")) || p.get("over_write").is_some_and(|v| v == "true");
    let tags = resolve(org, &module, &body, &caller.user, add)?;
    let mut out = vec![];
    for id in &ids {
        let Some(rec) = org.records.get_mut(&module).and_then(|m| m.get_mut(id)) else {
            out.push(item(
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"id": id}),
            ));
            continue;
        };
        let mut current: Vec<Value> = if add && over_write {
            vec![]
        } else {
            rec.get("Tag")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        for t in &tags {
            let same = |c: &Value| {
                c["name"]
                    .as_str()
                    .zip(t["name"].as_str())
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
            };
            if add {
                if !current.iter().any(same) {
                    current.push(t.clone());
                }
            } else {
                current.retain(|c| !same(c));
            }
        }
        rec.insert("Tag".into(), Value::Array(current.clone()));
        let message = if add {
            "tags updated successfully"
        } else {
            "tags removed successfully"
        };
        out.push(item("SUCCESS", message, json!({"id": id, "tags": current})));
    }
    let good = out.iter().filter(|i| i["status"] == "success").count();
    // The counters come with answers where some record was tagged.
    let body = if good == 0 {
        json!({"data": out})
    } else {
        json!({"data": out, "wf_scheduler": false, "success_count": good.to_string(), "locked_count": "0"})
    };
    Ok(json_response(batch_status(&out, StatusCode::OK), &body))
}

/// `POST /{module}/{id}/actions/add_tags` with `{"tags":[{"name"|"id"}], "over_write"?}`
/// (`over_write` also as a query parameter): tags the record, creating unknown tag names.
pub async fn add_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    tag_records(
        app,
        caller,
        module,
        Some(id),
        p,
        json_body(&headers, &body),
        true,
    )
}

/// `POST /{module}/actions/add_tags` with `{"tags":[..], "ids":[..]}` (or `ids=` in the query).
pub async fn add_many(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    tag_records(
        app,
        caller,
        module,
        None,
        p,
        json_body(&headers, &body),
        true,
    )
}

/// `POST /{module}/{id}/actions/remove_tags` with `{"tags":[{"name"|"id"}]}`.
pub async fn remove_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    tag_records(
        app,
        caller,
        module,
        Some(id),
        p,
        json_body(&headers, &body),
        false,
    )
}

/// `POST /{module}/actions/remove_tags` with `{"tags":[..], "ids":[..]}`.
pub async fn remove_many(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    tag_records(
        app,
        caller,
        module,
        None,
        p,
        json_body(&headers, &body),
        false,
    )
}
