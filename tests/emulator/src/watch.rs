//! Notification channels: `GET/POST/PUT/PATCH/DELETE /actions/watch` (scope
//! `ZohoCRM.notifications.*`). Channels are kept per org; [`crate::notify`] delivers.
//!
//! A channel is `{"channel_id", "events": ["Leads.all", "Deals.create", ...], "notify_url",
//! "token"?, "channel_expiry"?, "notify_on_related_action"?, "return_affected_field_values"?,
//! "fields"?}`. Events are `<Module>.create|edit|delete|all` of record modules. The expiry
//! defaults to an hour from now, and so does one more than a week ahead (Zoho's limit from v4
//! on); one already past is `INVALID_DATA`. POST enables (a known channel id gains the events),
//! PUT replaces a channel, PATCH changes the given keys (with `"_delete_events": true` it removes
//! the given events; a channel left without events is gone), DELETE `?channel_ids=` disables.
//! Each channel gets its own item in `{"watch": [...]}`: all succeeded → 201 (POST) or 200, some
//! failed → 202, as Zoho's spec answers. `notify_on_related_action` is kept and listed, but
//! related-record notifications are not sent.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{item, json_response, no_content, ApiError, ApiResult};
use crate::middleware::ApiVersion;
use crate::records::number;
use crate::state::{App, Org};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;

type Params = HashMap<String, String>;

/// Longest `token`.
pub const MAX_TOKEN: usize = 50;
/// Event kinds of a module.
const OPS: [&str; 4] = ["all", "create", "edit", "delete"];

/// A notification channel.
#[derive(Debug, Clone)]
pub struct Channel {
    /// The channel id as text (digits).
    pub channel_id: String,
    /// The channel id as the subscriber gave it (a number or a string), as listings echo it.
    pub given_id: Value,
    /// Subscribed events, with module API names as the org spells them (`Leads.create`).
    pub events: Vec<String>,
    /// Where notifications are POSTed.
    pub notify_url: String,
    /// Sent back in every notification.
    pub token: Option<String>,
    /// When the channel stops.
    pub expiry: OffsetDateTime,
    /// Kept and listed; related-record notifications are not sent.
    pub notify_on_related_action: bool,
    /// Whether notifications carry `affected_values`.
    pub return_affected_field_values: bool,
    /// `{"<Module>": ["Field", ...]}`: the fields `affected_values` carries.
    pub fields: Option<Value>,
    /// API version of the path the channel was made on (`v7`), for `resource_uri`.
    pub version: String,
}

impl Channel {
    /// Whether the channel watches `event` (`create`, `edit`, `delete`) of `module`.
    pub fn watches(&self, module: &str, event: &str) -> bool {
        self.events.iter().any(|e| {
            e.split_once('.')
                .is_some_and(|(m, op)| m == module && (op == "all" || op == event))
        })
    }

    /// The modules of the channel's events, in order, without repeats.
    fn modules(&self) -> Vec<String> {
        modules_of(&self.events)
    }
}

fn modules_of(events: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for e in events {
        let m = e.split_once('.').map_or(e.as_str(), |(m, _)| m);
        if !out.iter().any(|x| x == m) {
            out.push(m.to_string());
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enable,
    Replace,
    Patch,
}

/// One channel of a request, checked.
struct Input {
    id: String,
    given: Value,
    events: Option<Vec<String>>,
    notify_url: Option<String>,
    token: Option<String>,
    expiry: Option<OffsetDateTime>,
    related: Option<bool>,
    affected: Option<bool>,
    fields: Option<Value>,
    delete_events: bool,
}

fn mandatory(api: &str, path: &str) -> Value {
    item(
        "MANDATORY_NOT_FOUND",
        "required field not found",
        json!({"api_name": api, "json_path": path}),
    )
}

fn invalid(api: &str, path: &str, extra: Value) -> Value {
    let mut details = json!({"api_name": api, "json_path": path});
    if let (Some(d), Some(e)) = (details.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    item("INVALID_DATA", "invalid data", details)
}

fn is_http_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    ["http://", "https://"].iter().any(|p| {
        lower
            .strip_prefix(p)
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace))
    })
}

fn flag(it: &Value, key: &str, path: &str) -> Result<Option<bool>, Value> {
    match it.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(
            key,
            &format!("{path}.{key}"),
            json!({"expected_data_type": "boolean"}),
        )),
    }
}

