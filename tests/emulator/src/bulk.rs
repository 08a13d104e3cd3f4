//! Bulk jobs, JSON side: `POST /crm/bulk/v7/read` and `GET /crm/bulk/v7/read/{job_id}`,
//! `POST /crm/bulk/v7/write` and `GET /crm/bulk/v7/write/{job_id}`, and the bulk-write file
//! upload `POST /crm/v7/upload` (headers `feature: bulk-write`, `X-CRM-ORG: <zgid>`).
//!
//! A job moves one state further on each details call: `ADDED` (as created), `IN PROGRESS`,
//! then `COMPLETED` with its `result` (the admin API completes one at once). A job does its work
//! as it completes: a read exports the records its query matches then, a write applies the rows
//! of its file then (see [`crate::bulk_result`], which also serves the result files and POSTs
//! the callbacks).

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{json_response, ApiError, ApiResult};
use crate::multipart;
use crate::state::{App, BulkJob, Org, Record, Upload};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Rows a bulk read result page holds.
pub const READ_PAGE_ROWS: usize = 200_000;

fn body_of(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "REQUEST_BODY_NOT_SUPPORTED",
                "request body contains invalid format",
                json!({}),
            )
        })
}

fn user_short(caller: &Caller) -> Value {
    json!({"id": caller.user.id, "name": caller.user.full_name()})
}

/// A bulk read error item, answered as `{"data":[item],"info":{}}`.
fn read_error(code: &str, message: &str, details: Value) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message, details).wrapped_with_info()
}

fn check_callback(body: &Value) -> Result<(), ApiError> {
    let Some(cb) = body.get("callback").filter(|c| !c.is_null()) else {
        return Ok(());
    };
    let url = cb.get("url").and_then(Value::as_str).unwrap_or("");
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CALLBACK_URL",
            "Invalid callback URL provided",
            json!({}),
        ));
    }
    if cb
        .get("method")
        .and_then(Value::as_str)
        .is_some_and(|m| !m.eq_ignore_ascii_case("post"))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CALLBACK_METHOD",
            "invalid callback method",
            json!({"supported_callback_methods": ["post"]}),
        ));
    }
    Ok(())
}

