//! Lead conversion: `POST /Leads/{id}/actions/convert` (5 API credits).
//!
//! The body is optional: `{"data": [{"overwrite"?, "notify_lead_owner"?,
//! "notify_new_entity_owner"?, "Accounts"?: {"id"}, "Contacts"?: {"id"}, "assign_to"?: {"id"},
//! "Deals"?: {...}, "carry_over_tags"?: {"Contacts"|"Accounts"|"Deals": ["tag name"]},
//! "move_attachments_to"?: {"api_name", "id"?}}]}` (ids may also be given as bare strings, as
//! older versions take them).
//!
//! A new Account is made from the lead's `Company` (with its phone, website, industry, revenue,
//! employees and address) unless `Accounts` names one; a lead without a company gets none. A new
//! Contact is made from the lead's names, emails, phones, title and address, its `Account_Name`
//! pointing at the account, unless `Contacts` names one (with `overwrite` the lead's values are
//! written over it; a named account takes the lead's company name). A Deal is made only when
//! `Deals` is given, validated as a Deals create (`Deal_Name`, `Closing_Date` and `Stage` are
//! mandatory), linked to the contact and account. New records are owned by `assign_to`, else by
//! the lead's owner. The lead then carries `Converted__s: true` and `Converted_Date_Time`, so
//! default lead listings leave it out. Everything is checked before anything is written.
//!
//! Answer, as Zoho's spec: `{"data": [{"code": "SUCCESS", "details": {"Contacts": {"name", "id"},
//! "Deals": {"name", "id"} | null, "Accounts": {"name", "id"} | null}, "message": "The record has
//! been converted successfully", "status": "success"}]}`.

use crate::auth::Caller;
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::records::module_of;
use crate::state::{App, Org, Record, User};
use crate::store;
use crate::tags;
use crate::validate::{self, Mode};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Credits a conversion costs.
pub const CREDITS: u64 = 5;
/// Lead field → Contact field.
const TO_CONTACT: [(&str, &str); 19] = [
    ("Salutation", "Salutation"),
    ("First_Name", "First_Name"),
    ("Last_Name", "Last_Name"),
    ("Email", "Email"),
    ("Secondary_Email", "Secondary_Email"),
    ("Designation", "Title"),
    ("Phone", "Phone"),
    ("Mobile", "Mobile"),
    ("Fax", "Fax"),
    ("Lead_Source", "Lead_Source"),
    ("Email_Opt_Out", "Email_Opt_Out"),
    ("Skype_ID", "Skype_ID"),
    ("Twitter", "Twitter"),
    ("Street", "Mailing_Street"),
    ("City", "Mailing_City"),
    ("State", "Mailing_State"),
    ("Zip_Code", "Mailing_Zip"),
    ("Country", "Mailing_Country"),
    ("Description", "Description"),
];
/// Lead field → Account field.
const TO_ACCOUNT: [(&str, &str); 12] = [
    ("Company", "Account_Name"),
    ("Phone", "Phone"),
    ("Fax", "Fax"),
    ("Website", "Website"),
    ("Industry", "Industry"),
    ("Annual_Revenue", "Annual_Revenue"),
    ("No_of_Employees", "Employees"),
    ("Rating", "Rating"),
    ("Street", "Billing_Street"),
    ("City", "Billing_City"),
    ("State", "Billing_State"),
    ("Zip_Code", "Billing_Code"),
];
/// Modules a conversion makes records in.
const TARGETS: [&str; 3] = ["Contacts", "Accounts", "Deals"];

fn wrapped(code: &str, message: &str, details: Value) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message, details).wrapped()
}

fn invalid(api: &str) -> ApiError {
    wrapped(
        "INVALID_DATA",
        "invalid data",
        json!({"api_name": api, "json_path": format!("$.data[0].{api}")}),
    )
}

