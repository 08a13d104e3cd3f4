//! Mass update: `POST /{module}/actions/mass_update` and `GET …/actions/mass_update?job_id=`
//! (scope `ZohoCRM.mass_update.*`).
//!
//! The body is `{"data": [{field: value, ...}], "ids": [...]}` or `{"data": [...], "cvid",
//! "territory"?: {"id", "include_child"?}}`, with `"over_write"?` (multi-select picklists: `true`
//! replaces their values, the default adds to them). The values are validated as an update
//! from field metadata; a value no record could take, or a field whose metadata says
//! `"mass_update": false`, fails the call (`INVALID_DATA`, `MANDATORY_NOT_FOUND`). As Zoho
//! documents:
//!
//! * with `ids` (at most 500) the records are updated at once and the answer has one item per
//!   id: `record updated` with the write details, `INVALID_DATA` for an id that names no record,
//!   or the record's own validation error (a unique value taken by another record). 200 when
//!   some record was updated, 400 when none was.
//! * with `cvid` a job is scheduled over the view's records (at most 50,000): `{"data":
//!   [{"code": "SUCCESS", "details": {"job_id"}, "message": "mass update scheduled
//!   successfully", "status": "success"}]}`. The emulator has no custom views: every `cvid`
//!   names the module's "all records" view (converted leads left out), and a territory is
//!   accepted but selects nothing more. The job runs as it is scheduled: the records have
//!   changed when the answer comes, and the status call answers `COMPLETED` from the first
//!   call, with `Updated_Count`, `Failed_Count` (records whose validation failed),
//!   `Not_Updated_Count` (0) and `Total_Count`.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::state::{App, Org};
use crate::store;
use crate::validate::{self, Mode};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Ids one call may name.
pub const MAX_IDS: usize = 500;
/// Records one scheduled job may update.
pub const MAX_VIEW: usize = 50_000;

