//! The intermediate model of field metadata, read from `specs/modules.json` and
//! `specs/fields/<Module>.json` (the shape `GET /settings/fields` returns).

use crate::Error;
use serde::Deserialize;
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

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let de = &mut serde_json::Deserializer::from_str(&text);
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
            Segment::Map { key } => format!("/{key}"),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => "/?".to_string(),
        })
        .collect()
}

/// Loads every module listed in `modules.json`, sorted by API name.
pub fn load(specs_dir: &Path) -> Result<Vec<Module>, Error> {
    #[derive(Deserialize)]
    struct Modules {
        modules: Vec<ModuleEntry>,
    }
    #[derive(Deserialize)]
    struct Fields {
        fields: Vec<Field>,
    }
    let list: Modules = read(&specs_dir.join("modules.json"))?;
    let mut out = Vec::new();
    for m in list.modules {
        let path: PathBuf = specs_dir
            .join("fields")
            .join(format!("{}.json", m.api_name));
        let mut fields = read::<Fields>(&path)?.fields;
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
