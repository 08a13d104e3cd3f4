//! Operations: what each spec operation takes and answers (its request builder is emitted by
//! [`super::builders`]), and the arms of the dispatchers that decode a request or response body
//! of any operation into its generated type.

use super::builders::{self, Param};
use super::load::{escape, Specs};
use super::types::Model;
use crate::naming::{self, Scope};
use crate::Error;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

/// Decodes `body` into `t` and encodes it back (a dispatcher arm).
fn round_trip(t: &TokenStream) -> TokenStream {
    quote! {
        Some(serde_json::from_value::<#t>(body.clone()).map_err(|e| e.to_string()).and_then(|x| serde_json::to_value(&x).map_err(|e| e.to_string())))
    }
}

/// The code of one spec file's operations, and its arms of the dispatchers.
pub struct FileOps {
    /// Request builders.
    pub items: Vec<TokenStream>,
    /// The operations, in spec order.
    pub operations: Vec<builders::Operation>,
    /// (operationId, status, decode expression) of each response with a JSON schema.
    pub dispatch: Vec<(String, String, TokenStream)>,
    /// (operationId, decode expression) of each JSON request body.
    pub requests: Vec<(String, TokenStream)>,
}

/// Names the generated function uses for its own arguments and locals, which no parameter may
/// take.
const RESERVED_PARAMS: [&str; 8] = [
    "client", "body", "send", "new", "path", "req", "clone", "fmt",
];

/// The object at `v`, following a `$ref` if it is one: (file, value, pointer).
fn resolve_obj<'a>(
    specs: &'a Specs,
    file: &str,
    pointer: &str,
    v: &'a Value,
) -> Result<(String, &'a Value, String), Error> {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let (f, ptr, target) = specs.resolve(file, pointer, r)?;
            if !target.is_object() {
                return Err(specs.err(
                    file,
                    &format!("{pointer}/$ref"),
                    format!("$ref `{r}` points at something that is not an object"),
                ));
            }
            Ok((f, target, ptr))
        }
        None => Ok((file.to_string(), v, pointer.to_string())),
    }
}

/// Whether an operation writes records of the module its `{module}` path parameter names, so
/// that it must pass the SDK's record-write checks: a POST, PUT or PATCH of
/// `/crm/<version>/{module}`, `…/{module}/upsert`, `…/{module}/{id}` or an action on them
/// (`…/{module}[/{id}]/actions/<name>`), with a JSON body of `data` records. Paths that go on to
/// another module (`…/{id}/Notes`, `…/{id}/{related_list}`) carry that module's records.
fn writes_records_of_module(method: &str, path: &str, body: Option<&Value>) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["crm", _version, "{module}", rest @ ..] => rest,
        _ => return false,
    };
    let shape = matches!(
        rest,
        [] | ["upsert"] | ["{id}"] | ["actions", _] | ["{id}", "actions", _]
    ) && rest.iter().skip(1).all(|s| !s.starts_with('{'));
    let data = body
        .and_then(|b| b.pointer("/properties/data/type"))
        .and_then(Value::as_str)
        == Some("array");
    matches!(method, "post" | "put" | "patch") && shape && data
}

