//! Record attachments (`/{module}/{id}/Attachments`): list, upload (a multipart `file` part, or a
//! link with `attachmentUrl`), download and delete.
//!
//! A linked URL downloads as its own text (`text/uri-list`): the emulator fetches nothing.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, no_content, ApiError, ApiResult};
use crate::records::{batch_status, fields_param, number, MAX_PER_PAGE};
use crate::related::parent_exists;
use crate::state::{App, Attachment, Org};
use crate::store;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// Attachment ids one delete call may name.
pub const MAX_DELETE: usize = 100;

/// Resolves the parent module, checking the caller may `op` on it or on attachments.
fn parent_module(org: &Org, caller: &Caller, name: &str, op: &str) -> Result<String, ApiError> {
    let m = org
        .module_name(name)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| ApiError::invalid_module(0))?;
    caller
        .require(Need::module(&m, op))
        .or_else(|_| caller.require(Need::module("Attachments", op)))?;
    Ok(m)
}

fn short(v: &Value) -> Value {
    json!({"name": v["name"], "id": v["id"]})
}

fn of_record<'a>(org: &'a Org, module: &str, id: &str, att: &str) -> Option<&'a Attachment> {
    org.attachments
        .get(att)
        .filter(|a| a.module == module && a.parent_id == id)
}

/// `GET /{module}/{id}/Attachments?fields=` with `page`/`per_page`: newest first; 204 when none.
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = parent_module(org, &caller, &module, "READ")?;
    let fields = fields_param(&p, false)?.unwrap_or_default();
    let per_page = number(&p, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let page = number(&p, "page", 1, usize::MAX)?;
    parent_exists(org, &module, &id)?;
    let all: Vec<&Attachment> = org
        .attachments
        .values()
        .rev()
        .filter(|a| a.module == module && a.parent_id == id)
        .collect();
    let chunk: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|a| {
            let mut out = Map::new();
            for f in &fields {
                out.insert(f.clone(), a.meta.get(f).cloned().unwrap_or(Value::Null));
            }
            for (k, v) in a.meta.as_object().into_iter().flatten() {
                if k == "id" || k.starts_with('$') {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
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

/// `POST /{module}/{id}/Attachments`: a multipart `file` part, or `attachmentUrl` (+ `title`) to
/// link a URL. Answers `{"data":[{"code":"SUCCESS","message":"attachment uploaded successfully"}]}`.
pub async fn upload(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let max = world.settings.max_upload_bytes;
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = parent_module(org, &caller, &module, "CREATE")?;
    parent_exists(org, &module, &id)?;
    let (name, kind, link, bytes, content_type) = if let Some(url) = p.get("attachmentUrl") {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::invalid_param("attachmentUrl"));
        }
        let title = p.get("title").filter(|t| !t.is_empty()).unwrap_or(url);
        (
            title.clone(),
            "Link URL",
            Some(url.clone()),
            url.clone().into_bytes(),
            "text/uri-list".to_string(),
        )
    } else if crate::multipart::is_multipart(&headers) {
        let file = crate::files::file_parts(&headers, &body, max)?.remove(0);
        (
            file.file_name.clone().unwrap_or_default(),
            "File",
            None,
            file.data,
            file.content_type
                .unwrap_or_else(|| "application/octet-stream".into()),
        )
    } else {
        return Err(ApiError::required_param("attachmentUrl"));
    };
    let parent_name = store::display_name(&org.meta[&module], &org.records[&module][&id]);
    let att_id = org.mint_id();
    let file_id = (kind == "File").then(|| format!("{att_id}f"));
    let now = clock::format(clock::now());
    let by = store::user_ref(&caller.user);
    let meta = json!({
        "Owner": by, "Modified_Time": now, "File_Name": name, "Created_Time": now,
        "Size": bytes.len().to_string(), "Parent_Id": {"name": parent_name, "id": id},
        "$editable": true, "$file_id": file_id, "$type": kind, "$se_module": module,
        "Modified_By": by, "$state": "save", "id": att_id, "Created_By": by,
        "$link_url": link, "$sharing_permission": "full_access",
    });
    let details = json!({"Modified_Time": now, "Modified_By": short(&by), "Created_Time": now, "id": att_id, "Created_By": short(&by)});
    org.attachments.insert(
        att_id,
        Attachment {
            module,
            parent_id: id,
            meta,
            body: bytes,
            content_type,
        },
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": [item("SUCCESS", "attachment uploaded successfully", details)]}),
    ))
}

/// `GET /{module}/{id}/Attachments/{attachment_id}`: the file's bytes, with its media type and
/// `Content-Disposition: attachment; filename="..."`.
pub async fn download(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, att)): Path<(String, String, String)>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = parent_module(org, &caller, &module, "READ")?;
    parent_exists(org, &module, &id)?;
    let a = of_record(org, &module, &id, &att).ok_or_else(|| ApiError::invalid_id(&att))?;
    let name = a.meta["File_Name"].as_str().unwrap_or("file");
    Ok(crate::files::file_response(
        name,
        &a.content_type,
        a.body.clone(),
    ))
}

fn delete_ids(app: &App, caller: &Caller, module: &str, id: &str, ids: &[String]) -> ApiResult {
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = parent_module(org, caller, module, "DELETE")?;
    parent_exists(org, &module, id)?;
    let mut out = vec![];
    for att in ids {
        if of_record(org, &module, id, att).is_some() {
            org.attachments.remove(att);
            out.push(item("SUCCESS", "record deleted", json!({"id": att})));
        } else {
            out.push(item(
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"id": att}),
            ));
        }
    }
    Ok(json_response(
        batch_status(&out, StatusCode::OK),
        &json!({"data": out}),
    ))
}

/// `DELETE /{module}/{id}/Attachments/{attachment_id}`; an unknown id is a bare 400.
pub async fn delete_one(
    State(app): State<App>,
    caller: Caller,
    Path((module, id, att)): Path<(String, String, String)>,
) -> ApiResult {
    {
        let world = app.world();
        let org = &world.orgs[&caller.org_id];
        let m = parent_module(org, &caller, &module, "DELETE")?;
        parent_exists(org, &m, &id)?;
        of_record(org, &m, &id, &att).ok_or_else(|| ApiError::invalid_id(&att))?;
    }
    delete_ids(&app, &caller, &module, &id, &[att])
}

/// `DELETE /{module}/{id}/Attachments?ids=` (at most 100): per-id outcomes.
pub async fn delete_many(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
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
        return Err(ApiError::required_param("ids"));
    }
    if ids.len() > MAX_DELETE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_DELETE, "param_name": "ids"}),
        ));
    }
    delete_ids(&app, &caller, &module, &id, &ids)
}
