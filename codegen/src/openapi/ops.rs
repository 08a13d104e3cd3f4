//! Operations: one async function per spec operation, its parameter struct, and a dispatcher
//! that decodes a response body of any operation into its generated type.

use super::load::{escape, Specs};
use super::types::Model;
use crate::naming::{self, Scope};
use crate::Error;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// A parameter of an operation.
struct Param {
    name: String,
    rust: String,
    location: String,
    ty: TokenStream,
}

/// The code of one spec file's operations, and its arms of the response dispatcher.
pub struct FileOps {
    /// Functions and parameter structs.
    pub items: Vec<TokenStream>,
    /// (operationId, status, decode expression) of each response with a JSON schema.
    pub dispatch: Vec<(String, String, TokenStream)>,
    /// (operationId, decode expression) of each JSON request body.
    pub requests: Vec<(String, TokenStream)>,
}

/// Names the generated function uses for its own arguments and locals, which no parameter may
/// take.
const RESERVED_PARAMS: [&str; 5] = ["client", "params", "body", "path", "req"];

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
        dispatch: vec![],
        requests: vec![],
    };
    let Some(doc) = specs.files.get(file) else {
        return Ok(out);
    };
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(out);
    };
    let mut fn_names = Scope::with(&["decode_response", "decode_request"]);
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
            for (list, at) in [
                (item.get("parameters"), &item_pointer),
                (op.get("parameters"), &pointer),
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
                        ty,
                    });
                }
            }
            // Request body.
            let mut body_ty = None;
            let mut body_schema = None;
            if let Some(b) = op.get("requestBody") {
                let (bfile, b, bptr) =
                    resolve_obj(specs, file, &format!("{pointer}/requestBody"), b)?;
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
            let record_write = writes_records_of_module(method, path, body_schema);
            // Responses.
            let mut responses = vec![];
            if let Some(resps) = op.get("responses").and_then(Value::as_object) {
                for (status, r) in resps {
                    let (rfile, r, rptr) = resolve_obj(
                        specs,
                        file,
                        &format!("{pointer}/responses/{}", escape(status)),
                        r,
                    )?;
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
            let ok_ty = ["200", "201", "202", "207", "2XX", "default"]
                .iter()
                .find_map(|s| responses.iter().find(|(st, _)| st == s))
                .map(|(_, t)| super::emit::rust_type_pub(m, t, file));
            let ok_ty = ok_ty.unwrap_or_else(|| quote!(Value));
            // The function.
            let path_params: Vec<&Param> = params.iter().filter(|p| p.location == "path").collect();
            let other: Vec<&Param> = params.iter().filter(|p| p.location != "path").collect();
            let args = path_params.iter().map(|p| {
                let a = ident(&p.rust);
                quote!(#a: &str,)
            });
            let substitutions = path_params.iter().map(|p| {
                let (a, key) = (ident(&p.rust), format!("{{{}}}", p.name));
                quote! { let path = path.replace(#key, &zcrm_core::client::encode_segment(#a)); }
            });
            let params_struct = format_ident!(
                "{}",
                names.unique(format!("{}Params", naming::type_name(&op_id)))
            );
            let (params_arg, params_def, apply) = if other.is_empty() {
                (quote!(), quote!(), quote!())
            } else {
                let fields = other.iter().map(|p| {
                    let (f, ty, doc) = (
                        ident(&p.rust),
                        &p.ty,
                        format!("`{}` ({})", p.name, p.location),
                    );
                    quote! { #[doc = #doc] pub #f: Option<#ty>, }
                });
                let applies = other.iter().map(|p| {
                    let (f, key) = (ident(&p.rust), &p.name);
                    if p.location == "header" {
                        quote! { if let Some(v) = &params.#f { req = req.header(#key, v.to_string()); } }
                    } else {
                        quote! { if let Some(v) = &params.#f { req = req.query(#key, v.to_string()); } }
                    }
                });
                let doc = format!("Parameters of `{op_id}`.");
                (
                    quote!(params: &#params_struct,),
                    quote! { #[doc = #doc] #[derive(Debug, Clone, PartialEq, Default)] pub struct #params_struct { #(#fields)* } },
                    quote! { #(#applies)* },
                )
            };
            if let Some(t) = &body_ty {
                let t = super::emit::rust_type_rooted(m, t);
                let id = &op_id;
                let _ = id;
                out.requests.push((op_id.clone(), quote! {
                    Some(serde_json::from_value::<#t>(body.clone()).map_err(|e| e.to_string()).and_then(|x| serde_json::to_value(&x).map_err(|e| e.to_string())))
                }));
            }
            let (body_arg, body_set) = match &body_ty {
                Some(t) => {
                    let t = super::emit::rust_type_pub(m, t, file);
                    (
                        quote!(body: &#t,),
                        quote! { req.body = Some(serde_json::to_value(body).map_err(|e| zcrm_core::Error::Decode { path: "$".into(), message: e.to_string(), snippet: String::new() })?); },
                    )
                }
                None => (quote!(), quote!()),
            };
            let method_tok = ident(&method.to_uppercase());
            let module_param = path_params.iter().find(|p| p.name == "module");
            let send = match module_param {
                // The module's records pass the same checks as `Records` writes.
                Some(p) if record_write => {
                    let module = ident(&p.rust);
                    quote! { client.execute_record_write(#module, req).await?.json() }
                }
                _ => quote! { client.execute(req).await?.json() },
            };
            let idempotent = method != "post";
            let doc = format!("`{} {path}` (`{op_id}`).", method.to_uppercase());
            let fn_ident = ident(&fn_name);
            out.items.push(quote! {
                #params_def
                #[doc = #doc]
                pub async fn #fn_ident(client: &zcrm_core::Client, #(#args)* #params_arg #body_arg) -> Result<Option<#ok_ty>, zcrm_core::Error> {
                    let path = #path.to_string();
                    #(#substitutions)*
                    let mut req = zcrm_core::ApiRequest::get(path);
                    req.method = reqwest_method::#method_tok;
                    req.idempotent = #idempotent;
                    #apply
                    #body_set
                    #send
                }
            });
            for (status, t) in &responses {
                let t = super::emit::rust_type_rooted(m, t);
                let id = &op_id;
                let _ = id;
                out.dispatch.push((op_id.clone(), status.clone(), quote! {
                    Some(serde_json::from_value::<#t>(body.clone()).map_err(|e| e.to_string()).and_then(|x| serde_json::to_value(&x).map_err(|e| e.to_string())))
                }));
            }
        }
    }
    Ok(out)
}
