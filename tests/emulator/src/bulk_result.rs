//! Bulk jobs, file side: what a job does as it completes, the result files and the callbacks.
//!
//! A **read** job exports, as it completes, the records its query matches (in id order): page
//! `page` of them, `bulk_read_page_rows` a page (Zoho: 200,000). The result is a ZIP holding one
//! `{job_id}.csv` (`{job_id}.ics` for an `ics` job of Events), served by
//! `GET /crm/bulk/v7/read/{job_id}/result`. The CSV (RFC 4180, CRLF line ends) has a header row
//! of `Id` then the requested fields' API names (every field of the module when the query names
//! none), and one row per record: lookups and users as their id, multi-select picklists and other
//! lists joined with `;` (tags by name), booleans `true`/`false`, numbers as written, nothing for
//! an empty value. When more records match, the job's `result` says `more_records: true` and
//! gives a `next_page_token`, which a new job's `query.page_token` continues from.
//!
//! A **write** job applies, as it completes, each row of its file (a ZIP holding one CSV, or a
//! plain CSV): insert, update or upsert, finding the record to change by the resource's
//! `find_by` field (`id` or another field), the row's mapped columns made into values of their
//! fields' types (multi-select picklists split at `;`, dates in the mapping's `format`, lookups
//! by id or by the mapping's `find_by` field of the looked-up module, users by id or email) and
//! validated as the single-record writes validate them. The result, served at the job's
//! `download_url`, is a ZIP holding one `{module}-{file}.csv` per resource: the input columns
//! then `STATUS` (`Added`, `Updated`, `Skipped`), `RECORD_ID` and `ERRORS`
//! (`<code>-<column>[,<column>..][:<code>-<column>..]`, as Zoho writes them).
//!
//! A job created with a `callback` has its details POSTed to the callback's URL when it
//! completes, over real HTTP(S) from a background task; each attempt is recorded for the admin
//! API (`GET /__emulator/orgs/{org}/bulk-callbacks`).

use crate::admin::{bad, org_id};
use crate::auth::{Caller, Need};
use crate::bulk::{matches, read_not_found, read_view, write_not_found, write_view};
use crate::clock;
use crate::error::{json_response, ApiError, ApiResult};
use crate::metadata::{FieldView, ModuleMeta};
use crate::state::{App, BulkJob, Org, Record, User, World};
use crate::store;
use crate::validate::{self, Mode};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Callback attempts the admin API keeps; past this the oldest half is dropped.
const KEEP: usize = 10_000;
/// How long one callback may take.
const TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Completion

/// Completes job `id` of org `org_id` if its state is `COMPLETED` and its work is not done yet:
/// exports (read) or applies (write), stores the result file and the job's `result`. Returns
/// the callback to POST, when the job has one.
pub fn complete_if_due(world: &mut World, org_id: &str, id: &str, base: &str) -> Option<Callback> {
    let j = world.orgs.get(org_id)?.bulk_jobs.get(id)?;
    if j.state() != "COMPLETED" || j.result.is_some() {
        return None;
    }
    let read = j.operation == "read";
    if read {
        complete_read(world, org_id, id);
    } else {
        complete_write(world, org_id, id, base);
    }
    let j = &world.orgs[org_id].bulk_jobs[id];
    let url = j.json.pointer("/callback/url").and_then(Value::as_str)?;
    Some(Callback {
        org: org_id.to_string(),
        job_id: id.to_string(),
        operation: j.operation.clone(),
        url: url.to_string(),
        payload: if read { read_view(j) } else { write_view(j) },
    })
}

/// A ZIP holding the given files, deflated.
fn zip_files(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        w.start_file(name.as_str(), opts)
            .expect("a ZIP entry in memory");
        w.write_all(data).expect("a ZIP entry in memory");
    }
    w.finish().expect("a ZIP in memory").into_inner()
}

/// A CSV writer in RFC 4180's form (fields quoted when they must be, CRLF line ends).
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

