//! Record reads and deletes: list (with `page_token`), get, delete, deleted.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_bytes, json_response, no_content, ApiError, ApiResult};
use crate::state::{random_token, App, Org, PageToken, Record};
use crate::store;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// Records reachable with `page`/`per_page` alone.
pub const DISCRETE_LIMIT: usize = 2000;
/// Records reachable through `page_token`s.
pub const TOKEN_LIMIT: usize = 100_000;
/// Largest `per_page`.
pub const MAX_PER_PAGE: usize = 200;
/// Largest `fields` list.
pub const MAX_FIELDS: usize = 50;

/// Resolves the module of a path for a caller, checking the scope.
pub fn module_of(org: &Org, caller: &Caller, name: &str, op: &str) -> Result<String, ApiError> {
    let m = org
        .module_name(name)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| ApiError::invalid_module(0))?;
    caller.require(Need::module(&m, op))?;
    Ok(m)
}

/// A numeric query parameter in `1..=max`, `default` when absent.
pub(crate) fn number(p: &Params, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match p.get(key) {
        None => Ok(default),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1 && *n <= max)
            .ok_or_else(|| ApiError::invalid_param(key)),
    }
}

/// Parses `fields=`: required unless `optional`, at most 50.
pub fn fields_param(p: &Params, optional: bool) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = p.get("fields").filter(|s| !s.trim().is_empty()) else {
        return if optional {
            Ok(None)
        } else {
            Err(ApiError::required_param("fields"))
        };
    };
    let list: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if list.len() > MAX_FIELDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_FIELDS, "param_name": "fields"}),
        ));
    }
    Ok(Some(list))
}

/// The `If-Modified-Since` header (ISO 8601 with offset, as Zoho takes it), if any.
pub fn if_modified_since(headers: &HeaderMap) -> Result<Option<time::OffsetDateTime>, ApiError> {
    match headers
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(None),
        Some(s) => clock::parse(s)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_param("If-Modified-Since")),
    }
}

fn modified_after(rec: &Record, since: time::OffsetDateTime) -> bool {
    rec.get("Modified_Time")
        .and_then(Value::as_str)
        .and_then(clock::parse)
        .is_some_and(|t| t > since)
}

