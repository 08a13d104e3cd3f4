//! Uploaded files beyond attachments: files for file and image fields (`/crm/v7/files`,
//! upload and download by id) and record photos (`/{module}/{id}/photo`), with the size limit
//! every upload shares (413 `FILE_SIZE_MORE_THAN_ALLOWED_SIZE`).

use crate::auth::{Caller, Need};
use crate::error::{item, json_response, no_content, ApiError, ApiResult};
use crate::multipart::{self, Part};
use crate::related::parent_exists;
use crate::state::{App, Org, StoredFile};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;

/// Bytes one uploaded file may have by default (Zoho's API takes bodies up to 100 MB).
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// Files one `/files` upload may carry.
pub const MAX_FILES: usize = 10;

/// The 413 of a body past the upload limit.
pub fn too_large(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
        "file size exceeds the allowed limit",
        json!({"maximum_size": max}),
    )
}

/// Bytes a multipart body may carry beyond its files (boundaries, part headers).
const ENVELOPE: usize = 64 * 1024;

/// The `file` parts of a multipart upload, refusing a file past `max` bytes, a body that is not
/// multipart and one without a `file` part.
pub fn file_parts(headers: &HeaderMap, body: &[u8], max: usize) -> Result<Vec<Part>, ApiError> {
    if body.len() > max.saturating_mul(MAX_FILES).saturating_add(ENVELOPE) {
        return Err(too_large(max));
    }
    if !multipart::is_multipart(headers) {
        return Err(ApiError::required_param("file"));
    }
    let parts = multipart::parse(headers, body).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "the multipart body could not be read",
            json!({"expected_type": "multipart/form-data"}),
        )
    })?;
    let files: Vec<Part> = parts
        .into_iter()
        .filter(|p| p.name == "file" && p.file_name.is_some())
        .collect();
    if files.is_empty() {
        return Err(ApiError::required_param("file"));
    }
    if files.iter().any(|f| f.data.len() > max) {
        return Err(too_large(max));
    }
    Ok(files)
}

/// The file as a download: its bytes, media type and `Content-Disposition` name.
pub fn file_response(name: &str, content_type: &str, body: Vec<u8>) -> Response {
    let name = name.replace(['"', '\r', '\n'], "_");
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    resp
}

fn files_scope(caller: &Caller, op: &str) -> Result<(), ApiError> {
    caller
        .require(Need::plain("files", op))
        .or_else(|_| caller.require(Need::module("Attachments", op)))
}

/// `POST /crm/v7/files`: up to ten `file` parts; one `{"name","id"}` outcome each, the id a
/// file or image field takes as `File_Id__s`.
pub async fn upload(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    files_scope(&caller, "CREATE")?;
    let mut world = app.world();
    let max = world.settings.max_upload_bytes;
    let files = file_parts(&headers, &body, max)?;
    if files.len() > MAX_FILES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_FILES, "param_name": "file"}),
        ));
    }
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let data: Vec<_> = files
        .into_iter()
        .map(|f| {
            let name = f.file_name.clone().unwrap_or_default();
            let id = format!("{}{}", org.mint_id(), "e1f2");
            org.files.insert(
                id.clone(),
                StoredFile {
                    name: name.clone(),
                    content_type: f
                        .content_type
                        .unwrap_or_else(|| "application/octet-stream".into()),
                    body: f.data,
                },
            );
            item(
                "SUCCESS",
                "file uploaded successfully",
                json!({"name": name, "id": id}),
            )
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data })))
}

/// `GET /crm/v7/files?id=`: the file's bytes.
pub async fn download(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult {
    files_scope(&caller, "READ")?;
    let id = p
        .get("id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::required_param("id"))?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let f = org
        .files
        .get(id)
        .ok_or_else(|| ApiError::invalid_param("id"))?;
    Ok(file_response(&f.name, &f.content_type, f.body.clone()))
}

/// The module of a photo path, which must have a photo (a `profileimage` field), and checks
/// the caller may `op` on it and that the record exists.
fn photo_module(
    org: &Org,
    caller: &Caller,
    module: &str,
    id: &str,
    op: &str,
) -> Result<String, ApiError> {
    let m = org
        .module_name(module)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| ApiError::invalid_module(0))?;
    caller.require(Need::module(&m, op))?;
    let has_photo = org.meta[&m]
        .fields
        .iter()
        .any(|f| f["data_type"] == "profileimage");
    if !has_photo {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module does not support photos",
            json!({"resource_path_index": 0}),
        ));
    }
    parent_exists(org, &m, id)?;
    Ok(m)
}

/// Whether `data` starts as a PNG, JPEG, GIF or BMP image does.
fn is_image(data: &[u8]) -> bool {
    data.starts_with(b"\x89PNG\r\n\x1a\n")
        || data.starts_with(b"\xff\xd8\xff")
        || data.starts_with(b"GIF8")
        || data.starts_with(b"BM")
}

/// `POST /{module}/{id}/photo`: one `file` part holding an image.
pub async fn upload_photo(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let max = world.settings.max_upload_bytes;
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let m = photo_module(org, &caller, &module, &id, "UPDATE")?;
    let file = file_parts(&headers, &body, max)?.remove(0);
    if !is_image(&file.data) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the file is not an image",
            json!({"param_name": "file", "supported_types": ["png", "jpeg", "gif", "bmp"]}),
        ));
    }
    org.photos.insert(
        format!("{m}/{id}"),
        StoredFile {
            name: file.file_name.unwrap_or_default(),
            content_type: file.content_type.unwrap_or_else(|| "image/png".into()),
            body: file.data,
        },
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({"code": "SUCCESS", "details": {}, "message": "photo uploaded successfully", "status": "success"}),
    ))
}

/// `GET /{module}/{id}/photo`: the image; 204 when the record has none.
pub async fn photo(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
) -> ApiResult {
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let m = photo_module(org, &caller, &module, &id, "READ")?;
    Ok(match org.photos.get(&format!("{m}/{id}")) {
        Some(f) => file_response(&f.name, &f.content_type, f.body.clone()),
        None => no_content(),
    })
}

/// `DELETE /{module}/{id}/photo`.
pub async fn delete_photo(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
) -> ApiResult {
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let m = photo_module(org, &caller, &module, &id, "UPDATE")?;
    if org.photos.remove(&format!("{m}/{id}")).is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the record has no photo",
            json!({"id": id}),
        ));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"code": "SUCCESS", "details": {}, "message": "Photo deleted", "status": "success"}),
    ))
}