/// A stored value as Zoho writes it in a bulk read CSV.
fn cell(field: &str, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => match o.get("id") {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => v.to_string(),
        },
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::Object(o) if field == "Tag" => {
                    o.get("name").map(|n| cell(field, n)).unwrap_or_default()
                }
                Value::Object(o) if o.get("id").is_some_and(|i| !i.is_null()) => cell(field, x),
                Value::Object(o) => o
                    .get("name")
                    .map(|n| cell(field, n))
                    .unwrap_or_else(|| x.to_string()),
                other => cell(field, other),
            })
            .collect::<Vec<_>>()
            .join(";"),
    }
}

/// The CSV of a bulk read page: `Id`, then the fields.
fn read_csv(fields: &[String], records: &[&Record]) -> Vec<u8> {
    let mut w = csv_writer();
    let header = std::iter::once("Id").chain(fields.iter().map(String::as_str));
    w.write_record(header).expect("CSV in memory");
    for r in records {
        let id = r.get("id").map(|v| cell("id", v)).unwrap_or_default();
        let row = std::iter::once(id).chain(
            fields
                .iter()
                .map(|f| r.get(f).map(|v| cell(f, v)).unwrap_or_default()),
        );
        w.write_record(row).expect("CSV in memory");
    }
    w.into_inner().expect("CSV in memory")
}

/// An iCalendar file of events (`ics` exports of Events).
fn read_ics(records: &[&Record]) -> Vec<u8> {
    let stamp = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(clock::parse)
            .map(|t| {
                let t = t.to_offset(time::UtcOffset::UTC);
                format!(
                    "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            })
            .unwrap_or_default()
    };
    let text = |s: &str| {
        s.replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,")
            .replace('\n', "\\n")
    };
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Zoho CRM//EN\r\n");
    for r in records {
        let id = r.get("id").map(|v| cell("id", v)).unwrap_or_default();
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!("UID:{id}\r\n"));
        let title = r.get("Event_Title").and_then(Value::as_str).unwrap_or("");
        out.push_str(&format!("SUMMARY:{}\r\n", text(title)));
        out.push_str(&format!("DTSTART:{}\r\n", stamp(r.get("Start_DateTime"))));
        out.push_str(&format!("DTEND:{}\r\n", stamp(r.get("End_DateTime"))));
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out.into_bytes()
}

/// A random `next_page_token` (96 hex digits, as Zoho's look).
fn page_token() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..3)
        .map(|_| format!("{:032x}", rng.gen::<u128>()))
        .collect()
}

fn complete_read(world: &mut World, org_id: &str, id: &str) {
    let per_page = world.settings.bulk_read_page_rows.max(1);
    let org = world.orgs.get_mut(org_id).expect("org");
    let j = &org.bulk_jobs[id];
    let q = j.json["query"].clone();
    let ics = j.json["file_type"] == "ics";
    let module = q
        .pointer("/module/api_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let page = q["page"].as_u64().unwrap_or(1).max(1) as usize;
    let fields: Vec<String> = match q.get("fields").and_then(Value::as_array) {
        Some(f) if !f.is_empty() => f
            .iter()
            .filter_map(Value::as_str)
            .filter(|f| !f.eq_ignore_ascii_case("id"))
            .map(str::to_string)
            .collect(),
        _ => org
            .meta
            .get(&module)
            .map(|m| {
                m.views()
                    .filter(|f| f.data_type() != "subform" && f.api_name() != "id")
                    .map(|f| f.api_name().to_string())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let criteria = q.get("criteria").cloned().unwrap_or(Value::Null);
    let matched: Vec<&Record> = org
        .records
        .get(&module)
        .map(|m| {
            m.values()
                .filter(|r| criteria.is_null() || matches(&criteria, r))
                .collect()
        })
        .unwrap_or_default();
    let start = (page - 1).saturating_mul(per_page).min(matched.len());
    let end = start.saturating_add(per_page).min(matched.len());
    let rows = &matched[start..end];
    let more = matched.len() > end;
    let file = if ics {
        (format!("{id}.ics"), read_ics(rows))
    } else {
        (format!("{id}.csv"), read_csv(&fields, rows))
    };
    let count = rows.len();
    let zip = zip_files(&[file]);
    let mut result = json!({
        "page": page, "per_page": per_page, "count": count,
        "download_url": format!("/crm/bulk/v7/read/{id}/result"), "more_records": more,
    });
    if more {
        let token = page_token();
        org.bulk_page_tokens
            .insert(token.clone(), (module, page + 1));
        result["next_page_token"] = json!(token);
    }
    let j = org.bulk_jobs.get_mut(id).expect("job");
    j.json["result"] = result;
    j.result = Some(zip);
}

// ---------------------------------------------------------------------------------------------
// Uploaded files

/// The first file of a ZIP that names its files in a central directory.
fn unzip_first(body: &[u8]) -> Option<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).ok()?;
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).ok()?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut data = vec![];
        f.read_to_end(&mut data).ok()?;
        return Some((name, data));
    }
    None
}

