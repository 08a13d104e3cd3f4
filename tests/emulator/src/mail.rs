//! Send mail: `POST /{module}/{id}/actions/send_mail` (scope `ZohoCRM.send_mail.all.CREATE` or
//! `ZohoCRM.send_mail.{module}.CREATE`), and the sent mails in the admin API
//! (`GET/DELETE /__emulator/orgs/{org}/mails`).
//!
//! The body is `{"data": [{"from": {"user_name", "email"}, "to": [{"user_name", "email"}],
//! "cc"?, "bcc"?, "reply_to"?, "subject", "content"?, "mail_format"?: "html"|"text",
//! "org_email"?, "scheduled_time"?, "template"?: {"id"}, "attachments"?: [{"id"}],
//! "consent_email"?, "in_reply_to"?, "linked_module"?, "linked_record"?}]}` with one mail.
//! `from`, `to` and `subject` are mandatory (`MANDATORY_NOT_FOUND`); addresses must be email
//! addresses and `from` one of the org's users' or the org's own (`INVALID_DATA`); a
//! `scheduled_time` must be ahead. Nothing is sent anywhere: the mail is kept with its record,
//! sender and time (status `sent`, or `scheduled` with a `scheduled_time`), and the answer is
//! `{"data": [{"code": "SUCCESS", "details": {"message_id"}, "message": "Your mail has been sent
//! successfully.", "status": "success"}]}`.

use crate::admin::org_id;
use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, ApiError, ApiResult};
use crate::state::{random_token, App};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

fn error(code: &str, message: &str, api: &str, path: &str, extra: Value) -> ApiError {
    let mut details = json!({"api_name": api, "json_path": path});
    if let (Some(d), Some(e)) = (details.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    ApiError::new(StatusCode::BAD_REQUEST, code, message, details)
}

fn mandatory(api: &str) -> ApiError {
    error(
        "MANDATORY_NOT_FOUND",
        "required field not found",
        api,
        &format!("$.data[0].{api}"),
        json!({}),
    )
}

fn invalid(api: &str, path: &str) -> ApiError {
    error("INVALID_DATA", "invalid data", api, path, json!({}))
}

/// Whether `s` looks like an email address.
pub fn valid_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(a, b)| {
        !a.is_empty()
            && b.contains('.')
            && !b.starts_with('.')
            && !b.ends_with('.')
            && !s.contains(char::is_whitespace)
    })
}

/// An address object (`{"user_name"?, "email"}`) at `path`; `api` names the key it is under.
fn address(v: &Value, api: &str, path: &str) -> Result<Value, ApiError> {
    let email = v
        .get("email")
        .ok_or_else(|| {
            error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                api,
                &format!("{path}.email"),
                json!({}),
            )
        })?
        .as_str()
        .filter(|e| valid_email(e))
        .ok_or_else(|| invalid(api, &format!("{path}.email")))?;
    if v.get("user_name")
        .is_some_and(|n| !n.is_null() && !n.is_string())
    {
        return Err(invalid(api, &format!("{path}.user_name")));
    }
    Ok(json!({"user_name": v.get("user_name").cloned().unwrap_or(Value::Null), "email": email}))
}

/// A list of addresses (`to`, `cc`, `bcc`).
fn addresses(mail: &Map<String, Value>, key: &str) -> Result<Vec<Value>, ApiError> {
    match mail.get(key) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| address(v, key, &format!("$.data[0].{key}[{i}]")))
            .collect(),
        Some(_) => Err(error(
            "INVALID_DATA",
            "invalid data",
            key,
            &format!("$.data[0].{key}"),
            json!({"expected_data_type": "jsonarray"}),
        )),
    }
}