/// `GET /{module}`.
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> ApiResult {
    let mut world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, &caller, &module, "READ")?;
    let fields = fields_param(&p, false)?.unwrap_or_default();
    let per_page = number(&p, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let page = number(&p, "page", 1, usize::MAX)?;
    let sort_by = p.get("sort_by").map(String::as_str).unwrap_or("id");
    if !["id", "Created_Time", "Modified_Time"].contains(&sort_by) {
        return Err(ApiError::invalid_param("sort_by"));
    }
    let sort_order = p.get("sort_order").map(String::as_str).unwrap_or("desc");
    if sort_order != "asc" && sort_order != "desc" {
        return Err(ApiError::invalid_param("sort_order"));
    }
    let page_token = p.get("page_token").filter(|s| !s.is_empty());
    if page_token.is_some() && p.contains_key("page") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "AMBIGUITY_DURING_PROCESSING",
            "Please use either page or page_token",
            json!({"ambiguity_due_to": [{"param_name": "page"}, {"param_name": "page_token"}]}),
        ));
    }
    if p.contains_key("cvid") {
        // The emulator has no custom views: every `cvid` names none.
        return Err(ApiError::invalid_param("cvid"));
    }
    let since = if_modified_since(&headers)?;
    let ids: Option<Vec<&str>> = p.get("ids").map(|s| s.split(',').map(str::trim).collect());
    let bound = format!(
        "{module}|{}|{sort_by}|{sort_order}|{per_page}|{}",
        fields.join(","),
        p.get("ids").map(String::as_str).unwrap_or("")
    );

    // `converted` (Leads): `false` (the default) lists open leads, `true` converted ones,
    // `both` all; `approved`: `true` (the default) or `both` lists every record (the emulator
    // has no approval processes), `false` none.
    let converted = match p.get("converted").map(String::as_str) {
        None | Some("false") => Some(false),
        Some("true") => Some(true),
        Some("both") => None,
        Some(_) => return Err(ApiError::invalid_param("converted")),
    };
    let converted = if module == "Leads" { converted } else { None };
    let approved = match p.get("approved").map(String::as_str) {
        None | Some("true") | Some("both") => true,
        Some("false") => false,
        Some(_) => return Err(ApiError::invalid_param("approved")),
    };
    let keep = |r: &Record| {
        approved
            && ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&r["id"].as_str().unwrap_or("")))
            && converted.is_none_or(|c| r.text().converted() == c)
    };
    let records = &org.records[&module];
    if let Some(since) = since {
        if !records
            .values()
            .any(|r| keep(r) && modified_after(r, since))
        {
            return Ok(StatusCode::NOT_MODIFIED.into_response());
        }
    }
    let keep = |r: &Record| keep(r) && since.is_none_or(|since| modified_after(r, since));
    let now = clock::now();
    // Where the page starts: after the last record a page token served, or at an offset.
    let (after, offset, served_before, page_no) = match page_token {
        Some(tok) => {
            let t = world.page_tokens.get(tok.as_str()).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_DATA",
                    "invalid data",
                    json!({"param_name": "page_token"}),
                )
            })?;
            if t.expires_at <= now {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "EXPIRED_VALUE",
                    "Page token expired",
                    json!({"api_name": "page_token", "json_path": "$.query.page_token"}),
                ));
            }
            if t.bound != bound || t.user_id != caller.user.id {
                return Err(ApiError::new(StatusCode::BAD_REQUEST, "TOKEN_BOUND_DATA_MISMATCH", "The page_token given seems to be invalid or input param is added or altered or deleted", json!({"param_name": "page_token"})));
            }
            if t.served >= world.settings.pagination_limit {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "PAGINATION_LIMIT_EXCEEDED",
                    "You can only get upto 100000 records using page_token param",
                    json!({"param_name": "page_token"}),
                ));
            }
            // Zoho numbers a page fetched by token 1 (its published second-call sample).
            (Some(t.after.clone()), 0, t.served, 1)
        }
        None => {
            let offset = (page - 1).saturating_mul(per_page);
            if offset >= DISCRETE_LIMIT {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "You can only get the first 2000 records without using page_token param",
                    json!({"limit": DISCRETE_LIMIT}),
                ));
            }
            (None, offset, offset, page)
        }
    };
    let token_limit = world.settings.pagination_limit;
    let cap = token_limit.saturating_sub(served_before).min(per_page);
    let desc = sort_order == "desc";
    // One record past the page tells whether more exist.
    let mut chunk: Vec<&Record> = if sort_by == "id" {
        // Records are kept ordered by id: walk from the start point, no sort.
        use std::ops::Bound::{Excluded, Unbounded};
        let from = after.as_ref().map(|(_, id)| id.as_str());
        let range = match from {
            Some(id) if desc => records.range::<str, _>((Unbounded, Excluded(id))),
            Some(id) => records.range::<str, _>((Excluded(id), Unbounded)),
            None => records.range::<str, _>((Unbounded::<&str>, Unbounded)),
        };
        let ordered: Box<dyn Iterator<Item = (&String, &Record)>> = if desc {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        ordered
            .map(|(_, r)| r)
            .filter(|r| keep(r))
            .skip(offset)
            .take(cap + 1)
            .collect()
    } else {
        let mut all: Vec<(&Record, (String, String))> = records
            .values()
            .filter(|r| keep(r))
            .map(|r| (r, store::sort_key(r, sort_by)))
            .collect();
        all.sort_by(|a, b| a.1.cmp(&b.1));
        if desc {
            all.reverse();
        }
        let start = match &after {
            Some(after) => all
                .iter()
                .position(|(_, k)| if desc { k < after } else { k > after })
                .unwrap_or(all.len()),
            None => offset,
        };
        all.into_iter()
            .skip(start)
            .take(cap + 1)
            .map(|(r, _)| r)
            .collect()
    };
    let more = chunk.len() > cap;
    chunk.truncate(cap);
    if chunk.is_empty() {
        return Ok(no_content());
    }
    let last_key = chunk
        .last()
        .map(|r| store::sort_key(r, sort_by))
        .unwrap_or_default();
    let count = chunk.len();
    let expiry = now + world.settings.page_token_ttl;
    let next = more.then(|| random_token().replace("1000.", ""));
    let info = json!({
        "call": false, "per_page": per_page, "next_page_token": next, "count": count, "sort_by": sort_by,
        "page": page_no, "previous_page_token": null, "page_token_expiry": next.as_ref().map(|_| clock::format(expiry)),
        "sort_order": sort_order, "email": false, "more_records": more,
    });
    // The page is copied from the stored records' JSON text: a 200-record page costs a small
    // part of a millisecond of server time (`cargo xtask bench` measures it).
    let keys = store::ProjectedKeys::new(&fields);
    // Room for every record's whole text: a page of stored fields is not copied while it is
    // written (absent or dotted fields may still make it grow).
    let room: usize = chunk.iter().map(|r| r.text().bytes_len() + 64).sum();
    let mut body = app.bodies.take(room + 1024);
    body.extend_from_slice(b"{\"data\":[");
    for (i, r) in chunk.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        // The record after next is read from memory while this one is written.
        if let Some(ahead) = chunk.get(i + 2) {
            ahead.text().touch();
        }
        keys.write(r, &mut body);
    }
    body.extend_from_slice(b"],\"info\":");
    body.extend_from_slice(info.to_string().as_bytes());
    body.push(b'}');
    drop(keys);
    drop(chunk);
    if let Some(tok) = &next {
        world.page_tokens.insert(
            tok.clone(),
            PageToken {
                user_id: caller.user.id.clone(),
                bound,
                after: last_key,
                served: served_before + count,
                expires_at: expiry,
            },
        );
    }
    Ok(json_bytes(StatusCode::OK, app.bodies.body(body)))
}