/// The first entry of a ZIP without a central directory, when it is stored uncompressed (as
/// some tools stream them).
fn first_stored_entry(body: &[u8]) -> Option<(String, Vec<u8>)> {
    if body.len() < 30 {
        return None;
    }
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]) as usize;
    let u32_at =
        |i: usize| u32::from_le_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]) as usize;
    if u16_at(8) != 0 {
        return None;
    }
    let name_len = u16_at(26);
    let start = 30 + name_len + u16_at(28);
    let name = String::from_utf8_lossy(body.get(30..30 + name_len)?).to_string();
    Some((name, body.get(start..start + u32_at(18))?.to_vec()))
}

/// The CSV of an uploaded file (the first file of a ZIP, or the file itself) and its name.
fn upload_csv(name: &str, body: &[u8]) -> (String, Vec<u8>) {
    if body.starts_with(b"PK\x03\x04") {
        unzip_first(body)
            .or_else(|| first_stored_entry(body))
            .unwrap_or_else(|| (name.to_string(), vec![]))
    } else {
        (name.to_string(), body.to_vec())
    }
}

/// The header and the rows of a CSV (a UTF-8 byte order mark is skipped; blank lines are not
/// rows).
fn parse_csv(data: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data);
    let header = r
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let rows = r
        .records()
        .map_while(Result::ok)
        .map(|rec| rec.iter().map(str::to_string).collect::<Vec<_>>())
        .filter(|row| row.iter().any(|c| !c.trim().is_empty()))
        .collect();
    (header, rows)
}

/// Rows of an uploaded file (its CSV's lines past the header).
pub fn upload_rows(body: &[u8]) -> usize {
    parse_csv(&upload_csv("", body).1).1.len()
}

// ---------------------------------------------------------------------------------------------
// Bulk write

/// A date written in a mapping's `format` (`yyyy`, `MM`, `dd` and literal characters), as
/// `yyyy-MM-dd`.
fn reformat_date(raw: &str, format: &str) -> Option<String> {
    let (mut y, mut m, mut d) = (None, None, None);
    let (mut s, mut f) = (raw.trim(), format);
    while !f.is_empty() {
        let (slot, width, rest) = if let Some(r) = f.strip_prefix("yyyy") {
            (&mut y, 4, r)
        } else if let Some(r) = f.strip_prefix("MM") {
            (&mut m, 2, r)
        } else if let Some(r) = f.strip_prefix("dd") {
            (&mut d, 2, r)
        } else {
            let c = f.chars().next()?;
            s = s.strip_prefix(c)?;
            f = &f[c.len_utf8()..];
            continue;
        };
        let digits = s
            .chars()
            .take(width)
            .take_while(char::is_ascii_digit)
            .count();
        if digits == 0 || (width == 4 && digits != 4) {
            return None;
        }
        *slot = Some(s[..digits].parse::<u32>().ok()?);
        s = &s[digits..];
        f = rest;
    }
    if !s.is_empty() {
        return None;
    }
    Some(format!("{:04}-{:02}-{:02}", y?, m?, d?))
}

