//! Blueprints: `GET/PUT /{module}/{id}/actions/blueprint`, and their definitions in the admin API
//! (`GET/POST/DELETE /__emulator/orgs/{org}/blueprints`).
//!
//! A blueprint is a process over a picklist field of a module: a record is in it while the
//! field holds one of the states its transitions start from. GET lists the transitions open
//! from the record's state (each with the fields it asks for); PUT with
//! `{"blueprint": [{"transition_id", "data": {...}}]}` checks the transition's fields (mandatory
//! ones must be given; values are validated as an update), writes them and moves the field to
//! the transition's `next_field_value`.
//!
//! Every org starts with one, "Lead Qualification" over `Leads.Lead_Status`:
//!
//! | Transition | From | To | Fields |
//! |---|---|---|---|
//! | Make Contact | Not Contacted, Attempted to Contact | Contacted | |
//! | Qualify | Contacted | Pre-Qualified | `Annual_Revenue` (mandatory), `Description` |
//! | Disqualify | Contacted, Pre-Qualified | Not Qualified | `Description` (mandatory) |

use crate::admin::{bad, body_json, org_id};
use crate::auth::Caller;
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::records::module_of;
use crate::state::{App, Org};
use crate::store;
use crate::validate::{self, Mode};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

/// A process over a picklist field.
#[derive(Debug, Clone)]
pub struct Blueprint {
    /// The blueprint's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Module API name.
    pub module: String,
    /// The picklist field whose values are the states.
    pub field: String,
    /// The transitions.
    pub transitions: Vec<Transition>,
}

/// A move from some states to another.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The transition's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The states it starts from.
    pub from: Vec<String>,
    /// The state it leads to (`next_field_value`).
    pub to: String,
    /// Fields it asks for: API name and whether it is mandatory.
    pub fields: Vec<(String, bool)>,
}

impl Blueprint {
    /// The blueprint as the admin API shows it.
    fn json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "module": self.module, "field": self.field,
            "transitions": self.transitions.iter().map(|t| json!({
                "id": t.id, "name": t.name, "from": t.from, "to": t.to,
                "fields": t.fields.iter().map(|(f, m)| json!({"api_name": f, "mandatory": m})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    fn open_from<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a Transition> {
        self.transitions
            .iter()
            .filter(move |t| t.from.iter().any(|f| f == state))
    }
}

/// Adds the seeded blueprint to an org (ids below those the org mints, so seeding moves no id).
pub fn seed(org: &mut Org) {
    let id = |n: u64| format!("{}{:012}", org.id_prefix, 183_000 + n);
    let t = |n: u64, name: &str, from: &[&str], to: &str, fields: &[(&str, bool)]| Transition {
        id: id(n),
        name: name.into(),
        from: from.iter().map(|s| s.to_string()).collect(),
        to: to.into(),
        fields: fields.iter().map(|(f, m)| (f.to_string(), *m)).collect(),
    };
    let bp = Blueprint {
        id: id(1),
        name: "Lead Qualification".into(),
        module: "Leads".into(),
        field: "Lead_Status".into(),
        transitions: vec![
            t(
                11,
                "Make Contact",
                &["Not Contacted", "Attempted to Contact"],
                "Contacted",
                &[],
            ),
            t(
                12,
                "Qualify",
                &["Contacted"],
                "Pre-Qualified",
                &[("Annual_Revenue", true), ("Description", false)],
            ),
            t(
                13,
                "Disqualify",
                &["Contacted", "Pre-Qualified"],
                "Not Qualified",
                &[("Description", true)],
            ),
        ],
    };
    if org.meta.contains_key("Leads") {
        org.blueprints.push(bp);
    }
}

/// The blueprint a record is in, and its state.
fn process_of<'a>(
    org: &'a Org,
    module: &str,
    id: &str,
) -> Result<(&'a Blueprint, String), ApiError> {
    let rec = org.records[module]
        .get(id)
        .ok_or_else(|| ApiError::invalid_id(id))?;
    org.blueprints
        .iter()
        .filter(|b| b.module == module)
        .find_map(|b| {
            let state = rec.get(&b.field).and_then(Value::as_str)?;
            b.open_from(state).next().map(|_| (b, state.to_string()))
        })
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "RECORD_NOT_IN_PROCESS",
                "record not in process",
                json!({}),
            )
        })
}