/// Whether a record matches a bulk read criteria object (`group_operator` + `group`, or one
/// `field` / `comparator` / `value` condition). Values compare as text, or as numbers when both
/// sides are numbers.
pub(crate) fn matches(c: &Value, rec: &Record) -> bool {
    if let Some(group) = c.get("group").and_then(Value::as_array) {
        let or = c.get("group_operator").and_then(Value::as_str) == Some("or");
        return if or {
            group.iter().any(|g| matches(g, rec))
        } else {
            group.iter().all(|g| matches(g, rec))
        };
    }
    let Some(field) = c.pointer("/field/api_name").and_then(Value::as_str) else {
        return true;
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("id")
            .map(|i| i.as_str().map(str::to_string).unwrap_or(i.to_string()))
            .unwrap_or_default(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let have = rec.get(field).map(text).unwrap_or_default();
    let want = c.get("value").cloned().unwrap_or(Value::Null);
    let list: Vec<String> = match &want {
        Value::Array(a) => a.iter().map(text).collect(),
        v => vec![text(v)],
    };
    let first = list.first().cloned().unwrap_or_default();
    let num = |s: &str| s.parse::<f64>().ok();
    let cmp = match (num(&have), num(&first)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => Some(have.as_str().cmp(first.as_str())),
    };
    use std::cmp::Ordering::*;
    match c
        .get("comparator")
        .and_then(Value::as_str)
        .unwrap_or("equal")
    {
        "equal" => have == first,
        "not_equal" => have != first,
        "in" => list.contains(&have),
        "not_in" => !list.contains(&have),
        "contains" => have.contains(&first),
        "not_contains" => !have.contains(&first),
        "starts_with" => have.starts_with(&first),
        "ends_with" => have.ends_with(&first),
        "greater_than" => cmp == Some(Greater),
        "greater_equal" => matches!(cmp, Some(Greater | Equal)),
        "less_than" => cmp == Some(Less),
        "less_equal" => matches!(cmp, Some(Less | Equal)),
        "between" | "not_between" => {
            let inside = list.len() == 2 && {
                let lo = (num(&have), num(&list[0]), num(&list[1]));
                match lo {
                    (Some(h), Some(a), Some(b)) => a <= h && h <= b,
                    _ => list[0] <= have && have <= list[1],
                }
            };
            inside == (c["comparator"] == "between")
        }
        _ => false,
    }
}

/// `POST /crm/bulk/v7/read`: 201 `ADDED_SUCCESSFULLY` with the job's id and state.
pub async fn create_read(State(app): State<App>, caller: Caller, body: Bytes) -> ApiResult {
    caller.require(Need::plain("bulk", "READ"))?;
    let body = body_of(&body)?;
    check_callback(&body)?;
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let query = body.get("query").cloned().unwrap_or(Value::Null);
    let name = query
        .pointer("/module/api_name")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            read_error(
                "INVALID_REQUEST",
                "required key module is not found in the query",
                json!({"api_name": "module", "json_path": "$.query.module"}),
            )
        })?;
    let module = org
        .module_name(name)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| {
            read_error(
                "MODULE_NOT_AVAILABLE",
                &format!("Requested module '{name}' is not available."),
                json!({"api_name": "module", "json_path": "$.query.module.api_name"}),
            )
        })?;
    caller.require(Need::module(&module, "READ"))?;
    let meta = &org.meta[&module];
    if let Some(fields) = query.get("fields").and_then(Value::as_array) {
        for f in fields {
            let f = f.as_str().unwrap_or("");
            if f != "id" && meta.field(f).is_none() {
                return Err(read_error(
                    "FIELD_NOT_AVAILABLE",
                    "the field given is not available in the module",
                    json!({"api_name": f, "module": module}),
                ));
            }
        }
    }
    let file_type = body
        .get("file_type")
        .and_then(Value::as_str)
        .unwrap_or("csv");
    if !["csv", "ics"].contains(&file_type) || (file_type == "ics" && module != "Events") {
        return Err(read_error(
            "INVALID_REQUEST",
            "the file_type given is not supported for the module",
            json!({"api_name": "file_type", "json_path": "$.file_type"}),
        ));
    }
    let page = match query.get("page_token").filter(|t| !t.is_null()) {
        Some(token) => token
            .as_str()
            .and_then(|t| org.bulk_page_tokens.get(t))
            .filter(|(m, _)| *m == module)
            .map(|(_, page)| *page)
            .ok_or_else(|| {
                read_error(
                    "INVALID_REQUEST",
                    "the page_token given is invalid",
                    json!({"api_name": "page_token", "json_path": "$.query.page_token"}),
                )
            })?,
        None => query
            .get("page")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1) as usize,
    };
    let module_id = meta.module["id"].clone();
    let id = org.mint_id();
    let now = clock::format(clock::now());
    let mut q = query.clone();
    q["module"] = json!({"api_name": module, "id": module_id});
    q["page"] = json!(page);
    // The result (`page`, `count`, `more_records`, ...) is added as the job completes.
    let json = json!({
        "id": id, "operation": "read", "query": q, "created_by": user_short(&caller),
        "created_time": now, "file_type": file_type, "callback": body.get("callback"),
    });
    let failed = org.take_bulk_failure();
    org.bulk_jobs.insert(
        id.clone(),
        BulkJob {
            operation: "read".into(),
            json,
            polls: 0,
            result: None,
            ignore_empty: false,
            failed,
        },
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"data": [{"status": "success", "code": "ADDED_SUCCESSFULLY", "message": "Added successfully.",
            "details": {"id": id, "operation": "read", "state": "ADDED", "created_by": user_short(&caller), "created_time": now}}],
            "info": {}}),
    ))
}

/// The state a job shows on its `polls`-th details call.
pub(crate) fn state_at(polls: u32) -> &'static str {
    match polls {
        0 => "ADDED",
        1 => "IN PROGRESS",
        _ => "COMPLETED",
    }
}

fn job<'a>(org: &'a mut Org, id: &str, operation: &str) -> Option<&'a mut BulkJob> {
    org.bulk_jobs
        .get_mut(id)
        .filter(|j| j.operation == operation)
}

/// 404 `RESOURCE_NOT_FOUND`: no read job of the caller's org has this id.
pub(crate) fn read_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        "The requested resource doesn't exist.",
        json!({"resource": "job_id"}),
    )
}

/// A read job as its details call shows it: its state, and its `result` once completed.
pub(crate) fn read_view(j: &BulkJob) -> Value {
    let state = j.state();
    let mut out = j.json.clone();
    out["state"] = json!(state);
    if state != "COMPLETED" {
        if let Some(o) = out.as_object_mut() {
            o.remove("result");
        }
    }
    out
}

