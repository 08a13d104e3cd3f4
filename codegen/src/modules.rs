//! Emits one Rust module per CRM module: the read type, the update type, the field enum, open
//! picklist enums and the `Module` marker.

use crate::metadata::{Field, Module};
use crate::naming::{self, Scope};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// How a field is typed.
#[derive(Debug, Clone)]
enum Kind {
    Text,
    Integer,
    BigInt,
    Id,
    Double,
    Decimal,
    Bool,
    Date,
    DateTime,
    Lookup,
    User,
    Picklist(String),
    Multi(String),
    Subform {
        record: TokenStream,
        update: TokenStream,
    },
    Json,
}

struct FieldPlan<'a> {
    f: &'a Field,
    rust: Ident,
    variant: Ident,
    kind: Kind,
    writable: bool,
}

/// A picklist enum to emit.
struct Picklist {
    name: String,
    api_name: String,
    values: Vec<(String, String)>,
}

fn kind_of(
    f: &Field,
    enums: &mut Vec<Picklist>,
    names: &mut Scope,
    modules: &BTreeMap<&str, &Module>,
) -> Kind {
    let json = f.json_type.as_str();
    match f.data_type.as_str() {
        _ if f.api_name == "id" => Kind::Id,
        // A scalar type whose value is an array (`Services__s.Available_Dates`, dates) is kept
        // as JSON.
        "integer" | "bigint" | "double" | "percent" | "currency" | "boolean" | "date"
        | "datetime"
            if json == "jsonarray" =>
        {
            Kind::Json
        }
        "text" | "textarea" | "email" | "phone" | "website" | "autonumber" | "profileimage"
            if json != "jsonarray" && json != "jsonobject" =>
        {
            Kind::Text
        }
        "integer" => Kind::Integer,
        "bigint" => Kind::BigInt,
        "double" | "percent" => Kind::Double,
        "currency" => Kind::Decimal,
        "boolean" => Kind::Bool,
        "date" => Kind::Date,
        "datetime" => Kind::DateTime,
        // A layout field is `{"name", "id"}` of the record's layout: a lookup to it. A
        // multi-module lookup (`Appointments__s.Appointment_For`) is a lookup whose value names
        // its module (`{"name", "id", "module": {"api_name", "id"}}`).
        "lookup" | "layout" | "multi_module_lookup" => Kind::Lookup,
        "ownerlookup" | "userlookup" => Kind::User,
        "picklist" | "multiselectpicklist" if !f.pick_list_values.is_empty() => {
            let name = names.unique(naming::type_name(&f.api_name));
            let mut seen = std::collections::BTreeSet::new();
            let values = f
                .pick_list_values
                .iter()
                .filter(|v| v.kind != "unused" && seen.insert(v.actual_value.clone()))
                .map(|v| (v.actual_value.clone(), v.display_value.clone()))
                .collect();
            enums.push(Picklist {
                name: name.clone(),
                api_name: f.api_name.clone(),
                values,
            });
            if f.data_type == "picklist" {
                Kind::Picklist(name)
            } else {
                Kind::Multi(name)
            }
        }
        "subform" => match f.subform_module().and_then(|m| modules.get(m)) {
            Some(row) => {
                let m = ident(&naming::module_name(&row.api_name));
                let r = ident(&naming::record_name(&row.api_name));
                let u = format_ident!("{}Update", r);
                Kind::Subform {
                    record: quote!(super::#m::#r),
                    update: quote!(super::#m::#u),
                }
            }
            None => Kind::Json,
        },
        _ => Kind::Json,
    }
}

/// The read type and the write type of a field.
fn types(k: &Kind) -> (TokenStream, TokenStream) {
    match k {
        Kind::Text => (quote!(String), quote!(String)),
        Kind::Integer => (quote!(i64), quote!(i64)),
        Kind::BigInt => (quote!(BigInt), quote!(BigInt)),
        Kind::Id => (quote!(RecordId), quote!(RecordId)),
        Kind::Double => (quote!(f64), quote!(f64)),
        Kind::Decimal => (quote!(Decimal), quote!(Decimal)),
        Kind::Bool => (quote!(bool), quote!(bool)),
        Kind::Date => (quote!(Date), quote!(Date)),
        Kind::DateTime => (quote!(DateTime), quote!(DateTime)),
        Kind::Lookup => (quote!(Lookup), quote!(Lookup)),
        Kind::User => (quote!(UserRef), quote!(UserRef)),
        Kind::Picklist(n) => {
            let n = ident(n);
            (quote!(#n), quote!(#n))
        }
        Kind::Multi(n) => {
            let n = ident(n);
            (quote!(Vec<#n>), quote!(Vec<#n>))
        }
        Kind::Subform { record, update } => (quote!(Vec<#record>), quote!(Vec<#update>)),
        // Boxed when read: most records leave such fields (tags, territories, subforms without
        // metadata) empty, and an absent box costs a record 8 bytes where a `Value` costs 72.
        Kind::Json => (quote!(Box<Value>), quote!(Value)),
    }
}

fn describe(f: &Field) -> String {
    let label = if f.field_label.is_empty() {
        f.api_name.as_str()
    } else {
        f.field_label.as_str()
    };
    let mut d = format!("{label} (`{}`, {}", f.api_name, f.data_type);
    if f.system_mandatory {
        d.push_str(", required on create");
    }
    if f.field_read_only {
        d.push_str(", read-only");
    }
    if f.custom_field {
        d.push_str(", custom");
    }
    d.push(')');
    d
}

fn emit_enum(p: &Picklist) -> TokenStream {
    let name = ident(&p.name);
    let doc = format!("Values of the picklist `{}`. Values added to the org later are kept in `Other`; checking a value against the org's current metadata is a separate step.", p.api_name);
    let mut scope = Scope::with(&["Other"]);
    let variants: Vec<(Ident, String, String)> = p
        .values
        .iter()
        .map(|(actual, display)| {
            let base = naming::type_name(actual);
            let base = if base == "Other" {
                "OtherValue".to_string()
            } else {
                base
            };
            (ident(&scope.unique(base)), actual.clone(), display.clone())
        })
        .collect();
    let defs = variants.iter().map(|(v, a, d)| {
        let doc = if a == d {
            format!("`{a}`")
        } else {
            format!("`{a}` (shown as \"{d}\")")
        };
        quote! { #[doc = #doc] #v, }
    });
    let to_str = variants.iter().map(|(v, a, _)| quote! { #name::#v => #a, });
    let from_str = variants.iter().map(|(v, a, _)| quote! { #a => #name::#v, });
    let known = variants.iter().map(|(v, _, _)| quote! { #name::#v, });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            /// A value the metadata did not list when this code was generated.
            Other(String),
        }

        impl #name {
            /// The values known when this code was generated.
            pub const KNOWN: &'static [#name] = &[#(#known)*];

            /// The value as Zoho stores it (`actual_value`).
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #name::Other(s) => s,
                }
            }
        }

        impl From<&str> for #name {
            fn from(s: &str) -> Self {
                match s {
                    #(#from_str)*
                    other => #name::Other(other.to_string()),
                }
            }
        }

        impl From<String> for #name {
            fn from(s: String) -> Self {
                #name::from(s.as_str())
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(#name::from(s))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for #name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                f::picklist(d)
            }
        }
    }
}

/// Emits the Rust module of one CRM module.
pub fn emit(m: &Module, all: &[Module]) -> Result<String, crate::Error> {
    tokens(m, all).render_text()
}

/// [`emit`] up to the Rust tokens (`src/generated/<module>.rs`), not yet parsed and formatted.
pub fn tokens(m: &Module, all: &[Module]) -> crate::Tokens {
    let by_name: BTreeMap<&str, &Module> = all.iter().map(|x| (x.api_name.as_str(), x)).collect();
    let record_s = naming::record_name(&m.api_name);
    let record = ident(&record_s);
    let update = format_ident!("{}Update", record);
    let field_enum = format_ident!("{}Field", record);
    let marker = ident(&naming::marker_name(&m.api_name));
    let own = [
        record_s.clone(),
        update.to_string(),
        field_enum.to_string(),
        marker.to_string(),
    ];
    let mut reserved: Vec<&str> = own.iter().map(String::as_str).collect();
    reserved.extend([
        "Other", "Lookup", "UserRef", "Date", "DateTime", "Decimal", "BigInt", "Patch", "RecordId",
        "Module", "Nulls",
    ]);
    reserved.extend(crate::openapi::types::RESERVED_TYPES);
    let mut type_names = Scope::with(&reserved);
    let mut field_names = Scope::with(&["extra", "nulls", "new"]);
    let mut variant_names = Scope::default();
    let mut enums = vec![];
    let plans: Vec<FieldPlan> = m
        .fields
        .iter()
        .map(|f| {
            let kind = kind_of(f, &mut enums, &mut type_names, &by_name);
            FieldPlan {
                f,
                rust: ident(&field_names.unique(naming::field_name(&f.api_name))),
                variant: ident(&variant_names.unique(naming::type_name(&f.api_name))),
                writable: !f.field_read_only && f.api_name != "id",
                kind,
            }
        })
        .collect();

    let read_fields = plans.iter().map(|p| {
        let (t, _) = types(&p.kind);
        let (name, doc) = (&p.rust, describe(p.f));
        quote! { #[doc = #doc] pub #name: Option<#t>, }
    });
    let serde_fields: Vec<crate::serde_impl::Field> = plans
        .iter()
        .map(|p| crate::serde_impl::Field {
            json: p.f.api_name.clone(),
            rust: p.rust.clone(),
            ty: types(&p.kind).0,
            float: matches!(p.kind, Kind::Double),
        })
        .collect();
    let serde_impls = crate::serde_impl::impls(&record, &serde_fields, false);
    let nulls = crate::serde_impl::nulls_type(serde_fields.len());
    let writable: Vec<&FieldPlan> = plans.iter().filter(|p| p.writable).collect();
    let update_fields = writable.iter().map(|p| {
        let (_, t) = types(&p.kind);
        let (name, doc) = (&p.rust, describe(p.f));
        quote! { #[doc = #doc] pub #name: Patch<#t>, }
    });
    let update_puts = writable.iter().map(|p| {
        let (name, key) = (&p.rust, &p.f.api_name);
        match p.kind {
            Kind::Double => quote! { f::patch_f64(&mut m, #key, &self.#name)?; },
            _ => quote! { f::patch(&mut m, #key, &self.#name)?; },
        }
    });
    let setters = writable.iter().map(|p| {
        let (_, t) = types(&p.kind);
        let name = &p.rust;
        let clear = format_ident!("clear_{}", name.to_string().trim_end_matches('_'));
        let set_doc = format!("Sets `{}`.", p.f.api_name);
        let clear_doc = format!("Clears `{}` (sends `null`).", p.f.api_name);
        let (arg, conv) = match p.kind {
            Kind::Text => (quote!(impl Into<String>), quote!(v.into())),
            Kind::Picklist(_) => (quote!(impl Into<#t>), quote!(v.into())),
            _ => (quote!(#t), quote!(v)),
        };
        quote! {
            #[doc = #set_doc]
            pub fn #name(mut self, v: #arg) -> Self {
                self.#name = Patch::Set(#conv);
                self
            }
            #[doc = #clear_doc]
            pub fn #clear(mut self) -> Self {
                self.#name = Patch::Null;
                self
            }
        }
    });
    let variants = plans.iter().map(|p| {
        let (v, doc) = (&p.variant, format!("`{}`", p.f.api_name));
        quote! { #[doc = #doc] #v, }
    });
    let variant_strs = plans.iter().map(|p| {
        let (v, key) = (&p.variant, &p.f.api_name);
        quote! { #field_enum::#v => #key, }
    });
    let all_variants = plans.iter().map(|p| {
        let v = &p.variant;
        quote! { #field_enum::#v, }
    });
    let enum_defs = enums.iter().map(emit_enum);
    let api = &m.api_name;
    let record_doc = format!("A record of the `{api}` module as read. Fields Zoho sent as `null` stay `null` when the record is written back; keys this type does not know are kept in `extra`.");
    let update_doc =
        format!("A write to the `{api}` module: only the fields set (or cleared) are sent.");
    let marker_doc = format!("The `{api}` module, for `client.records({})`.", marker);
    let field_doc = format!("The fields of `{api}`, for `fields=` selection.");
    let tokens = quote! {
        #![allow(clippy::all, missing_docs)]
        use serde::ser::SerializeMap;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use serde_json::{Map, Value};
        #[allow(unused_imports)]
        use zcrm_core::types::{fields as f, BigInt, Date, DateTime, Decimal, Lookup, Patch, RecordId, UserRef};

        #[doc = #marker_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct #marker;

        impl zcrm_core::Module for #marker {
            type Record = #record;
            type Update = #update;
            fn api_name(&self) -> &str {
                #api
            }
        }

        #[doc = #record_doc]
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #record {
            #(#read_fields)*
            /// Keys this type does not know (for example custom fields added after generation).
            pub extra: Map<String, Value>,
            nulls: #nulls,
        }

        impl #record {
            /// The module's API name.
            pub const MODULE: &'static str = #api;
        }

        #serde_impls

        #[doc = #update_doc]
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #update {
            /// The record to update (`update` needs it; `create` leaves it out).
            pub id: Option<RecordId>,
            #(#update_fields)*
            /// Other keys to send (for example custom fields added after generation).
            pub extra: Map<String, Value>,
        }

        impl #update {
            /// An empty update.
            pub fn new() -> Self {
                Self::default()
            }
            /// Targets a record.
            pub fn with_id(mut self, id: impl Into<RecordId>) -> Self {
                self.id = Some(id.into());
                self
            }
            /// Sends another key as is.
            pub fn set_extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
                self.extra.insert(key.into(), value.into());
                self
            }
            #(#setters)*
        }

        impl Serialize for #update {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                if let Some(id) = &self.id {
                    m.serialize_entry("id", id)?;
                }
                #(#update_puts)*
                for (k, v) in &self.extra {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }

        #[doc = #field_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #field_enum {
            #(#variants)*
        }

        impl #field_enum {
            /// Every field.
            pub const ALL: &'static [#field_enum] = &[#(#all_variants)*];

            /// The field's API name.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#variant_strs)*
                }
            }
        }

        impl std::fmt::Display for #field_enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<#field_enum> for String {
            fn from(f: #field_enum) -> String {
                f.as_str().to_string()
            }
        }

        #(#enum_defs)*
    };
    crate::Tokens {
        path: format!("src/generated/{}.rs", naming::module_name(api)).into(),
        origin: format!("fields/{api}.json").into(),
        tokens,
    }
}

/// Whether a module is compiled only with its feature (subform row modules, which other
/// modules use, are always compiled).
pub fn gated(m: &Module) -> bool {
    m.generated_type != "subform"
}

/// The cargo feature of a module.
pub fn feature(m: &Module) -> String {
    naming::module_name(&m.api_name).replace('_', "-")
}

/// `src/generated/mod.rs`.
pub fn emit_mod(modules: &[Module], has_api: bool) -> Result<String, crate::Error> {
    mod_tokens(modules, has_api).render_text()
}

/// [`emit_mod`] up to the Rust tokens.
pub fn mod_tokens(modules: &[Module], has_api: bool) -> crate::Tokens {
    let items = modules.iter().map(|m| {
        let name = ident(&naming::module_name(&m.api_name));
        let doc = format!("The `{}` module.", m.api_name);
        if gated(m) {
            let feat = feature(m);
            quote! { #[doc = #doc] #[cfg(feature = #feat)] pub mod #name; }
        } else {
            quote! { #[doc = #doc] pub mod #name; }
        }
    });
    let api = if has_api {
        quote! {
            /// Types and operations of the API groups in `specs/openapi` (records, users, org,
            /// metadata, COQL, bulk jobs, ...), one module per spec file (feature `api`).
            #[cfg(feature = "api")]
            pub mod api;
        }
    } else {
        quote!()
    };
    let tokens = quote! {
        /// Static facts about each module: API names, labels, fields and their data types.
        pub mod catalogue;
        #api
        #(#items)*
    };
    crate::Tokens {
        path: "src/generated/mod.rs".into(),
        origin: "modules.json".into(),
        tokens,
    }
}

/// The `[features]` table of the generated crate's Cargo.toml.
pub fn emit_features(modules: &[Module], has_api: bool) -> String {
    let mut feats: Vec<String> = modules.iter().filter(|m| gated(m)).map(feature).collect();
    if has_api {
        feats.insert(0, "api".to_string());
    }
    let mut out = String::from("[features]\n# @generated by zcrm-codegen: one feature per module, `api` for the API groups, `full`, and `core-*` for zcrm-core's optional parts.\ndefault = [\"full\"]\n");
    out.push_str(&format!(
        "full = [{}]\n",
        feats
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for f in feats {
        out.push_str(&format!("{f} = []\n"));
    }
    out.push_str("# zcrm-core's optional parts, forwarded.\n");
    for (f, core) in CORE_FEATURES {
        out.push_str(&format!("{f} = [\"zcrm-core/{core}\"]\n"));
    }
    out
}

/// The generated crate's features that turn on zcrm-core's optional parts (token stores,
/// logging): (feature, zcrm-core feature).
pub const CORE_FEATURES: [(&str, &str); 6] = [
    ("core-mysql", "mysql"),
    ("core-postgres", "postgres"),
    ("core-sqlite", "sqlite"),
    ("core-db", "db"),
    ("core-redis", "redis"),
    ("core-logging", "logging"),
];