/// An id given as `{"id": ..}` or bare.
fn given_id(v: &Value) -> Option<String> {
    match v.get("id").unwrap_or(v) {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An existing record named by the option `key`, if given.
fn existing(org: &Org, opts: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match opts.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => given_id(v)
            .filter(|id| org.records.get(key).is_some_and(|m| m.contains_key(id)))
            .map(Some)
            .ok_or_else(|| invalid(key)),
    }
}

/// The lead's values for a target module, where the target has a writable field that takes them.
fn mapped(org: &Org, lead: &Record, module: &str, map: &[(&str, &str)]) -> Map<String, Value> {
    let meta = &org.meta[module];
    let mut out = Map::new();
    for (from, to) in map {
        let Some(v) = lead.get(*from).filter(|v| !v.is_null()) else {
            continue;
        };
        let Some(f) = meta.field(to).filter(|f| f.writable()) else {
            continue;
        };
        // Picklists differ between modules: a value the target lacks stays behind.
        if f.data_type() == "picklist"
            && !v.as_str().is_some_and(|s| f.picklist_values().contains(&s))
        {
            continue;
        }
        out.insert(to.to_string(), v.clone());
    }
    out
}

/// Validates `input` for `module`; an error answers the whole call.
fn check(
    org: &Org,
    users: &BTreeMap<String, User>,
    module: &str,
    input: &Map<String, Value>,
    prefix: &str,
    mode: Mode,
    current: Option<&Record>,
) -> Result<Map<String, Value>, ApiError> {
    let meta = org.meta[module].clone();
    let ctx = validate::Ctx {
        org,
        users,
        meta: &meta,
    };
    validate::record(&ctx, input, prefix, mode, current).map_err(|e| {
        wrapped(
            e["code"].as_str().unwrap_or("INVALID_DATA"),
            e["message"].as_str().unwrap_or("invalid data"),
            e["details"].clone(),
        )
    })
}

/// The conversion's options: `data[0]` of the body, or none.
fn options(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let body = json_body(headers, body)?;
    match body.get("data") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Array(a)) => match a.first() {
            None => Ok(Map::new()),
            Some(Value::Object(o)) => Ok(o.clone()),
            Some(_) => Err(wrapped(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "data", "json_path": "$.data[0]", "expected_data_type": "jsonobject"}),
            )),
        },
        Some(_) => Err(wrapped(
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "data", "json_path": "$.data", "expected_data_type": "jsonarray"}),
        )),
    }
}

/// `carry_over_tags`: per target module, tag names the lead carries.
fn carried(
    opts: &Map<String, Value>,
    lead: &Record,
) -> Result<Vec<(&'static str, String)>, ApiError> {
    let Some(v) = opts.get("carry_over_tags").filter(|v| !v.is_null()) else {
        return Ok(vec![]);
    };
    let obj = v.as_object().ok_or_else(|| invalid("carry_over_tags"))?;
    let on_lead: Vec<&str> = lead
        .get("Tag")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    let mut out = vec![];
    for (module, names) in obj {
        let target = TARGETS
            .into_iter()
            .find(|t| t == module)
            .ok_or_else(|| invalid("carry_over_tags"))?;
        for (i, n) in names.as_array().into_iter().flatten().enumerate() {
            let name = n
                .as_str()
                .filter(|n| on_lead.iter().any(|t| t.eq_ignore_ascii_case(n)))
                .ok_or_else(|| {
                    wrapped(
                        "INVALID_DATA",
                        "invalid data",
                        json!({"api_name": "carry_over_tags", "json_path": format!("$.data[0].carry_over_tags.{module}[{i}]")}),
                    )
                })?;
            out.push((target, name.to_string()));
        }
    }
    Ok(out)
}

fn short(org: &Org, module: &str, id: &str) -> Value {
    let name = org.records[module]
        .get(id)
        .map(|r| store::display_name(&org.meta[module], r))
        .unwrap_or(Value::Null);
    json!({"name": name, "id": id})
}

