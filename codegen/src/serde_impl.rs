//! The (de)serialisation of generated record-like structs: every field an `Option`, `null`s
//! remembered in `nulls`, unknown keys kept in `extra`, so decoding then encoding is lossless.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

/// One field of such a struct.
pub struct Field {
    /// The JSON key.
    pub json: String,
    /// The Rust field.
    pub rust: Ident,
    /// The type inside the `Option`.
    pub ty: TokenStream,
    /// An `f64`, written back as an integer when integral (as Zoho sends it).
    pub float: bool,
}

/// `Deserialize` and `Serialize` impls for struct `name` with these fields plus `extra` and
/// `nulls`; `open` when the input declares the object open to keys of its own.
pub fn impls(name: &Ident, fields: &[Field], open: bool) -> TokenStream {
    // Locals named after the fields, apart from the visitor's own names.
    let vars: Vec<Ident> = fields
        .iter()
        .map(|f| quote::format_ident!("field_{}", f.rust.to_string().trim_start_matches("r#")))
        .collect();
    let index = |i: usize| Literal::usize_unsuffixed(i);
    let decls = fields.iter().zip(&vars).map(|(f, v)| {
        let ty = &f.ty;
        quote! { let mut #v: Option<#ty> = None; }
    });
    // Matched on the key's length first (the compiler switches on it), then on the few keys of
    // that length.
    let arms = fields.iter().zip(&vars).enumerate().map(|(i, (f, v))| {
        let key = &f.json;
        let (i, len) = (index(i), index(key.len()));
        quote! { (#len, #key) => #v = f::value(&mut access, #key, #i, &mut nulls)?, }
    });
    let inits = fields.iter().zip(&vars).map(|(f, v)| {
        let r = &f.rust;
        quote! { #r: #v, }
    });
    let expecting = format!("a {name} object");
    let puts = fields.iter().enumerate().map(|(i, f)| {
        let (r, key) = (&f.rust, &f.json);
        let i = index(i);
        if f.float {
            quote! { f::put_f64(&mut m, #key, &self.#r, self.nulls.get(#i))?; }
        } else {
            quote! { f::put(&mut m, #key, &self.#r, self.nulls.get(#i))?; }
        }
    });
    quote! {
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<__D: Deserializer<'de>>(d: __D) -> Result<Self, __D::Error> {
                struct __Visitor;
                impl<'de> serde::de::Visitor<'de> for __Visitor {
                    type Value = #name;
                    fn expecting(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        out.write_str(#expecting)
                    }
                    fn visit_map<__A: serde::de::MapAccess<'de>>(
                        self,
                        mut access: __A,
                    ) -> Result<#name, __A::Error> {
                        let mut nulls = f::Nulls::new();
                        let mut extra = Map::new();
                        #(#decls)*
                        while let Some(key) = access.next_key::<f::Key<'de>>()? {
                            match (key.as_str().len(), key.as_str()) {
                                #(#arms)*
                                _ => f::keep(&mut access, key, &mut extra)?,
                            }
                        }
                        Ok(#name { #(#inits)* extra: f::extra::<#name>(extra, #open), nulls })
                    }
                }
                d.deserialize_map(__Visitor)
            }
        }
        impl Serialize for #name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                #(#puts)*
                for (k, v) in &self.extra {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

/// The type of the `nulls` field of a struct with `fields` declared fields: one bit each.
pub fn nulls_type(fields: usize) -> TokenStream {
    let words = Literal::usize_unsuffixed(fields.div_ceil(64).max(1));
    quote! { f::Nulls<#words> }
}