/// The text of a stored value to compare with a CSV cell (`find_by` look-ups).
fn same(stored: Option<&Value>, raw: &str) -> bool {
    stored.is_some_and(|v| cell("", v).eq_ignore_ascii_case(raw))
}

/// A CSV cell as a value of its field's type, for validation as a single-record write.
fn cell_value(
    org: &Org,
    users: &BTreeMap<String, User>,
    f: FieldView,
    mapping: &Value,
    raw: &str,
) -> Value {
    let text = || Value::String(raw.to_string());
    let list = || {
        raw.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect::<Vec<_>>()
    };
    let find_by = mapping
        .get("find_by")
        .and_then(Value::as_str)
        .filter(|f| !f.eq_ignore_ascii_case("id"));
    match f.data_type() {
        _ if f.api_name() == "Tag" => {
            Value::Array(list().into_iter().map(|n| json!({ "name": n })).collect())
        }
        "integer" => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| text()),
        "double" | "currency" | "percent" => serde_json::from_str::<Value>(raw.trim())
            .ok()
            .filter(Value::is_number)
            .unwrap_or_else(text),
        "boolean" => match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => text(),
        },
        "multiselectpicklist" => Value::Array(list()),
        "date" if f.json_type() == "jsonarray" => Value::Array(list()),
        "date" => match mapping.get("format").and_then(Value::as_str) {
            Some(format) => reformat_date(raw, format)
                .map(Value::String)
                .unwrap_or_else(text),
            None => text(),
        },
        "lookup" => {
            let id = match (find_by, f.lookup_module().and_then(|m| org.module_name(m))) {
                (Some(by), Some(target)) => org.records.get(&target).and_then(|recs| {
                    recs.values()
                        .find(|r| same(r.get(by), raw))
                        .and_then(|r| r.get("id").map(|v| cell("id", v)))
                }),
                _ => None,
            };
            json!({ "id": id.unwrap_or_else(|| raw.to_string()) })
        }
        "ownerlookup" | "userlookup" => {
            let by_email = find_by.is_some() || raw.contains('@');
            let id = users
                .values()
                .find(|u| {
                    u.org_id == org.id
                        && if by_email {
                            u.email.eq_ignore_ascii_case(raw.trim())
                        } else {
                            u.id == raw.trim()
                        }
                })
                .map(|u| u.id.clone());
            json!({ "id": id.unwrap_or_else(|| raw.to_string()) })
        }
        "multi_module_lookup" => {
            json!({ "id": raw, "module": mapping.get("module").cloned().unwrap_or(Value::Null) })
        }
        _ => text(),
    }
}