/// `POST /Leads/{id}/actions/convert`.
pub async fn convert(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let users = world.users.clone();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    // Only leads convert: Zoho has no such operation under another module (nor without the
    // modules a conversion fills, which metadata given to the emulator might lack).
    if org.module_name(&module).as_deref() != Some("Leads")
        || TARGETS.iter().any(|m| !org.meta.contains_key(*m))
    {
        return Err(ApiError::invalid_url());
    }
    module_of(org, &caller, "Leads", "CREATE")?;
    let lead = org.records["Leads"].get(&id).cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"resource_path_index": 1}),
        )
    })?;
    if lead.get("Converted__s") == Some(&Value::Bool(true)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ID_ALREADY_CONVERTED",
            "id already converted",
            json!({"resource_path_index": 1}),
        ));
    }
    let opts = options(&headers, &body)?;
    for key in ["overwrite", "notify_lead_owner", "notify_new_entity_owner"] {
        if opts
            .get(key)
            .is_some_and(|v| !v.is_null() && !v.is_boolean())
        {
            return Err(wrapped(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": key, "json_path": format!("$.data[0].{key}"), "expected_data_type": "boolean"}),
            ));
        }
    }
    let overwrite = opts.get("overwrite") == Some(&Value::Bool(true));
    let owner_id = match opts.get("assign_to").filter(|v| !v.is_null()) {
        Some(v) => given_id(v)
            .filter(|u| users.get(u).is_some_and(|u| u.org_id == org.id))
            .ok_or_else(|| invalid("assign_to"))?,
        None => lead["Owner"]["id"]
            .as_str()
            .unwrap_or(&caller.user.id)
            .to_string(),
    };
    let owner = json!({"id": owner_id});
    let account_id = existing(org, &opts, "Accounts")?;
    let contact_id = existing(org, &opts, "Contacts")?;
    let company = lead
        .get("Company")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .map(str::to_string);

    // Everything is checked first.
    let mut account_input = mapped(org, &lead, "Accounts", &TO_ACCOUNT);
    account_input.insert("Owner".into(), owner.clone());
    let new_account = match (&account_id, &company) {
        (None, Some(_)) => Some(check(
            org,
            &users,
            "Accounts",
            &account_input,
            "$.data[0].Accounts",
            Mode::Create,
            None,
        )?),
        _ => None,
    };
    let mut contact_input = mapped(org, &lead, "Contacts", &TO_CONTACT);
    contact_input.insert("Owner".into(), owner.clone());
    let contact_data = match &contact_id {
        None => Some(check(
            org,
            &users,
            "Contacts",
            &contact_input,
            "$.data[0].Contacts",
            Mode::Create,
            None,
        )?),
        Some(cid) if overwrite => {
            contact_input.remove("Owner");
            let current = org.records["Contacts"].get(cid);
            Some(check(
                org,
                &users,
                "Contacts",
                &contact_input,
                "$.data[0].Contacts",
                Mode::Update,
                current,
            )?)
        }
        Some(_) => None,
    };
    let deal = match opts.get("Deals").filter(|v| !v.is_null()) {
        None => None,
        Some(Value::Object(d)) => {
            let mut input = d.clone();
            input.remove("Account_Name");
            input.remove("Contact_Name");
            input.entry("Owner").or_insert_with(|| owner.clone());
            if let Some(src) = lead.get("Lead_Source").filter(|v| !v.is_null()) {
                let fits = org.meta["Deals"].field("Lead_Source").is_some_and(|f| {
                    src.as_str()
                        .is_some_and(|s| f.picklist_values().contains(&s))
                });
                if fits {
                    input.entry("Lead_Source").or_insert_with(|| src.clone());
                }
            }
            Some(check(
                org,
                &users,
                "Deals",
                &input,
                "$.data[0].Deals",
                Mode::Create,
                None,
            )?)
        }
        Some(_) => {
            return Err(wrapped(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "Deals", "json_path": "$.data[0].Deals", "expected_data_type": "jsonobject"}),
            ))
        }
    };
    let tags_to_carry = carried(&opts, &lead)?;
    let move_to = match opts.get("move_attachments_to").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => {
            let target = v
                .get("api_name")
                .and_then(Value::as_str)
                .and_then(|m| TARGETS.into_iter().find(|t| *t == m))
                .filter(|t| *t != "Deals" || deal.is_some())
                .filter(|t| *t != "Accounts" || account_id.is_some() || new_account.is_some())
                // The module's id, when given (Zoho's spec requires it), must be that module's.
                .filter(|t| match v.get("id") {
                    None | Some(Value::Null) => true,
                    Some(id) => org.meta.get(*t).is_some_and(|m| &m.module["id"] == id),
                })
                .ok_or_else(|| invalid("move_attachments_to"))?;
            Some(target)
        }
    };

    // Then written.
    let now = clock::now();
    let by = caller.user.clone();
    let account = match (account_id, new_account) {
        (Some(aid), _) => {
            if let (true, Some(c)) = (overwrite, &company) {
                let mut data = Map::new();
                data.insert("Account_Name".into(), json!(c));
                store::update_by_id(org, "Accounts", &aid, data, &by, now);
            }
            Some(aid)
        }
        (None, Some(data)) => Some(value_id(&store::insert(org, "Accounts", data, &by, now))),
        (None, None) => None,
    };
    let account_ref = account.as_ref().map(|a| short(org, "Accounts", a));
    let contact = match contact_id {
        None => {
            // Checked above: a new contact always has its data.
            let mut data = contact_data.unwrap_or_default();
            if let Some(a) = &account_ref {
                data.insert("Account_Name".into(), a.clone());
            }
            value_id(&store::insert(org, "Contacts", data, &by, now))
        }
        Some(cid) => {
            let mut data = contact_data.unwrap_or_default();
            let unlinked = org.records["Contacts"][&cid]
                .get("Account_Name")
                .is_none_or(Value::is_null);
            if let (Some(a), true) = (&account_ref, overwrite || unlinked) {
                data.insert("Account_Name".into(), a.clone());
            }
            if !data.is_empty() {
                store::update_by_id(org, "Contacts", &cid, data, &by, now);
            }
            cid
        }
    };
    let deal = deal.map(|mut data| {
        data.insert("Contact_Name".into(), short(org, "Contacts", &contact));
        if let Some(a) = &account_ref {
            data.insert("Account_Name".into(), a.clone());
        }
        value_id(&store::insert(org, "Deals", data, &by, now))
    });
    let made: BTreeMap<&str, Option<&String>> = [
        ("Contacts", Some(&contact)),
        ("Accounts", account.as_ref()),
        ("Deals", deal.as_ref()),
    ]
    .into_iter()
    .collect();
    for (module, name) in &tags_to_carry {
        let Some(rid) = made[module].cloned() else {
            continue;
        };
        let tag = tags::ensure(org, module, name, &by);
        let mut list = org.records[*module][&rid]
            .get("Tag")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !list.iter().any(|t| t["name"] == tag["name"]) {
            list.push(tag);
            let mut data = Map::new();
            data.insert("Tag".into(), Value::Array(list));
            store::update_by_id(org, module, &rid, data, &by, now);
        }
    }
    if let Some(target) = move_to {
        if let Some(rid) = made[target].cloned() {
            let name = short(org, target, &rid)["name"].clone();
            for a in org
                .attachments
                .values_mut()
                .filter(|a| a.module == "Leads" && a.parent_id == id)
            {
                a.module = target.to_string();
                a.parent_id = rid.clone();
                a.meta["Parent_Id"] = json!({"name": name, "id": rid});
                a.meta["$se_module"] = json!(target);
            }
        }
    }
    let mut mark = Map::new();
    mark.insert("Converted__s".into(), json!(true));
    mark.insert("Converted_Date_Time".into(), json!(clock::format(now)));
    store::update_by_id(org, "Leads", &id, mark, &by, now);
    org.charge(CREDITS);
    let details = json!({
        "Contacts": short(org, "Contacts", &contact),
        "Deals": deal.as_ref().map(|d| short(org, "Deals", d)),
        "Accounts": account_ref,
    });
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": [item("SUCCESS", "The record has been converted successfully", details)]}),
    ))
}

fn value_id(rec: &Record) -> String {
    rec.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
