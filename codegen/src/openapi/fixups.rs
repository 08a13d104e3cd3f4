//! Corrections of known bugs in Zoho's published specs, one function each, applied to the
//! loaded documents before anything reads them. A fixup whose bug is gone is reported, so stale
//! fixups do not linger.

use super::load::Specs;
use serde_json::{json, Value};

/// What the fixups did: (fixup, file) pairs applied, and fixups that found nothing to fix.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Applied fixups.
    pub applied: Vec<(String, String)>,
    /// Fixups whose bug no file has any more.
    pub unused: Vec<String>,
}

/// A fixup: given a file name and its document, fixes it and says whether it changed anything.
type Fixup = fn(&str, &mut Value) -> bool;

/// Applies every fixup.
pub fn apply(specs: &mut Specs) -> Report {
    let mut report = Report::default();
    let fixups: [(&str, Fixup); 2] = [
        (
            "dangling-if-modified-since-parameter",
            dangling_if_modified_since,
        ),
        ("record-count-is-a-number", record_count_is_a_number),
    ];
    for (name, fix) in fixups {
        let mut used = false;
        for (file, doc) in specs.files.iter_mut() {
            if fix(file, doc) {
                report.applied.push((name.to_string(), file.clone()));
                used = true;
            }
        }
        if !used {
            report.unused.push(name.to_string());
        }
    }
    report
}

/// `notes.json` refers to `#/components/parameters/If-Modified-Since`, which it does not define
/// (other files do). Define it the way they do.
fn dangling_if_modified_since(file: &str, doc: &mut Value) -> bool {
    if file != "notes.json"
        || doc
            .pointer("/components/parameters/If-Modified-Since")
            .is_some()
    {
        return false;
    }
    let Some(params) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    else {
        return false;
    };
    params.insert("If-Modified-Since".into(), json!({"name": "If-Modified-Since", "in": "header", "required": false, "schema": {"type": "string", "format": "date-time"}}));
    true
}

/// The record-count response (`GET /{module}/actions/count`) declares `count` as a string;
/// Zoho sends a number (`{"count": 42}`, the published Get Record Count sample).
fn record_count_is_a_number(file: &str, doc: &mut Value) -> bool {
    if file != "record.json" && file != "record_count.json" {
        return false;
    }
    fn walk(v: &mut Value) -> bool {
        let mut fixed = false;
        if let Some(props) = v.get_mut("properties").and_then(Value::as_object_mut) {
            if props.len() == 1 && props.get("count") == Some(&json!({"type": "string"})) {
                props.insert("count".into(), json!({"type": "integer"}));
                fixed = true;
            }
        }
        match v {
            Value::Object(m) => m.values_mut().fold(fixed, |acc, x| walk(x) || acc),
            Value::Array(a) => a.iter_mut().fold(fixed, |acc, x| walk(x) || acc),
            _ => fixed,
        }
    }
    walk(doc)
}
