//! Record clone: `POST /{module}/{id}/actions/clone`.
//!
//! The copy takes the record's writable field values (file and image uploads, read-only fields,
//! tags and `$` properties are left behind; subform rows are copied as new rows), overlaid with
//! the optional `{"data":[{...}]}` body, validated as a create, and stored with a new id and new
//! created and modified times.

use crate::auth::Caller;
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::records::module_of;
use crate::state::App;
use crate::store;
use crate::validate::{self, Mode};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

/// Field types a clone leaves behind.
const NOT_CLONED: [&str; 3] = ["fileupload", "imageupload", "autonumber"];

/// `POST /{module}/{id}/actions/clone` with an optional `{"data":[{overrides}]}`: 201 and the
/// copy's write details, as a create answers.
pub async fn clone(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let users = world.users.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, &caller, &module, "CREATE")?;
    let original = org.records[&module]
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::invalid_id(&id))?;
    let overrides: Map<String, Value> = if body.is_empty() {
        Map::new()
    } else {
        let body = json_body(&headers, &body)?;
        match body.get("data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Array(a)) => match a.first() {
                None => Map::new(),
                Some(Value::Object(o)) => o.clone(),
                Some(_) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_DATA",
                        "invalid data",
                        json!({"expected_data_type": "jsonobject", "api_name": "data", "json_path": "$.data[0]"}),
                    ))
                }
            },
            Some(_) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_DATA",
                    "invalid data",
                    json!({"expected_data_type": "jsonarray", "api_name": "data", "json_path": "$.data"}),
                ))
            }
        }
    };
    let meta = org.meta[&module].clone();
    let mut input = Map::new();
    for f in meta.views() {
        let name = f.api_name();
        if !f.writable() || NOT_CLONED.contains(&f.data_type()) || name == "Tag" {
            continue;
        }
        let Some(v) = original.get(name).filter(|v| !v.is_null()) else {
            continue;
        };
        let v = match (f.data_type(), v) {
            // Subform rows become new rows of the copy.
            ("subform", Value::Array(rows)) => Value::Array(
                rows.iter()
                    .map(|r| {
                        let mut r = r.as_object().cloned().unwrap_or_default();
                        r.remove("id");
                        r.remove("Parent_Id");
                        Value::Object(r)
                    })
                    .collect(),
            ),
            _ => v.clone(),
        };
        input.insert(name.to_string(), v);
    }
    input.extend(overrides);
    let ctx = validate::Ctx {
        org: &*org,
        users: &users,
        meta: &meta,
    };
    let clean = validate::record(&ctx, &input, "$.data[0]", Mode::Create, None).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e["code"].as_str().unwrap_or("INVALID_DATA"),
            e["message"].as_str().unwrap_or("invalid data"),
            e["details"].clone(),
        )
        .wrapped()
    })?;
    let rec = store::insert(org, &module, clean, &caller.user, clock::now());
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"data": [item("SUCCESS", "record added", store::write_details(&rec))]}),
    ))
}