fn error(code: &str, api: &str, path: &str, extra: Value) -> ApiError {
    let message = match code {
        "MANDATORY_NOT_FOUND" => "required field not found",
        "LIMIT_EXCEEDED" => "limit exceeded",
        _ => "invalid data",
    };
    let mut details = json!({"api_name": api, "json_path": path});
    if let (Some(d), Some(e)) = (details.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    ApiError::new(StatusCode::BAD_REQUEST, code, message, details)
}

/// The module of the path, for a caller with the mass update scope.
fn module(org: &Org, caller: &Caller, name: &str, op: &str) -> Result<String, ApiError> {
    let m = org
        .module_name(name)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| ApiError::invalid_module(0))?;
    caller.require(Need {
        service: "mass_update",
        resource: Some(&m),
        op,
    })?;
    Ok(m)
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What the call selects.
enum Target {
    Ids(Vec<String>),
    View(String),
}

fn target(body: &Value) -> Result<Target, ApiError> {
    if let Some(v) = body.get("ids").filter(|v| !v.is_null()) {
        let arr = v.as_array().ok_or_else(|| {
            error(
                "INVALID_DATA",
                "ids",
                "$.ids",
                json!({"expected_data_type": "jsonarray"}),
            )
        })?;
        if arr.is_empty() {
            return Err(error("MANDATORY_NOT_FOUND", "ids", "$.ids", json!({})));
        }
        if arr.len() > MAX_IDS {
            return Err(error(
                "LIMIT_EXCEEDED",
                "ids",
                "$.ids",
                json!({"limit": MAX_IDS}),
            ));
        }
        let ids = arr
            .iter()
            .enumerate()
            .map(|(i, v)| {
                id_text(v)
                    .ok_or_else(|| error("INVALID_DATA", "ids", &format!("$.ids[{i}]"), json!({})))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Target::Ids(ids));
    }
    match body.get("cvid").filter(|v| !v.is_null()) {
        Some(v) => id_text(v)
            .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
            .map(Target::View)
            .ok_or_else(|| error("INVALID_DATA", "cvid", "$.cvid", json!({}))),
        None => Err(error("MANDATORY_NOT_FOUND", "ids", "$.ids", json!({}))),
    }
}

/// `POST /{module}/actions/mass_update`.
pub async fn schedule(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let users = world.users.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module(org, &caller, &name, "UPDATE")?;
    let body = json_body(&headers, &body)?;
    let values = match body.get("data") {
        None | Some(Value::Null) => {
            return Err(error("MANDATORY_NOT_FOUND", "data", "$.data", json!({})))
        }
        Some(Value::Array(a)) => a
            .first()
            .and_then(Value::as_object)
            .filter(|o| !o.is_empty())
            .cloned()
            .ok_or_else(|| error("INVALID_DATA", "data", "$.data[0]", json!({})))?,
        Some(_) => {
            return Err(error(
                "INVALID_DATA",
                "data",
                "$.data",
                json!({"expected_data_type": "jsonarray"}),
            ))
        }
    };
    let over_write = match body.get("over_write") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(error(
                "INVALID_DATA",
                "over_write",
                "$.over_write",
                json!({"expected_data_type": "boolean"}),
            ))
        }
    };
    if body
        .get("territory")
        .is_some_and(|t| !t.is_null() && t.get("id").and_then(id_text).is_none())
    {
        return Err(error("INVALID_DATA", "territory", "$.territory", json!({})));
    }
    let target = target(&body)?;
    let meta = org.meta[&module].clone();
    let mut input = values;
    input.remove("id");
    // Fields whose metadata says `"mass_update": false` cannot be set this way.
    if let Some(f) = input
        .keys()
        .find(|k| meta.field(k).is_some_and(|f| f.0["mass_update"] == false))
    {
        return Err(error(
            "INVALID_DATA",
            f,
            &format!("$.data[0].{f}"),
            json!({}),
        ));
    }
    if !over_write {
        // Without over_write, multi-select picklists gain the values instead of taking them.
        let append: Map<String, Value> = meta
            .views()
            .filter(|f| f.data_type() == "multiselectpicklist" && input.contains_key(f.api_name()))
            .map(|f| (f.api_name().to_string(), Value::Bool(true)))
            .collect();
        input.insert("$append_values".into(), Value::Object(append));
    }
    let ctx = validate::Ctx {
        org: &*org,
        users: &users,
        meta: &meta,
    };
    // Values no record could take fail the call.
    let clean = validate::record(&ctx, &input, "$.data[0]", Mode::Update, None).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e["code"].as_str().unwrap_or("INVALID_DATA"),
            e["message"].as_str().unwrap_or("invalid data"),
            e["details"].clone(),
        )
    })?;
    if clean.is_empty() {
        return Err(error("INVALID_DATA", "data", "$.data[0]", json!({})));
    }
    let ids: Vec<String> = match &target {
        Target::Ids(ids) => ids.clone(),
        Target::View(_) => org.records[&module]
            .values()
            .filter(|r| !r.text().converted())
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
            .collect(),
    };
    if matches!(target, Target::View(_)) && ids.len() > MAX_VIEW {
        return Err(error(
            "LIMIT_EXCEEDED",
            "cvid",
            "$.cvid",
            json!({"limit": MAX_VIEW}),
        ));
    }
    let now = clock::now();
    let mut results = vec![];
    for id in &ids {
        let Some(current) = org.records[&module].get(id) else {
            results.push(item(
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"id": id}),
            ));
            continue;
        };
        let ctx = validate::Ctx {
            org: &*org,
            users: &users,
            meta: &meta,
        };
        match validate::record(&ctx, &input, "$.data[0]", Mode::Update, Some(current)) {
            Ok(clean) => {
                let details = store::update_by_id(org, &module, id, clean, &caller.user, now)
                    .unwrap_or(Value::Null);
                results.push(item("SUCCESS", "record updated", details));
            }
            Err(e) => results.push(e),
        }
    }
    let updated = results.iter().filter(|r| r["status"] == "success").count();
    match target {
        Target::Ids(_) => {
            let status = if updated > 0 {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            Ok(json_response(status, &json!({"data": results})))
        }
        Target::View(cvid) => {
            let job_id = org.mint_id();
            org.mass_updates.insert(
                job_id.clone(),
                json!({
                    "module": module, "cvid": cvid, "territory": body.get("territory"),
                    "created_by": {"name": caller.user.full_name(), "id": caller.user.id},
                    "created_time": clock::format(now),
                    "Status": "COMPLETED",
                    "Failed_Count": ids.len() - updated,
                    "Updated_Count": updated,
                    "Not_Updated_Count": 0,
                    "Total_Count": ids.len(),
                }),
            );
            Ok(json_response(
                StatusCode::OK,
                &json!({"data": [item("SUCCESS", "mass update scheduled successfully", json!({"job_id": job_id}))]}),
            ))
        }
    }
}

/// `GET /{module}/actions/mass_update?job_id=`: the job's status and counts.
pub async fn status(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module(org, &caller, &name, "READ")?;
    let job_id = p.get("job_id").filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "MANDATORY_NOT_FOUND",
            "mandatory param missing",
            json!({"param_name": "job_id"}),
        )
    })?;
    let job = org
        .mass_updates
        .get(job_id)
        .filter(|j| j["module"] == module.as_str())
        .ok_or_else(|| ApiError::invalid_param("job_id"))?;
    let keys = [
        "Status",
        "Failed_Count",
        "Updated_Count",
        "Not_Updated_Count",
        "Total_Count",
    ];
    let out: Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), job[*k].clone()))
        .collect();
    Ok(json_response(StatusCode::OK, &json!({"data": [out]})))
}
