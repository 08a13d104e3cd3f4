//! Related records (`/{module}/{id}/{related_list}`) and record notes (`/{module}/{id}/Notes`).
//!
//! A related list of module X is any module with a lookup field to X (`Accounts/{id}/Contacts`
//! lists Contacts whose `Account_Name` is that account); `Notes` lists notes whose `Parent_Id` is
//! the record.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, no_content, ApiError, ApiResult};
use crate::records::{batch_status, fields_param, module_of};
use crate::state::{App, Org};
use crate::store;
use crate::validate::{self, Mode};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// The related module and the lookup field of it that points at `parent`.
fn relation(org: &Org, parent: &str, related: &str) -> Option<(String, String)> {
    let rel = org.module_name(related)?;
    let field = if rel == "Notes" {
        "Parent_Id".to_string()
    } else {
        org.meta[&rel]
            .views()
            .find(|f| f.data_type() == "lookup" && f.lookup_module() == Some(parent))?
            .api_name()
            .to_string()
    };
    Some((rel, field))
}

fn not_related() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_DATA",
        "the related list name given seems to be invalid",
        json!({"resource_path_index": 2}),
    )
}

/// Fails with Zoho's `INVALID_DATA` "The record does not exist" unless the record exists.
pub(crate) fn parent_exists(org: &Org, module: &str, id: &str) -> Result<(), ApiError> {
    if org.records[module].contains_key(id) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "The record does not exist",
            json!({"id": id}),
        ))
    }
}

/// `GET /{module}/{id}/{related}`.
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, related)): Path<(String, String, String)>,
    Query(p): Query<Params>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, &caller, &module, "READ")?;
    let (rel, field) = relation(org, &module, &related).ok_or_else(not_related)?;
    caller.require(Need::module(&rel, "READ"))?;
    let fields = fields_param(&p, false)?;
    if !org.records[&module].contains_key(&id) {
        // Zoho's getRelatedRecords sample: 404, empty details.
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "INVALID_DATA",
            "The record does not exist",
            json!({}),
        ));
    }
    let per_page = p
        .get("per_page")
        .and_then(|s| s.parse().ok())
        .filter(|n| (1..=200).contains(n))
        .unwrap_or(200usize);
    let page = p
        .get("page")
        .and_then(|s| s.parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1usize);
    let hits: Vec<Value> = org.records[&rel]
        .values()
        .rev()
        .filter(|r| {
            r.get(&field)
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str)
                == Some(id.as_str())
        })
        .map(|r| {
            let mut v = store::project(&org.meta[&rel], r, fields.as_deref());
            if rel == "Notes" {
                // Notes always show their attachments (null when none).
                v["$attachments"] = r.get("$attachments").cloned().unwrap_or(Value::Null);
            }
            v
        })
        .collect();
    let chunk: Vec<Value> = hits
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    if chunk.is_empty() {
        return Ok(no_content());
    }
    let more = (page - 1) * per_page + chunk.len() < hits.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": chunk, "info": {"per_page": per_page, "count": chunk.len(), "page": page, "more_records": more}}),
    ))
}

/// `PUT /{module}/{id}/{related}`: links records (sets their lookup to the parent).
pub async fn link(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, related)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let user = caller.user.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, &caller, &module, "UPDATE")?;
    let (rel, field) = relation(org, &module, &related).ok_or_else(not_related)?;
    caller.require(Need::module(&rel, "UPDATE"))?;
    parent_exists(org, &module, &id)?;
    let body = json_body(&headers, &body)?;
    let items = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::required_param("data"))?;
    let name = store::display_name(&org.meta[&module], &org.records[&module][&id]);
    let now = clock::now();
    let mut out = vec![];
    for it in items {
        let rid = it
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut data = serde_json::Map::new();
        data.insert(field.clone(), json!({"name": name, "id": id}));
        match store::update_by_id(org, &rel, &rid, data, &user, now) {
            Some(_) => out.push(item("SUCCESS", "relation added", json!({"id": rid}))),
            None => out.push(item(
                "INVALID_DATA",
                "the related id given seems to be invalid",
                json!({"id": rid}),
            )),
        }
    }
    Ok(json_response(
        batch_status(&out, StatusCode::OK),
        &json!({"data": out}),
    ))
}