/// The `(code, api_name)` of each error an error item holds.
fn error_parts(e: &Value) -> Vec<(String, String)> {
    if let Some(list) = e.pointer("/details/errors").and_then(Value::as_array) {
        return list.iter().flat_map(error_parts).collect();
    }
    let code = e["code"].as_str().unwrap_or("INVALID_DATA").to_string();
    let api = e
        .pointer("/details/api_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    vec![(code, api)]
}

/// Errors as a result CSV's `ERRORS` cell: `CODE-col,col:CODE-col`.
fn errors_cell(errors: &[(String, String)]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = vec![];
    for (code, col) in errors {
        match groups.iter_mut().find(|(c, _)| c == code) {
            Some((_, cols)) => {
                if !cols.contains(col) {
                    cols.push(col.clone());
                }
            }
            None => groups.push((code.clone(), vec![col.clone()])),
        }
    }
    groups
        .iter()
        .map(|(code, cols)| format!("{code}-{}", cols.join(",")))
        .collect::<Vec<_>>()
        .join(":")
}

/// What happened to one row.
struct RowResult {
    status: &'static str,
    record_id: String,
    errors: String,
}

/// Applies the rows of one resource of a write job; returns the result CSV's name and bytes
/// and the counts (added, updated, skipped).
#[allow(clippy::too_many_arguments)]
fn apply_resource(
    org: &mut Org,
    users: &BTreeMap<String, User>,
    by: &User,
    operation: &str,
    ignore_empty: bool,
    resource: &Value,
    upload_name: &str,
    body: &[u8],
) -> ((String, Vec<u8>), [u64; 3]) {
    let module = resource
        .pointer("/module/api_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (csv_name, data) = upload_csv(upload_name, body);
    let (header, rows) = parse_csv(&data);
    let meta: ModuleMeta = org.meta[&module].clone();
    // Mappings: as given, or each header naming a field of the module.
    let mappings: Vec<Value> = match resource.get("field_mappings").and_then(Value::as_array) {
        Some(m) if !m.is_empty() => m.clone(),
        _ => header
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case("id") || meta.field(h).is_some())
            .map(|(i, h)| json!({"api_name": h, "index": i}))
            .collect(),
    };
    let column = |api: &str| {
        mappings
            .iter()
            .find(|m| m["api_name"] == api)
            .and_then(|m| m["index"].as_u64())
            .and_then(|i| header.get(i as usize))
            .cloned()
            .unwrap_or_else(|| api.to_string())
    };
    let find_by = resource
        .get("find_by")
        .and_then(Value::as_str)
        .map(str::to_string);
    let now = clock::now();
    let mut counts = [0u64; 3];
    let mut results = vec![];
    for (i, row) in rows.iter().enumerate() {
        // The row's value of a mapping: its column, else its default value.
        let raw = |m: &Value| -> Option<String> {
            let v = m["index"]
                .as_u64()
                .and_then(|i| row.get(i as usize))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            v.or_else(|| {
                m.pointer("/default_value/value").map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
        };
        let mut input = Map::new();
        for m in &mappings {
            let api = m["api_name"].as_str().unwrap_or("");
            let Some(field) = meta.field(api) else {
                continue;
            };
            match raw(m) {
                Some(v) => {
                    input.insert(api.to_string(), cell_value(org, users, field, m, &v));
                }
                None if ignore_empty => {}
                None => {
                    input.insert(api.to_string(), Value::Null);
                }
            }
        }
        // The record the row changes, for update and upsert.
        let target = match (operation, &find_by) {
            ("insert", _) | (_, None) => Ok(None),
            (_, Some(by_field)) => {
                let key = mappings
                    .iter()
                    .find(|m| m["api_name"] == by_field.as_str())
                    .and_then(&raw);
                match key {
                    None => Err(("MANDATORY_NOT_FOUND".to_string(), column(by_field))),
                    Some(key) => {
                        let found = org.records.get(&module).and_then(|recs| {
                            if by_field.eq_ignore_ascii_case("id") {
                                recs.get(&key).map(|_| key.clone())
                            } else {
                                recs.values()
                                    .find(|r| same(r.get(by_field), &key))
                                    .and_then(|r| r.get("id").map(|v| cell("id", v)))
                            }
                        });
                        match (found, operation) {
                            (Some(id), _) => Ok(Some(id)),
                            (None, "upsert") => Ok(None),
                            (None, _) => Err(("RESOURCE_NOT_FOUND".to_string(), column(by_field))),
                        }
                    }
                }
            }
        };
        let target = match target {
            Ok(t) => t,
            Err(e) => {
                counts[2] += 1;
                results.push(RowResult {
                    status: "Skipped",
                    record_id: String::new(),
                    errors: errors_cell(&[e]),
                });
                continue;
            }
        };
        let existing = target
            .as_ref()
            .and_then(|id| org.records[&module].get(id))
            .cloned();
        let mode = if existing.is_some() {
            Mode::Update
        } else {
            Mode::Create
        };
        let ctx = validate::Ctx {
            org: &*org,
            users,
            meta: &meta,
        };
        let clean = validate::record(
            &ctx,
            &input,
            &format!("$.data[{i}]"),
            mode,
            existing.as_ref(),
        );
        let clean = match clean {
            Ok(c) => c,
            Err(e) => {
                counts[2] += 1;
                let errors: Vec<(String, String)> = error_parts(&e)
                    .into_iter()
                    .map(|(code, api)| (code, column(&api)))
                    .collect();
                results.push(RowResult {
                    status: "Skipped",
                    record_id: String::new(),
                    errors: errors_cell(&errors),
                });
                continue;
            }
        };
        match target {
            Some(id) => {
                store::update_by_id(org, &module, &id, clean, by, now);
                counts[1] += 1;
                results.push(RowResult {
                    status: "Updated",
                    record_id: id,
                    errors: String::new(),
                });
            }
            None => {
                let rec = store::insert(org, &module, clean, by, now);
                counts[0] += 1;
                results.push(RowResult {
                    status: "Added",
                    record_id: rec.get("id").map(|v| cell("id", v)).unwrap_or_default(),
                    errors: String::new(),
                });
            }
        }
    }
    let mut w = csv_writer();
    let head = header
        .iter()
        .map(String::as_str)
        .chain(["STATUS", "RECORD_ID", "ERRORS"]);
    w.write_record(head).expect("CSV in memory");
    for (row, r) in rows.iter().zip(&results) {
        let mut cells: Vec<&str> = row.iter().map(String::as_str).collect();
        cells.resize(header.len().max(cells.len()), "");
        cells.extend([r.status, r.record_id.as_str(), r.errors.as_str()]);
        w.write_record(&cells).expect("CSV in memory");
    }
    let stem = csv_name
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".csv")
        .trim_end_matches(".zip")
        .to_string();
    let name = format!(
        "{module}-{}.csv",
        if stem.is_empty() { "bulkwrite" } else { &stem }
    );
    ((name, w.into_inner().expect("CSV in memory")), counts)
}

fn complete_write(world: &mut World, org_id: &str, id: &str, base: &str) {
    let users = world.users.clone();
    let org = world.orgs.get_mut(org_id).expect("org");
    let job = org.bulk_jobs[id].json.clone();
    let ignore_empty = org.bulk_jobs[id].ignore_empty;
    let by_id = job.pointer("/created_by/id").and_then(Value::as_str);
    let Some(by) = by_id.and_then(|u| users.get(u)).cloned() else {
        return;
    };
    let operation = job["operation"].as_str().unwrap_or("insert").to_string();
    let mut files: Vec<(String, Vec<u8>)> = vec![];
    let mut all_counts = vec![];
    for r in job["resource"].as_array().into_iter().flatten() {
        let upload = r
            .get("file_id")
            .and_then(Value::as_str)
            .and_then(|f| org.uploads.get(f))
            .cloned();
        let (name, body) = upload.map(|u| (u.name, u.body)).unwrap_or_default();
        let ((mut file, data), counts) =
            apply_resource(org, &users, &by, &operation, ignore_empty, r, &name, &body);
        if files.iter().any(|(n, _)| *n == file) {
            file = format!("{}-{file}", files.len() + 1);
        }
        files.push((file, data));
        all_counts.push(counts);
    }
    let zip = zip_files(&files);
    let j: &mut BulkJob = org.bulk_jobs.get_mut(id).expect("job");
    for (r, [added, updated, skipped]) in j.json["resource"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .zip(all_counts)
    {
        r["file"]["added_count"] = json!(added);
        r["file"]["updated_count"] = json!(updated);
        r["file"]["skipped_count"] = json!(skipped);
    }
    j.json["result"] = json!({"download_url": format!("{base}/crm/bulk/v7/write/{id}/result")});
    j.result = Some(zip);
}

// ---------------------------------------------------------------------------------------------
// Downloads

/// 400 `RESOURCE_NOT_FOUND`: the job has no result yet (it is not `COMPLETED`).
fn not_completed() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "RESOURCE_NOT_FOUND",
        "The requested resource doesn't exist.",
        json!({"resource": "result"}),
    )
}

/// The result ZIP of a job: `application/zip`, `attachment; filename={job_id}.zip`.
fn zip_response(id: &str, zip: Vec<u8>) -> ApiResult {
    let mut resp = (StatusCode::OK, zip).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename={id}.zip"))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(resp)
}

fn result_of(
    app: &App,
    caller: &Caller,
    id: &str,
    operation: &str,
    unknown: fn() -> ApiError,
) -> ApiResult {
    let world = app.world();
    let j = world.orgs[&caller.org_id]
        .bulk_jobs
        .get(id)
        .filter(|j| j.operation == operation)
        .ok_or_else(unknown)?;
    let zip = j
        .result
        .clone()
        .filter(|_| j.state() == "COMPLETED")
        .ok_or_else(not_completed)?;
    drop(world);
    zip_response(id, zip)
}

/// `GET /crm/bulk/v7/read/{job_id}/result`: the ZIP of a completed read job; a job of no
/// read of the caller's org answers 404 `RESOURCE_NOT_FOUND`, one not completed yet 400
/// `RESOURCE_NOT_FOUND`.
pub async fn read_result(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.require(Need::plain("bulk", "READ"))?;
    result_of(&app, &caller, &id, "read", read_not_found)
}

/// `GET /crm/bulk/v7/write/{job_id}/result` (a completed write job's `download_url`): its ZIP;
/// an unknown job, or one not completed yet, answers 400 `RESOURCE_NOT_FOUND`.
pub async fn write_result(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller
        .require(Need::plain("bulk", "CREATE"))
        .or_else(|_| caller.require(Need::plain("bulk", "READ")))?;
    result_of(&app, &caller, &id, "write", write_not_found)
}

// ---------------------------------------------------------------------------------------------
// Callbacks

/// A job's details on their way to its callback URL.
#[derive(Debug)]
pub struct Callback {
    org: String,
    job_id: String,
    operation: String,
    url: String,
    payload: Value,
}

/// The record of callback attempts; shared by every clone of the app.
#[derive(Clone, Default)]
pub struct Callbacks {
    list: Arc<Mutex<Vec<Value>>>,
    seq: Arc<AtomicU64>,
}

impl Callbacks {
    /// POSTs a job's details to its callback URL from a background task and records the
    /// attempt (nothing when there is no callback).
    pub fn send(&self, callback: Option<Callback>) {
        let Some(cb) = callback else {
            return;
        };
        let this = self.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build();
            let (status, error) = match client {
                Ok(c) => match c.post(&cb.url).json(&cb.payload).send().await {
                    Ok(r) => (Some(r.status().as_u16()), None),
                    Err(e) => (None, Some(e.to_string())),
                },
                Err(e) => (None, Some(format!("no HTTP client: {e}"))),
            };
            let entry = json!({
                "seq": this.seq.fetch_add(1, Ordering::SeqCst) + 1,
                "org": cb.org,
                "job_id": cb.job_id,
                "operation": cb.operation,
                "url": cb.url,
                "method": "post",
                "payload": cb.payload,
                "status": status,
                "error": error,
                "time": clock::format(clock::now()),
            });
            let mut list = this.list.lock().unwrap_or_else(|e| e.into_inner());
            if list.len() >= KEEP {
                list.drain(..KEEP / 2);
            }
            list.push(entry);
        });
    }

    /// Attempts made for an org (by org id), oldest first.
    fn of(&self, org: &str) -> Vec<Value> {
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|d| d["org"] == org)
            .cloned()
            .collect()
    }

    /// Forgets the attempts made for an org (every org with `None`).
    pub fn clear(&self, org: Option<&str>) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        match org {
            Some(org) => list.retain(|x| x["org"] != org),
            None => list.clear(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Admin

/// `POST /__emulator/orgs/{org}/bulk-jobs/{job_id}/complete`: completes a bulk read or write
/// job at once (its work done, its callback sent) and answers the job as its details call now
/// shows it.
pub async fn admin_complete(
    State(app): State<App>,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult {
    let base = app.download_base();
    let mut world = app.world();
    let org = org_id(&world, &org)?;
    let j = world
        .orgs
        .get_mut(&org)
        .expect("org")
        .bulk_jobs
        .get_mut(&id)
        .ok_or_else(|| bad(format!("unknown bulk job `{id}`")))?;
    j.polls = j.polls.max(2);
    let callback = complete_if_due(&mut world, &org, &id, &base);
    let j = &world.orgs[&org].bulk_jobs[&id];
    let out = if j.operation == "read" {
        read_view(j)
    } else {
        write_view(j)
    };
    drop(world);
    app.bulk_callbacks.send(callback);
    // Records a write job made are delivered to the notification channels watching them.
    crate::notify::dispatch(&app);
    Ok(json_response(StatusCode::OK, &out))
}

/// Admin `POST /__emulator/orgs/{org}/bulk-jobs/fail-next` with `{"count": n, "after": k}`:
/// after `k` more jobs (0 unless given), the next `n` bulk jobs created fail where they would
/// complete (`FAILURE` for a read, `FAILED` for a write), with no result.
pub async fn admin_fail_next(
    State(app): State<App>,
    Path(org): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let count = v["count"]
        .as_u64()
        .ok_or_else(|| bad("`count` (a number of jobs) is required"))?;
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    o.bulk_failures = usize::try_from(count).unwrap_or(usize::MAX);
    o.bulk_failures_after = v["after"]
        .as_u64()
        .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    Ok(json_response(
        StatusCode::OK,
        &json!({"fail_next": o.bulk_failures, "after": o.bulk_failures_after}),
    ))
}

/// `GET /__emulator/orgs/{org}/bulk-callbacks`: the org's bulk job callback attempts, oldest
/// first, each `{"seq", "org", "job_id", "operation", "url", "method", "payload", "status" (HTTP
/// status or null), "error" (null or why it failed), "time"}`.
pub async fn admin_callbacks(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let id = org_id(&app.world(), &org)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"callbacks": app.bulk_callbacks.of(&id)}),
    ))
}