/// Checks one channel of a request.
fn parse(org: &Org, it: &Value, i: usize, kind: Kind, now: OffsetDateTime) -> Result<Input, Value> {
    let path = format!("$.watch[{i}]");
    let at = |k: &str| format!("{path}.{k}");
    if !it.is_object() {
        return Err(invalid(
            "watch",
            &path,
            json!({"expected_data_type": "jsonobject"}),
        ));
    }
    let (id, given) = match it.get("channel_id") {
        None | Some(Value::Null) => return Err(mandatory("channel_id", &at("channel_id"))),
        Some(Value::Number(n)) if n.as_u64().is_some() => (n.to_string(), it["channel_id"].clone()),
        Some(Value::String(s)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
            (s.clone(), it["channel_id"].clone())
        }
        Some(_) => {
            return Err(invalid(
                "channel_id",
                &at("channel_id"),
                json!({"expected_data_type": "long"}),
            ))
        }
    };
    let events = match it.get("events") {
        None | Some(Value::Null) if kind == Kind::Patch && it.get("_delete_events").is_none() => {
            None
        }
        None | Some(Value::Null) => return Err(mandatory("events", &at("events"))),
        Some(Value::Array(a)) if !a.is_empty() => {
            let mut out = vec![];
            for (j, e) in a.iter().enumerate() {
                let bad = || invalid("events", &format!("{path}.events[{j}]"), json!({}));
                let (m, op) = e.as_str().and_then(|s| s.split_once('.')).ok_or_else(bad)?;
                let module = org
                    .module_name(m)
                    .filter(|m| org.meta[m].is_record_module())
                    .ok_or_else(bad)?;
                let op = op.to_ascii_lowercase();
                if !OPS.contains(&op.as_str()) {
                    return Err(bad());
                }
                let event = format!("{module}.{op}");
                if !out.contains(&event) {
                    out.push(event);
                }
            }
            Some(out)
        }
        Some(Value::Array(_)) => return Err(mandatory("events", &at("events"))),
        Some(_) => {
            return Err(invalid(
                "events",
                &at("events"),
                json!({"expected_data_type": "jsonarray"}),
            ))
        }
    };
    let notify_url = match it.get("notify_url") {
        None | Some(Value::Null) if kind == Kind::Patch => None,
        None | Some(Value::Null) => return Err(mandatory("notify_url", &at("notify_url"))),
        Some(Value::String(s)) if is_http_url(s) => Some(s.clone()),
        Some(Value::String(s)) if s.is_empty() => {
            return Err(mandatory("notify_url", &at("notify_url")))
        }
        Some(_) => return Err(invalid("notify_url", &at("notify_url"), json!({}))),
    };
    let token = match it.get("token") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= MAX_TOKEN => Some(s.clone()),
        Some(Value::String(_)) => {
            return Err(invalid(
                "token",
                &at("token"),
                json!({"maximum_length": MAX_TOKEN}),
            ))
        }
        Some(_) => {
            return Err(invalid(
                "token",
                &at("token"),
                json!({"expected_data_type": "string"}),
            ))
        }
    };
    let expiry = match it.get("channel_expiry") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let t = v.as_str().and_then(clock::parse).ok_or_else(|| {
                invalid(
                    "channel_expiry",
                    &at("channel_expiry"),
                    json!({"expected_data_type": "datetime"}),
                )
            })?;
            if t <= now {
                return Err(invalid("channel_expiry", &at("channel_expiry"), json!({})));
            }
            // Beyond Zoho's limit of a week the default of an hour applies.
            Some(if t > now + time::Duration::weeks(1) {
                now + time::Duration::hours(1)
            } else {
                t
            })
        }
    };
    let fields = match it.get("fields") {
        None | Some(Value::Null) => None,
        Some(f @ Value::Object(_)) => Some(f.clone()),
        Some(_) => {
            return Err(invalid(
                "fields",
                &at("fields"),
                json!({"expected_data_type": "jsonobject"}),
            ))
        }
    };
    let delete_events = kind == Kind::Patch && flag(it, "_delete_events", &path)? == Some(true);
    if delete_events && events.is_none() {
        return Err(mandatory("events", &at("events")));
    }
    Ok(Input {
        id,
        given,
        events,
        notify_url,
        token,
        expiry,
        related: flag(it, "notify_on_related_action", &path)?,
        affected: flag(it, "return_affected_field_values", &path)?,
        fields,
        delete_events,
    })
}

