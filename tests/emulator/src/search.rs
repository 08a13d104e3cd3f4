//! Record search: `GET /{module}/search`, its body form `POST /{module}/search` (also served as
//! `POST /{module}/bulk/search`), and `GET /{module}/actions/count`.

use crate::auth::Caller;
use crate::criteria;
use crate::error::{json_response, no_content, ApiError, ApiResult};
use crate::records::{fields_param, module_of, number, DISCRETE_LIMIT, MAX_PER_PAGE};
use crate::state::{App, Record};
use crate::store;
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// A predicate over records.
type Filter<'a> = Box<dyn Fn(&Record) -> bool + 'a>;

/// The filter of a search or count: criteria, email, phone or word (in that priority).
fn search_filter<'a>(
    p: &Params,
    meta: &'a crate::metadata::ModuleMeta,
) -> Result<Option<Filter<'a>>, ApiError> {
    if let Some(c) = p.get("criteria") {
        let e = criteria::parse(c)?;
        criteria::check(&e, meta)?;
        return Ok(Some(Box::new(move |r| criteria::matches(&e, r, meta))));
    }
    let of_type = |types: &'static [&'static str]| -> Vec<String> {
        meta.views()
            .filter(|f| types.contains(&f.data_type()))
            .map(|f| f.api_name().to_string())
            .collect()
    };
    if let Some(email) = p.get("email") {
        let fields = of_type(&["email"]);
        let email = email.to_lowercase();
        return Ok(Some(Box::new(move |r| {
            fields.iter().any(|f| {
                r.get(f)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase() == email)
            })
        })));
    }
    if let Some(phone) = p.get("phone") {
        if phone.chars().count() < 3 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                "phone should have minimum 3 characters",
                json!({"param_name": "phone"}),
            ));
        }
        let fields = of_type(&["phone"]);
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        return Ok(Some(Box::new(move |r| {
            fields.iter().any(|f| {
                r.get(f).and_then(Value::as_str).is_some_and(|v| {
                    v.chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        .contains(&digits)
                })
            })
        })));
    }
    if let Some(word) = p.get("word") {
        if word.chars().count() < 2 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                "word should have minimum 2 characters",
                json!({"param_name": "word"}),
            ));
        }
        let fields = of_type(&["text", "textarea", "email", "phone", "website", "picklist"]);
        let word = word.to_lowercase();
        return Ok(Some(Box::new(move |r| {
            fields.iter().any(|f| {
                r.get(f)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase().contains(&word))
            })
        })));
    }
    Ok(None)
}

/// `GET /{module}/search`.
pub async fn search(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    run(&app, &caller, &module, &p)
}

/// `POST /{module}/search` (and `POST /{module}/bulk/search`): the parameters of the GET form
/// (`criteria`, `email`, `phone`, `word`, `fields`, `page`, `per_page`) in a JSON body, for
/// criteria too long for a URL. Query parameters fill in what the body leaves out.
pub async fn search_body(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(mut p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    {
        let world = app.world();
        module_of(&world.orgs[&caller.org_id], &caller, &module, "READ")?;
    }
    let body = json_body(&headers, &body)?;
    let obj = body.as_object().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"expected_data_type": "jsonobject", "json_path": "$"}),
        )
    })?;
    for (k, v) in obj {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            // A field list may come as an array of API names.
            Value::Array(a) if k == "fields" => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_DATA",
                    "invalid data",
                    json!({"expected_data_type": "string", "api_name": k, "json_path": format!("$.{k}")}),
                ))
            }
        };
        p.insert(k.clone(), text);
    }
    const ONE_OF: [&str; 4] = ["criteria", "email", "phone", "word"];
    if !ONE_OF.iter().any(|k| p.contains_key(*k)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXPECTED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_names": ONE_OF}),
        ));
    }
    run(&app, &caller, &module, &p)
}

/// A search with its parameters gathered.
fn run(app: &App, caller: &Caller, module: &str, p: &Params) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, caller, module, "READ")?;
    let meta = &org.meta[&module];
    let fields = fields_param(p, true)?;
    let per_page = number(p, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let page = number(p, "page", 1, usize::MAX)?;
    let filter = search_filter(p, meta)?
        .ok_or_else(|| ApiError::required_param("criteria or email or phone or word"))?;
    let offset = (page - 1) * per_page;
    if offset >= DISCRETE_LIMIT {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_REACHED",
            "search results exceed the limit of 2000 records",
            json!({"limit": DISCRETE_LIMIT}),
        ));
    }
    let hits: Vec<&Record> = org.records[&module]
        .values()
        .rev()
        .filter(|r| filter(r))
        .take(DISCRETE_LIMIT)
        .collect();
    let chunk: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(per_page)
        .map(|r| store::project(meta, r, fields.as_deref()))
        .collect();
    if chunk.is_empty() {
        return Ok(no_content());
    }
    let more = offset + chunk.len() < hits.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": chunk, "info": {"per_page": per_page, "count": chunk.len(), "page": page, "more_records": more}}),
    ))
}

/// `GET /{module}/actions/count`.
pub async fn count(
    State(app): State<App>,
    caller: Caller,
    Path(module): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = module_of(org, &caller, &module, "READ")?;
    if p.contains_key("cvid")
        && ["criteria", "email", "phone", "word"]
            .iter()
            .any(|k| p.contains_key(*k))
    {
        let other = ["criteria", "email", "phone", "word"]
            .into_iter()
            .find(|k| p.contains_key(*k))
            .unwrap_or("criteria");
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "AMBIGUITY_DURING_PROCESSING", "Please use either Cvid or Search Params. Combination of both the params is not allowed", json!({"ambiguity_due_to": [{"param_name": "cvid"}, {"param_name": other}]})));
    }
    let meta = &org.meta[&module];
    let filter = search_filter(&p, meta)?;
    let n = org.records[&module]
        .values()
        .filter(|r| filter.as_ref().is_none_or(|f| f(r)))
        .count();
    Ok(json_response(StatusCode::OK, &json!({"count": n})))
}
