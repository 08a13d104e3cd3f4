//! Validation of written records against field metadata, with Zoho's error items.

use crate::clock;
use crate::error::item;
use crate::metadata::{FieldView, ModuleMeta};
use crate::state::{Org, Record, User};
use crate::store;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Create or update: mandatory fields are enforced on create only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
}

/// What a record is validated against.
pub struct Ctx<'a> {
    pub org: &'a Org,
    pub users: &'a BTreeMap<String, User>,
    pub meta: &'a ModuleMeta,
}

fn path(prefix: &str, field: &str) -> String {
    format!("{prefix}.{field}")
}

fn invalid(api: &str, json_path: &str, extra: Value) -> Value {
    let mut details = json!({"api_name": api, "json_path": json_path});
    if let (Some(d), Some(e)) = (details.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            d.insert(k.clone(), v.clone());
        }
    }
    item("INVALID_DATA", "invalid data", details)
}

fn expected(api: &str, json_path: &str, ty: &str) -> Value {
    invalid(api, json_path, json!({"expected_data_type": ty}))
}

fn is_empty(v: &Value) -> bool {
    v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())
}

/// Validates one input record; returns the cleaned fields to store, or the error item.
///
/// `prefix` is the JSON path of the record (`$.data[0]`), `existing` the stored record on update.
pub fn record(
    ctx: &Ctx,
    input: &Map<String, Value>,
    prefix: &str,
    mode: Mode,
    existing: Option<&Record>,
) -> Result<Map<String, Value>, Value> {
    let mut errors = vec![];
    let mut out = Map::new();
    let append: Vec<String> = input
        .get("$append_values")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| **v == Value::Bool(true))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    for (key, value) in input {
        if key.starts_with('$') || key == "id" {
            continue;
        }
        let Some(field) = ctx.meta.field(key) else {
            if key != "_delete" {
                // A key that names no field of the module.
                errors.push(invalid(key, &path(prefix, key), json!({})));
            }
            continue;
        };
        if !field.writable() {
            continue;
        }
        let jp = path(prefix, key);
        if is_empty(value) {
            if field.mandatory() {
                errors.push(item(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    json!({"api_name": key, "json_path": jp}),
                ));
            } else {
                out.insert(key.clone(), Value::Null);
            }
            continue;
        }
        match value_of(ctx, field, value, &jp) {
            Ok(mut v) => {
                if append.contains(key) {
                    if let (Some(old), Some(new)) = (
                        existing.and_then(|r| r.get(key)).and_then(Value::as_array),
                        v.as_array(),
                    ) {
                        let mut merged = old.clone();
                        merged.extend(new.iter().filter(|x| !old.contains(x)).cloned());
                        v = Value::Array(merged);
                    }
                }
                out.insert(key.clone(), v);
            }
            Err(e) => errors.push(e),
        }
    }
    if mode == Mode::Create {
        for f in ctx.meta.views().filter(|f| f.mandatory() && f.writable()) {
            if input.get(f.api_name()).is_none_or(is_empty) {
                errors.push(item(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    json!({"api_name": f.api_name(), "json_path": path(prefix, f.api_name())}),
                ));
            }
        }
    }
    if ctx.meta.api_name() == "Notes" {
        let has = |k: &str| {
            out.get(k)
                .or_else(|| existing.and_then(|r| r.get(k)))
                .is_some_and(|v| !is_empty(v))
        };
        if !has("Note_Title") && !has("Note_Content") {
            errors.push(item(
                "EXPECTED_FIELD_MISSING",
                "one of the expected field is missing",
                json!({"expected_fields": [
                {"api_name": "Note_Title", "json_path": path(prefix, "Note_Title")},
                {"api_name": "Note_Content", "json_path": path(prefix, "Note_Content")}]}),
            ));
        }
    }
    if errors.is_empty() {
        errors.extend(duplicates(ctx, &out, prefix, existing));
    }
    match errors.len() {
        0 => Ok(out),
        1 => Err(errors.remove(0)),
        _ => Err(item(
            "MULTIPLE_OR_MULTI_ERRORS",
            "Multiple errors in the request",
            json!({"errors": errors}),
        )),
    }
}

