//! Keys Zoho's metadata and user answers carry that the project's `specs/` files do not: a
//! field's `convert_mapping` and `hipaa_compliance`, a module's `profile_count` and
//! `lookup_field_properties`, a layout's `has_more_profiles`, a user's `theme` and
//! `customize_info` (shapes from Zoho's published samples).

use crate::metadata::ModuleMeta;
use serde_json::{json, Value};

/// A Leads field and where conversion carries it: (field, Contacts field, Deals field,
/// Accounts field).
type ConvertMapping = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// Where lead conversion carries the Leads fields, from Zoho's Leads field metadata sample.
const LEADS_CONVERT: [ConvertMapping; 23] = [
    ("Company", None, None, Some("Account_Name")),
    ("First_Name", Some("First_Name"), None, None),
    ("Last_Name", Some("Last_Name"), None, None),
    ("Designation", Some("Title"), None, None),
    ("Email", Some("Email"), None, None),
    ("Phone", Some("Phone"), None, Some("Phone")),
    ("Fax", Some("Fax"), None, Some("Fax")),
    ("Mobile", Some("Mobile"), None, None),
    ("Website", None, None, Some("Website")),
    (
        "Lead_Source",
        Some("Lead_Source"),
        Some("Lead_Source"),
        None,
    ),
    ("Industry", None, None, Some("Industry")),
    ("No_of_Employees", None, None, Some("Employees")),
    ("Annual_Revenue", None, None, Some("Annual_Revenue")),
    ("Rating", None, None, Some("Rating")),
    (
        "Street",
        Some("Mailing_Street"),
        None,
        Some("Billing_Street"),
    ),
    ("City", Some("Mailing_City"), None, Some("Billing_City")),
    ("State", Some("Mailing_State"), None, Some("Billing_State")),
    ("Zip_Code", Some("Mailing_Zip"), None, Some("Billing_Code")),
    (
        "Country",
        Some("Mailing_Country"),
        None,
        Some("Billing_Country"),
    ),
    (
        "Description",
        Some("Description"),
        Some("Description"),
        Some("Description"),
    ),
    ("Skype_ID", Some("Skype_ID"), None, None),
    ("Secondary_Email", Some("Secondary_Email"), None, None),
    ("Twitter", Some("Twitter"), None, None),
];

/// A field object as `settings/fields` answers it: Leads fields carry `convert_mapping`
/// (`{"Contacts", "Deals", "Accounts"}`, each a field name or null) and every field carries
/// `hipaa_compliance` (null: the emulated orgs have HIPAA compliance off).
pub fn field(module: &str, f: &Value) -> Value {
    let mut f = f.clone();
    let Some(obj) = f.as_object_mut() else {
        return f;
    };
    if module == "Leads" && !obj.contains_key("convert_mapping") {
        let api = obj.get("api_name").and_then(Value::as_str).unwrap_or("");
        let (c, d, a) = LEADS_CONVERT
            .iter()
            .find(|m| m.0 == api)
            .map(|m| (m.1, m.2, m.3))
            .unwrap_or((None, None, None));
        obj.insert(
            "convert_mapping".into(),
            json!({"Contacts": c, "Deals": d, "Accounts": a}),
        );
    }
    obj.entry("hipaa_compliance").or_insert(Value::Null);
    f
}

/// The fields a lookup to the module shows (`lookup_field_properties`): its name field, then
/// the usual contact fields it has, then the owner.
pub fn lookup_field_properties(m: &ModuleMeta) -> Value {
    let name = if m.field("Full_Name").is_some() {
        Some("Full_Name")
    } else {
        m.display_field()
    };
    let mut names: Vec<&str> = name.into_iter().collect();
    for n in [
        "Company",
        "Account_Name",
        "Email",
        "Phone",
        "Lead_Source",
        "Owner",
    ] {
        if !names.contains(&n) && m.field(n).is_some() {
            names.push(n);
        }
    }
    let fields: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let f = m.field(n).expect("listed fields exist");
            json!({"sequence_number": i + 1, "api_name": n, "id": f.0["id"]})
        })
        .collect();
    json!({ "fields": fields })
}

/// A module object as `settings/modules` answers it: with `profile_count`, `has_more_profiles`
/// and (for record modules) `lookup_field_properties` filled in.
pub fn module(m: &ModuleMeta) -> Value {
    let mut v = m.module.clone();
    let profiles = v["profiles"].as_array().map_or(0, Vec::len);
    if let Some(obj) = v.as_object_mut() {
        obj.entry("profile_count").or_insert(json!(profiles));
        obj.entry("has_more_profiles").or_insert(json!(false));
        let empty = obj
            .get("lookup_field_properties")
            .is_none_or(|l| l.as_object().is_none_or(|o| o.is_empty()));
        if empty && m.is_record_module() && !m.fields.is_empty() {
            obj.insert("lookup_field_properties".into(), lookup_field_properties(m));
        }
    }
    v
}

/// A user's `theme` (the default one, as Zoho's single-user sample shows it).
pub fn user_theme() -> Value {
    json!({
        "normal_tab": {"font_color": "#FFFFFF", "background": "#222222"},
        "selected_tab": {"font_color": "#FFFFFF", "background": "#222222"},
        "new_background": null, "background": "#F3F0EB", "screen": "fixed", "type": "default",
    })
}

/// A user's `customize_info` (the defaults, as Zoho's single-user sample shows it).
pub fn user_customize_info() -> Value {
    json!({
        "notes_desc": false, "show_right_panel": null, "bc_view": null, "show_home": false,
        "show_detail_view": true, "show_left_panel": true, "unpin_recent_item": null,
    })
}