/// `GET /crm/bulk/v7/read/{job_id}`: the job; unknown ids answer 404 `RESOURCE_NOT_FOUND`.
pub async fn read_details(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require(Need::plain("bulk", "READ"))?;
    let base = app.base_url();
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    job(org, &id, "read").ok_or_else(read_not_found)?.polls += 1;
    let callback = crate::bulk_result::complete_if_due(&mut world, &caller.org_id, &id, &base);
    let out = read_view(&world.orgs[&caller.org_id].bulk_jobs[&id]);
    drop(world);
    app.bulk_callbacks.send(callback);
    Ok(json_response(StatusCode::OK, &json!({"data": [out]})))
}

fn write_error(code: &str, message: &str, details: Value) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message, details)
}

/// `POST /crm/bulk/v7/write`: 201 `{"status":"success","code":"SUCCESS","details":{"id",..}}`.
pub async fn create_write(State(app): State<App>, caller: Caller, body: Bytes) -> ApiResult {
    caller.require(Need::plain("bulk", "CREATE"))?;
    let body = body_of(&body)?;
    let missing = |key: &str, path: &str| {
        write_error(
            "MISSING_REQUIRED_KEY",
            &format!("required key {key} is not found in request body."),
            json!({"api_name": key, "json_path": path}),
        )
    };
    let operation = body
        .get("operation")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("operation", "$.operation"))?;
    if !["insert", "update", "upsert"].contains(&operation) {
        return Err(write_error(
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "operation", "json_path": "$.operation", "supported_values": ["insert", "update", "upsert"]}),
        ));
    }
    check_callback(&body)?;
    let resources = body
        .get("resource")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| missing("resource", "$.resource"))?;
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let mut out = vec![];
    for (i, r) in resources.iter().enumerate() {
        let at = |k: &str| format!("$.resource[{i}].{k}");
        let name = r
            .pointer("/module/api_name")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("module", &at("module")))?;
        let module = org
            .module_name(name)
            .filter(|m| org.meta[m].is_record_module() && m != "Notes" && m != "Events")
            .ok_or_else(|| {
                write_error(
                    "MODULE_NOT_AVAILABLE",
                    &format!("Requested module '{name}' is not available."),
                    json!({"api_name": "module", "json_path": at("module")}),
                )
            })?;
        let op = if operation == "insert" {
            "CREATE"
        } else {
            "UPDATE"
        };
        caller.require(Need::module(&module, op))?;
        let file_id = r
            .get("file_id")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("file_id", &at("file_id")))?;
        let upload = org.uploads.get(file_id).ok_or_else(|| {
            write_error(
                "INVALID_FILE_ID",
                "improper file id",
                json!({"api_name": "file_id", "json_path": at("file_id")}),
            )
        })?;
        if operation != "insert" && r.get("find_by").and_then(Value::as_str).is_none() {
            return Err(write_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "find_by", "json_path": at("find_by")}),
            ));
        }
        let meta = &org.meta[&module];
        for (j, m) in r
            .get("field_mappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let f = m.get("api_name").and_then(Value::as_str).unwrap_or("");
            if f != "id" && meta.field(f).is_none() {
                return Err(write_error(
                    "INVALID_FIELD_NAME",
                    &format!("invalid mapping. invalid api_name {f}."),
                    json!({"api_name": f, "json_path": format!("$.resource[{i}].field_mappings[{j}].api_name")}),
                ));
            }
        }
        let mut res = r.clone();
        res["module"] = json!({"api_name": module, "id": meta.module["id"]});
        res["file"] = json!({"name": upload.name, "added_count": 0, "skipped_count": 0, "updated_count": 0,
            "total_count": crate::bulk_result::upload_rows(&upload.body)});
        out.push(res);
    }
    let id = org.mint_id();
    let json = json!({
        "character_encoding": body.get("character_encoding").cloned().unwrap_or(json!("UTF-8")),
        "resource": out, "id": id, "created_by": user_short(&caller), "operation": operation,
        "created_time": clock::format(clock::now()), "callback": body.get("callback"),
    });
    let failed = org.take_bulk_failure();
    org.bulk_jobs.insert(
        id.clone(),
        BulkJob {
            operation: "write".into(),
            json,
            polls: 0,
            result: None,
            ignore_empty: body.get("ignore_empty").and_then(Value::as_bool) == Some(true),
            failed,
        },
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"status": "success", "code": "SUCCESS", "message": "success",
            "details": {"id": id, "created_by": user_short(&caller)}}),
    ))
}