fn value_of(ctx: &Ctx, f: FieldView, v: &Value, jp: &str) -> Result<Value, Value> {
    let api = f.api_name();
    let too_long = |s: &str| f.length().is_some_and(|max| s.chars().count() > max);
    match f.data_type() {
        "text" | "textarea" | "phone" | "website" | "autonumber" | "profileimage" => {
            if api == "Tag" {
                return tags(api, v, jp);
            }
            let s = v.as_str().ok_or_else(|| expected(api, jp, "string"))?;
            if too_long(s) {
                return Err(invalid(api, jp, json!({"maximum_length": f.length()})));
            }
            Ok(v.clone())
        }
        "email" => {
            let s = v.as_str().ok_or_else(|| expected(api, jp, "email"))?;
            let valid = s.split_once('@').is_some_and(|(a, b)| {
                !a.is_empty()
                    && b.contains('.')
                    && !b.starts_with('.')
                    && !b.ends_with('.')
                    && !s.contains(char::is_whitespace)
            });
            if !valid {
                return Err(expected(api, jp, "email"));
            }
            if too_long(s) {
                return Err(invalid(api, jp, json!({"maximum_length": f.length()})));
            }
            Ok(v.clone())
        }
        "integer" => {
            let n = v.as_i64().ok_or_else(|| expected(api, jp, "integer"))?;
            if n.unsigned_abs() > i32::MAX as u64
                || f.length()
                    .is_some_and(|d| n.unsigned_abs().to_string().len() > d)
            {
                return Err(invalid(
                    api,
                    jp,
                    json!({"expected_data_type": "integer", "maximum_length": f.length()}),
                ));
            }
            Ok(v.clone())
        }
        "bigint" => match v {
            Value::Number(n) if n.is_i64() => Ok(Value::String(n.to_string())),
            Value::String(s) if !s.is_empty() && s.parse::<i64>().is_ok() => Ok(v.clone()),
            _ => Err(expected(api, jp, "bigint")),
        },
        "double" | "currency" | "percent" => {
            let ty = if f.data_type() == "currency" {
                "currency"
            } else {
                "double"
            };
            v.as_f64().ok_or_else(|| expected(api, jp, ty))?;
            Ok(v.clone())
        }
        "boolean" => v
            .as_bool()
            .map(|_| v.clone())
            .ok_or_else(|| expected(api, jp, "boolean")),
        // A list of dates (`Services__s.Available_Dates`).
        "date" if f.json_type() == "jsonarray" => match v.as_array() {
            Some(a)
                if a.iter()
                    .all(|d| d.as_str().and_then(clock::parse_date).is_some()) =>
            {
                Ok(v.clone())
            }
            _ => Err(expected(api, jp, "date")),
        },
        "date" => match v.as_str().and_then(clock::parse_date) {
            Some(_) => Ok(v.clone()),
            None => Err(expected(api, jp, "date")),
        },
        "datetime" => match v.as_str().and_then(clock::parse) {
            Some(t) => Ok(Value::String(clock::format(t))),
            None => Err(expected(api, jp, "datetime")),
        },
        "picklist" => {
            let s = v.as_str().ok_or_else(|| expected(api, jp, "picklist"))?;
            let allowed = f.picklist_values();
            if !allowed.contains(&s) {
                return Err(invalid(
                    api,
                    jp,
                    json!({"expected_data_type": "picklist", "supported_values": allowed}),
                ));
            }
            Ok(v.clone())
        }
        "multiselectpicklist" => {
            let arr = v.as_array().ok_or_else(|| expected(api, jp, "jsonarray"))?;
            let allowed = f.picklist_values();
            for (i, x) in arr.iter().enumerate() {
                if !x.as_str().is_some_and(|s| allowed.contains(&s)) {
                    return Err(invalid(
                        api,
                        &format!("{jp}[{i}]"),
                        json!({"expected_data_type": "multiselectpicklist", "supported_values": allowed}),
                    ));
                }
            }
            Ok(v.clone())
        }
        "lookup" => lookup(ctx, f, v, jp),
        "multi_module_lookup" => multi_module_lookup(ctx, f, v, jp),
        "ownerlookup" | "userlookup" => {
            let id = id_of(v).ok_or_else(|| expected(api, jp, "jsonobject"))?;
            ctx.users
                .get(&id)
                .filter(|u| u.org_id == ctx.org.id)
                .map(store::user_ref)
                .ok_or_else(|| {
                    invalid(
                        api,
                        jp,
                        json!({"expected_data_type": "jsonobject", "id": id}),
                    )
                })
        }
        "layout" => {
            let id = id_of(v).ok_or_else(|| expected(api, jp, "jsonobject"))?;
            Ok(json!({"name": "Standard", "id": id}))
        }
        "subform" => subform(ctx, f, v, jp),
        "fileupload" | "imageupload" => field_files(ctx, api, v, jp),
        _ => Ok(v.clone()),
    }
}

