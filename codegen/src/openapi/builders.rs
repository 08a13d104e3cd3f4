//! Request builders: one type per spec operation, made with its required parameters, given
//! optional ones by chained setters and sent with `.send()`; and one handle per spec file that
//! makes them (`client.api().notes().get_notes_module("Note_Title").page(2).send()`).

use crate::naming::{self, Scope};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// A parameter of an operation.
pub struct Param {
    /// Its name on the wire.
    pub name: String,
    /// Its Rust name (a field, an argument, a setter).
    pub rust: String,
    /// `path`, `query` or `header`.
    pub location: String,
    /// Path parameters, and others the spec marks required: constructor arguments.
    pub required: bool,
    /// `String`, `i64` or `bool`.
    pub ty: TokenStream,
}

impl Param {
    fn is_string(&self) -> bool {
        self.ty.to_string() == "String"
    }

    /// The argument type: strings as `impl Into<String>`.
    fn arg_ty(&self) -> TokenStream {
        if self.is_string() {
            quote!(impl Into<String>)
        } else {
            self.ty.clone()
        }
    }

    /// The value stored from argument `a`.
    fn store(&self, a: &Ident) -> TokenStream {
        if self.is_string() {
            quote!(#a.into())
        } else {
            quote!(#a)
        }
    }
}

/// One spec operation, as its builder needs it.
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template (`/crm/v7/{module}/{id}`).
    pub path: String,
    /// The spec's summary.
    pub summary: Option<String>,
    /// The handle's method that makes the builder.
    pub function: String,
    /// The builder's type name.
    pub request_type: String,
    /// Path, query and header parameters.
    pub params: Vec<Param>,
    /// The JSON request body's type.
    pub body: Option<TokenStream>,
    /// The request takes a `multipart/form-data` body (files), set by the builder's
    /// `multipart` setter.
    pub multipart: bool,
    /// A 2xx answer is a file (not JSON): the builder's `send` returns it as a
    /// `zcrm_core::download::Download`.
    pub download: bool,
    /// The type of a 2xx JSON answer; `None` when the success is not JSON (a download).
    pub ok: Option<TokenStream>,
    /// For writes of the records of the `{module}` path parameter: that parameter's Rust name.
    pub record_write: Option<String>,
}

impl Operation {
    /// `` `GET /crm/v7/Notes` (`getNotesModule`): List notes. ``
    fn title(&self) -> String {
        let summary = self
            .summary
            .as_deref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        format!("`{} {}` (`{}`){summary}.", self.method, self.path, self.id)
    }

    fn required(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.required)
    }

