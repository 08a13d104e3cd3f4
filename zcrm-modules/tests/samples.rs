//! Every response Zoho publishes as a sample (`../shared/zoho-samples`) decodes into the
//! generated types of its operation and encodes back to the same JSON: no field lost or changed.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// (operationId, status) of a sample file: `v8/<group>/<opId>/<status>-<name>.json`, or one of
/// the v7 documentation samples.
fn operation(rel: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = rel.split('/').collect();
    let file = parts.last()?;
    if file.starts_with("request-") {
        return None;
    }
    match parts.as_slice() {
        ["v7", "fields", _] => Some(("getFields".into(), "200".into())),
        [_, _, op, f] => Some((op.to_string(), f.split('-').next()?.to_string())),
        _ => None,
    }
}

#[test]
fn every_response_sample_round_trips() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/zoho-samples");
    if !dir.is_dir() {
        println!("skipped: ../shared/zoho-samples is absent");
        return;
    }
    let mut all = vec![];
    files(&dir, &mut all);
    all.sort();
    let mut checked = 0;
    let mut failures = vec![];
    for path in &all {
        let rel = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some((op, status)) = operation(&rel) else {
            continue;
        };
        let body: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let result = zcrm_modules::api::decode_response(&op, &status, &body)
            .or_else(|| zcrm_modules::api::decode_response(&op, "default", &body));
        match result {
            None => failures.push(format!("{rel}: no generated type for {op} {status}")),
            Some(Err(e)) => failures.push(format!("{rel}: does not decode: {e}")),
            Some(Ok(again)) if again != body => {
                failures.push(format!("{rel}: re-encoded JSON differs"))
            }
            Some(Ok(_)) => checked += 1,
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples fail:\n{}",
        failures.len(),
        failures.len() + checked,
        failures.join("\n")
    );
    assert!(checked >= 90, "only {checked} response samples checked");
    println!("{checked} response samples decode and re-encode losslessly");
}

/// Every request sample is a body the generated request types can carry: it decodes into the
/// operation's body type and encodes back unchanged.
#[test]
fn every_request_sample_round_trips() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/zoho-samples");
    if !dir.is_dir() {
        println!("skipped: ../shared/zoho-samples is absent");
        return;
    }
    let mut all = vec![];
    files(&dir, &mut all);
    all.sort();
    let (mut checked, mut failures) = (0, vec![]);
    for path in &all {
        let rel = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let parts: Vec<&str> = rel.split('/').collect();
        if !parts.last().is_some_and(|f| f.starts_with("request-")) {
            continue;
        }
        let op = parts[parts.len() - 2];
        let body: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        match zcrm_modules::api::decode_request(op, &body) {
            None => failures.push(format!("{rel}: no request type for {op}")),
            Some(Err(e)) => failures.push(format!("{rel}: {e}")),
            Some(Ok(again)) if again != body => {
                failures.push(format!("{rel}: re-encoded JSON differs"))
            }
            Some(Ok(_)) => checked += 1,
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 15, "only {checked} request samples");
    println!("{checked} request samples decode and re-encode losslessly");
}