/// A file or image field: `[{"File_Id__s": id}, ...]` naming files uploaded to `/files`;
/// stored with each file's name and size.
fn field_files(ctx: &Ctx, api: &str, v: &Value, jp: &str) -> Result<Value, Value> {
    let arr = v.as_array().ok_or_else(|| expected(api, jp, "jsonarray"))?;
    arr.iter()
        .map(|entry| {
            let id = entry
                .get("File_Id__s")
                .and_then(Value::as_str)
                .ok_or_else(|| expected(api, jp, "jsonarray"))?;
            let f = ctx
                .org
                .files
                .get(id)
                .ok_or_else(|| invalid(api, jp, json!({"File_Id__s": id})))?;
            Ok(json!({"File_Id__s": id, "File_Name__s": f.name,
                "Size__s": f.body.len().to_string(), "id": id}))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn id_of(v: &Value) -> Option<String> {
    match v.get("id")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn tags(api: &str, v: &Value, jp: &str) -> Result<Value, Value> {
    let arr = v.as_array().ok_or_else(|| expected(api, jp, "jsonarray"))?;
    arr.iter()
        .map(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .map(|n| json!({"name": n, "id": null, "color_code": null}))
        })
        .collect::<Option<Vec<_>>>()
        .map(Value::Array)
        .ok_or_else(|| expected(api, jp, "jsonarray"))
}

fn lookup(ctx: &Ctx, f: FieldView, v: &Value, jp: &str) -> Result<Value, Value> {
    let api = f.api_name();
    let id = id_of(v).ok_or_else(|| expected(api, jp, "jsonobject"))?;
    // Notes' Parent_Id names its module in the value itself.
    let named = v
        .pointer("/module/api_name")
        .and_then(Value::as_str)
        .or_else(|| v.get("$se_module").and_then(Value::as_str));
    let target = named
        .or(f.lookup_module())
        .ok_or_else(|| expected(api, jp, "jsonobject"))?;
    let target = ctx
        .org
        .module_name(target)
        .ok_or_else(|| invalid(api, jp, json!({"expected_data_type": "jsonobject"})))?;
    let rec = ctx
        .org
        .records
        .get(&target)
        .and_then(|m| m.get(&id))
        .ok_or_else(|| {
            invalid(
                api,
                jp,
                json!({"expected_data_type": "jsonobject", "id": id}),
            )
        })?;
    let meta = &ctx.org.meta[&target];
    let mut out = json!({"name": store::display_name(meta, rec), "id": id});
    if named.is_some() {
        out["module"] = json!({"api_name": target, "id": meta.module["id"]});
    }
    Ok(out)
}

/// A multi-module lookup (`Appointments__s.Appointment_For`): `{"id", "module": {"api_name"}}`
/// (or `"module": "Contacts"`) to a record of one of the field's modules; stored and answered as
/// `{"name", "id", "module": {"api_name", "id"}}`.
fn multi_module_lookup(ctx: &Ctx, f: FieldView, v: &Value, jp: &str) -> Result<Value, Value> {
    let api = f.api_name();
    let module = v
        .pointer("/module/api_name")
        .or_else(|| v.get("module"))
        .and_then(Value::as_str)
        .ok_or_else(|| expected(api, jp, "jsonobject"))?;
    let Some(module) = f
        .multi_module_lookup_modules()
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(module))
    else {
        return Err(item(
            "INVALID_DATA",
            "the given module name is not exist in multimodulelookup",
            json!({"api_name": api, "json_path": jp}),
        ));
    };
    let mut named = v.clone();
    named["module"] = json!({"api_name": module});
    lookup(ctx, f, &named, jp)
}

fn subform(ctx: &Ctx, f: FieldView, v: &Value, jp: &str) -> Result<Value, Value> {
    let api = f.api_name();
    let rows = v.as_array().ok_or_else(|| expected(api, jp, "jsonarray"))?;
    let Some(meta) = f.subform_module().and_then(|m| ctx.org.meta.get(m)) else {
        return Ok(v.clone());
    };
    let row_ctx = Ctx {
        org: ctx.org,
        users: ctx.users,
        meta,
    };
    let mut org_ids = ctx.org.next_id;
    let mut out = vec![];
    for (i, row) in rows.iter().enumerate() {
        let obj = row
            .as_object()
            .ok_or_else(|| expected(api, &format!("{jp}[{i}]"), "jsonobject"))?;
        let mut clean = record(&row_ctx, obj, &format!("{jp}[{i}]"), Mode::Create, None)?;
        let id = match obj.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => {
                org_ids += 1;
                format!("{}{:012}", ctx.org.id_prefix, org_ids + 90_000_000)
            }
        };
        clean.insert("id".into(), Value::String(id));
        out.push(Value::Object(clean));
    }
    Ok(Value::Array(out))
}

/// The unique-field check: one `DUPLICATE_DATA` item per unique field whose value another
/// record of the module has (`more_records` when several have it).
fn duplicates(
    ctx: &Ctx,
    data: &Map<String, Value>,
    prefix: &str,
    existing: Option<&Record>,
) -> Vec<Value> {
    let self_id = existing.and_then(|r| r.get("id")).and_then(Value::as_str);
    let mut out = vec![];
    let Some(records) = ctx.org.records.get(ctx.meta.api_name()) else {
        return out;
    };
    for f in ctx.meta.views() {
        let Some(case_sensitive) = f.unique() else {
            continue;
        };
        let Some(value) = data.get(f.api_name()).and_then(Value::as_str) else {
            continue;
        };
        let same = |other: &str| {
            if case_sensitive {
                other == value
            } else {
                other.eq_ignore_ascii_case(value)
            }
        };
        let mut hits = records.values().filter(|r| {
            r.get("id").and_then(Value::as_str) != self_id
                && r.get(f.api_name())
                    .and_then(Value::as_str)
                    .is_some_and(same)
        });
        if let Some(r) = hits.next() {
            let more = hits.next().is_some();
            let owner = r.get("Owner").cloned().unwrap_or(Value::Null);
            let zuid = owner
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| ctx.users.get(id))
                .map(|u| u.zuid.clone());
            out.push(item(
                "DUPLICATE_DATA",
                "duplicate data",
                json!({
                    "api_name": f.api_name(),
                    "json_path": path(prefix, f.api_name()),
                    "duplicate_record": {
                        "Owner": {"name": owner.get("name"), "id": owner.get("id"), "zuid": zuid},
                        "module": {"api_name": ctx.meta.api_name(), "id": ctx.meta.module["id"]},
                        "id": r.get("id"),
                    },
                    "id": r.get("id"),
                    "more_records": more,
                }),
            ));
        }
    }
    out
}
