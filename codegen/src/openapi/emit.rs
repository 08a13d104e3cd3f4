//! Emitting the model as Rust: one module per spec file, plus the dispatchers in `mod.rs`.

use super::load::Specs;
use super::types::{Def, DefKind, Model, TypeRef};
use crate::naming;
use crate::{Error, GeneratedFile, Tokens};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// The Rust module of a spec file (`users.json` -> `users`).
pub fn module_of(file: &str) -> String {
    naming::module_name(file.trim_end_matches(".json"))
}

/// The Rust type of a field or arm, as seen from the module holding the per-file modules.
pub fn rust_type_rooted(m: &Model, t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::Vec(inner) => {
            let i = rust_type_rooted(m, inner);
            quote!(Vec<#i>)
        }
        TypeRef::Map => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Named(n) => {
            let d = &m.defs[*n];
            let (module, name) = (ident(&module_of(&d.file)), ident(&d.name));
            quote!(self::#module::#name)
        }
        other => rust_type(m, other, ""),
    }
}

/// The Rust type of a field or arm, as seen from the module of `from_file`.
pub fn rust_type_pub(m: &Model, t: &TypeRef, from_file: &str) -> TokenStream {
    rust_type(m, t, from_file)
}

fn rust_type(m: &Model, t: &TypeRef, from_file: &str) -> TokenStream {
    match t {
        TypeRef::Str => quote!(String),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::Json => quote!(Value),
        TypeRef::Map => quote!(Map<String, Value>),
        TypeRef::Vec(inner) => {
            let i = rust_type(m, inner, from_file);
            quote!(Vec<#i>)
        }
        TypeRef::Named(n) => {
            let d = &m.defs[*n];
            let name = ident(&d.name);
            if d.file == from_file {
                quote!(#name)
            } else {
                let module = ident(&module_of(&d.file));
                quote!(super::#module::#name)
            }
        }
    }
}

/// Field names whose setter is `set_<name>`: a method of that name would hide a trait method
/// every value has (`clone`, `eq`, ...) or one the struct itself defines.
const SETTER_RESERVED: [&str; 14] = [
    "new",
    "clone",
    "clone_from",
    "fmt",
    "eq",
    "ne",
    "default",
    "serialize",
    "deserialize",
    "into",
    "from",
    "to_owned",
    "extra",
    "with_extra",
];

fn emit_def(m: &Model, d: &Def) -> TokenStream {
    let name = ident(&d.name);
    let doc = format!("`{}`", d.origin);
    match &d.kind {
        DefKind::Alias(t) => {
            let t = rust_type(m, t, &d.file);
            quote! { #[doc = #doc] pub type #name = #t; }
        }
        DefKind::Pending => quote! { #[doc = #doc] pub type #name = Value; },
        DefKind::Newtype(t, boxed) => {
            let t = rust_type(m, t, &d.file);
            let t = if *boxed { quote!(Box<#t>) } else { t };
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #t);
            }
        }
        DefKind::Struct(props) => {
            let fields = props.iter().map(|(json, rust, t, boxed)| {
                let (f, ty) = (ident(rust), rust_type(m, t, &d.file));
                let ty = if *boxed { quote!(Box<#ty>) } else { ty };
                let doc = format!("`{json}`");
                quote! { #[doc = #doc] pub #f: Option<#ty>, }
            });
            let serde_fields: Vec<crate::serde_impl::Field> = props
                .iter()
                .map(|(json, rust, t, boxed)| {
                    let ty = rust_type(m, t, &d.file);
                    crate::serde_impl::Field {
                        json: json.clone(),
                        rust: ident(rust),
                        ty: if *boxed { quote!(Box<#ty>) } else { ty },
                        float: *t == TypeRef::F64,
                    }
                })
                .collect();
            let serde_impls = crate::serde_impl::impls(&name, &serde_fields, d.open);
            let nulls = crate::serde_impl::nulls_type(serde_fields.len());
            let names = props.iter().map(|(json, _, _, _)| quote!(#json,));
            let taken: std::collections::BTreeSet<&str> =
                props.iter().map(|(_, rust, _, _)| rust.as_str()).collect();
            let setters = props
                .iter()
                .filter_map(|p| {
                    // A reserved name gets its setter as `set_<name>` (`Mail::set_from`),
                    // unless a field already has that name.
                    let setter = if SETTER_RESERVED.contains(&p.1.as_str()) {
                        let renamed = format!("set_{}", p.1);
                        (!taken.contains(renamed.as_str())).then_some(renamed)?
                    } else {
                        p.1.clone()
                    };
                    Some((p, setter))
                })
                .map(|((json, rust, t, boxed), setter)| {
                    let (f, ty) = (ident(rust), rust_type(m, t, &d.file));
                    let name = ident(&setter);
                    let value = if *boxed {
                        quote!(Box::new(value.into()))
                    } else {
                        quote!(value.into())
                    };
                    let doc = format!("Sets `{json}`.");
                    quote! {
                        #[doc = #doc]
                        pub fn #name(mut self, value: impl Into<#ty>) -> Self {
                            self.#f = Some(#value);
                            self
                        }
                    }
                });
            let constructor = if props.iter().any(|(_, rust, _, _)| rust == "new") {
                quote!()
            } else {
                quote! {
                    /// An empty value (no key set); chain the setters to fill it.
                    pub fn new() -> Self {
                        Self::default()
                    }
                }
            };
            let with_extra = if d.open && !props.iter().any(|(_, rust, _, _)| rust == "with_extra")
            {
                quote! {
                    /// Sets a key the spec does not declare (a module's own field, say).
                    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
                        self.extra.insert(key.into(), value.into());
                        self
                    }
                }
            } else {
                quote!()
            };
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, Default)]
                pub struct #name {
                    #(#fields)*
                    /// Keys the spec does not declare, as sent.
                    pub extra: Map<String, Value>,
                    nulls: #nulls,
                }
                impl #name {
                    /// The JSON keys the spec declares.
                    pub const FIELDS: &'static [&'static str] = &[#(#names)*];
                    #constructor
                    #(#setters)*
                    #with_extra
                }
                #serde_impls
            }
        }
        DefKind::OneOf(arms) => {
            let wrap = |boxed: bool| {
                if boxed {
                    quote!(Box::new(x))
                } else {
                    quote!(x)
                }
            };
            let variants = arms.iter().map(|(v, t, boxed)| {
                let doc = match t {
                    TypeRef::Named(n) => format!("A value of `{}`.", m.defs[*n].origin),
                    TypeRef::Str => "A string.".to_string(),
                    TypeRef::I64 => "An integer.".to_string(),
                    TypeRef::F64 => "A number.".to_string(),
                    TypeRef::Bool => "A boolean.".to_string(),
                    TypeRef::Vec(_) => "A list.".to_string(),
                    TypeRef::Map | TypeRef::Json => "Any JSON of this arm.".to_string(),
                };
                let (v, ty) = (ident(v), rust_type(m, t, &d.file));
                let ty = if *boxed { quote!(Box<#ty>) } else { ty };
                quote! { #[doc = #doc] #v(#ty), }
            });
            let covering = arms.iter().filter_map(|(v, t, boxed)| match t {
                TypeRef::Named(n) if matches!(m.defs[*n].kind, DefKind::Struct(_)) => {
                    let (v, ty, x) = (ident(v), rust_type(m, t, &d.file), wrap(*boxed));
                    Some(quote! {
                        if obj.keys().all(|k| #ty::FIELDS.contains(&k.as_str())) {
                            if let Ok(x) = serde_json::from_value::<#ty>(v.clone()) {
                                return Ok(#name::#v(#x));
                            }
                        }
                    })
                }
                _ => None,
            });
            let first = arms.iter().map(|(v, t, boxed)| {
                let (v, ty, x) = (ident(v), rust_type(m, t, &d.file), wrap(*boxed));
                quote! {
                    if let Ok(x) = serde_json::from_value::<#ty>(v.clone()) {
                        return Ok(#name::#v(#x));
                    }
                }
            });
            let sers = arms.iter().map(|(v, _, _)| {
                let v = ident(v);
                quote! { #name::#v(x) => x.serialize(s), }
            });
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                pub enum #name {
                    #(#variants)*
                    /// A value no arm of the spec decodes.
                    Other(Value),
                }
                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        let v = Value::deserialize(d)?;
                        if let Value::Object(obj) = &v {
                            let _ = obj;
                            #(#covering)*
                        }
                        #(#first)*
                        Ok(#name::Other(f::other::<Self>(v)))
                    }
                }
                impl Serialize for #name {
                    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        match self {
                            #(#sers)*
                            #name::Other(v) => v.serialize(s),
                        }
                    }
                }
            }
        }
    }
}

/// One Rust file per spec file (`<dir>/<module>.rs`) and `<dir>/mod.rs` with the response
/// dispatcher.
pub fn emit(specs: &Specs, m: &mut Model, dir: &str) -> Result<Vec<GeneratedFile>, Error> {
    emit_tokens(specs, m, dir)?
        .into_iter()
        .map(Tokens::render)
        .collect()
}

/// [`emit`] up to the Rust tokens, not yet parsed and formatted.
pub fn emit_tokens(specs: &Specs, m: &mut Model, dir: &str) -> Result<Vec<Tokens>, Error> {
    let mut out = vec![];
    let mut mods = vec![];
    let mut ops = BTreeMap::new();
    let mut dispatch = vec![];
    let mut requests = vec![];
    // (module, handle type, operations) of each file with operations.
    let mut groups: Vec<(String, String, Vec<super::builders::Operation>)> = vec![];
    for file in specs.files.keys() {
        let mut names = m.scopes.remove(file).unwrap_or_default();
        let file_ops = super::ops::emit(specs, m, file, &mut names);
        m.scopes.insert(file.clone(), names);
        let mut file_ops = file_ops?;
        if !file_ops.operations.is_empty() {
            let module = module_of(file);
            let names = m.scopes.entry(file.clone()).or_default();
            let ty = super::builders::group_type(&module, names);
            let title = specs.files[file]
                .pointer("/info/title")
                .and_then(serde_json::Value::as_str)
                .unwrap_or(&module)
                .to_string();
            file_ops.items.push(super::builders::group(
                &ty,
                file,
                &title,
                &file_ops.operations,
            ));
            groups.push((module, ty, std::mem::take(&mut file_ops.operations)));
        }
        dispatch.extend(
            file_ops
                .dispatch
                .into_iter()
                .map(|(op, status, expr)| (file.clone(), op, status, expr)),
        );
        requests.extend(
            file_ops
                .requests
                .into_iter()
                .map(|(op, expr)| (file.clone(), op, expr)),
        );
        ops.insert(file.clone(), file_ops.items);
    }
    m.finish(specs)?;
    let m: &Model = m;
    for file in specs.files.keys() {
        let defs: Vec<TokenStream> = m
            .defs
            .iter()
            .filter(|d| &d.file == file)
            .map(|d| emit_def(m, d))
            .collect();
        let file_ops = ops.remove(file).unwrap_or_default();
        let module = module_of(file);
        let info = |key: &str| {
            specs.files[file]
                .pointer(&format!("/info/{key}"))
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let mut doc = match info("title") {
            Some(title) => format!("{title}: types and operations of `{file}`."),
            None => format!("Types and operations of `{file}`."),
        };
        if let Some(description) = info("description") {
            doc.push_str("\n\n");
            doc.push_str(description);
        }
        let tokens = quote! {
            #![doc = #doc]
            #![allow(clippy::all, unused_imports, unused_mut)]
            use serde::de::Error as _;
            use serde::ser::SerializeMap;
            use serde::{Deserialize, Deserializer, Serialize, Serializer};
            use serde_json::{Map, Value};
            use zcrm_core::types::fields as f;
            #(#defs)*
            #(#file_ops)*
        };
        out.push(Tokens {
            path: PathBuf::from(format!("{dir}/{module}.rs")),
            origin: specs.dir.join(file),
            tokens,
        });
        mods.push(module);
    }
    // Zoho reuses operation ids across files: each id answers under `file#id`, and the bare id
    // under the first file that has it.
    // An id repeated within one file answers under its first operation.
    let mut seen = std::collections::BTreeSet::new();
    let mut dispatch_arms = vec![];
    for (file, op, status, expr) in &dispatch {
        let qualified = format!("{file}#{op}");
        if seen.insert((qualified.clone(), status.clone())) {
            dispatch_arms.push(quote! { (#qualified, #status) => #expr, });
        }
        if seen.insert((op.clone(), status.clone())) {
            dispatch_arms.push(quote! { (#op, #status) => #expr, });
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut request_arms = vec![];
    for (file, op, expr) in &requests {
        let qualified = format!("{file}#{op}");
        if seen.insert(qualified.clone()) {
            request_arms.push(quote! { #qualified => #expr, });
        }
        if seen.insert(op.clone()) {
            request_arms.push(quote! { #op => #expr, });
        }
    }
    let items = mods.iter().map(|m| {
        let i = ident(m);
        quote! { pub mod #i; }
    });
    let group_methods = groups.iter().map(|(module, ty, _)| {
        let (f, t) = (ident(module), ident(ty));
        let doc = format!("The operations of [`{module}`]({module}/index.html).");
        quote! {
            #[doc = #doc]
            pub fn #f(&self) -> #f::#t<'c> {
                #f::#t::new(self.client)
            }
        }
    });
    let operations = groups.iter().flat_map(|(module, _, ops)| {
        ops.iter().map(move |op| {
            let (id, method, path, function, ty) =
                (&op.id, &op.method, &op.path, &op.function, &op.request_type);
            quote! {
                Operation { group: #module, id: #id, method: #method, path: #path, function: #function, request_type: #ty },
            }
        })
    });
    out.push(Tokens {
        path: PathBuf::from(format!("{dir}/mod.rs")),
        origin: specs.dir.clone(),
        tokens: quote! {
            #![allow(clippy::all)]
            #(#items)*

            /// An operation of the specs, as its request builder sends it.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Operation {
                /// The module of its group (`notes`), also the method of [`Groups`] reaching it.
                pub group: &'static str,
                /// The spec's `operationId`.
                pub id: &'static str,
                /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
                pub method: &'static str,
                /// The path template (`/crm/v7/{module}/{id}`).
                pub path: &'static str,
                /// The group's method that makes its request builder.
                pub function: &'static str,
                /// The request builder's type.
                pub request_type: &'static str,
            }

            /// Every operation of the specs, by group in file order and in spec order within a
            /// group.
            pub static OPERATIONS: &[Operation] = &[#(#operations)*];

            /// The operation groups, one per spec file, reached from a client with
            /// [`Api::api`].
            #[derive(Debug, Clone, Copy)]
            pub struct Groups<'c> {
                client: &'c zcrm_core::Client,
            }

            impl<'c> Groups<'c> {
                #(#group_methods)*
            }

            /// Reaching the generated operations from a [`zcrm_core::Client`]:
            /// `client.api().<group>().<operation>(<required parameters>).<optional setters>.send()`.
            pub trait Api {
                /// The operation groups.
                fn api(&self) -> Groups<'_>;
            }

            impl Api for zcrm_core::Client {
                fn api(&self) -> Groups<'_> {
                    Groups { client: self }
                }
            }

            /// Decodes a response body of an operation (by `operationId`, or `file.json#operationId`
            /// where ids repeat across files, and the status as the spec declares it) into its
            /// generated type and encodes it back; `None` for an operation or status without a JSON
            /// schema.
            pub fn decode_response(operation_id: &str, status: &str, body: &serde_json::Value) -> Option<Result<serde_json::Value, String>> {
                match (operation_id, status) {
                    #(#dispatch_arms)*
                    _ => None,
                }
            }

            /// Decodes a request body of an operation (by `operationId`, or `file.json#operationId`)
            /// into its generated type and encodes it back; `None` for an operation without a JSON
            /// body.
            pub fn decode_request(operation_id: &str, body: &serde_json::Value) -> Option<Result<serde_json::Value, String>> {
                match operation_id {
                    #(#request_arms)*
                    _ => None,
                }
            }
        },
    });
    Ok(out)
}