/// Emits the operations of `file`; types the operations need are added to the model.
pub fn emit(specs: &Specs, m: &mut Model, file: &str, names: &mut Scope) -> Result<FileOps, Error> {
    let mut out = FileOps {
        items: vec![],
        operations: vec![],
        dispatch: vec![],
        requests: vec![],
    };
    let Some(doc) = specs.files.get(file) else {
        return Ok(out);
    };
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(out);
    };
    let mut fn_names = Scope::with(&["new"]);
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in super::validate::METHODS {
            let Some(op) = item.get(method) else { continue };
            let item_pointer = format!("/paths/{}", escape(path));
            let pointer = format!("{item_pointer}/{method}");
            let op_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{method} {path}"));
            let fn_name = fn_names.unique(naming::field_name(&op_id));
            // Parameters (path-level and operation-level; $refs resolved).
            let mut params = vec![];
            let mut pnames = Scope::with(&RESERVED_PARAMS);
            // The operation's own parameters first: they override the path item's of the same
            // name and location (OpenAPI 3.0), and a repeat is skipped.
            for (list, at) in [
                (op.get("parameters"), &pointer),
                (item.get("parameters"), &item_pointer),
            ] {
                for (i, p) in list
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let (pfile, p, ppointer) =
                        resolve_obj(specs, file, &format!("{at}/parameters/{i}"), p)?;
                    let (Some(name), Some(loc)) = (
                        p.get("name").and_then(Value::as_str),
                        p.get("in").and_then(Value::as_str),
                    ) else {
                        return Err(specs.err(
                            &pfile,
                            &ppointer,
                            "a parameter needs `name` and `in` (strings)".into(),
                        ));
                    };
                    if !matches!(loc, "path" | "query" | "header")
                        || params
                            .iter()
                            .any(|x: &Param| x.name == name && x.location == loc)
                    {
                        continue;
                    }
                    let ty = match p.pointer("/schema/type").and_then(Value::as_str) {
                        Some("integer") => quote!(i64),
                        Some("boolean") => quote!(bool),
                        _ => quote!(String),
                    };
                    params.push(Param {
                        name: name.to_string(),
                        rust: pnames.unique(naming::field_name(name)),
                        location: loc.to_string(),
                        required: loc == "path"
                            || p.get("required").and_then(Value::as_bool) == Some(true),
                        ty,
                    });
                }
            }
            // Request body.
            let mut body_ty = None;
            let mut body_schema = None;
            let mut multipart = false;
            if let Some(b) = op.get("requestBody") {
                let (bfile, b, bptr) =
                    resolve_obj(specs, file, &format!("{pointer}/requestBody"), b)?;
                multipart = b.pointer("/content/multipart~1form-data").is_some();
                if let Some(schema) = b.pointer("/content/application~1json/schema") {
                    let at = format!("{bptr}/content/application~1json/schema");
                    body_schema = Some(resolve_obj(specs, &bfile, &at, schema)?.1);
                    body_ty = Some(m.lower_at(
                        specs,
                        &bfile,
                        &at,
                        schema,
                        &format!("{}Body", naming::type_name(&op_id)),
                    )?);
                }
            }
            // Every `{placeholder}` of the path needs a path parameter, or the request would go
            // out with the placeholder in it.
            for piece in path.split('{').skip(1) {
                let name = piece.split('}').next().unwrap_or_default();
                if !params
                    .iter()
                    .any(|p| p.location == "path" && p.name == name)
                {
                    return Err(specs.err(
                        file,
                        &pointer,
                        format!("the path has `{{{name}}}` but no path parameter `{name}`"),
                    ));
                }
            }
            let record_write = writes_records_of_module(method, path, body_schema);
            // Responses.
            let mut responses = vec![];
            let mut download = false;
            if let Some(resps) = op.get("responses").and_then(Value::as_object) {
                for (status, r) in resps {
                    let (rfile, r, rptr) = resolve_obj(
                        specs,
                        file,
                        &format!("{pointer}/responses/{}", escape(status)),
                        r,
                    )?;
                    // A success whose content is not JSON is a file.
                    if status.starts_with('2') {
                        download |= r
                            .get("content")
                            .and_then(Value::as_object)
                            .is_some_and(|c| c.keys().any(|k| !k.contains("json")));
                    }
                    if let Some(schema) = r.pointer("/content/application~1json/schema") {
                        let t = m.lower_at(
                            specs,
                            &rfile,
                            &format!("{rptr}/content/application~1json/schema"),
                            schema,
                            &format!("{}Response{status}", naming::type_name(&op_id)),
                        )?;
                        responses.push((status.clone(), t));
                    }
                }
            }
            // The success type comes from 2xx answers only; an operation whose success has no
            // JSON schema (a download) answers with the raw response.
            let ok_ty = ["200", "201", "202", "207", "2XX"]
                .iter()
                .find_map(|s| responses.iter().find(|(st, _)| st == s))
                .map(|(_, t)| super::emit::rust_type_pub(m, t, file));
            if let Some(t) = &body_ty {
                out.requests.push((
                    op_id.clone(),
                    round_trip(&super::emit::rust_type_rooted(m, t)),
                ));
            }
            let module_param = params
                .iter()
                .find(|p| p.location == "path" && p.name == "module")
                .map(|p| p.rust.clone());
            let summary = op
                .get("summary")
                .and_then(Value::as_str)
                .map(str::to_string);
            let request_type = names.unique(format!("{}Request", naming::type_name(&op_id)));
            let body = body_ty
                .as_ref()
                .map(|t| super::emit::rust_type_pub(m, t, file));
            let spec = builders::Operation {
                id: op_id.clone(),
                method: method.to_uppercase(),
                path: path.clone(),
                summary,
                function: fn_name.clone(),
                request_type,
                params,
                body,
                multipart,
                download,
                ok: ok_ty,
                record_write: if record_write { module_param } else { None },
            };
            out.items.push(builders::request(&spec));
            out.operations.push(spec);
            for (status, t) in &responses {
                let t = super::emit::rust_type_rooted(m, t);
                out.dispatch
                    .push((op_id.clone(), status.clone(), round_trip(&t)));
            }
        }
    }
    Ok(out)
}
