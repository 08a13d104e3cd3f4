//! Record storage helpers: inserting with system fields, projecting for responses, sort keys.

use crate::clock;
use crate::metadata::ModuleMeta;
use crate::notify;
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
    let mut rec = Record::default();
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
    } else {
        rec.insert("$attachments".into(), Value::Null);
    }
    rec.insert("$approval_state".into(), json!("approved"));
    let written = if org.channels.is_empty() {
        Map::new()
    } else {
        data.clone()
    };
    for (k, v) in data {
        rec.insert(k, v);
    }
    derive(module, &mut rec);
    let stored = rec.clone();
    // Its JSON text is made once, as it is stored, not by the first list that shows it.
    stored.text();
    org.records
        .entry(module.to_string())
        .or_default()
        .insert(id.clone(), stored);
    notify::note(org, module, notify::Op::Insert, &id, written);
    rec
}

/// Applies validated changes to the stored record `id` of `module` and notes the fields that
/// changed for notifications; the write details of the result, or `None` when there is no
/// such record.
pub fn update_by_id(
    org: &mut Org,
    module: &str,
    id: &str,
    data: Map<String, Value>,
    by: &User,
    now: OffsetDateTime,
) -> Option<Value> {
    let rec = org.records.get_mut(module)?.get_mut(id)?;
    let changed: Map<String, Value> = data
        .iter()
        .filter(|(k, v)| rec.get(k.as_str()) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    update(rec, module, data, by, now);
    let details = write_details(rec);
    notify::note(org, module, notify::Op::Update, id, changed);
    Some(details)
}

/// Removes the record `id` of `module`, noting the deletion for notifications.
pub fn remove(org: &mut Org, module: &str, id: &str) -> Option<Record> {
    let rec = org.records.get_mut(module)?.remove(id)?;
    notify::note(org, module, notify::Op::Delete, id, Map::new());
    Some(rec)
}

/// Applies validated changes to a stored record (without noting them: see [`update_by_id`]).
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
    rec.text();
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

/// The keys a projection with a `fields` list writes, in order (the list without repeats, then
/// `id` unless listed), each with the position it had in the last record looked at: records
/// made alike keep their keys in the same order, so most lookups compare one key instead of
/// searching.
pub struct ProjectedKeys<'a> {
    /// Each key, its JSON text with the colon (`"Key":`), and its last position.
    keys: Vec<(&'a str, Vec<u8>, std::cell::Cell<usize>)>,
}

impl<'a> ProjectedKeys<'a> {
    /// The keys for a `fields` list.
    pub fn new(fields: &'a [String]) -> Self {
        let mut keys: Vec<(&str, Vec<u8>, std::cell::Cell<usize>)> =
            Vec::with_capacity(fields.len() + 1);
        for f in fields
            .iter()
            .map(String::as_str)
            .chain(std::iter::once("id"))
        {
            if !keys.iter().any(|(k, _, _)| *k == f) {
                let mut text = Value::from(f).to_string().into_bytes();
                text.push(b':');
                keys.push((f, text, std::cell::Cell::new(usize::MAX)));
            }
        }
        ProjectedKeys { keys }
    }

    /// Writes `rec` projected onto these keys as a JSON object: the same JSON as [`project`]
    /// with that `fields` list, copied from the record's stored JSON text, a run of entries
    /// that are neighbours in the record at a time (only lookup dot-paths and absent fields
    /// are written afresh).
    pub fn write(&self, rec: &Record, out: &mut Vec<u8>) {
        let text = rec.text();
        // The run of the record's entries not yet copied: first and last.
        let mut run: Option<(usize, usize)> = None;
        let mut first = true;
        let flush = |run: &mut Option<(usize, usize)>, out: &mut Vec<u8>, first: &mut bool| {
            if let Some((a, b)) = run.take() {
                if !*first {
                    out.push(b',');
                }
                *first = false;
                out.extend_from_slice(text.members(a, b));
            }
        };
        out.push(b'{');
        for (f, key, hint) in &self.keys {
            let at = if f.contains('.') {
                None
            } else {
                // Keys compare as their JSON text (`"key":`), which is one text per key.
                match text.key(hint.get()) {
                    Some(k) if same_key(k, key) => Some(hint.get()),
                    // Moved or absent: one search, and the new position when present.
                    _ => (0..text.len())
                        .find(|&j| text.key(j) == Some(key.as_slice()))
                        .inspect(|&j| hint.set(j)),
                }
            };
            match (at, run) {
                (Some(j), Some((a, b))) if j == b + 1 => run = Some((a, j)),
                (Some(j), _) => {
                    flush(&mut run, out, &mut first);
                    run = Some((j, j));
                }
                (None, _) => {
                    flush(&mut run, out, &mut first);
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(key);
                    let v = match f.split_once('.') {
                        Some((head, tail)) => rec.get(head).and_then(|v| v.get(tail)),
                        None => None,
                    };
                    // Writing a JSON value into memory cannot fail.
                    let _ = serde_json::to_writer(&mut *out, v.unwrap_or(&Value::Null));
                }
            }
        }
        flush(&mut run, out, &mut first);
        out.push(b'}');
    }
}

/// Whether two keys' texts are equal: those of 8 bytes or more (`"key":` with a key of three
/// or more letters) compared a word at a time, without a call.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    // Whole words from the start, then the last eight bytes (overlapping the last word).
    (0..n - 7).step_by(8).all(|i| word(a, i) == word(b, i)) && word(a, n - 8) == word(b, n - 8)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn meta() -> ModuleMeta {
        ModuleMeta {
            module: json!({"api_name": "Leads"}),
            fields: vec![],
            fields_modified: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// A page written from the stored records is byte for byte the projection `project` gives,
    /// whatever the records' key orders, absent keys, lookups by dotted path and repeated fields.
    #[test]
    fn written_projection_is_the_projection() {
        let mut records: Vec<Record> = [
            json!({"id": "1", "Last_Name": "Doe", "Email": "a@example.com", "Owner": {"id": "9", "name": "P"}}),
            json!({"id": "2", "Last_Name": "Roe", "Email": null, "Owner": {"id": "9", "name": "P"}}),
            json!({"Email": "c@example.com", "id": "3", "Last_Name": "Moe"}),
            json!({"id": "4", "Extra": [1, 2.5, "x\"y\n"], "Last_Name": "Zoë \u{1F600}"}),
            json!({"id": "5"}),
        ]
        .into_iter()
        .map(|v| Record::from(v.as_object().unwrap().clone()))
        .collect();
        let lists: [&[&str]; 5] = [
            &["Last_Name", "Email"],
            &["Email", "Last_Name", "Email", "Owner.name", "Extra"],
            &["id", "Last_Name"],
            &["Missing", "Owner", "Last_Name"],
            &[],
        ];
        let check = |records: &[Record]| {
            for list in lists {
                let fields: Vec<String> = list.iter().map(|s| s.to_string()).collect();
                let keys = ProjectedKeys::new(&fields);
                // Twice over, so that positions learnt from one record are tried on the others.
                for rec in records.iter().chain(records.iter().rev()) {
                    let mut out = vec![];
                    keys.write(rec, &mut out);
                    let expected = project(&meta(), rec, Some(&fields)).to_string();
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        expected,
                        "fields {fields:?}"
                    );
                }
            }
        };
        check(&records);
        // Changed after being written: the next page shows the change.
        records[0].insert("Email".into(), json!("new@example.com"));
        records[1].remove("Last_Name");
        records[2].insert("Extra".into(), json!({"k": "\t"}));
        check(&records);
    }

    #[test]
    fn keys_compare_whole() {
        for (a, b) in [
            ("Email", "Email"),
            ("Email", "Emaim"),
            ("Last_Activity_Time", "Last_Activity_Tima"),
            ("", ""),
            ("a", ""),
            ("\"Owner\":", "\"Owner\":"),
            ("\"Owner\":", "\"Ownex\":"),
            ("\"Twitter\":", "\"Twittex\":"),
            ("\"Last_Activity\":", "\"Last_Activitx\":"),
            ("\"Last_Activity\":", "\"Xast_Activity\":"),
            ("\"Last_Activity_Time\":", "\"Last_Activity_Tima\":"),
            ("\"Last_Activity_Time\":", "\"Last_Activity_Time\":"),
            ("\"Last_Activitx_Time\":", "\"Last_Activity_Time\":"),
            ("\"Xast_Activity_Time\":", "\"Last_Activity_Time\":"),
            ("\"Record_Status__s\":", "\"Record_Statux__s\":"),
            ("\"Record_Status__s\":", "\"Record_Status__s\":"),
            ("\"id\":", "\"ix\":"),
            ("\"id\":", "\"id\":"),
        ] {
            assert_eq!(same_key(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
        }
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![Just("id".to_string()), "[ab\"\\\\.é\u{1}]{0,3}",]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a\"\\\\é\u{1}]{0,4}".prop_map(Value::from),
            prop::collection::vec(("[ab.]{1,2}", "[a\"]{0,2}"), 0..3).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }),
        ]
    }

    fn records() -> impl Strategy<Value = Vec<Record>> {
        prop::collection::vec(prop::collection::vec((key(), leaf()), 0..6), 1..6).prop_map(|recs| {
            recs.into_iter()
                .map(|kv| Record::from(kv.into_iter().collect::<Map<String, Value>>()))
                .collect()
        })
    }

    fn field_list() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop_oneof![key(), (key(), key()).prop_map(|(a, b)| format!("{a}.{b}"))],
            0..8,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the records' keys (escaped characters, dots, the empty key), orders and
        /// values, and whatever the field list (repeats, absent keys, dot-paths), a written
        /// page is the projection, before and after the records change.
        #[test]
        fn any_written_projection_is_the_projection(
            mut records in records(),
            lists in prop::collection::vec(field_list(), 1..4),
            change in (any::<prop::sample::Index>(), key(), proptest::option::of(leaf())),
        ) {
            let check = |records: &[Record]| -> Result<(), TestCaseError> {
                for fields in &lists {
                    let keys = ProjectedKeys::new(fields);
                    for rec in records.iter().chain(records.iter().rev()) {
                        let mut out = vec![];
                        keys.write(rec, &mut out);
                        let expected = project(&meta(), rec, Some(fields)).to_string();
                        prop_assert_eq!(String::from_utf8(out).unwrap(), expected);
                    }
                }
                Ok(())
            };
            check(&records)?;
            let (at, k, v) = change;
            let n = records.len();
            let rec = &mut records[at.index(n)];
            match v {
                Some(v) => { rec.insert(k, v); }
                None => { rec.remove(&k); }
            }
            check(&records)?;
        }
    }
}
