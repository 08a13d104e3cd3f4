//! Helpers of the fidelity tests: Zoho's published samples and shape comparisons.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// A visible skip (written past the test harness's output capture); under `CI=true` a failure,
/// since CI has every input.
pub fn skip(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("required in CI: {reason}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

pub fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/zoho-samples");
    dir.is_dir().then_some(dir)
}

/// Zoho's published samples, or `None` (after a printed skip) when they are absent.
pub struct Samples(PathBuf);

impl Samples {
    pub fn get() -> Option<Samples> {
        match samples_dir() {
            Some(d) => Some(Samples(d)),
            None => {
                skip("../shared/zoho-samples is absent (Zoho's published samples are read from beside the project)");
                None
            }
        }
    }

    /// A sample by its path under `zoho-samples/` (`v8/record/getRecords/200-leads.json`).
    pub fn load(&self, rel: &str) -> Value {
        let p = self.0.join(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where `actual` lacks a key of `sample` or has another JSON type for it (a `null` in the
/// sample says nothing of the type; a `null` answered where the sample has a value is a
/// difference). Arrays compare their first elements.
pub fn shape_diff(actual: &Value, sample: &Value, path: &str, out: &mut Vec<String>) {
    if sample.is_null() {
        return;
    }
    if json_type(actual) != json_type(sample) {
        out.push(format!(
            "{path}: {} answered, the sample has {}",
            json_type(actual),
            json_type(sample)
        ));
        return;
    }
    match (actual, sample) {
        (Value::Object(a), Value::Object(s)) => {
            for (k, sv) in s {
                match a.get(k) {
                    Some(av) => shape_diff(av, sv, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}: no `{k}`")),
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if let (Some(a0), Some(s0)) = (a.first(), s.first()) {
                shape_diff(a0, s0, &format!("{path}[0]"), out);
            }
        }
        _ => {}
    }
}

#[track_caller]
pub fn assert_shape(actual: &Value, sample: &Value, what: &str) {
    let mut out = vec![];
    shape_diff(actual, sample, "$", &mut out);
    assert!(
        out.is_empty(),
        "{what} differs from Zoho's sample:\n  {}\nanswered: {actual}",
        out.join("\n  ")
    );
}

pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// An error object answered as the sample's: same `code`, `status`, `message` (unless
/// `same_message` is false) and the same `details` keys with the same types.
#[track_caller]
pub fn assert_error(actual: &Value, sample: &Value, same_message: bool, what: &str) {
    assert_eq!(actual["code"], sample["code"], "{what}: code ({actual})");
    assert_eq!(actual["status"], sample["status"], "{what}: status");
    if same_message {
        assert_eq!(actual["message"], sample["message"], "{what}: message");
    }
    assert_eq!(
        keys(&actual["details"]),
        keys(&sample["details"]),
        "{what}: details keys ({actual})"
    );
    assert_shape(&actual["details"], &sample["details"], what);
}
