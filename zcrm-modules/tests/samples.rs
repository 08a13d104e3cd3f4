//! Every response Zoho publishes as a sample (`../shared/zoho-samples`) decodes into the
//! generated types of its operation and encodes back to the same JSON: no field lost or changed,
//! and every key lands in a declared field (keys kept in `extra` only where the spec declares
//! the object open, or listed below as knowingly untyped).

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use zcrm_core::types::{undeclared_keys, UndeclaredKey};

/// Keys Zoho's samples send that its OpenAPI specs do not declare, as (type, key). They are kept
/// in `extra` (and written back), but not typed.
const KNOWINGLY_UNTYPED: &[(&str, &str)] = &[
    // `users.json` has no such properties; the getUsers samples carry them.
    ("users::User", "status_reason__s"),
    ("users::User", "microsoft"),
    ("users::User", "personal_account"),
    // `attachments.json` declares no `$field_states`; the getAttachments sample has it.
    ("attachments::Attachment", "$field_states"),
];

/// Undeclared keys that are neither in an object the spec declares open nor on the list; the
/// listed ones found are added to `listed`.
fn unexpected(
    rel: &str,
    found: &[UndeclaredKey],
    listed: &mut std::collections::BTreeSet<(String, String)>,
) -> Vec<String> {
    let mut out = vec![];
    for u in found.iter().filter(|u| !u.open) {
        let ty = u
            .type_name
            .trim_start_matches("zcrm_modules::generated::api::");
        if KNOWINGLY_UNTYPED.contains(&(ty, u.key.as_str())) {
            listed.insert((ty.to_string(), u.key.clone()));
        } else {
            out.push(format!(
                "{rel}: `{}` is not a declared field of {}",
                u.key, u.type_name
            ));
        }
    }
    out
}

/// Every listed key was found in some sample (the list does not go stale).
fn all_listed_seen(listed: &std::collections::BTreeSet<(String, String)>) {
    for (ty, key) in KNOWINGLY_UNTYPED {
        assert!(
            listed.contains(&(ty.to_string(), key.to_string())),
            "`{key}` of {ty} is listed as untyped but no sample has it any more"
        );
    }
}

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
    let Some(dir) = common::samples() else {
        return;
    };
    let mut all = vec![];
    files(&dir, &mut all);
    all.sort();
    let mut checked = 0;
    let mut failures = vec![];
    let mut listed = std::collections::BTreeSet::new();
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
        let (result, undeclared) = undeclared_keys(|| {
            zcrm_modules::api::decode_response(&op, &status, &body)
                .or_else(|| zcrm_modules::api::decode_response(&op, "default", &body))
        });
        failures.extend(unexpected(&rel, &undeclared, &mut listed));
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
    all_listed_seen(&listed);
    println!("{checked} response samples decode and re-encode losslessly");
}

/// Every request sample is a body the generated request types can carry: it decodes into the
/// operation's body type and encodes back unchanged.
#[test]
fn every_request_sample_round_trips() {
    let Some(dir) = common::samples() else {
        return;
    };
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
        let (result, undeclared) = undeclared_keys(|| zcrm_modules::api::decode_request(op, &body));
        failures.extend(unexpected(
            &rel,
            &undeclared,
            &mut std::collections::BTreeSet::new(),
        ));
        match result {
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

/// The typed `Lead` knows every standard field of Zoho's published Leads metadata (61 of the
/// page's 87; the other 26 are the publishing org's own custom fields), with Zoho's data type,
/// and a sample record holding all of them decodes into `Lead` and encodes back as sent.
#[test]
fn the_typed_lead_has_every_standard_field_of_zohos_sample() {
    let Some(dir) = common::samples() else { return };
    let text = std::fs::read_to_string(dir.join("v7/fields/Leads.json")).unwrap();
    let sample: serde_json::Value = serde_json::from_str(&text).unwrap();
    let leads = zcrm_modules::catalogue::module("Leads").unwrap();
    let mut missing = vec![];
    let mut record = serde_json::Map::new();
    for f in sample["fields"].as_array().unwrap() {
        if f["custom_field"] != serde_json::json!(false) {
            continue;
        }
        let api = f["api_name"].as_str().unwrap();
        match leads.field(api) {
            None => missing.push(api.to_string()),
            Some(ours) => assert_eq!(ours.data_type, f["data_type"], "{api}"),
        }
        record.insert(api.to_string(), serde_json::Value::Null);
    }
    assert!(
        missing.is_empty(),
        "standard Leads fields the typed Lead lacks: {missing:?}"
    );
    // Every standard field present (as null): decoded and encoded back as sent.
    let record = serde_json::Value::Object(record);
    let lead: zcrm_modules::leads::Lead = serde_json::from_value(record.clone()).unwrap();
    assert_eq!(serde_json::to_value(&lead).unwrap(), record);
    assert!(
        lead.extra.is_empty(),
        "{:?}",
        lead.extra.keys().collect::<Vec<_>>()
    );
}

/// Zoho's published Leads records (the v7 Get Records and Get Record pages, a subform
/// included) decode into the typed `Lead` and encode back exactly as sent: every value of a
/// known field reads with its field's type (layout as a lookup, owner as a user, ...), and
/// nothing is dropped.
#[test]
fn published_lead_records_decode_into_lead_losslessly() {
    let Some(dir) = common::samples() else { return };
    let mut seen = 0;
    for rel in [
        "v7/record/getRecords/200-leads-first-call.json",
        "v7/record/getRecords/200-leads-second-call-page-token.json",
        "v7/record/getRecord/200-leads-with-subform.json",
    ] {
        let text = std::fs::read_to_string(dir.join(rel)).unwrap();
        let page: Value = serde_json::from_str(&text).unwrap();
        for (i, record) in page["data"].as_array().unwrap().iter().enumerate() {
            let lead: zcrm_modules::leads::Lead = serde_json::from_value(record.clone())
                .unwrap_or_else(|e| panic!("{rel} data[{i}]: {e}"));
            let back = serde_json::to_value(&lead).unwrap();
            if &back != record {
                let diff: Vec<_> = record
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, v)| back.get(k.as_str()) != Some(v))
                    .map(|(k, v)| {
                        format!(
                            "{k}: sent {v}, back {}",
                            back.get(k.as_str())
                                .map_or("nothing".into(), Value::to_string)
                        )
                    })
                    .collect();
                panic!("{rel} data[{i}] changed: {diff:?}");
            }
            seen += 1;
        }
    }
    assert!(seen >= 3, "{seen} records");
}
