//! `cargo xtask spec-diff OLD NEW`: what changed between two spec directories (for API version
//! bumps): operations (by method and path, the version segment ignored), schema properties,
//! and, where the directories hold field metadata (`fields/*.json`), modules, fields and
//! picklist values. Each line starts with `+` (added), `-` (removed) or `~` (changed).

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn read_dir_json(dir: &Path) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            if let Ok(v) = std::fs::read_to_string(&p)
                .map_err(|_| ())
                .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|_| ()))
            {
                out.insert(
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .to_string(),
                    v,
                );
            }
        }
    }
    out
}

/// `/crm/v8/...` and `/crm/bulk/v7/...` with the version replaced.
fn normalise(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.len() >= 2
                && seg.starts_with('v')
                && seg[1..].chars().all(|c| c.is_ascii_digit())
            {
                "{version}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Operation key -> a comparable description.
fn operations(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for sub in [dir.to_path_buf(), dir.join("openapi")] {
        for (file, doc) in read_dir_json(&sub) {
            let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
                continue;
            };
            for (path, item) in paths {
                for method in ["get", "post", "put", "patch", "delete"] {
                    let Some(op) = item.get(method) else { continue };
                    let mut params: Vec<String> = op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|p| {
                            Some(format!(
                                "{}:{}",
                                p.get("in")?.as_str()?,
                                p.get("name")?.as_str()?
                            ))
                        })
                        .collect();
                    params.sort();
                    let mut statuses: Vec<&String> = op
                        .get("responses")
                        .and_then(Value::as_object)
                        .map(|r| r.keys().collect())
                        .unwrap_or_default();
                    statuses.sort();
                    let desc = format!(
                        "id={} params=[{}] responses=[{}] body={}",
                        op.get("operationId").and_then(Value::as_str).unwrap_or(""),
                        params.join(","),
                        statuses
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        op.get("requestBody").is_some()
                    );
                    out.insert(
                        format!("{} {} ({file})", method.to_uppercase(), normalise(path)),
                        desc,
                    );
                }
            }
        }
    }
    out
}

/// `file#Schema.property` -> type.
fn schema_properties(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for sub in [dir.to_path_buf(), dir.join("openapi")] {
        for (file, doc) in read_dir_json(&sub) {
            let Some(schemas) = doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (name, s) in schemas {
                for (prop, v) in s
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let ty = v
                        .get("type")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or_else(|| {
                            v.get("$ref")
                                .and_then(Value::as_str)
                                .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
                        })
                        .unwrap_or_else(|| "composite".into());
                    out.insert(format!("{file}#{name}.{prop}"), ty);
                }
            }
        }
    }
    out
}

/// `Module.Field` -> data type, and `Module.Field = value` for picklist values.
fn fields(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (file, doc) in read_dir_json(&dir.join("fields")) {
        let module = file.trim_end_matches(".json");
        for f in doc
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = f.get("api_name").and_then(Value::as_str) else {
                continue;
            };
            out.insert(
                format!("{module}.{name}"),
                f.get("data_type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            );
            for v in f
                .get("pick_list_values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(a) = v.get("actual_value").and_then(Value::as_str) {
                    out.insert(format!("{module}.{name} = {a:?}"), "picklist value".into());
                }
            }
        }
    }
    out
}

fn compare(
    kind: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    for (k, v) in new {
        match old.get(k) {
            None => out.push(format!("+ {kind} {k}")),
            Some(o) if o != v => out.push(format!("~ {kind} {k}: {o} -> {v}")),
            _ => {}
        }
    }
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(format!("- {kind} {k}"));
    }
}

/// The differences between two spec directories, one line each.
pub fn diff(old: &Path, new: &Path) -> Vec<String> {
    let mut out = vec![];
    compare("operation", &operations(old), &operations(new), &mut out);
    compare(
        "property",
        &schema_properties(old),
        &schema_properties(new),
        &mut out,
    );
    compare("field", &fields(old), &fields(new), &mut out);
    out
}

/// The command.
pub fn main(args: &[String]) -> ExitCode {
    let [old, new] = args else {
        eprintln!("usage: cargo xtask spec-diff OLD_DIR NEW_DIR");
        return ExitCode::from(2);
    };
    let (old, new) = (PathBuf::from(old), PathBuf::from(new));
    for d in [&old, &new] {
        if !d.is_dir() {
            eprintln!("spec-diff: {} is not a directory", d.display());
            return ExitCode::FAILURE;
        }
    }
    let lines = diff(&old, &new);
    for l in &lines {
        println!("{l}");
    }
    let count = |c: char| lines.iter().filter(|l| l.starts_with(c)).count();
    println!(
        "{} added, {} removed, {} changed",
        count('+'),
        count('-'),
        count('~')
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_added_removed_and_changed() {
        let tmp = std::env::temp_dir().join(format!("zcrm-spec-diff-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let (a, b) = (tmp.join("a"), tmp.join("b"));
        for d in [&a, &b] {
            std::fs::create_dir_all(d.join("fields")).unwrap();
        }
        std::fs::write(a.join("x.json"), r#"{"openapi":"3.0.0","paths":{"/crm/v7/{m}":{"get":{"operationId":"list","parameters":[{"name":"fields","in":"query"}],"responses":{"200":{}}},"delete":{"operationId":"del","responses":{"200":{}}}}},"components":{"schemas":{"R":{"properties":{"a":{"type":"string"},"b":{"type":"string"}}}}}}"#).unwrap();
        std::fs::write(b.join("x.json"), r#"{"openapi":"3.0.0","paths":{"/crm/v8/{m}":{"get":{"operationId":"list","parameters":[{"name":"fields","in":"query"},{"name":"page","in":"query"}],"responses":{"200":{}}},"post":{"operationId":"add","responses":{"201":{}}}}},"components":{"schemas":{"R":{"properties":{"a":{"type":"integer"},"c":{"type":"string"}}}}}}"#).unwrap();
        std::fs::write(a.join("fields/Leads.json"), r#"{"fields":[{"api_name":"Rating","data_type":"picklist","pick_list_values":[{"actual_value":"Hot"}]}]}"#).unwrap();
        std::fs::write(b.join("fields/Leads.json"), r#"{"fields":[{"api_name":"Rating","data_type":"picklist","pick_list_values":[{"actual_value":"Hot"},{"actual_value":"Cold"}]},{"api_name":"Score","data_type":"integer"}]}"#).unwrap();
        let d = diff(&a, &b);
        let has = |s: &str| d.iter().any(|l| l.contains(s));
        assert!(has("+ operation POST /crm/{version}/{m}"), "{d:#?}");
        assert!(has("- operation DELETE /crm/{version}/{m}"));
        assert!(has(
            "~ operation GET /crm/{version}/{m} (x.json): id=list params=[query:fields]"
        ));
        assert!(has("~ property x.json#R.a: string -> integer"));
        assert!(has("+ property x.json#R.c") && has("- property x.json#R.b"));
        assert!(has("+ field Leads.Score") && has("+ field Leads.Rating = \"Cold\""));
        assert_eq!(d.len(), 8, "{d:#?}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
