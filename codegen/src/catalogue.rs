//! Emits the module catalogue: every module with its fields' API names, data types and
//! mandatory flags, as static data for `fields=` selection and validation.

use crate::metadata::Module;
use quote::quote;

/// Emits `src/generated/catalogue.rs`.
pub fn emit(modules: &[Module]) -> Result<String, crate::Error> {
    tokens(modules).render_text()
}

/// [`emit`] up to the Rust tokens.
pub fn tokens(modules: &[Module]) -> crate::Tokens {
    let entries = modules.iter().map(|m| {
        let (api, singular, plural, kind) = (&m.api_name, &m.singular_label, &m.plural_label, &m.generated_type);
        let fields = m.fields.iter().map(|f| {
            let (name, ty, mandatory, read_only) = (&f.api_name, &f.data_type, f.system_mandatory, f.field_read_only);
            quote! { FieldInfo { api_name: #name, data_type: #ty, mandatory: #mandatory, read_only: #read_only } }
        });
        quote! {
            ModuleInfo {
                api_name: #api,
                singular_label: #singular,
                plural_label: #plural,
                generated_type: #kind,
                fields: &[#(#fields),*],
            }
        }
    });
    let tokens = quote! {
        //! Static facts about each module: its API name, labels and fields.

        /// A module as the metadata describes it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ModuleInfo {
            /// API name (`Leads`).
            pub api_name: &'static str,
            /// Singular label.
            pub singular_label: &'static str,
            /// Plural label.
            pub plural_label: &'static str,
            /// `default`, `custom`, `subform`, ...
            pub generated_type: &'static str,
            /// Fields, sorted by API name.
            pub fields: &'static [FieldInfo],
        }

        /// A field as the metadata describes it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct FieldInfo {
            /// API name (`Last_Name`).
            pub api_name: &'static str,
            /// Zoho data type (`text`, `picklist`, ...).
            pub data_type: &'static str,
            /// Required on create.
            pub mandatory: bool,
            /// Never writable.
            pub read_only: bool,
        }

        impl ModuleInfo {
            /// A field by API name.
            pub fn field(&self, api_name: &str) -> Option<&'static FieldInfo> {
                self.fields.iter().find(|f| f.api_name == api_name)
            }
        }

        /// Every generated module, sorted by API name.
        pub fn modules() -> &'static [ModuleInfo] {
            MODULES
        }

        /// A module by API name.
        pub fn module(api_name: &str) -> Option<&'static ModuleInfo> {
            MODULES.iter().find(|m| m.api_name == api_name)
        }

        /// Every module of the metadata, sorted by API name.
        pub static MODULES: &[ModuleInfo] = &[#(#entries),*];
    };
    crate::Tokens {
        path: "src/generated/catalogue.rs".into(),
        origin: "modules.json".into(),
        tokens,
    }
}

#[cfg(test)]
mod tests {
    use crate::metadata::{Field, Module};

    #[test]
    fn golden_output() {
        let m = Module {
            api_name: "Leads".into(),
            singular_label: "Lead".into(),
            plural_label: "Leads".into(),
            generated_type: "default".into(),
            fields: vec![Field {
                api_name: "Last_Name".into(),
                data_type: "text".into(),
                field_label: "Last Name".into(),
                system_mandatory: true,
                ..Field::default()
            }],
        };
        let out = super::emit(&[m]).unwrap();
        // The types and lookups come first, then the data.
        let expected = r#"/// Every module of the metadata, sorted by API name.
pub static MODULES: &[ModuleInfo] = &[
    ModuleInfo {
        api_name: "Leads",
        singular_label: "Lead",
        plural_label: "Leads",
        generated_type: "default",
        fields: &[
            FieldInfo {
                api_name: "Last_Name",
                data_type: "text",
                mandatory: true,
                read_only: false,
            },
        ],
    },
];
"#;
        assert!(out.starts_with(crate::HEADER), "{out}");
        assert!(
            out.contains("pub struct ModuleInfo {")
                && out.contains("pub fn module(api_name: &str)"),
            "{out}"
        );
        assert!(out.ends_with(expected), "{out}");
    }
}