/// A field of a transition as GET shows it: its metadata with `mandatory` and its place.
fn field_json(org: &Org, module: &str, name: &str, mandatory: bool, seq: usize) -> Value {
    let mut out = Map::new();
    if let Some(f) = org.meta[module].field(name) {
        for k in [
            "api_name",
            "id",
            "field_label",
            "display_label",
            "data_type",
            "json_type",
            "length",
            "read_only",
            "field_read_only",
            "system_mandatory",
            "custom_field",
            "visible",
            "pick_list_values",
        ] {
            if let Some(v) = f.0.get(k) {
                out.insert(k.into(), v.clone());
            }
        }
    }
    out.insert("mandatory".into(), json!(mandatory));
    out.insert("transition_sequence".into(), json!(seq));
    Value::Object(out)
}

/// `GET /{module}/{id}/actions/blueprint`: the record's process and open transitions.
pub async fn get(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, &caller, &module, "READ")?;
    let (bp, state) = process_of(org, &module, &id)?;
    let field = org.meta[&module].field(&bp.field);
    let label = field.map(|f| f.0["field_label"].clone());
    let transitions: Vec<Value> = bp
        .open_from(&state)
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "next_field_value": t.to,
                "next_transitions": bp.open_from(&t.to).map(|n| json!({"id": n.id, "name": n.name})).collect::<Vec<_>>(),
                "percent_partial_save": null,
                "criteria_matched": true,
                "criteria_message": null,
                "color_code": null,
                "text_color_code": null,
                "fields": t.fields.iter().enumerate().map(|(i, (f, m))| field_json(org, &module, f, *m, i + 1)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"blueprint": {
            "process_info": {
                "field_id": field.map(|f| f.0["id"].clone()),
                "is_continuous": false,
                "api_name": bp.field,
                "continuous": false,
                "field_label": label,
                "name": bp.name,
                "column_name": bp.field.to_ascii_uppercase(),
                "field_value": state,
                "id": bp.id,
                "field_name": label,
            },
            "transitions": transitions,
        }}),
    ))
}

fn mandatory(api: &str, path: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "MANDATORY_NOT_FOUND",
        "required field not found",
        json!({"api_name": api, "json_path": path}),
    )
}

/// `PUT /{module}/{id}/actions/blueprint` with `{"blueprint": [{"transition_id", "data"}]}`.
pub async fn update(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let users = world.users.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, &caller, &module, "UPDATE")?;
    let body = json_body(&headers, &body)?;
    let items = body
        .get("blueprint")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| mandatory("blueprint", "$.blueprint"))?;
    if items.len() > 1 {
        // Zoho moves a record through one transition a call.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": 1, "api_name": "blueprint", "json_path": "$.blueprint"}),
        ));
    }
    let it = &items[0];
    let tid = match it.get("transition_id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(mandatory("transition_id", "$.blueprint[0].transition_id")),
    };
    let (bp, state) = process_of(org, &module, &id)?;
    let t = bp
        .open_from(&state)
        .find(|t| t.id == tid)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_DATA",
                "invalid transition",
                json!({"api_name": "transition_id", "json_path": "$.blueprint[0].transition_id"}),
            )
        })?;
    let field = bp.field.clone();
    let data = match it.get("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "data", "json_path": "$.blueprint[0].data", "expected_data_type": "jsonobject"}),
            ))
        }
    };
    let empty = |v: Option<&Value>| {
        v.is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
    };
    if let Some((f, _)) = t.fields.iter().find(|(f, m)| *m && empty(data.get(f))) {
        return Err(mandatory(f, &format!("$.blueprint[0].data.{f}")));
    }
    // Only the transition's fields are written; other keys are ignored.
    let input: Map<String, Value> = data
        .into_iter()
        .filter(|(k, _)| t.fields.iter().any(|(f, _)| f == k))
        .collect();
    let meta = org.meta[&module].clone();
    let existing = org.records[&module].get(&id);
    let ctx = validate::Ctx {
        org: &*org,
        users: &users,
        meta: &meta,
    };
    let mut clean = validate::record(&ctx, &input, "$.blueprint[0].data", Mode::Update, existing)
        .map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e["code"].as_str().unwrap_or("INVALID_DATA"),
            e["message"].as_str().unwrap_or("invalid data"),
            e["details"].clone(),
        )
    })?;
    clean.insert(field, Value::String(t.to.clone()));
    store::update_by_id(org, &module, &id, clean, &caller.user, clock::now());
    Ok(json_response(
        StatusCode::OK,
        &item("SUCCESS", "transition updated successfully", json!({})),
    ))
}

