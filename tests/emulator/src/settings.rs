//! Metadata and account endpoints: `settings/modules`, `settings/fields`, `settings/layouts`,
//! `users` and `org`.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{json_response, no_content, ApiError, ApiResult};
use crate::state::{App, User};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// `GET /settings/modules`.
pub async fn modules(State(app): State<App>, caller: Caller, headers: HeaderMap) -> ApiResult {
    caller.require(Need::settings("modules"))?;
    let since = crate::records::if_modified_since(&headers)?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let list: Vec<Value> = org
        .meta
        .values()
        .filter(|m| since.is_none_or(|s| m.fields_modified > s))
        .map(|m| {
            let mut v = crate::shapes::module(m);
            v["modified_time"] = if m.fields_modified
                > time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(19_723)
            {
                json!(clock::format(m.fields_modified))
            } else {
                Value::Null
            };
            v
        })
        .collect();
    if list.is_empty() {
        return Ok(if since.is_some() {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            no_content()
        });
    }
    Ok(json_response(StatusCode::OK, &json!({"modules": list})))
}

/// `GET /settings/modules/{api_name}`.
pub async fn module_one(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult {
    caller.require(Need::settings("modules"))?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let m = org
        .module_name(&name)
        .map(|n| &org.meta[&n])
        .ok_or_else(|| ApiError::invalid_module(2))?;
    let mut v = crate::shapes::module(m);
    v["fields"] = json!(m
        .fields
        .iter()
        .map(|f| json!({"api_name": f["api_name"], "id": f["id"]}))
        .collect::<Vec<_>>());
    v["layouts"] = json!([{"name": "Standard", "id": m.fields.first().and_then(|f| f.pointer("/layout_associations/0/id")).cloned().unwrap_or(Value::Null)}]);
    Ok(json_response(StatusCode::OK, &json!({"modules": [v]})))
}

/// The `module` query parameter resolved to a module of the caller's org.
pub(crate) fn module_param(
    p: &Params,
    caller: &Caller,
    world: &crate::state::World,
) -> Result<String, ApiError> {
    let name = p
        .get("module")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::required_param("module"))?;
    world.orgs[&caller.org_id].module_name(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"param_name": "module"}),
        )
    })
}

/// `GET /settings/fields?module=`.
pub async fn fields(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> ApiResult {
    caller.require(Need::settings("fields"))?;
    let since = crate::records::if_modified_since(&headers)?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let m = &world.orgs[&caller.org_id].meta[&module];
    if since.is_some_and(|s| m.fields_modified <= s) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let kind = p.get("type").map(String::as_str).unwrap_or("used");
    let list: Vec<Value> = m
        .fields
        .iter()
        .filter(|f| kind == "all" || f["type"] == kind)
        .map(|f| crate::shapes::field(&module, f))
        .collect();
    if list.is_empty() {
        return Ok(no_content());
    }
    Ok(json_response(StatusCode::OK, &json!({"fields": list})))
}

/// `GET /settings/fields/{id}?module=`.
pub async fn field_one(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    caller.require(Need::settings("fields"))?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let m = &world.orgs[&caller.org_id].meta[&module];
    let f = m
        .fields
        .iter()
        .find(|f| f["id"] == id.as_str() || f["api_name"] == id.as_str())
        .ok_or_else(|| ApiError::invalid_id(&id))?;
    let f = crate::shapes::field(&module, f);
    Ok(json_response(StatusCode::OK, &json!({"fields": [f]})))
}

/// The one standard layout of a module, holding every field.
fn layout_json(m: &crate::metadata::ModuleMeta, module: &str) -> Value {
    let layout_id = layout_id(m);
    let fields: Vec<Value> = m
        .fields
        .iter()
        .map(|f| {
            let mut f = crate::shapes::field(module, f);
            f["required"] = f["system_mandatory"].clone();
            f
        })
        .collect();
    json!({
        "id": layout_id, "api_name": "Standard__s", "name": "Standard", "display_label": "Standard", "status": "active",
        "visible": true, "source": "crm", "mode": null, "generated_type": "default", "display_type": -1,
        "show_business_card": false, "created_time": null, "modified_time": null, "created_by": null, "modified_by": null,
        "created_for": null, "convert_mapping": {}, "has_more_profiles": false, "actions_allowed": {"edit": true, "rename": true, "clone": true, "downgrade": false, "delete": false, "deactivate": false, "set_layout_permissions": true},
        "profiles": [{"id": "0", "name": "Administrator", "default": true, "_default_view": {"id": layout_id, "name": "Standard", "type": "layout"}, "_default_assignment_view": {"id": layout_id, "name": "Standard", "type": "layout"}}],
        "subform_properties": null,
        "sections": [{"id": format!("{}1", layout_id.as_str().unwrap_or("0")), "api_name": format!("{module} Information"), "name": format!("{module} Information"), "display_label": format!("{} Information", m.module["singular_label"].as_str().unwrap_or(module)), "sequence_number": 1, "column_count": 2, "tab_traversal": "left_to_right", "isSubformSection": false, "type": "used", "generated_type": "default", "properties": null, "fields": fields}],
    })
}

/// The id of a module's standard layout.
fn layout_id(m: &crate::metadata::ModuleMeta) -> Value {
    m.fields
        .first()
        .and_then(|f| f.pointer("/layout_associations/0/id"))
        .cloned()
        .unwrap_or(json!("0"))
}

/// `GET /settings/layouts?module=`: one standard layout holding every field.
pub async fn layouts(State(app): State<App>, caller: Caller, Query(p): Query<Params>) -> ApiResult {
    caller.require(Need::settings("layouts"))?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let m = &world.orgs[&caller.org_id].meta[&module];
    Ok(json_response(
        StatusCode::OK,
        &json!({"layouts": [layout_json(m, &module)]}),
    ))
}

/// `GET /settings/layouts/{id}?module=`: the standard layout by its id.
pub async fn layout_one(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    caller.require(Need::settings("layouts"))?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let m = &world.orgs[&caller.org_id].meta[&module];
    if layout_id(m) != id.as_str() {
        return Err(ApiError::invalid_id(&id));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"layouts": [layout_json(m, &module)]}),
    ))
}