/// `DELETE /{module}/{id}/{related}?ids=`: unlinks records.
pub async fn unlink(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, related)): Path<(String, String, String)>,
    Query(p): Query<Params>,
) -> ApiResult {
    let ids = p
        .get("ids")
        .map(|s| s.split(',').map(str::to_string).collect());
    unlink_ids(&app, &caller, &module, &id, &related, ids)
}

/// `DELETE /{module}/{id}/{related}/{related_id}`: unlinks one record, answered as the many-ids
/// form answers.
pub async fn unlink_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, related, related_id)): Path<(String, String, String, String)>,
) -> ApiResult {
    unlink_ids(
        &app,
        &caller,
        &module,
        &id,
        &related,
        Some(vec![related_id]),
    )
}

fn unlink_ids(
    app: &App,
    caller: &Caller,
    module: &str,
    id: &str,
    related: &str,
    ids: Option<Vec<String>>,
) -> ApiResult {
    let mut world = app.world();
    let user = caller.user.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, caller, module, "UPDATE")?;
    let (rel, field) = relation(org, &module, related).ok_or_else(not_related)?;
    parent_exists(org, &module, id)?;
    let ids = ids.ok_or_else(|| ApiError::required_param("ids"))?;
    let now = clock::now();
    let mut out = vec![];
    for rid in ids {
        let linked = org
            .records
            .get(&rel)
            .and_then(|m| m.get(&rid))
            .is_some_and(|r| {
                r.get(&field)
                    .and_then(|v| v.get("id"))
                    .and_then(Value::as_str)
                    == Some(id)
            });
        let mut data = serde_json::Map::new();
        data.insert(field.clone(), Value::Null);
        match linked.then(|| store::update_by_id(org, &rel, &rid, data, &user, now)) {
            Some(_) => out.push(item("SUCCESS", "relation removed", json!({"id": rid}))),
            None => out.push(item(
                "INVALID_DATA",
                "the related id given seems to be invalid",
                json!({"id": rid}),
            )),
        }
    }
    Ok(json_response(
        batch_status(&out, StatusCode::OK),
        &json!({"data": out}),
    ))
}

/// `POST /{module}/{id}/Notes`: adds notes to a record.
pub async fn add_notes(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, related)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    if !related.eq_ignore_ascii_case("Notes") {
        return Err(ApiError::invalid_method());
    }
    let mut world = app.world();
    let users = world.users.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, &caller, &module, "READ")?;
    caller.require(Need::module("Notes", "CREATE"))?;
    parent_exists(org, &module, &id)?;
    let body = json_body(&headers, &body)?;
    let items = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::required_param("data"))?;
    let meta = org.meta["Notes"].clone();
    let now = clock::now();
    let mut out = vec![];
    for (i, it) in items.iter().enumerate() {
        let mut input = it.as_object().cloned().unwrap_or_default();
        input.insert(
            "Parent_Id".into(),
            json!({"module": {"api_name": module}, "id": id}),
        );
        let ctx = validate::Ctx {
            org: &*org,
            users: &users,
            meta: &meta,
        };
        match validate::record(&ctx, &input, &format!("$.data[{i}]"), Mode::Create, None) {
            Ok(clean) => {
                let rec = store::insert(org, "Notes", clean, &caller.user, now);
                out.push(item("SUCCESS", "record added", store::write_details(&rec)));
            }
            Err(e) => out.push(e),
        }
    }
    Ok(json_response(
        batch_status(&out, StatusCode::CREATED),
        &json!({"data": out}),
    ))
}