/// 400 `RESOURCE_NOT_FOUND`: no write job of the caller's org has this id.
pub(crate) fn write_not_found() -> ApiError {
    write_error(
        "RESOURCE_NOT_FOUND",
        "The requested resource doesn't exist.",
        json!({}),
    )
}

/// A write job as its details call shows it: its state and, once completed, the counts of its
/// rows (added, updated, skipped) and its `result`.
pub(crate) fn write_view(j: &BulkJob) -> Value {
    let state = j.state();
    let done = state == "COMPLETED";
    let mut out = j.json.clone();
    out["status"] = json!(state);
    for r in out["resource"].as_array_mut().into_iter().flatten() {
        r["status"] = json!(state);
        r["file"]["status"] = json!(state);
        if !done {
            for k in ["added_count", "updated_count", "skipped_count"] {
                r["file"][k] = json!(0);
            }
        }
    }
    if !done {
        if let Some(o) = out.as_object_mut() {
            o.remove("result");
        }
    }
    out
}

/// `GET /crm/bulk/v7/write/{job_id}`: the job; unknown ids answer 400 `RESOURCE_NOT_FOUND`.
pub async fn write_details(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller
        .require(Need::plain("bulk", "CREATE"))
        .or_else(|_| caller.require(Need::plain("bulk", "READ")))?;
    let base = app.download_base();
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    job(org, &id, "write").ok_or_else(write_not_found)?.polls += 1;
    let callback = crate::bulk_result::complete_if_due(&mut world, &caller.org_id, &id, &base);
    let out = write_view(&world.orgs[&caller.org_id].bulk_jobs[&id]);
    drop(world);
    app.bulk_callbacks.send(callback);
    Ok(json_response(StatusCode::OK, &out))
}

fn header_error() -> ApiError {
    let mut e = ApiError::new(StatusCode::BAD_REQUEST, "", "", json!({}));
    e.body = json!({"x-error": "check if headers [feature, X-CRM-ORG] are present and valid",
        "ERROR_CODE": 400, "ERROR_MESSAGE": "Bad Request"});
    e
}

/// Stores an uploaded file; returns its file id.
fn store_upload(org: &mut Org, name: String, body: Vec<u8>) -> (String, String) {
    let id = org.mint_id();
    let now = clock::format(clock::now());
    org.uploads.insert(id.clone(), Upload { name, body });
    (id, now)
}

/// `POST /crm/v7/upload` (multipart part `file`, a ZIP): headers `feature: bulk-write` and
/// `X-CRM-ORG: <zgid>`, scope `ZohoFiles.files.ALL`.
pub async fn upload(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    if !caller
        .scopes
        .iter()
        .any(|s| s.eq_ignore_ascii_case("ZohoFiles.files.ALL"))
    {
        return Err(ApiError::scope_mismatch());
    }
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    if header("feature") != Some("bulk-write") || header("x-crm-org") != Some(org.zgid.as_str()) {
        return Err(header_error());
    }
    let file = multipart::parse(&headers, &body)
        .and_then(|parts| parts.into_iter().find(|p| p.name == "file"))
        .ok_or_else(|| ApiError::required_param("file"))?;
    if !file.data.starts_with(b"PK\x03\x04") {
        return Err(write_error(
            "INVALID_FILE_FORMAT",
            "invalid file format. only zip format is supported",
            json!({}),
        ));
    }
    let name = file.file_name.unwrap_or_else(|| "upload.zip".into());
    let (id, now) = store_upload(org, name, file.data);
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "success", "code": "FILE_UPLOAD_SUCCESS", "message": "file uploaded.",
            "details": {"file_id": id, "created_time": now}}),
    ))
}

/// Admin `POST /__emulator/orgs/{org}/uploads?file_name=`: stores the raw body as a bulk-write
/// file (any format) and answers `{"file_id"}`.
pub async fn admin_upload(
    State(app): State<App>,
    Path(org): Path<String>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let id = world.org_key(&org).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid admin request",
            json!({"reason": format!("unknown org `{org}` (give its id or zgid)")}),
        )
    })?;
    let org = world.orgs.get_mut(&id).expect("org");
    let name = p
        .get("file_name")
        .cloned()
        .unwrap_or_else(|| "upload.zip".into());
    let (file_id, created_time) = store_upload(org, name, body.to_vec());
    Ok(json_response(
        StatusCode::OK,
        &json!({"file_id": file_id, "created_time": created_time}),
    ))
}