/// `GET /settings/fields/{id}/pick_list_values?module=`: the options of a picklist field, each
/// with the layouts it shows in.
pub async fn pick_list_values(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult {
    caller.require(Need::settings("fields"))?;
    let world = app.world();
    let module = module_param(&p, &caller, &world)?;
    let m = &world.orgs[&caller.org_id].meta[&module];
    let f = m
        .fields
        .iter()
        .find(|f| f["id"] == id.as_str())
        .ok_or_else(|| ApiError::invalid_id(&id))?;
    if !matches!(
        f["data_type"].as_str(),
        Some("picklist" | "multiselectpicklist")
    ) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the field given is not a picklist field",
            json!({"id": id}),
        ));
    }
    let layouts = json!([{"api_name": "Standard__s", "name": "Standard", "id": layout_id(m)}]);
    let values: Vec<Value> = f["pick_list_values"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    json!({
                        "sequence_number": v["sequence_number"], "display_value": v["display_value"],
                        "reference_value": v.get("reference_value").unwrap_or(&v["display_value"]),
                        "colour_code": v.get("colour_code").cloned().unwrap_or(Value::Null),
                        "actual_value": v["actual_value"], "id": v["id"],
                        "type": v.get("type").cloned().unwrap_or(json!("used")), "layout_associations": layouts,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if values.is_empty() {
        return Ok(no_content());
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"pick_list_values": values}),
    ))
}

fn user_json(u: &User, by: &User) -> Value {
    let by = json!({"name": by.full_name(), "id": by.id});
    json!({
        "id": u.id, "zuid": u.zuid, "email": u.email, "first_name": u.first_name, "last_name": u.last_name,
        "full_name": u.full_name(), "alias": null, "status": "active", "confirm": true,
        "role": {"name": if u.admin { "CEO" } else { "Manager" }, "id": format!("{}0", &u.id[..u.id.len() - 1])},
        "profile": {"name": if u.admin { "Administrator" } else { "Standard" }, "id": format!("{}1", &u.id[..u.id.len() - 1])},
        "created_by": by, "created_time": "2024-01-01T00:00:00+00:00", "Modified_By": by, "Modified_Time": "2024-01-01T00:00:00+00:00",
        "Reporting_To": null, "locale": "en_US", "language": "en_US", "country_locale": "en_US", "time_zone": "UTC",
        "time_format": "HH:mm", "date_format": "yyyy-MM-dd", "decimal_separator": "Period", "number_separator": "Comma",
        "offset": 0, "phone": null, "mobile": null, "street": null, "city": null, "state": null, "zip": null,
        "country": null, "dob": null, "Isonline": false, "sandboxDeveloper": false, "type__s": "Paid",
        "image_link": null, "theme": crate::shapes::user_theme(), "customize_info": crate::shapes::user_customize_info(), "name_format__s": "Salutation,First Name,Last Name",
        "sort_order_preference__s": "First Name,Last Name", "$current_shift": null, "$next_shift": null,
        "$shift_effective_from": null,
    })
}