/// `DELETE /__emulator/orgs/{org}/bulk-callbacks`: forgets the org's callback attempts.
pub async fn admin_clear_callbacks(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let id = org_id(&app.world(), &org)?;
    app.bulk_callbacks.clear(Some(&id));
    Ok(json_response(StatusCode::OK, &json!({"cleared": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_a_mapping_format() {
        assert_eq!(
            reformat_date("07/25/2026", "MM/dd/yyyy").as_deref(),
            Some("2026-07-25")
        );
        assert_eq!(
            reformat_date("5.3.2026", "dd.MM.yyyy").as_deref(),
            Some("2026-03-05")
        );
        assert_eq!(reformat_date("2026-07-25", "MM/dd/yyyy"), None);
    }

    #[test]
    fn errors_cell_groups_columns_by_code() {
        let e = |c: &str, a: &str| (c.to_string(), a.to_string());
        assert_eq!(
            errors_cell(&[
                e("MANDATORY_NOT_FOUND", "Company"),
                e("MANDATORY_NOT_FOUND", "Last_Name"),
                e("DUPLICATE_DATA", "Email")
            ]),
            "MANDATORY_NOT_FOUND-Company,Last_Name:DUPLICATE_DATA-Email"
        );
    }

    #[test]
    fn cells_as_zoho_writes_them() {
        assert_eq!(cell("Owner", &json!({"name": "P", "id": "7"})), "7");
        assert_eq!(cell("Langs", &json!(["A", "B"])), "A;B");
        assert_eq!(cell("Tag", &json!([{"name": "x", "id": null}])), "x");
        assert_eq!(cell("Flag", &json!(true)), "true");
        assert_eq!(cell("Email", &Value::Null), "");
    }
}
