//! Record storage helpers: inserting with system fields, projecting for responses, sort keys.

use crate::clock;
use crate::metadata::ModuleMeta;
use crate::state::{Org, Record, User};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// A user reference as records carry it (`Owner`, `Created_By`, ...).
pub fn user_ref(u: &User) -> Value {
    json!({"name": u.full_name(), "id": u.id, "email": u.email})
}

/// Stores a new record whose fields were already validated; returns the stored record.
pub fn insert(
    org: &mut Org,
    module: &str,
    mut data: Map<String, Value>,
    by: &User,
    now: OffsetDateTime,
) -> Record {
    let id = org.mint_id();
    // The server mints ids: records are kept ordered by them (lists walk that order).
    data.remove("id");
    let t = Value::String(clock::format(now));
    let mut rec = Map::new();
    rec.insert("id".into(), Value::String(id.clone()));
    rec.insert(
        "Owner".into(),
        data.remove("Owner").unwrap_or_else(|| user_ref(by)),
    );
    rec.insert("Created_By".into(), user_ref(by));
    rec.insert("Modified_By".into(), user_ref(by));
    rec.insert("Created_Time".into(), t.clone());
    rec.insert("Modified_Time".into(), t.clone());
    if module != "Notes" {
        rec.insert("Last_Activity_Time".into(), t);
        rec.insert("Record_Status__s".into(), json!("Available"));
        rec.insert("Locked__s".into(), json!(false));
        rec.insert("Tag".into(), json!([]));
    }
    rec.insert("$approval_state".into(), json!("approved"));
    for (k, v) in data {
        rec.insert(k, v);
    }
    derive(module, &mut rec);
    org.records
        .entry(module.to_string())
        .or_default()
        .insert(id, rec.clone());
    rec
}

/// Applies validated changes to a stored record.
pub fn update(
    rec: &mut Record,
    module: &str,
    data: Map<String, Value>,
    by: &User,
    now: OffsetDateTime,
) {
    for (k, v) in data {
        rec.insert(k, v);
    }
    rec.insert("Modified_By".into(), user_ref(by));
    rec.insert("Modified_Time".into(), Value::String(clock::format(now)));
    derive(module, rec);
}

/// Fields Zoho computes from others.
fn derive(module: &str, rec: &mut Record) {
    if module == "Leads" || module == "Contacts" {
        let first = rec.get("First_Name").and_then(Value::as_str).unwrap_or("");
        let last = rec.get("Last_Name").and_then(Value::as_str).unwrap_or("");
        let full = format!("{first} {last}").trim().to_string();
        rec.insert("Full_Name".into(), Value::String(full));
    }
}

/// The `details` of a successful write item.
pub fn write_details(rec: &Record) -> Value {
    let short = |v: Option<&Value>| json!({"name": v.and_then(|v| v.get("name")).cloned().unwrap_or(Value::Null), "id": v.and_then(|v| v.get("id")).cloned().unwrap_or(Value::Null)});
    json!({
        "Modified_Time": rec.get("Modified_Time"),
        "Modified_By": short(rec.get("Modified_By")),
        "Created_Time": rec.get("Created_Time"),
        "id": rec.get("id"),
        "Created_By": short(rec.get("Created_By")),
        "$approval_state": "approved",
    })
}

/// A record as a response shows it: the requested fields (null when empty) plus `id`, or, without
/// a field list, every field of the module and the `$` properties.
pub fn project(meta: &ModuleMeta, rec: &Record, fields: Option<&[String]>) -> Value {
    let mut out = Map::new();
    match fields {
        Some(list) => {
            for f in list {
                if let Some((head, tail)) = f.split_once('.') {
                    // Lookup dot-path (COQL): keep the nested value under the full path.
                    let v = rec
                        .get(head)
                        .and_then(|v| v.get(tail))
                        .cloned()
                        .unwrap_or(Value::Null);
                    out.insert(f.clone(), v);
                } else {
                    out.insert(f.clone(), rec.get(f).cloned().unwrap_or(Value::Null));
                }
            }
            out.insert("id".into(), rec.get("id").cloned().unwrap_or(Value::Null));
        }
        None => {
            for f in meta.views() {
                let name = f.api_name();
                out.insert(
                    name.to_string(),
                    rec.get(name).cloned().unwrap_or(Value::Null),
                );
            }
            for (k, v) in rec {
                if k.starts_with('$') || !out.contains_key(k) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// A sortable key for a record: the value of `sort_by` (as text) and the id.
pub fn sort_key(rec: &Record, sort_by: &str) -> (String, String) {
    let id = rec
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let v = if sort_by == "id" {
        id.clone()
    } else {
        rec.get(sort_by)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (v, id)
}

/// The text naming a record in lookups.
pub fn display_name(meta: &ModuleMeta, rec: &Record) -> Value {
    let field = match meta.api_name() {
        "Leads" | "Contacts" => "Full_Name",
        _ => meta.display_field().unwrap_or("Name"),
    };
    rec.get(field).cloned().unwrap_or(Value::Null)
}