/// `GET /__emulator/orgs/{org}/blueprints`: the org's blueprints.
pub async fn admin_list(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let w = app.world();
    let id = org_id(&w, &org)?;
    let list: Vec<Value> = w.orgs[&id].blueprints.iter().map(Blueprint::json).collect();
    Ok(json_response(StatusCode::OK, &json!({"blueprints": list})))
}

/// `DELETE /__emulator/orgs/{org}/blueprints`: removes the org's blueprints.
pub async fn admin_clear(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    let n = o.blueprints.len();
    o.blueprints.clear();
    Ok(json_response(StatusCode::OK, &json!({"removed": n})))
}

/// `POST /__emulator/orgs/{org}/blueprints` with `{"name", "module", "field", "transitions":
/// [{"name", "from": [..], "to", "fields"?: ["Api_Name" | {"api_name", "mandatory"?}]}]}`:
/// defines a blueprint over a picklist field (states must be its values).
pub async fn admin_add(State(app): State<App>, Path(org): Path<String>, b: Bytes) -> ApiResult {
    let v = body_json(&b)?;
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    let module = v["module"]
        .as_str()
        .and_then(|m| o.module_name(m))
        .ok_or_else(|| bad("`module` must name a module"))?;
    let field_name = v["field"].as_str().unwrap_or("").to_string();
    let states: Vec<String> = {
        let f = o.meta[&module]
            .field(&field_name)
            .filter(|f| f.data_type() == "picklist")
            .ok_or_else(|| bad("`field` must name a picklist field of the module"))?;
        f.picklist_values().iter().map(|s| s.to_string()).collect()
    };
    let specs = v["transitions"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("`transitions` is required"))?;
    let mut transitions = vec![];
    for t in specs {
        let name = t["name"]
            .as_str()
            .ok_or_else(|| bad("every transition needs a `name`"))?;
        let from: Vec<String> = t["from"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let to = t["to"].as_str().unwrap_or("").to_string();
        if from.is_empty() || from.iter().chain([&to]).any(|s| !states.contains(s)) {
            return Err(bad(format!(
                "transition `{name}`: `from` and `to` must be values of {field_name}"
            )));
        }
        let mut fields = vec![];
        for f in t["fields"].as_array().into_iter().flatten() {
            let (api, m) = match f {
                Value::String(s) => (s.clone(), false),
                o => (
                    o["api_name"].as_str().unwrap_or("").to_string(),
                    o["mandatory"] == true,
                ),
            };
            if o.meta[&module].field(&api).is_none_or(|x| !x.writable()) {
                return Err(bad(format!(
                    "transition `{name}`: no writable field `{api}`"
                )));
            }
            fields.push((api, m));
        }
        transitions.push(Transition {
            id: o.mint_id(),
            name: name.into(),
            from,
            to,
            fields,
        });
    }
    let bp = Blueprint {
        id: o.mint_id(),
        name: v["name"].as_str().unwrap_or("Blueprint").into(),
        module,
        field: field_name,
        transitions,
    };
    let out = bp.json();
    o.blueprints.push(bp);
    Ok(json_response(StatusCode::OK, &json!({"blueprint": out})))
}