/// `details.events` of an answer: one entry per module.
fn event_details(org: &Org, c: &Channel, modules: &[String], base: &str) -> Value {
    Value::Array(
        modules
            .iter()
            .map(|m| {
                json!({
                    "channel_expiry": clock::format(c.expiry),
                    "resource_uri": format!("{base}/crm/{}/{m}", c.version),
                    "resource_id": org.meta.get(m).map(|x| x.module["id"].clone()),
                    "resource_name": m,
                    "channel_id": c.channel_id,
                })
            })
            .collect(),
    )
}

fn not_subscribed() -> Value {
    item(
        "NOT_SUBSCRIBED",
        "Not subscribed for actions-watch of the given module",
        json!({}),
    )
}

/// Applies one checked channel; the success item or an error item.
fn apply(
    org: &mut Org,
    input: Input,
    kind: Kind,
    now: OffsetDateTime,
    ver: &str,
    base: &str,
) -> Value {
    let existing = org.channels.get(&input.id).cloned();
    if kind != Kind::Enable && existing.is_none() {
        return not_subscribed();
    }
    let fresh = || Channel {
        channel_id: input.id.clone(),
        given_id: input.given.clone(),
        events: vec![],
        notify_url: String::new(),
        token: None,
        expiry: now + time::Duration::hours(1),
        notify_on_related_action: true,
        return_affected_field_values: false,
        fields: None,
        version: ver.to_string(),
    };
    let mut c = match (kind, existing) {
        (Kind::Replace, _) | (Kind::Enable, None) => fresh(),
        (_, Some(c)) => c,
        (Kind::Patch, None) => return not_subscribed(),
    };
    let given = input.events.clone().unwrap_or_default();
    let message = if input.delete_events {
        c.events.retain(|e| !given.contains(e));
        "Successfully removed the subscribe details"
    } else {
        for e in &given {
            if !c.events.contains(e) {
                c.events.push(e.clone());
            }
        }
        if let Some(u) = input.notify_url {
            c.notify_url = u;
        }
        if input.token.is_some() || kind != Kind::Patch {
            c.token = input.token;
        }
        match input.expiry {
            Some(t) => c.expiry = t,
            None if kind != Kind::Patch => c.expiry = now + time::Duration::hours(1),
            None => {}
        }
        if let Some(b) = input.related {
            c.notify_on_related_action = b;
        }
        if let Some(b) = input.affected {
            c.return_affected_field_values = b;
        }
        if input.fields.is_some() || kind != Kind::Patch {
            c.fields = input.fields;
        }
        c.given_id = input.given;
        c.version = ver.to_string();
        match kind {
            Kind::Enable => "Successfully subscribed for actions-watch of the given module",
            _ => "Successfully updated the subscribe details",
        }
    };
    let modules = if given.is_empty() {
        c.modules()
    } else {
        modules_of(&given)
    };
    let details = json!({"events": event_details(org, &c, &modules, base)});
    if c.events.is_empty() {
        org.channels.remove(&c.channel_id);
    } else {
        org.channels.insert(c.channel_id.clone(), c);
    }
    item("SUCCESS", message, details)
}

async fn change(
    app: App,
    caller: Caller,
    Extension(ver): Extension<ApiVersion>,
    headers: HeaderMap,
    body: Bytes,
    kind: Kind,
) -> ApiResult {
    let op = match kind {
        Kind::Enable => "CREATE",
        _ => "UPDATE",
    };
    caller.require(Need::plain("notifications", op))?;
    let body = json_body(&headers, &body)?;
    let items = body
        .get("watch")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "watch", "json_path": "$.watch"}),
            )
        })?;
    let ver = ver.0;
    let base = app.base_url();
    let now = clock::now();
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let out: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, it)| match parse(org, it, i, kind, now) {
            Ok(input) => apply(org, input, kind, now, &ver, &base),
            Err(e) => e,
        })
        .collect();
    let ok = if kind == Kind::Enable {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(status(&out, ok), &json!({"watch": out})))
}