    fn optional(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| !p.required)
    }

    /// The constructor's arguments after the client (required parameters, then the body).
    fn args(&self) -> TokenStream {
        let params = self.required().map(|p| {
            let (a, t) = (ident(&p.rust), p.arg_ty());
            quote!(#a: #t,)
        });
        let body = self.body.as_ref().map(|t| quote!(body: #t,));
        quote!(#(#params)* #body)
    }

    /// The constructor's arguments, passed on.
    fn arg_names(&self) -> TokenStream {
        let params = self.required().map(|p| ident(&p.rust));
        let body = self.body.as_ref().map(|_| quote!(body));
        quote!(#(#params,)* #body)
    }

    /// The path, with path parameters encoded as segments: a literal or a `format!`.
    fn path_expr(&self) -> TokenStream {
        let mut template = String::new();
        let mut args = vec![];
        let mut rest = self.path.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            template.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            match self
                .params
                .iter()
                .find(|p| p.location == "path" && p.name == name)
            {
                Some(p) => {
                    template.push_str("{}");
                    let f = ident(&p.rust);
                    args.push(if p.is_string() {
                        quote!(zcrm_core::client::encode_segment(&self.#f))
                    } else {
                        quote!(zcrm_core::client::encode_segment(&self.#f.to_string()))
                    });
                }
                // A placeholder no parameter declares goes out as written.
                None => {
                    template.push_str(&rest[open..=close].replace('{', "{{").replace('}', "}}"))
                }
            }
            rest = &rest[close + 1..];
        }
        template.push_str(rest);
        if args.is_empty() {
            let literal = template.replace("{{", "{").replace("}}", "}");
            quote!(#literal)
        } else {
            quote!(format!(#template, #(#args),*))
        }
    }
}

/// The builder of one operation.
pub fn request(op: &Operation) -> TokenStream {
    let ty = format_ident!("{}", op.request_type);
    let title = op.title();
    let doc = format!(
        "{title}\n\nMade with its required parameters by [`{ty}::new`] (or the group's \
         `{}`), given optional ones by its setters, and sent by [`{ty}::send`].",
        op.function
    );
    let fields = op.params.iter().map(|p| {
        let (f, t) = (ident(&p.rust), &p.ty);
        let doc = format!("`{}` ({}).", p.name, p.location);
        if p.required {
            quote! { #[doc = #doc] #f: #t, }
        } else {
            quote! { #[doc = #doc] #f: Option<#t>, }
        }
    });
    let body_field = op.body.as_ref().map(|t| quote! { body: #t, });
    let form_field = op.multipart.then(|| {
        quote! {
            /// The `multipart/form-data` body.
            multipart: Option<zcrm_core::upload::Multipart>,
        }
    });
    let form_init = op.multipart.then(|| quote! { multipart: None, });
    let form_setter = op.multipart.then(|| {
        quote! {
            /// Sets the `multipart/form-data` body: files as parts (Zoho names the part
            /// `file`), streamed from their path, bytes or reader as the request is sent.
            pub fn multipart(mut self, form: zcrm_core::upload::Multipart) -> Self {
                self.multipart = Some(form);
                self
            }
        }
    });
    let form_set = op.multipart.then(|| {
        quote! {
            if let Some(form) = self.multipart {
                req = req
                    .multipart(form)
                    .timeout(self.client.config().transfer_timeout());
            }
        }
    });
    let inits = op.required().map(|p| {
        let f = ident(&p.rust);
        let v = p.store(&f);
        quote! { #f: #v, }
    });
    let nones = op.optional().map(|p| {
        let f = ident(&p.rust);
        quote! { #f: None, }
    });
    let body_init = op.body.as_ref().map(|_| quote! { body, });
    let setters = op.optional().map(|p| {
        let (f, t) = (ident(&p.rust), p.arg_ty());
        let v = p.store(&f);
        let doc = format!("Sets `{}` ({}).", p.name, p.location);
        quote! {
            #[doc = #doc]
            pub fn #f(mut self, #f: #t) -> Self {
                self.#f = Some(#v);
                self
            }
        }
    });
    let method = ident(&op.method);
    let path = op.path_expr();
    let sets = op.params.iter().filter(|p| p.location != "path").map(|p| {
        let (f, key) = (ident(&p.rust), &p.name);
        let add = if p.location == "header" {
            quote!(header)
        } else {
            quote!(query)
        };
        let value = if p.is_string() {
            quote!(v)
        } else {
            quote!(v.to_string())
        };
        if p.required {
            quote! { let v = self.#f; req = req.#add(#key, #value); }
        } else {
            quote! { if let Some(v) = self.#f { req = req.#add(#key, #value); } }
        }
    });
    let body_set = op
        .body
        .as_ref()
        .map(|_| quote! { req = req.json_body(&self.body)?; });
    let execute = match &op.record_write {
        Some(module) => {
            let module = ident(module);
            quote! { self.client.execute_record_write(&self.#module, req).await }
        }
        None => quote! { self.client.execute(req).await },
    };
    let (ok, answer, send_doc) = match &op.ok {
        None if op.download => (
            quote!(zcrm_core::download::Download),
            quote! {
                let req = req.timeout(self.client.config().transfer_timeout());
                self.client.execute_download(req).await
            },
            "Sends the request; the answer is a file, returned unread as a `Download` (its name, media type and bytes to stream or save).",
        ),
        Some(t) => (
            quote!(Option<#t>),
            quote! { #execute?.json() },
            "Sends the request and decodes its answer (`None` for an empty one: 204, 304).",
        ),
        None => (
            quote!(zcrm_core::ApiResponse),
            quote! { #execute },
            "Sends the request; the answer's body is returned as sent (it is not JSON).",
        ),
    };
    let args = op.args();
    let new_doc = "A request with its required parameters; optional ones are set by the setters.";
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent with `.send()`"]
        pub struct #ty {
            client: zcrm_core::Client,
            #(#fields)*
            #body_field
            #form_field
        }

        impl #ty {
            #[doc = #new_doc]
            pub fn new(client: &zcrm_core::Client, #args) -> Self {
                #ty {
                    client: client.clone(),
                    #(#inits)*
                    #(#nones)*
                    #body_init
                    #form_init
                }
            }

            #(#setters)*
            #form_setter

            #[doc = #send_doc]
            pub async fn send(self) -> Result<#ok, zcrm_core::Error> {
                let mut req = zcrm_core::ApiRequest::new(zcrm_core::method::#method, #path);
                #(#sets)*
                #body_set
                #form_set
                #answer
            }
        }
    }
}

/// The handle of one spec file's operations: `type_name` with one method per operation.
pub fn group(type_name: &str, file: &str, title: &str, ops: &[Operation]) -> TokenStream {
    let ty = format_ident!("{type_name}");
    let doc = format!(
        "{title}: the operations of `{file}`, each a method that makes its request builder."
    );
    let methods = ops.iter().map(|op| {
        let (f, req) = (ident(&op.function), format_ident!("{}", op.request_type));
        let (args, names) = (op.args(), op.arg_names());
        let doc = op.title();
        quote! {
            #[doc = #doc]
            pub fn #f(&self, #args) -> #req {
                #req::new(self.client, #names)
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #ty<'c> {
            client: &'c zcrm_core::Client,
        }

        impl<'c> #ty<'c> {
            /// The operations, sent by `client`.
            pub fn new(client: &'c zcrm_core::Client) -> Self {
                #ty { client }
            }

            #(#methods)*
        }
    }
}

/// A unique name for a file's handle type (`notes` -> `NotesApi`).
pub fn group_type(module: &str, names: &mut Scope) -> String {
    names.unique(format!("{}Api", naming::type_name(module)))
}
