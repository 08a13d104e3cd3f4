//! Tags in settings beyond list and create: `PUT /settings/tags?module=` (many, by id in the
//! body), `PUT /settings/tags/{id}?module=` (one), `DELETE /settings/tags/{id}`,
//! `POST /settings/tags/{id}/actions/merge` and
//! `GET /settings/tags/{id}/actions/records_count?module=`.
//!
//! A rename or new colour reaches every record carrying the tag (their `Tag` field; records'
//! modified times stay). Deleting a tag takes it off its records; merging moves the records of
//! each `conflict_id` tag to the tag of the path and deletes the conflicting tags. An id that
//! names no tag of the org is `INVALID_DATA` with `details.resource_path_index` (in the path) or
//! `details.api_name`/`json_path` (in the body), as Zoho's spec has it; a name another tag of
//! the module has is `DUPLICATE_DATA` with that tag's id. `records_count` answers `{"count":
//! "<n>"}` (a string, as the spec says).

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::records::batch_status;
use crate::settings::module_param;
use crate::state::{App, Org, User};
use crate::tags::{short_user, valid_colour, MAX_NAME};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

fn need(op: &str) -> Need<'_> {
    Need {
        service: "settings",
        resource: Some("tags"),
        op,
    }
}

/// An id in the path that names no tag: its place is the path's third segment.
fn unknown_tag() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_DATA",
        "invalid data",
        json!({"resource_path_index": 2}),
    )
}

fn field_error(code: &str, api: &str, path: &str, extra: Value) -> Value {
    let message = match code {
        "MANDATORY_NOT_FOUND" => "required field not found",
        "DUPLICATE_DATA" => "duplicate data",
        _ => "invalid data",
    };
    let mut details = json!({"api_name": api, "json_path": path});
    if let (Some(d), Some(e)) = (details.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    item(code, message, details)
}

/// The module and position of the tag `id`.
fn locate(org: &Org, id: &str) -> Option<(String, usize)> {
    org.tags.iter().find_map(|(m, list)| {
        list.iter()
            .position(|t| t["id"] == id)
            .map(|i| (m.clone(), i))
    })
}

/// Whether a record's tag entry is the tag `id` named `name` (entries written with a name
/// only carry no id).
fn is_tag(t: &Value, id: &str, name: &str) -> bool {
    t["id"] == id
        || (t["id"].is_null()
            && t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// The name of the tag `id` of `module`.
fn name_of(org: &Org, module: &str, id: &str) -> String {
    org.tags
        .get(module)
        .and_then(|l| l.iter().find(|t| t["id"] == id))
        .and_then(|t| t["name"].as_str())
        .unwrap_or("")
        .to_string()
}

/// Rewrites the tag `id` (named `name`) on the module's records: `Some(tag)` replaces it,
/// `None` removes it.
fn retag(org: &mut Org, module: &str, id: &str, name: &str, to: Option<&Value>) {
    let Some(records) = org.records.get_mut(module) else {
        return;
    };
    for rec in records.values_mut() {
        let Some(list) = rec.get("Tag").and_then(Value::as_array) else {
            continue;
        };
        if !list.iter().any(|t| is_tag(t, id, name)) {
            continue;
        }
        let mut next: Vec<Value> = vec![];
        for t in list {
            let t = if is_tag(t, id, name) { to } else { Some(t) };
            if let Some(t) = t {
                if !next.iter().any(|x| x["name"] == t["name"]) {
                    next.push(t.clone());
                }
            }
        }
        rec.insert("Tag".into(), Value::Array(next));
    }
}

/// Renames or recolours the tag at `idx` of `module` from `input` (at JSON path `path`).
fn change(
    org: &mut Org,
    module: &str,
    idx: usize,
    input: &Value,
    path: &str,
    by: &User,
) -> Result<Value, Value> {
    let name = match input.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(field_error(
                "MANDATORY_NOT_FOUND",
                "name",
                &format!("{path}.name"),
                json!({}),
            ))
        }
        Some(Value::String(s)) if s.trim().chars().count() > MAX_NAME => {
            return Err(field_error(
                "INVALID_DATA",
                "name",
                &format!("{path}.name"),
                json!({"maximum_length": MAX_NAME}),
            ))
        }
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            return Err(field_error(
                "INVALID_DATA",
                "name",
                &format!("{path}.name"),
                json!({"expected_data_type": "string"}),
            ))
        }
    };
    let colour = match input.get("color_code") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if valid_colour(c) => Some(c.clone()),
        Some(_) => {
            return Err(field_error(
                "INVALID_DATA",
                "color_code",
                &format!("{path}.color_code"),
                json!({}),
            ))
        }
    };
    if name.is_none() && colour.is_none() {
        return Err(field_error(
            "MANDATORY_NOT_FOUND",
            "name",
            &format!("{path}.name"),
            json!({}),
        ));
    }
    let list = org.tags.get(module).map(Vec::as_slice).unwrap_or_default();
    let id = list[idx]["id"].clone();
    let old_name = list[idx]["name"].as_str().unwrap_or("").to_string();
    if let Some(n) = &name {
        let taken = list.iter().find(|t| {
            t["id"] != id
                && t["name"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(n))
        });
        if let Some(t) = taken {
            return Err(field_error(
                "DUPLICATE_DATA",
                "name",
                &format!("{path}.name"),
                json!({"id": t["id"]}),
            ));
        }
    }
    let Some(tag) = org.tags.get_mut(module).and_then(|l| l.get_mut(idx)) else {
        return Err(field_error(
            "INVALID_DATA",
            "id",
            &format!("{path}.id"),
            json!({}),
        ));
    };
    if let Some(n) = name {
        tag["name"] = json!(n);
    }
    if let Some(c) = colour {
        tag["color_code"] = json!(c);
    }
    tag["modified_time"] = json!(clock::format(clock::now()));
    tag["modified_by"] = short_user(by);
    let tag = tag.clone();
    let short = json!({"name": tag["name"], "id": tag["id"], "color_code": tag["color_code"]});
    retag(
        org,
        module,
        id.as_str().unwrap_or(""),
        &old_name,
        Some(&short),
    );
    Ok(tag)
}