/// `GET /{module}/{id}`.
pub async fn get_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, &caller, &module, "READ")?;
    let fields = fields_param(&p, true)?;
    let rec = org.records[&module]
        .get(&id)
        .ok_or_else(|| ApiError::invalid_id(&id))?;
    let mut data = store::project(&org.meta[&module], rec, fields.as_deref());
    has_more(&org.meta[&module], &mut data);
    Ok(json_response(StatusCode::OK, &json!({"data": [data]})))
}

/// `$has_more` of a single record: for each subform and multi-select lookup it shows,
/// whether rows beyond those shown exist (never: the emulator shows every row).
fn has_more(meta: &crate::metadata::ModuleMeta, data: &mut Value) {
    let Some(obj) = data.as_object_mut() else {
        return;
    };
    let more: serde_json::Map<String, Value> = meta
        .views()
        .filter(|f| matches!(f.data_type(), "subform" | "multiselectlookup"))
        .filter(|f| obj.contains_key(f.api_name()))
        .map(|f| (f.api_name().to_string(), Value::Bool(false)))
        .collect();
    if !more.is_empty() {
        obj.insert("$has_more".into(), Value::Object(more));
    }
}

/// Status of a batch: all success -> `ok`, mixed -> 207, all failed -> 400.
pub fn batch_status(items: &[Value], ok: StatusCode) -> StatusCode {
    let good = items.iter().filter(|i| i["status"] == "success").count();
    if good == items.len() {
        ok
    } else if good == 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::MULTI_STATUS
    }
}

fn delete_ids(app: &App, caller: &Caller, module: &str, ids: &[String]) -> ApiResult {
    let mut world = app.world();
    let user = caller.user.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = module_of(org, caller, module, "DELETE")?;
    let mut items = vec![];
    for id in ids {
        match store::remove(org, &module, id) {
            Some(rec) => {
                let name = store::display_name(&org.meta[&module], &rec);
                org.deleted.entry(module.clone()).or_default().push(json!({
                    "deleted_by": {"name": user.full_name(), "id": user.id},
                    "id": id, "display_name": name, "type": "recycle",
                    "created_by": rec.get("Created_By").map(|c| json!({"name": c["name"], "id": c["id"]})),
                    "deleted_time": clock::format(clock::now()),
                    // For the recycle bin; `/deleted` does not show it.
                    "$owner": rec.get("Owner").map(|o| json!({"name": o["name"], "id": o["id"]})),
                }));
                items.push(item("SUCCESS", "record deleted", json!({"id": id})));
            }
            None => items.push(item(
                "INVALID_DATA",
                "record not deleted",
                json!({"id": id}),
            )),
        }
    }
    Ok(json_response(
        batch_status(&items, StatusCode::OK),
        &json!({"data": items}),
    ))
}

/// `DELETE /{module}?ids=...`.
pub async fn delete_many(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    let ids: Vec<String> = p
        .get("ids")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        // Module errors come first, as Zoho resolves the path before the parameters.
        let world = app.world();
        module_of(&world.orgs[&caller.org_id], &caller, &module, "DELETE")?;
        return Err(ApiError::required_param("ids"));
    }
    if ids.len() > 100 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": 100, "param_name": "ids"}),
        ));
    }
    delete_ids(&app, &caller, &module, &ids)
}

/// `DELETE /{module}/{id}`.
pub async fn delete_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
) -> ApiResult {
    delete_ids(&app, &caller, &module, &[id])
}

/// `GET /{module}/deleted`.
pub async fn deleted(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, &caller, &module, "READ")?;
    let kind = p.get("type").map(String::as_str).unwrap_or("all");
    if !["all", "recycle", "permanent"].contains(&kind) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "PATTERN_NOT_MATCHED",
            "Please check whether the input values are correct",
            json!({"param_name": "type"}),
        ));
    }
    let per_page = number(&p, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let page = number(&p, "page", 1, usize::MAX)?;
    let all: Vec<&Value> = org
        .deleted
        .get(&module)
        .map(|v| {
            v.iter()
                .rev()
                .filter(|d| kind == "all" || d["type"] == kind)
                .collect()
        })
        .unwrap_or_default();
    let chunk: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|d| {
            let mut d = (*d).clone();
            if let Some(o) = d.as_object_mut() {
                o.retain(|k, _| !k.starts_with('$'));
            }
            d
        })
        .collect();
    if chunk.is_empty() {
        return Ok(no_content());
    }
    let more = (page - 1) * per_page + chunk.len() < all.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": chunk, "info": {"per_page": per_page, "count": chunk.len(), "page": page, "more_records": more}}),
    ))
}