/// `POST /{module}/{id}/actions/send_mail`.
pub async fn send(
    State(app): State<App>,
    caller: Caller,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let mut world = app.world();
    let org_users: Vec<String> = world
        .users
        .values()
        .filter(|u| u.org_id == caller.org_id)
        .map(|u| u.email.to_ascii_lowercase())
        .collect();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let module = org
        .module_name(&module)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| ApiError::invalid_module(0))?;
    caller
        .require(Need {
            service: "send_mail",
            resource: Some(&module),
            op: "CREATE",
        })
        .or_else(|_| {
            caller.require(Need {
                service: "send_mail",
                resource: Some("all"),
                op: "CREATE",
            })
        })?;
    if !org.records[&module].contains_key(&id) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"resource_path_index": 1}),
        ));
    }
    let body = json_body(&headers, &body)?;
    let items = body
        .get("data")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                "data",
                "$.data",
                json!({}),
            )
        })?;
    if items.len() > 1 {
        return Err(error(
            "LIMIT_EXCEEDED",
            "limit exceeded",
            "data",
            "$.data",
            json!({"limit": 1}),
        ));
    }
    let mail = items[0].as_object().ok_or_else(|| {
        error(
            "INVALID_DATA",
            "invalid data",
            "data",
            "$.data[0]",
            json!({"expected_data_type": "jsonobject"}),
        )
    })?;
    let from = match mail.get("from") {
        None | Some(Value::Null) => return Err(mandatory("from")),
        Some(v) => address(v, "from", "$.data[0].from")?,
    };
    let from_email = from["email"].as_str().unwrap_or("").to_ascii_lowercase();
    if !org_users.contains(&from_email) && !org.primary_email.eq_ignore_ascii_case(&from_email) {
        // Zoho sends only from its users' and the org's verified addresses.
        return Err(invalid("from", "$.data[0].from.email"));
    }
    let to = addresses(mail, "to")?;
    if to.is_empty() {
        return Err(mandatory("to"));
    }
    let cc = addresses(mail, "cc")?;
    let bcc = addresses(mail, "bcc")?;
    let reply_to = match mail.get("reply_to") {
        None | Some(Value::Null) => Value::Null,
        Some(v) => address(v, "reply_to", "$.data[0].reply_to")?,
    };
    let subject = match mail.get("subject") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => return Err(mandatory("subject")),
        Some(_) => return Err(invalid("subject", "$.data[0].subject")),
    };
    if mail
        .get("content")
        .is_some_and(|c| !c.is_null() && !c.is_string())
    {
        return Err(invalid("content", "$.data[0].content"));
    }
    let format = match mail.get("mail_format") {
        None | Some(Value::Null) => "html",
        Some(Value::String(s)) if s == "html" || s == "text" => s.as_str(),
        Some(_) => {
            return Err(error(
                "INVALID_DATA",
                "invalid data",
                "mail_format",
                "$.data[0].mail_format",
                json!({"supported_values": ["html", "text"]}),
            ))
        }
    };
    for key in ["org_email", "consent_email"] {
        if mail
            .get(key)
            .is_some_and(|v| !v.is_null() && !v.is_boolean())
        {
            return Err(error(
                "INVALID_DATA",
                "invalid data",
                key,
                &format!("$.data[0].{key}"),
                json!({"expected_data_type": "boolean"}),
            ));
        }
    }
    let now = clock::now();
    let scheduled = match mail.get("scheduled_time") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(clock::parse)
                .filter(|t| *t > now)
                .ok_or_else(|| invalid("scheduled_time", "$.data[0].scheduled_time"))?,
        ),
    };
    for key in ["template", "in_reply_to", "linked_module", "linked_record"] {
        if mail
            .get(key)
            .is_some_and(|v| !v.is_null() && !v.is_object())
        {
            return Err(error(
                "INVALID_DATA",
                "invalid data",
                key,
                &format!("$.data[0].{key}"),
                json!({"expected_data_type": "jsonobject"}),
            ));
        }
    }
    if mail
        .get("attachments")
        .is_some_and(|v| !v.is_null() && !v.is_array())
    {
        return Err(error(
            "INVALID_DATA",
            "invalid data",
            "attachments",
            "$.data[0].attachments",
            json!({"expected_data_type": "jsonarray"}),
        ));
    }
    let message_id = random_token()[5..].replace('.', "");
    let get = |k: &str| mail.get(k).cloned().unwrap_or(Value::Null);
    org.mails.push(json!({
        "message_id": message_id,
        "module": module,
        "record_id": id,
        "from": from,
        "to": to,
        "cc": cc,
        "bcc": bcc,
        "reply_to": reply_to,
        "subject": subject,
        "content": get("content"),
        "mail_format": format,
        "org_email": get("org_email"),
        "scheduled_time": scheduled.map(clock::format),
        "consent_email": get("consent_email"),
        "template": get("template"),
        "attachments": get("attachments"),
        "in_reply_to": get("in_reply_to"),
        "linked_module": get("linked_module"),
        "linked_record": get("linked_record"),
        "sent_by": {"name": caller.user.full_name(), "id": caller.user.id},
        "sent_time": clock::format(now),
        "status": if scheduled.is_some() { "scheduled" } else { "sent" },
    }));
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": [item("SUCCESS", "Your mail has been sent successfully.", json!({"message_id": message_id}))]}),
    ))
}

/// `GET /__emulator/orgs/{org}/mails`: the mails sent in an org, oldest first.
pub async fn admin_list(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let w = app.world();
    let id = org_id(&w, &org)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"mails": w.orgs[&id].mails}),
    ))
}

/// `DELETE /__emulator/orgs/{org}/mails`: forgets the org's mails.
pub async fn admin_clear(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let mut w = app.world();
    let id = org_id(&w, &org)?;
    let o = w.orgs.get_mut(&id).expect("org");
    let n = o.mails.len();
    o.mails.clear();
    Ok(json_response(StatusCode::OK, &json!({"removed": n})))
}
