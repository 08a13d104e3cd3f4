//! Field and module metadata: loaded from the project's `specs/` files, one copy per org so
//! the admin API can change an org's fields at run time.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use time::OffsetDateTime;

/// One module's metadata: the module object (as `settings/modules` lists it) and its fields
/// (as `settings/fields` returns them).
#[derive(Debug, Clone)]
pub struct ModuleMeta {
    pub module: Value,
    pub fields: Vec<Value>,
    /// When the field set last changed (drives `If-Modified-Since` on `settings/fields`).
    pub fields_modified: OffsetDateTime,
}

impl ModuleMeta {
    /// The module's API name.
    pub fn api_name(&self) -> &str {
        self.module["api_name"].as_str().unwrap_or("")
    }

    /// Whether records can be written to this module directly (subform modules cannot).
    pub fn is_record_module(&self) -> bool {
        self.module["generated_type"] != "subform"
    }

    /// A field by API name.
    pub fn field(&self, api_name: &str) -> Option<FieldView<'_>> {
        self.fields
            .iter()
            .find(|f| f["api_name"] == api_name)
            .map(FieldView)
    }

    /// All fields.
    pub fn views(&self) -> impl Iterator<Item = FieldView<'_>> {
        self.fields.iter().map(FieldView)
    }

    /// The field naming a record in lookups (`Last_Name`, `Account_Name`, `Subject`...).
    pub fn display_field(&self) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f["display_field"] == true)
            .and_then(|f| f["api_name"].as_str())
            .or_else(|| {
                self.fields
                    .iter()
                    .find(|f| f["api_name"] == "Name")
                    .and_then(|f| f["api_name"].as_str())
            })
    }
}

/// A read-only view of one field object.
#[derive(Debug, Clone, Copy)]
pub struct FieldView<'a>(pub &'a Value);

impl<'a> FieldView<'a> {
    pub fn api_name(&self) -> &'a str {
        self.0["api_name"].as_str().unwrap_or("")
    }
    pub fn data_type(&self) -> &'a str {
        self.0["data_type"].as_str().unwrap_or("text")
    }
    /// `string`, `jsonarray`, ... (`string` when absent).
    pub fn json_type(&self) -> &'a str {
        self.0["json_type"].as_str().unwrap_or("string")
    }
    pub fn length(&self) -> Option<usize> {
        self.0["length"].as_u64().map(|n| n as usize)
    }
    pub fn mandatory(&self) -> bool {
        self.0["system_mandatory"] == true
    }
    /// Whether the API may write this field.
    pub fn writable(&self) -> bool {
        self.0["field_read_only"] != true
            && self.0["read_only"] != true
            && self.0["operation_type"]["api_create"] != false
            && self.api_name() != "id"
    }
    /// `Some(case_sensitive)` for unique fields.
    pub fn unique(&self) -> Option<bool> {
        let u = &self.0["unique"];
        match u.as_object() {
            Some(m) if !m.is_empty() => Some(
                m.get("case_sensitive")
                    .or_else(|| m.get("casesensitive"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
            _ => None,
        }
    }
    /// The `actual_value`s of the used picklist options.
    pub fn picklist_values(&self) -> Vec<&'a str> {
        self.0["pick_list_values"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|v| v["type"] != "unused")
                    .filter_map(|v| v["actual_value"].as_str())
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Target module of a lookup field.
    pub fn lookup_module(&self) -> Option<&'a str> {
        self.0["lookup"]["module"]["api_name"].as_str()
    }
    /// The modules a multi-module lookup (`Appointment_For`) may point to.
    pub fn multi_module_lookup_modules(&self) -> Vec<&'a str> {
        self.0["multi_module_lookup"]["modules"]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m["api_name"].as_str()).collect())
            .unwrap_or_default()
    }
    /// Row module of a subform field.
    pub fn subform_module(&self) -> Option<&'a str> {
        self.0["subform"]["module"]["api_name"]
            .as_str()
            .or_else(|| self.0["associated_module"]["module"].as_str())
    }
}

/// Loads `modules.json` and `fields/<Module>.json` from a specs directory.
pub fn load(specs_dir: &Path) -> Result<BTreeMap<String, ModuleMeta>, String> {
    load_with(|relative| {
        let p = specs_dir.join(relative);
        std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
    })
}

/// Loads the metadata built into the emulator (the project's `specs/` when it was built).
pub fn load_embedded() -> Result<BTreeMap<String, ModuleMeta>, String> {
    load_with(|relative| {
        EMBEDDED_SPECS
            .iter()
            .find(|(name, _)| *name == relative)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| format!("{relative}: not among the embedded specs"))
    })
}

include!(concat!(env!("OUT_DIR"), "/embedded_specs.rs"));

