//! Record writes: create, update (many or one) and upsert, at most 100 records a call.

use crate::auth::Caller;
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::records::{batch_status, module_of};
use crate::state::App;
use crate::store;
use crate::validate::{self, Mode};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

/// Records a write call may carry.
pub const MAX_RECORDS: usize = 100;
const TRIGGERS: [&str; 5] = [
    "workflow",
    "approval",
    "blueprint",
    "pathfinder",
    "orchestration",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Update,
    Upsert,
}

/// System duplicate-check field of a module, as upsert uses it.
fn system_dup_field(module: &str) -> Option<&'static str> {
    Some(match module {
        "Leads" | "Contacts" => "Email",
        "Accounts" => "Account_Name",
        "Deals" => "Deal_Name",
        "Campaigns" => "Campaign_Name",
        "Cases" | "Quotes" | "Sales_Orders" | "Purchase_Orders" | "Invoices" => "Subject",
        "Solutions" => "Solution_Title",
        "Products" => "Product_Name",
        "Vendors" => "Vendor_Name",
        "Price_Books" => "Price_Book_Name",
        "Tasks" | "Events" | "Calls" | "Notes" => return None,
        _ => "Name",
    })
}

/// Parses a JSON request body, answering Zoho-shaped errors for a wrong content type or bad JSON.
pub fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    if !ct.to_ascii_lowercase().contains("json") && !ct.starts_with("text/plain") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "INVALID_DATA",
            "the content type is not supported",
            json!({"supported_content_types": ["application/json"]}),
        ));
    }
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "body is empty",
            json!({"reason": "a JSON body is required"}),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_body(format!("the body is not valid JSON: {e}")))
}

fn data_items(body: &Value) -> Result<&Vec<Value>, ApiError> {
    let data = body
        .get("data")
        .ok_or_else(|| ApiError::required_param("data"))?;
    let arr = data.as_array().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"expected_data_type": "jsonarray", "api_name": "data", "json_path": "$.data"}),
        )
    })?;
    if arr.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "data", "json_path": "$.data", "reason": "no records given"}),
        ));
    }
    if arr.len() > MAX_RECORDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_RECORDS, "api_name": "data", "json_path": "$.data"}),
        ));
    }
    Ok(arr)
}

fn check_trigger(body: &Value) -> Result<(), ApiError> {
    match body.get("trigger") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(a))
            if a.iter()
                .all(|t| t.as_str().is_some_and(|s| TRIGGERS.contains(&s))) =>
        {
            Ok(())
        }
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "trigger", "json_path": "$.trigger", "supported_values": TRIGGERS}),
        )),
    }
}