/// The users of the caller's org that `type=` selects (`AllUsers` when absent).
fn users_of_type<'w>(
    world: &'w crate::state::World,
    caller: &Caller,
    p: &Params,
) -> Result<Vec<&'w User>, ApiError> {
    let kind = p.get("type").map(String::as_str).unwrap_or("AllUsers");
    let known = [
        "AllUsers",
        "ActiveUsers",
        "DeactiveUsers",
        "ConfirmedUsers",
        "NotConfirmedUsers",
        "DeletedUsers",
        "ActiveConfirmedUsers",
        "AdminUsers",
        "ActiveConfirmedAdmins",
        "CurrentUser",
    ];
    if !known.contains(&kind) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": "type", "supported_values": known}),
        ));
    }
    Ok(world
        .users
        .values()
        .filter(|u| u.org_id == caller.org_id)
        .filter(|u| match kind {
            "CurrentUser" => u.id == caller.user.id,
            "AdminUsers" | "ActiveConfirmedAdmins" => u.admin,
            "DeactiveUsers" | "NotConfirmedUsers" | "DeletedUsers" => false,
            _ => true,
        })
        .collect())
}

/// Who created and last modified the users of an org: its first admin.
fn org_admin<'w>(world: &'w crate::state::World, u: &'w User) -> &'w User {
    world
        .users
        .values()
        .find(|x| x.org_id == u.org_id && x.admin)
        .unwrap_or(u)
}

/// `GET /users?type=`.
pub async fn users(State(app): State<App>, caller: Caller, Query(p): Query<Params>) -> ApiResult {
    caller.require(Need::plain("users", "READ"))?;
    let world = app.world();
    let list: Vec<Value> = users_of_type(&world, &caller, &p)?
        .into_iter()
        .map(|u| user_json(u, org_admin(&world, u)))
        .collect();
    if list.is_empty() {
        return Ok(no_content());
    }
    let n = list.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"users": list, "info": {"per_page": 200, "count": n, "page": 1, "more_records": false}}),
    ))
}

/// `GET /users/actions/count?type=`: `{"count": n}`.
pub async fn users_count(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<Params>,
) -> ApiResult {
    caller.require(Need::plain("users", "READ"))?;
    let world = app.world();
    let n = users_of_type(&world, &caller, &p)?.len();
    Ok(json_response(StatusCode::OK, &json!({ "count": n })))
}

/// `GET /users/{id}`.
pub async fn user_one(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(Need::plain("users", "READ"))?;
    let world = app.world();
    let u = world
        .users
        .get(&id)
        .filter(|u| u.org_id == caller.org_id)
        .ok_or_else(|| ApiError::invalid_id(&id))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"users": [user_json(u, org_admin(&world, u))]}),
    ))
}

/// `GET /org`.
pub async fn org(State(app): State<App>, caller: Caller) -> ApiResult {
    caller.require(Need::plain("org", "READ"))?;
    let world = app.world();
    let o = &world.orgs[&caller.org_id];
    let primary = world.users.values().find(|u| u.org_id == o.id && u.admin);
    let body = json!({"org": [{
        "id": o.id, "company_name": o.company_name, "alias": null, "primary_email": o.primary_email,
        "primary_zuid": primary.map(|u| u.zuid.clone()), "zgid": o.zgid, "ezgid": format!("e{}", o.zgid),
        "domain_name": o.domain_name, "phone": null, "mobile": null, "fax": null, "website": null,
        "employee_count": "10", "description": null, "street": null, "city": null, "state": null, "zip": null,
        "country": "United States", "country_code": "US", "iso_code": "USD", "time_zone": "UTC",
        "currency": "US Dollar - USD", "currency_symbol": "$", "currency_locale": "en_US", "mc_status": false,
        "gapps_enabled": false, "translation_enabled": false, "privacy_settings": false,
        "hipaa_compliance_enabled": false, "lite_users_enabled": false, "max_per_page": 200, "type": "production",
        "created_time": "2024-01-01T00:00:00+00:00", "photo_id": null, "call_icon": "show", "oauth_presence": true,
        "deletable_org_account": false, "zia_portal_id": null, "zia_zgid": null,
        "license_details": {"paid": true, "paid_type": o.edition.to_lowercase(), "paid_expiry": null, "trial_type": null,
            "trial_expiry": null, "trial_action": null, "users_license_purchased": 10, "portal_users_license_purchased": 0},
        "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": false},
        "checkin_preferences": null,
    }]});
    Ok(json_response(StatusCode::OK, &body))
}
