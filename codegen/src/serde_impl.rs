//! The (de)serialisation of generated record-like structs: every field an `Option`, `null`s
//! remembered in `nulls`, unknown keys kept in `extra`, so decoding then encoding is lossless.

use proc_macro2::{Ident, TokenStream};
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
    let takes = fields.iter().map(|f| {
        let (r, ty, key) = (&f.rust, &f.ty, &f.json);
        quote! { #r: f::take::<#ty>(&mut map, #key, &mut nulls).map_err(D::Error::custom)?, }
    });
    let puts = fields.iter().map(|f| {
        let (r, key) = (&f.rust, &f.json);
        if f.float {
            quote! { f::put_f64(&mut m, #key, &self.#r, &self.nulls)?; }
        } else {
            quote! { f::put(&mut m, #key, &self.#r, &self.nulls)?; }
        }
    });
    quote! {
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut map = Map::<String, Value>::deserialize(d)?;
                let mut nulls = f::Nulls::new();
                let mut r = #name { #(#takes)* extra: Map::new(), nulls: f::Nulls::new() };
                r.nulls = nulls;
                r.extra = f::extra::<Self>(map, #open);
                Ok(r)
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
