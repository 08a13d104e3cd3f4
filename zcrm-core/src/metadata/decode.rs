//! Strict decoding of field metadata (see the parent module's docs).

use super::{FieldMeta, ModuleFields, PicklistOption};
use crate::error::Error;
use serde_json::Value;
use std::collections::HashMap;

impl ModuleFields {
    /// Decodes the `fields` of a field-metadata answer for `module` strictly (see the module
    /// docs); `body` is the raw answer, quoted in errors. Returns the fields and their raw
    /// objects.
    pub(super) fn decode(
        module: &str,
        checked_at: i64,
        v: &Value,
        body: &[u8],
    ) -> Result<(Self, Vec<Value>), Error> {
        let bad = |path: String, what: String| {
            crate::http::decode_error(
                &path,
                &format!("field metadata of module `{module}`: {what}"),
                body,
            )
        };
        let list = match v.get("fields") {
            Some(Value::Array(a)) => a,
            Some(other) => {
                return Err(bad(
                    "fields".into(),
                    format!("`fields` is {}, not an array", json_kind(other)),
                ))
            }
            None => return Err(bad("fields".into(), "`fields` is missing".into())),
        };
        let text = |f: &Value, at: &str, key: &str| -> Result<Option<String>, Error> {
            match f.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(bad(
                    format!("{at}.{key}"),
                    format!("`{key}` is {}, not a string", json_kind(other)),
                )),
            }
        };
        let mut fields = HashMap::with_capacity(list.len());
        for (i, f) in list.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !f.is_object() {
                return Err(bad(
                    at,
                    format!("a field is {}, not an object", json_kind(f)),
                ));
            }
            let api_name = text(f, &at, "api_name")?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| bad(format!("{at}.api_name"), "a field has no `api_name`".into()))?;
            let data_type = text(f, &at, "data_type")?.ok_or_else(|| {
                bad(
                    format!("{at}.data_type"),
                    format!("field `{api_name}` has no `data_type`"),
                )
            })?;
            let options = match f.get("pick_list_values") {
                None if data_type != "picklist" && data_type != "multiselectpicklist" => vec![],
                None => {
                    return Err(bad(
                        format!("{at}.pick_list_values"),
                        format!("picklist field `{api_name}` has no `pick_list_values`"),
                    ))
                }
                Some(Value::Array(values)) => {
                    let mut options = vec![];
                    for (j, o) in values.iter().enumerate() {
                        let at = format!("{at}.pick_list_values[{j}]");
                        if !o.is_object() {
                            return Err(bad(
                                at,
                                format!(
                                    "an option of `{api_name}` is {}, not an object",
                                    json_kind(o)
                                ),
                            ));
                        }
                        let actual = text(o, &at, "actual_value")?.ok_or_else(|| {
                            bad(
                                format!("{at}.actual_value"),
                                format!("an option of `{api_name}` has no `actual_value`"),
                            )
                        })?;
                        let display = text(o, &at, "display_value")?.unwrap_or_default();
                        if text(o, &at, "type")?.as_deref() != Some("unused") {
                            options.push(PicklistOption { actual, display });
                        }
                    }
                    options
                }
                Some(other) => {
                    return Err(bad(
                        format!("{at}.pick_list_values"),
                        format!(
                            "`pick_list_values` of `{api_name}` is {}, not an array",
                            json_kind(other)
                        ),
                    ))
                }
            };
            fields.insert(
                api_name.clone(),
                FieldMeta {
                    api_name,
                    data_type,
                    options,
                    raw: f.clone(),
                },
            );
        }
        Ok((
            ModuleFields {
                module: module.to_string(),
                checked_at,
                fields,
            },
            list.clone(),
        ))
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
