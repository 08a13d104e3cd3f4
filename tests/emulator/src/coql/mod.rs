//! COQL (`POST /coql`): a real subset of Zoho's query language.
//!
//! `select a, b, Lookup.field from Module where <cond> [order by f [asc|desc], ...]
//! [limit n [offset m] | limit m, n]`, where a condition is `field op value` with
//! `= != <> > < >= <= like, not like, in, not in, between, not between, is null, is not null`,
//! combined pairwise with `and`/`or` and parentheses (`(a and b) or c`), as Zoho requires.

mod parse;

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{json_response, no_content, ApiError, ApiResult};
use crate::metadata::ModuleMeta;
use crate::state::{App, Org, Record};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use parse::{parse, Cond};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// The value of a column for a record, following one lookup hop for `Lookup.Field`.
fn column(org: &Org, meta: &ModuleMeta, rec: &Record, col: &str) -> Value {
    match col.split_once('.') {
        None => rec.get(col).cloned().unwrap_or(Value::Null),
        Some((head, tail)) => {
            let Some(f) = meta.field(head) else {
                return Value::Null;
            };
            let id = rec
                .get(head)
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str);
            let target = f.lookup_module().and_then(|m| org.records.get(m));
            match (id, target) {
                (Some(id), Some(t)) => t
                    .get(id)
                    .and_then(|r| r.get(tail))
                    .cloned()
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            }
        }
    }
}

fn check_columns(org: &Org, meta: &ModuleMeta, cols: &[&str]) -> Result<(), ApiError> {
    for col in cols {
        let ok = match col.split_once('.') {
            None => *col == "id" || meta.field(col).is_some(),
            Some((head, tail)) => meta
                .field(head)
                .and_then(|f| f.lookup_module())
                .and_then(|m| org.meta.get(m))
                .is_some_and(|t| tail == "id" || t.field(tail).is_some()),
        };
        if !ok {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                "invalid query formed",
                json!({"column_name": col, "reason": "column given seems to be invalid"}),
            ));
        }
    }
    Ok(())
}

fn cond_columns<'a>(c: &'a Cond, out: &mut Vec<&'a str>) {
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_columns(a, out);
            cond_columns(b, out);
        }
        Cond::Cmp { col, .. }
        | Cond::In { col, .. }
        | Cond::Between { col, .. }
        | Cond::Like { col, .. }
        | Cond::Null { col, .. } => out.push(col),
    }
}

fn cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::Number(y)) => x.parse::<f64>().ok()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => match (clock::parse(x), clock::parse(y)) {
            (Some(p), Some(q)) => Some(p.cmp(&q)),
            _ => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        },
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Object(o), Value::String(_)) => cmp(o.get("id")?, b),
        (Value::Array(arr), _) => arr.iter().find_map(|x| cmp(x, b).filter(|o| o.is_eq())),
        _ => None,
    }
}

fn like(value: &str, pattern: &str) -> bool {
    let v = value.to_lowercase();
    let p = pattern.to_lowercase();
    let parts: Vec<&str> = p.split('%').collect();
    if parts.len() == 1 {
        return v == p;
    }
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !v.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return v.len() >= pos + part.len() && v.ends_with(part);
        } else {
            match v[pos..].find(part) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    true
}

fn eval(c: &Cond, org: &Org, meta: &ModuleMeta, rec: &Record) -> bool {
    let col = |name: &str| column(org, meta, rec, name);
    match c {
        Cond::And(a, b) => eval(a, org, meta, rec) && eval(b, org, meta, rec),
        Cond::Or(a, b) => eval(a, org, meta, rec) || eval(b, org, meta, rec),
        Cond::Null { col: c, negate } => col(c).is_null() != *negate,
        Cond::Cmp { col: c, op, value } => {
            let o = cmp(&col(c), value);
            match op.as_str() {
                "=" => o == Some(Ordering::Equal),
                "!=" => o != Some(Ordering::Equal),
                ">" => o == Some(Ordering::Greater),
                "<" => o == Some(Ordering::Less),
                ">=" => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
                "<=" => matches!(o, Some(Ordering::Less | Ordering::Equal)),
                _ => false,
            }
        }
        Cond::In {
            col: c,
            values,
            negate,
        } => {
            let v = col(c);
            values.iter().any(|x| cmp(&v, x) == Some(Ordering::Equal)) != *negate
        }
        Cond::Between {
            col: c,
            lo,
            hi,
            negate,
        } => {
            let v = col(c);
            let inside = matches!(cmp(&v, lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(cmp(&v, hi), Some(Ordering::Less | Ordering::Equal));
            inside != *negate
        }
        Cond::Like {
            col: c,
            pattern,
            negate,
        } => col(c).as_str().is_some_and(|s| like(s, pattern)) != *negate,
    }
}

/// `POST /coql {"select_query": "..."}`.
pub async fn execute(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require(Need::plain("coql", "READ"))?;
    let body = json_body(&headers, &body)?;
    let q = body
        .get("select_query")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "mandatory key not found",
                json!({"api_name": "select_query"}),
            )
        })?;
    let include_fields = match body.get("include_meta") {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                if x != "fields" {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_DATA",
                        "invalid data",
                        json!({"expected_data_type": "text", "api_name": "include_meta", "json_path": format!("$.include_meta[{i}]"), "supported_values": ["fields"]}),
                    ));
                }
            }
            !a.is_empty()
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_DATA",
                "invalid data",
                json!({"expected_data_type": "jsonarray", "api_name": "include_meta", "json_path": "$.include_meta"}),
            ))
        }
    };
    let q = parse(q)?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = org
        .module_name(&q.module)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_MODULE",
                "the given module is not supported in api",
                json!({}),
            )
        })?;
    caller.require(Need::module(&module, "READ"))?;
    let meta = &org.meta[&module];
    let mut cols: Vec<&str> = q.columns.iter().map(String::as_str).collect();
    cond_columns(&q.cond, &mut cols);
    cols.extend(q.order.iter().map(|(c, _)| c.as_str()));
    check_columns(org, meta, &cols)?;
    let mut hits: Vec<&Record> = org.records[&module]
        .values()
        .filter(|r| eval(&q.cond, org, meta, r))
        .collect();
    if q.order.is_empty() {
        hits.reverse();
    } else {
        hits.sort_by(|a, b| {
            for (c, desc) in &q.order {
                let o = cmp(&column(org, meta, a, c), &column(org, meta, b, c))
                    .unwrap_or(Ordering::Equal);
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    let total = hits.len();
    let rows: Vec<Value> = hits
        .into_iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|r| {
            let mut m = Map::new();
            for c in &q.columns {
                m.insert(c.clone(), column(org, meta, r, c));
            }
            m.insert("id".into(), r.get("id").cloned().unwrap_or(Value::Null));
            Value::Object(m)
        })
        .collect();
    if rows.is_empty() {
        return Ok(no_content());
    }
    let more = q.offset + rows.len() < total;
    let mut out = json!({"data": rows, "info": {"count": rows.len(), "more_records": more}});
    if include_fields {
        let fields: Map<String, Value> = q
            .columns
            .iter()
            .filter_map(|c| meta.field(c).map(|f| (c.clone(), f.0.clone())))
            .collect();
        out["fields"] = Value::Object(fields);
    }
    Ok(json_response(StatusCode::OK, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("Zylker Inc", "zyl%"));
        assert!(like("Zylker Inc", "%inc"));
        assert!(like("Zylker Inc", "%ker%"));
        assert!(!like("Zylker Inc", "%acme%"));
        assert!(like("abc", "abc"));
    }
}