async fn write(
    app: App,
    caller: Caller,
    module: String,
    path_id: Option<String>,
    headers: HeaderMap,
    body: Bytes,
    kind: Kind,
) -> ApiResult {
    let op = if kind == Kind::Create {
        "CREATE"
    } else {
        "UPDATE"
    };
    let mut world = app.world();
    let users = world.users.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, &caller, &module, op).map_err(|e| {
        if e.code() == "INVALID_MODULE" {
            e.wrapped()
        } else {
            e
        }
    })?;
    let body = json_body(&headers, &body)?;
    check_trigger(&body)?;
    let items = data_items(&body)?;
    let unmodified_since = match headers
        .get("if-unmodified-since")
        .and_then(|v| v.to_str().ok())
    {
        Some(s) => {
            Some(clock::parse(s).ok_or_else(|| ApiError::invalid_param("If-Unmodified-Since"))?)
        }
        None => None,
    };
    let meta = org.meta[&module].clone();
    let dup_fields: Vec<String> = match body.get("duplicate_check_fields") {
        Some(Value::Array(a)) => {
            let mut out = vec![];
            for f in a {
                let name = f.as_str().unwrap_or("");
                let allowed = meta.field(name).is_some_and(|v| v.unique().is_some())
                    || system_dup_field(&module) == Some(name);
                if !allowed {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_DATA",
                        "invalid data",
                        json!({"api_name": "duplicate_check_fields", "json_path": "$.duplicate_check_fields", "reason": format!("`{name}` is not a unique or system duplicate-check field")}),
                    ));
                }
                out.push(name.to_string());
            }
            out
        }
        _ => system_dup_field(&module)
            .map(str::to_string)
            .into_iter()
            .chain(
                meta.views()
                    .filter(|f| f.unique().is_some())
                    .map(|f| f.api_name().to_string()),
            )
            .collect(),
    };
    let now = clock::now();
    let mut results = vec![];
    let mut precondition_failed = false;
    for (i, it) in items.iter().enumerate() {
        let prefix = format!("$.data[{i}]");
        let Some(input) = it.as_object() else {
            results.push(item(
                "INVALID_DATA",
                "invalid data",
                json!({"expected_data_type": "jsonobject", "json_path": prefix}),
            ));
            continue;
        };
        // Which stored record this item updates, if any.
        let (target, dup_field): (Option<String>, Option<String>) = match kind {
            Kind::Create => (None, None),
            Kind::Update => {
                let id = path_id.clone().or_else(|| match input.get("id") {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                });
                let Some(id) = id else {
                    results.push(item(
                        "MANDATORY_NOT_FOUND",
                        "required field not found",
                        json!({"api_name": "id", "json_path": format!("{prefix}.id")}),
                    ));
                    continue;
                };
                if !org.records[&module].contains_key(&id) {
                    results.push(item(
                        "INVALID_DATA",
                        "the id given seems to be invalid",
                        json!({"api_name": "id", "json_path": format!("{prefix}.id"), "id": id}),
                    ));
                    continue;
                }
                (Some(id), None)
            }
            Kind::Upsert => {
                let hit = dup_fields.iter().find_map(|f| {
                    let v = input.get(f)?.as_str()?;
                    org.records[&module]
                        .values()
                        .find(|r| {
                            r.get(f)
                                .and_then(Value::as_str)
                                .is_some_and(|x| x.eq_ignore_ascii_case(v))
                        })
                        .map(|r| (r["id"].as_str().unwrap_or("").to_string(), f.clone()))
                });
                match hit {
                    Some((id, f)) => (Some(id), Some(f)),
                    None => (None, None),
                }
            }
        };
        let existing = target
            .as_ref()
            .and_then(|id| org.records[&module].get(id))
            .cloned();
        if let (Some(since), Some(rec)) = (unmodified_since, &existing) {
            if rec
                .get("Modified_Time")
                .and_then(Value::as_str)
                .and_then(clock::parse)
                .is_some_and(|t| t > since)
            {
                precondition_failed = true;
                let short = |k: &str| {
                    rec.get(k)
                        .map(|u| json!({"name": u["name"], "id": u["id"]}))
                };
                results.push(item(
                    "ALREADY_MODIFIED",
                    "record updated time has already passed if-unmodified-since time",
                    json!({"Modified_Time": rec.get("Modified_Time"), "Created_Time": rec.get("Created_Time"), "id": rec["id"],
                        "Modified_By": short("Modified_By"), "Created_By": short("Created_By")}),
                ));
                continue;
            }
        }
        let mode = if existing.is_some() {
            Mode::Update
        } else {
            Mode::Create
        };
        let ctx = validate::Ctx {
            org: &*org,
            users: &users,
            meta: &meta,
        };
        let clean: Map<String, Value> =
            match validate::record(&ctx, input, &prefix, mode, existing.as_ref()) {
                Ok(c) => c,
                Err(e) => {
                    results.push(e);
                    continue;
                }
            };
        match target {
            Some(id) => {
                let details = store::update_by_id(org, &module, &id, clean, &caller.user, now)
                    .expect("target exists");
                let mut r = item("SUCCESS", "record updated", details);
                if kind == Kind::Upsert {
                    r["action"] = json!("update");
                    r["duplicate_field"] = json!(dup_field);
                }
                results.push(r);
            }
            None => {
                let rec = store::insert(org, &module, clean, &caller.user, now);
                let mut r = item("SUCCESS", "record added", store::write_details(&rec));
                if kind == Kind::Upsert {
                    r["action"] = json!("insert");
                    r["duplicate_field"] = Value::Null;
                }
                results.push(r);
            }
        }
    }
    let ok = if kind == Kind::Create {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut status = batch_status(&results, ok);
    if precondition_failed && status == StatusCode::BAD_REQUEST {
        status = StatusCode::PRECONDITION_FAILED;
    }
    Ok(json_response(status, &json!({"data": results})))
}

/// `POST /{module}`.
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    write(app, caller, module, None, headers, body, Kind::Create).await
}

/// `PUT /{module}`.
pub async fn update_many(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    write(app, caller, module, None, headers, body, Kind::Update).await
}

/// `PUT /{module}/{id}`.
pub async fn update_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    write(app, caller, module, Some(id), headers, body, Kind::Update).await
}

/// `POST /{module}/upsert`.
pub async fn upsert(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    write(app, caller, module, None, headers, body, Kind::Upsert).await
}