/// All items succeeded → `ok`; otherwise 202, as Zoho's spec answers item errors.
fn status(items: &[Value], ok: StatusCode) -> StatusCode {
    if items.iter().all(|i| i["status"] == "success") {
        ok
    } else {
        StatusCode::ACCEPTED
    }
}

/// `POST /actions/watch`: enables channels.
pub async fn enable(
    State(app): State<App>,
    caller: Caller,
    ver: Extension<ApiVersion>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    change(app, caller, ver, headers, body, Kind::Enable).await
}

/// `PUT /actions/watch`: replaces channels (what is not given is dropped).
pub async fn replace(
    State(app): State<App>,
    caller: Caller,
    ver: Extension<ApiVersion>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    change(app, caller, ver, headers, body, Kind::Replace).await
}

/// `PATCH /actions/watch`: changes the given keys, or removes events with `_delete_events`.
pub async fn patch(
    State(app): State<App>,
    caller: Caller,
    ver: Extension<ApiVersion>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    change(app, caller, ver, headers, body, Kind::Patch).await
}

/// `DELETE /actions/watch?channel_ids=1,2`: disables channels.
pub async fn disable(State(app): State<App>, caller: Caller, Query(p): Query<Params>) -> ApiResult {
    caller.require(Need::plain("notifications", "DELETE"))?;
    let ids: Vec<String> = p
        .get("channel_ids")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(ApiError::required_param("channel_ids"));
    }
    let base = app.base_url();
    let mut world = app.world();
    let org = world.orgs.get_mut(&caller.org_id).expect("caller org");
    let out: Vec<Value> = ids
        .iter()
        .map(|id| match org.channels.remove(id) {
            Some(c) => {
                let details = json!({"events": event_details(org, &c, &c.modules(), &base)});
                item(
                    "SUCCESS",
                    "Successfully un-subscribed from actions-watch",
                    details,
                )
            }
            None => not_subscribed(),
        })
        .collect();
    Ok(json_response(
        status(&out, StatusCode::OK),
        &json!({"watch": out}),
    ))
}

/// `GET /actions/watch[?module=&channel_id=&page=&per_page=]`: one entry per channel and module;
/// 204 when there is none.
pub async fn list(State(app): State<App>, caller: Caller, Query(p): Query<Params>) -> ApiResult {
    caller.require(Need::plain("notifications", "READ"))?;
    let per_page = number(&p, "per_page", 200, 200)?;
    let page = number(&p, "page", 1, usize::MAX)?;
    let base = app.base_url();
    let now = clock::now();
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = match p.get("module") {
        Some(m) => Some(
            org.module_name(m)
                .ok_or_else(|| ApiError::invalid_param("module"))?,
        ),
        None => None,
    };
    let mut all = vec![];
    for c in org.channels.values().filter(|c| c.expiry > now) {
        if p.get("channel_id").is_some_and(|id| *id != c.channel_id) {
            continue;
        }
        for m in c.modules() {
            if module.as_ref().is_some_and(|x| *x != m) {
                continue;
            }
            let events: BTreeSet<&String> = c
                .events
                .iter()
                .filter(|e| e.split_once('.').is_some_and(|(x, _)| x == m))
                .collect();
            all.push(json!({
                "notify_on_related_action": c.notify_on_related_action,
                "channel_expiry": clock::format(c.expiry),
                "resource_uri": format!("{base}/crm/{}/{m}", c.version),
                "resource_id": org.meta.get(&m).map(|x| x.module["id"].clone()),
                "resource_name": m,
                "notify_url": c.notify_url,
                "channel_id": c.given_id,
                "events": events,
                "token": c.token,
                "return_affected_field_values": c.return_affected_field_values,
                "fields": c.fields,
            }));
        }
    }
    let chunk: Vec<&Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    if chunk.is_empty() {
        return Ok(no_content());
    }
    let more = (page - 1) * per_page + chunk.len() < all.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"watch": chunk, "info": {"per_page": per_page, "count": chunk.len(), "page": page, "more_records": more}}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_urls_must_be_http() {
        assert!(is_http_url("https://www.zoho.com/callback?x=1"));
        assert!(is_http_url("http://127.0.0.1:9/hook"));
        assert!(!is_http_url("ftp://x.example/a"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("www.zoho.com"));
    }
}
