//! The recycle bin: `GET /settings/recycle_bin` and `GET /settings/recycle_bin/{id}`, listing
//! the records deleted through the API (`DELETE /{module}`), newest deletion first.
//!
//! The records of one module are asked for with `filters` (Zoho's criteria object,
//! `{"field": {"api_name": "module.api_name"}, "comparator": "equal", "value": "Leads"}`) or,
//! as a shorthand the emulator also takes, `module=Leads`. Items are
//! `{display_name, deleted_time, owner, module, deleted_by, id}` with `info {per_page, count,
//! page, more_records}`; nothing to list answers 204.

use crate::auth::{Caller, Need};
use crate::error::{json_response, no_content, ApiError, ApiResult};
use crate::records::number;
use crate::state::{App, Org};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

fn invalid(param: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_DATA",
        "invalid data",
        json!({ "param_name": param }),
    )
}

/// One recycle-bin item from a deletion entry of `module`.
fn entry(org: &Org, module: &str, d: &Value) -> Value {
    let short = |v: &Value| {
        if v.is_object() {
            json!({"name": v["name"], "id": v["id"]})
        } else {
            Value::Null
        }
    };
    let owner = d
        .get("$owner")
        .filter(|v| v.is_object())
        .or_else(|| d.get("created_by"))
        .map(short)
        .unwrap_or(Value::Null);
    json!({
        "display_name": d["display_name"],
        "deleted_time": d["deleted_time"],
        "owner": owner,
        "module": {"api_name": module, "id": org.meta.get(module).map(|m| m.module["id"].clone())},
        "deleted_by": short(&d["deleted_by"]),
        "id": d["id"],
    })
}

/// The recycle bin of an org, newest deletion first: (module, entry).
fn bin(org: &Org) -> Vec<(&str, &Value)> {
    let mut all: Vec<(&str, &Value)> = org
        .deleted
        .iter()
        .flat_map(|(m, list)| {
            list.iter()
                .filter(|d| d["type"] == "recycle")
                .map(move |d| (m.as_str(), d))
        })
        .collect();
    all.sort_by(|a, b| {
        let key = |d: &Value| d["deleted_time"].as_str().unwrap_or("").to_string();
        key(b.1).cmp(&key(a.1))
    });
    all
}

/// The module the `filters` (or `module`) parameter asks for.
fn module_filter(org: &Org, p: &Params) -> Result<String, ApiError> {
    if let Some(name) = p.get("module").filter(|s| !s.is_empty()) {
        return org.module_name(name).ok_or_else(|| invalid("module"));
    }
    let raw = p
        .get("filters")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::required_param("filters"))?;
    let f: Value = serde_json::from_str(raw).map_err(|_| invalid("filters"))?;
    let field = f.pointer("/field/api_name").and_then(Value::as_str);
    let comparator = f.get("comparator").and_then(Value::as_str);
    match (field, comparator, f.get("value").and_then(Value::as_str)) {
        (Some("module.api_name" | "module"), Some("equal"), Some(name)) => {
            org.module_name(name).ok_or_else(|| invalid("filters"))
        }
        _ => Err(invalid("filters")),
    }
}

/// `GET /settings/recycle_bin?filters=|module=&page=&per_page=&sort_order=`.
pub async fn list(State(app): State<App>, caller: Caller, Query(p): Query<Params>) -> ApiResult {
    caller.require(Need::settings("recycle_bin"))?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_filter(org, &p)?;
    let per_page = number(&p, "per_page", 200, 200)?;
    let page = number(&p, "page", 1, usize::MAX)?;
    if p.get("sort_by")
        .is_some_and(|s| s != "deleted_time" && s != "display_name")
    {
        return Err(invalid("sort_by"));
    }
    let asc = match p.get("sort_order").map(String::as_str) {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err(invalid("sort_order")),
    };
    let ids: Option<Vec<&str>> = p.get("ids").map(|s| s.split(',').map(str::trim).collect());
    let mut all: Vec<(&str, &Value)> = bin(org)
        .into_iter()
        .filter(|(m, _)| *m == module)
        .filter(|(_, d)| {
            ids.as_ref()
                .is_none_or(|ids| ids.contains(&d["id"].as_str().unwrap_or("")))
        })
        .collect();
    if p.get("sort_by").map(String::as_str) == Some("display_name") {
        all.sort_by(|a, b| {
            let key = |d: &Value| d["display_name"].as_str().unwrap_or("").to_string();
            key(b.1).cmp(&key(a.1))
        });
    }
    if asc {
        all.reverse();
    }
    let start = (page - 1).saturating_mul(per_page);
    let chunk: Vec<Value> = all
        .iter()
        .skip(start)
        .take(per_page)
        .map(|(m, d)| entry(org, m, d))
        .collect();
    if chunk.is_empty() {
        return Ok(no_content());
    }
    let more = start + chunk.len() < all.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"recycle_bin": chunk, "info": {"per_page": per_page, "count": chunk.len(), "page": page, "more_records": more}}),
    ))
}

/// `GET /settings/recycle_bin/{id}`: one deleted record.
pub async fn one(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(Need::settings("recycle_bin"))?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let (m, d) = bin(org)
        .into_iter()
        .find(|(_, d)| d["id"] == id.as_str())
        .ok_or_else(|| ApiError::invalid_id(&id))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"recycle_bin": [entry(org, m, d)]}),
    ))
}