/// Loads `modules.json` and `fields/<Module>.json` through `read` (a path below the specs
/// directory, with `/` separators, to the file's text).
fn load_with(
    read_text: impl Fn(&str) -> Result<String, String>,
) -> Result<BTreeMap<String, ModuleMeta>, String> {
    let read = |p: &str| -> Result<Value, String> {
        serde_json::from_str(&read_text(p)?).map_err(|e| format!("{p}: {e}"))
    };
    let modules = read("modules.json")?;
    let list = modules["modules"]
        .as_array()
        .ok_or_else(|| "modules.json: no `modules` array".to_string())?;
    let loaded = OffsetDateTime::UNIX_EPOCH + time::Duration::days(19_723); // 2024-01-01
    let mut out = BTreeMap::new();
    for m in list {
        let name = m["api_name"]
            .as_str()
            .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && !n.starts_with('.'))
            .ok_or_else(|| {
                format!(
                    "modules.json: a module without a plain api_name: {}",
                    m["api_name"]
                )
            })?;
        let path = format!("fields/{name}.json");
        let fields = read(&path)?["fields"]
            .as_array()
            .cloned()
            .ok_or_else(|| format!("{path}: no `fields` array"))?;
        out.insert(
            name.to_string(),
            ModuleMeta {
                module: m.clone(),
                fields,
                fields_modified: loaded,
            },
        );
    }
    Ok(out)
}

/// Builds a field object for a field added at run time through the admin API.
///
/// `spec` carries at least `api_name` and `data_type`; anything else it carries (for example
/// `pick_list_values`, `length`, `lookup`) overrides the defaults.
pub fn custom_field(spec: &Value, id: String, now: &str) -> Result<Value, String> {
    let api_name = spec["api_name"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or("api_name is required")?;
    let data_type = spec["data_type"].as_str().ok_or("data_type is required")?;
    let json_type = match data_type {
        "integer" => "integer",
        "double" | "currency" | "percent" => "double",
        "boolean" => "boolean",
        "multiselectpicklist" | "subform" | "fileupload" | "imageupload" => "jsonarray",
        "lookup" | "ownerlookup" | "userlookup" => "jsonobject",
        "text" | "textarea" | "email" | "phone" | "website" | "picklist" | "date" | "datetime"
        | "bigint" => "string",
        other => return Err(format!("unsupported data_type `{other}`")),
    };
    let label = spec["field_label"].as_str().unwrap_or(api_name);
    let length = match data_type {
        "textarea" => 32000,
        "integer" => 9,
        "double" | "currency" => 16,
        "percent" => 5,
        "boolean" => 5,
        "multiselectpicklist" => 2000,
        _ => 255,
    };
    let mut f = json!({
        "associated_module": null, "webhook": true,
        "operation_type": {"web_update": true, "api_create": true, "web_create": true, "api_update": true},
        "colour_code_enabled_by_system": false, "field_label": label, "tooltip": null, "type": "used",
        "field_read_only": false, "customizable_properties": ["mandatory", "tooltip"], "display_label": label,
        "read_only": false, "association_details": null, "businesscard_supported": true,
        "multi_module_lookup": {}, "id": id, "created_time": now, "filterable": true, "visible": true,
        "profiles": [], "view_type": {"view": true, "edit": true, "quick_create": false, "create": true},
        "separator": false, "searchable": true, "external": null, "api_name": api_name, "unique": {},
        "enable_colour_code": false, "pick_list_values": [], "system_mandatory": false,
        "virtual_field": false, "json_type": json_type, "crypt": null, "created_source": "default",
        "display_type": -1, "ui_type": 1, "modified_time": now,
        "email_parser": {"fields_update_supported": false, "record_operations_supported": false},
        "currency": {}, "custom_field": true, "lookup": {}, "rollup_summary": {}, "length": length,
        "display_field": false, "pick_list_values_sorted_lexically": false, "sortable": true,
        "layout_associations": [], "global_picklist": null, "history_tracking": null,
        "data_type": data_type, "formula": {}, "hipaa_compliance_enabled": false,
        "decimal_place": if data_type == "currency" { json!(2) } else { Value::Null },
        "mass_update": true, "multiselectlookup": {}, "auto_number": {}
    });
    if let (Some(obj), Some(extra)) = (f.as_object_mut(), spec.as_object()) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    Ok(f)
}

/// A picklist option object.
pub fn picklist_option(display: &str, actual: &str, seq: usize, id: String) -> Value {
    json!({"display_value": display, "sequence_number": seq, "reference_value": display,
           "colour_code": null, "actual_value": actual, "id": id, "type": "used"})
}

#[cfg(test)]
mod tests {
    /// What the emulator serves by default is what the project's `specs/` holds now (the
    /// embedded copy is not stale), module by module and field by field.
    #[test]
    fn the_embedded_specs_are_the_projects() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
        if !dir.is_dir() {
            // A packaged copy of the crate: the embedded files are the ones it ships.
            eprintln!(
                "SKIPPED: {} is not here (not a zcrm checkout)",
                dir.display()
            );
            return;
        }
        let on_disk = super::load(&dir).unwrap();
        let embedded = super::load_embedded().unwrap();
        assert_eq!(
            on_disk.keys().collect::<Vec<_>>(),
            embedded.keys().collect::<Vec<_>>()
        );
        assert!(embedded.len() >= 20);
        for (name, m) in &on_disk {
            assert_eq!(m.module, embedded[name].module, "{name}");
            assert_eq!(m.fields, embedded[name].fields, "{name}");
        }
    }
}