/// The `tags` array of a body, or `MANDATORY_NOT_FOUND`.
fn tags_of(body: &Value) -> Result<&Vec<Value>, ApiError> {
    body.get("tags")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "tags", "json_path": "$.tags"}),
            )
        })
}

fn answer(items: Vec<Value>) -> ApiResult {
    Ok(json_response(
        batch_status(&items, StatusCode::OK),
        &json!({"tags": items}),
    ))
}

/// `PUT /settings/tags?module=` with `{"tags": [{"id", "name"?, "color_code"?}]}`.
pub async fn update_many(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require(need("UPDATE"))?;
    let mut world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let body = json_body(&headers, &body)?;
    let items = tags_of(&body)?;
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let mut out = vec![];
    for (i, it) in items.iter().enumerate() {
        let path = format!("$.tags[{i}]");
        let id = match it.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                out.push(field_error(
                    "MANDATORY_NOT_FOUND",
                    "id",
                    &format!("{path}.id"),
                    json!({}),
                ));
                continue;
            }
        };
        let idx = org
            .tags
            .get(&module)
            .and_then(|l| l.iter().position(|t| t["id"] == id.as_str()));
        out.push(match idx {
            None => field_error("INVALID_DATA", "id", &format!("{path}.id"), json!({})),
            Some(idx) => match change(org, &module, idx, it, &path, &caller.user) {
                Ok(tag) => item("SUCCESS", "tags updated successfully", tag),
                Err(e) => e,
            },
        });
    }
    answer(out)
}

/// `PUT /settings/tags/{id}?module=` with `{"tags": [{"name"?, "color_code"?}]}`.
pub async fn update_one(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require(need("UPDATE"))?;
    let mut world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let idx = match locate(org, &id) {
        Some((m, i)) if m == module => i,
        _ => return Err(unknown_tag()),
    };
    let body = json_body(&headers, &body)?;
    let items = tags_of(&body)?;
    answer(vec![
        match change(org, &module, idx, &items[0], "$.tags[0]", &caller.user) {
            Ok(tag) => item("SUCCESS", "tags updated successfully", tag),
            Err(e) => e,
        },
    ])
}

/// `DELETE /settings/tags/{id}`: the tag leaves the settings and its records.
pub async fn delete(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(need("DELETE"))?;
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let (module, idx) = locate(org, &id).ok_or_else(unknown_tag)?;
    let name = name_of(org, &module, &id);
    if let Some(l) = org.tags.get_mut(&module) {
        l.remove(idx);
    }
    retag(org, &module, &id, &name, None);
    answer(vec![item(
        "SUCCESS",
        "tags deleted successfully",
        json!({"id": id}),
    )])
}

/// `POST /settings/tags/{id}/actions/merge` with `{"tags": [{"conflict_id"}]}`: the records of
/// the conflicting tags take the tag `id`; the conflicting tags are deleted.
pub async fn merge(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require(need("CREATE"))?;
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let (module, idx) = locate(org, &id).ok_or_else(unknown_tag)?;
    let body = json_body(&headers, &body)?;
    let items = tags_of(&body)?;
    let mut conflicts = vec![];
    for (i, it) in items.iter().enumerate() {
        let path = format!("$.tags[{i}].conflict_id");
        let cid = match it.get("conflict_id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            None | Some(Value::Null) => {
                return answer(vec![field_error(
                    "MANDATORY_NOT_FOUND",
                    "conflict_id",
                    &path,
                    json!({}),
                )])
            }
            Some(_) => {
                return answer(vec![field_error(
                    "INVALID_DATA",
                    "conflict_id",
                    &path,
                    json!({}),
                )])
            }
        };
        // The conflicting tag must be another tag of the same module.
        match locate(org, &cid) {
            Some((m, _)) if m == module && cid != id => conflicts.push(cid),
            _ => {
                return answer(vec![field_error(
                    "INVALID_DATA",
                    "conflict_id",
                    &path,
                    json!({}),
                )])
            }
        }
    }
    let target = org.tags[&module][idx].clone();
    let short =
        json!({"name": target["name"], "id": target["id"], "color_code": target["color_code"]});
    for cid in &conflicts {
        let name = name_of(org, &module, cid);
        retag(org, &module, cid, &name, Some(&short));
        if let Some(l) = org.tags.get_mut(&module) {
            l.retain(|t| t["id"] != cid.as_str());
        }
    }
    answer(vec![item("SUCCESS", "tags merged successfully", target)])
}

/// `GET /settings/tags/{id}/actions/records_count?module=`: `{"count": "<n>"}`.
pub async fn records_count(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    caller.require(need("READ"))?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let org = &world.orgs[&caller.org_id];
    if locate(org, &id).is_none_or(|(m, _)| m != module) {
        return Err(unknown_tag());
    }
    let name = name_of(org, &module, &id);
    let n = org
        .records
        .get(&module)
        .map(|m| {
            m.values()
                .filter(|r| {
                    r.get("Tag")
                        .and_then(Value::as_array)
                        .is_some_and(|l| l.iter().any(|t| is_tag(t, &id, &name)))
                })
                .count()
        })
        .unwrap_or(0);
    Ok(json_response(
        StatusCode::OK,
        &json!({"count": n.to_string()}),
    ))
}
