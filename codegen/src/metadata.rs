//! The intermediate model of field metadata, read from `specs/modules.json` and
//! `specs/fields/<Module>.json` (the shape `GET /settings/fields` returns).

use crate::naming;
use crate::Error;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One module and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// API name (`Leads`).
    pub api_name: String,
    /// Singular label (`Lead`).
    pub singular_label: String,
    /// Plural label (`Leads`).
    pub plural_label: String,
    /// `default`, `custom`, `subform`, ...
    pub generated_type: String,
    /// Fields, sorted by API name.
    pub fields: Vec<Field>,
}

/// One field.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Field {
    /// API name (`Last_Name`).
    pub api_name: String,
    /// Zoho data type (`text`, `picklist`, `lookup`, ...).
    pub data_type: String,
    /// Label shown in the CRM.
    #[serde(default)]
    pub field_label: String,
    /// Required by the API on create.
    #[serde(default)]
    pub system_mandatory: bool,
    /// Never writable.
    #[serde(default)]
    pub field_read_only: bool,
    /// Picklist options.
    #[serde(default)]
    pub pick_list_values: Vec<PicklistValue>,
    /// `string`, `integer`, `double`, `boolean`, `jsonobject`, `jsonarray`.
    #[serde(default)]
    pub json_type: String,
    /// A field added in the org rather than by Zoho.
    #[serde(default)]
    pub custom_field: bool,
    /// Lookup details (`module.api_name` names the target).
    #[serde(default)]
    pub lookup: serde_json::Value,
    /// Subform details (`module.api_name` names the row module).
    #[serde(default)]
    pub subform: serde_json::Value,
    /// The row module of a subform, in older metadata.
    #[serde(default)]
    pub associated_module: serde_json::Value,
}

impl Field {
    /// The row module of a subform field.
    pub fn subform_module(&self) -> Option<&str> {
        self.subform
            .pointer("/module/api_name")
            .and_then(|v| v.as_str())
            .or_else(|| {
                self.associated_module
                    .get("module")
                    .and_then(|v| v.as_str())
            })
    }
}

/// A picklist option.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PicklistValue {
    /// `used` or `unused`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// What the CRM shows.
    pub display_value: String,
    /// What the API stores and returns.
    pub actual_value: String,
}

#[derive(Deserialize)]
struct ModuleEntry {
    api_name: String,
    #[serde(default)]
    singular_label: String,
    #[serde(default)]
    plural_label: String,
    #[serde(default)]
    generated_type: String,
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn decode<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Spec {
        path: path.to_path_buf(),
        pointer: pointer(e.path()),
        message: e.inner().to_string(),
    })
}

fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|s| match s {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => "/?".to_string(),
        })
        .collect()
}

/// Rust module names the generated crate uses itself (`catalogue`, `api`) or that would be
/// cargo features the manifest defines itself (`full`, `default`, and the `core-*` features that
/// forward zcrm-core's optional parts).
pub const RESERVED_MODULES: [&str; 10] = [
    "catalogue",
    "api",
    "full",
    "default",
    "core_mysql",
    "core_postgres",
    "core_sqlite",
    "core_db",
    "core_redis",
    "core_logging",
];

/// Loads every module listed in `modules.json`, sorted by API name.
pub fn load(specs_dir: &Path) -> Result<Vec<Module>, Error> {
    let modules = read_text(&specs_dir.join("modules.json"))?;
    parse(specs_dir, &modules, read_text)
}

/// Reads `modules.json` (its text) and, through `fields`, each module's `fields/<Module>.json`
/// below `specs_dir`: every module, sorted by API name. Names that would clash in the generated
/// crate are errors naming the file and JSON pointer: module API names that are empty, hold a
/// path separator, repeat, or map to the same Rust module (such as `Leads` and `leads`: Zoho
/// API names are case-insensitive, so one org cannot have both), and field API names that are
/// empty or repeat within a module.
pub fn parse(
    specs_dir: &Path,
    modules_json: &str,
    mut fields: impl FnMut(&Path) -> Result<String, Error>,
) -> Result<Vec<Module>, Error> {
    #[derive(Deserialize)]
    struct Modules {
        modules: Vec<ModuleEntry>,
    }
    #[derive(Deserialize)]
    struct Fields {
        fields: Vec<Field>,
    }
    let list_path = specs_dir.join("modules.json");
    let list: Modules = decode(&list_path, modules_json)?;
    let bad = |i: usize, message: String| Error::Spec {
        path: list_path.clone(),
        pointer: format!("/modules/{i}/api_name"),
        message,
    };
    let mut rust_names: BTreeMap<String, String> = BTreeMap::new();
    for (i, m) in list.modules.iter().enumerate() {
        let name = &m.api_name;
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(bad(
                i,
                format!("`{name}` is not a module API name (letters, digits and `_`)"),
            ));
        }
        let rust = naming::module_name(name);
        if RESERVED_MODULES.contains(&rust.as_str()) {
            return Err(bad(
                i,
                format!("`{name}` would be the Rust module and feature `{rust}`, which the generated crate uses itself"),
            ));
        }
        if let Some(other) = rust_names.insert(rust.clone(), name.clone()) {
            return Err(bad(
                i,
                format!("`{name}` and `{other}` would both be the Rust module `{rust}` (module API names are case-insensitive in Zoho, so one org cannot have both)"),
            ));
        }
    }
    let mut out = Vec::new();
    for m in list.modules {
        let path: PathBuf = specs_dir
            .join("fields")
            .join(format!("{}.json", m.api_name));
        let text = fields(&path)?;
        let mut fields = decode::<Fields>(&path, &text)?.fields;
        let mut seen = BTreeMap::new();
        for (i, f) in fields.iter().enumerate() {
            let at = |message: String| Error::Spec {
                path: path.clone(),
                pointer: format!("/fields/{i}/api_name"),
                message,
            };
            if f.api_name.is_empty() {
                return Err(at("a field needs a non-empty `api_name`".into()));
            }
            if let Some(first) = seen.insert(f.api_name.clone(), i) {
                return Err(at(format!(
                    "`{}` is also the API name of field {first}",
                    f.api_name
                )));
            }
        }
        fields.sort_by(|a, b| a.api_name.cmp(&b.api_name));
        out.push(Module {
            api_name: m.api_name,
            singular_label: m.singular_label,
            plural_label: m.plural_label,
            generated_type: m.generated_type,
            fields,
        });
    }
    out.sort_by(|a, b| a.api_name.cmp(&b.api_name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_name_file_and_pointer() {
        let dir = std::env::temp_dir().join(format!("zcrm-codegen-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fields")).unwrap();
        std::fs::write(
            dir.join("modules.json"),
            r#"{"modules":[{"api_name":"Leads"}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("fields/Leads.json"),
            r#"{"fields":[{"api_name":"A","data_type":"text"},{"api_name":"B","data_type":7}]}"#,
        )
        .unwrap();
        let err = super::load(&dir).unwrap_err().to_string();
        assert!(
            err.contains("fields/Leads.json/fields/1/data_type: invalid type"),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
