//! [`Admin`]: the admin API (`/__emulator`) from Rust, for tests of code that talks to Zoho.
//! Each method is one admin call over HTTP, so a test drives the emulator exactly as the
//! README's table describes, and [`Admin::call`] reaches any call without a method of its own.

use serde_json::{json, Value};
use std::fmt;

/// An admin call the emulator refused or that did not reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    /// The call (`POST /orgs`).
    pub call: String,
    /// The HTTP status, when the emulator answered.
    pub status: Option<u16>,
    /// What the emulator said (its `message`), or why the call did not reach it.
    pub message: String,
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{}: {s} {}", self.call, self.message),
            None => write!(f, "{}: {}", self.call, self.message),
        }
    }
}

impl std::error::Error for AdminError {}

/// An org made with [`Admin::add_org`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    /// The org id (`5000001000000225001`).
    pub id: String,
    /// The org's zgid, what the token's org is known by.
    pub zgid: String,
    /// The id of its first user, an admin.
    pub admin_user_id: String,
}

/// What a [`Fault`] does to the requests it matches.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer with this status (and body and headers, when given) without handling the
    /// request.
    #[non_exhaustive]
    Status {
        /// The HTTP status (100 to 599).
        status: u16,
        /// The JSON body; when `None`, Zoho's error body for 400, 401, 403, 404, 429, 500 and
        /// 503, and `INTERNAL_ERROR` for any other status.
        body: Option<Value>,
        /// Headers of the answer (`Retry-After`, ...).
        headers: Vec<(String, String)>,
    },
    /// Handle the request after a pause.
    Delay {
        /// The pause in milliseconds.
        ms: u64,
    },
    /// Close the connection without an answer (nothing is handled).
    Drop,
    /// Handle the request (a write is applied), then close the connection without an answer.
    DropAfter,
    /// Send half the answer's body.
    Truncate,
}

/// A fault injected into the requests whose path starts with a prefix: after `skip` matching
/// requests, the next `times` get the action.
///
/// ```
/// use zcrm_emulator::{Fault, FaultAction};
/// let f = Fault::status("/crm/v7/Leads", 500).method("POST").times(2);
/// assert_eq!(f.times, 2);
/// assert!(matches!(f.action, FaultAction::Status { status: 500, .. }));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Fault {
    /// Requests whose path starts with this (`/crm/v7/Leads`, `/oauth/v2/token`).
    pub path_prefix: String,
    /// Only requests of this method (any when `None`).
    pub method: Option<String>,
    /// How many requests get the fault (default 1; at least 1).
    pub times: u32,
    /// How many matching requests pass untouched first (default 0).
    pub skip: u32,
    /// What happens to them.
    pub action: FaultAction,
}

impl Fault {
    /// A fault of any kind.
    pub fn new(path_prefix: impl Into<String>, action: FaultAction) -> Fault {
        Fault {
            path_prefix: path_prefix.into(),
            method: None,
            times: 1,
            skip: 0,
            action,
        }
    }
    /// Answers `status` with Zoho's error body for it.
    pub fn status(path_prefix: impl Into<String>, status: u16) -> Fault {
        Fault::new(
            path_prefix,
            FaultAction::Status {
                status,
                body: None,
                headers: vec![],
            },
        )
    }
    /// Pauses `ms` milliseconds before handling.
    pub fn delay(path_prefix: impl Into<String>, ms: u64) -> Fault {
        Fault::new(path_prefix, FaultAction::Delay { ms })
    }
    /// Closes the connection unanswered.
    pub fn drop_connection(path_prefix: impl Into<String>) -> Fault {
        Fault::new(path_prefix, FaultAction::Drop)
    }
    /// Handles the request, then closes the connection unanswered.
    pub fn drop_after_handling(path_prefix: impl Into<String>) -> Fault {
        Fault::new(path_prefix, FaultAction::DropAfter)
    }
    /// Sends half the body.
    pub fn truncate(path_prefix: impl Into<String>) -> Fault {
        Fault::new(path_prefix, FaultAction::Truncate)
    }
    /// Only requests of `method` (`GET`, `POST`, ...).
    pub fn method(mut self, method: impl Into<String>) -> Fault {
        self.method = Some(method.into());
        self
    }
    /// How many requests get the fault.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }
    /// How many matching requests pass first.
    pub fn skip(mut self, n: u32) -> Fault {
        self.skip = n;
        self
    }
    /// The body of a status fault (no effect on other kinds).
    pub fn body(mut self, body: Value) -> Fault {
        if let FaultAction::Status { body: b, .. } = &mut self.action {
            *b = Some(body);
        }
        self
    }
    /// A header of a status fault's answer (no effect on other kinds).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Fault {
        if let FaultAction::Status { headers, .. } = &mut self.action {
            headers.push((name.into(), value.into()));
        }
        self
    }

    fn to_json(&self) -> Value {
        let action = match &self.action {
            FaultAction::Status {
                status,
                body,
                headers,
            } => {
                let mut a = json!({"kind": "status", "status": status});
                if let Some(b) = body {
                    a["body"] = b.clone();
                }
                if !headers.is_empty() {
                    a["headers"] = headers
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect::<serde_json::Map<_, _>>()
                        .into();
                }
                a
            }
            FaultAction::Delay { ms } => json!({"kind": "delay", "ms": ms}),
            FaultAction::Drop => json!({"kind": "drop"}),
            FaultAction::DropAfter => json!({"kind": "drop_after"}),
            FaultAction::Truncate => json!({"kind": "truncate"}),
        };
        let mut v = json!({"path_prefix": self.path_prefix, "times": self.times, "skip": self.skip, "action": action});
        if let Some(m) = &self.method {
            v["method"] = json!(m);
        }
        v
    }
}

/// The admin API of one emulator ([`crate::Emulator::admin`]). `org` arguments take an org id
/// or zgid.
#[derive(Debug, Clone)]
pub struct Admin {
    http: reqwest::Client,
    url: String,
}

impl Admin {
    pub(crate) fn new(admin_url: &str) -> Admin {
        Admin {
            http: reqwest::Client::new(),
            url: admin_url.to_string(),
        }
    }

    /// Any admin call: `method` (`GET`, `POST`, `PUT`, `DELETE`), a path below `/__emulator`
    /// and an optional JSON body; the answer's JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, AdminError> {
        let call = format!("{method} {path}");
        let err = |status: Option<u16>, message: String| AdminError {
            call: call.clone(),
            status,
            message,
        };
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| err(None, format!("`{method}` is not an HTTP method")))?;
        let mut req = self.http.request(m, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| err(None, e.to_string()))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| err(None, e.to_string()))?;
        let v: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status.is_success() {
            Ok(v)
        } else {
            // Admin refusals carry the reason in `details.reason`; Zoho-style errors in
            // `message`.
            let message = v["details"]["reason"]
                .as_str()
                .or_else(|| v["message"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| match &v {
                    Value::Null => "no answer body: the admin API has no such call (the emulator's README lists each path and method)".to_string(),
                    other => other.to_string(),
                });
            Err(err(Some(status.as_u16()), message))
        }
    }

    /// A new org with the standard modules and no records, and its first user, an admin.
    pub async fn add_org(
        &self,
        company_name: &str,
        admin_email: &str,
        admin_last_name: &str,
    ) -> Result<NewOrg, AdminError> {
        let v = self
            .call(
                "POST",
                "/orgs",
                Some(json!({"company_name": company_name,
                    "admin": {"email": admin_email, "last_name": admin_last_name}})),
            )
            .await?;
        Ok(NewOrg {
            id: field(&v, "/id")?,
            zgid: field(&v, "/zgid")?,
            admin_user_id: field(&v, "/users/0/id")?,
        })
    }

    /// A user of `org`; returns the user's id. Grant codes can then be minted for `email`.
    pub async fn add_user(
        &self,
        org: &str,
        email: &str,
        last_name: &str,
        admin: bool,
    ) -> Result<String, AdminError> {
        let v = self
            .call(
                "POST",
                &format!("/orgs/{}/users", seg(org)),
                Some(json!({"email": email, "last_name": last_name, "admin": admin})),
            )
            .await?;
        field(&v, "/id")
    }

    /// A custom module (with a mandatory `Name` field).
    pub async fn add_module(
        &self,
        org: &str,
        api_name: &str,
        singular_label: &str,
        plural_label: &str,
    ) -> Result<(), AdminError> {
        self.call(
            "POST",
            &format!("/orgs/{}/modules", seg(org)),
            Some(json!({"api_name": api_name, "singular_label": singular_label, "plural_label": plural_label})),
        )
        .await
        .map(drop)
    }

    /// A custom field: at least `api_name` and `data_type` (`pick_list_values` may be
    /// strings). Returns the field as the metadata now shows it.
    pub async fn add_field(
        &self,
        org: &str,
        module: &str,
        field: Value,
    ) -> Result<Value, AdminError> {
        let v = self
            .call(
                "POST",
                &format!("/orgs/{}/fields/{}", seg(org), seg(module)),
                Some(field),
            )
            .await?;
        Ok(v["field"].clone())
    }

    /// Options added to a picklist field.
    pub async fn add_picklist_values(
        &self,
        org: &str,
        module: &str,
        field: &str,
        values: &[&str],
    ) -> Result<(), AdminError> {
        self.call(
            "POST",
            &format!(
                "/orgs/{}/fields/{}/{}/picklist-values",
                seg(org),
                seg(module),
                seg(field)
            ),
            Some(json!({ "values": values })),
        )
        .await
        .map(drop)
    }

    /// Records stored as given (no validation); returns their ids.
    pub async fn add_records(
        &self,
        org: &str,
        module: &str,
        records: Vec<Value>,
    ) -> Result<Vec<String>, AdminError> {
        let v = self
            .call(
                "POST",
                &format!("/orgs/{}/records/{}", seg(org), seg(module)),
                Some(json!({ "records": records, "all_ids": true })),
            )
            .await?;
        Ok(v["ids"]
            .as_array()
            .map(|ids| ids.iter().map(text).collect())
            .unwrap_or_default())
    }

    /// Injects a fault.
    pub async fn add_fault(&self, fault: &Fault) -> Result<(), AdminError> {
        self.call("POST", "/faults", Some(fault.to_json()))
            .await
            .map(drop)
    }

    /// Removes every fault.
    pub async fn clear_faults(&self) -> Result<(), AdminError> {
        self.call("DELETE", "/faults", None).await.map(drop)
    }

    /// Expires every access token now (refresh tokens keep working).
    pub async fn expire_access_tokens(&self) -> Result<(), AdminError> {
        self.call("POST", "/tokens/expire", Some(json!({"all": true})))
            .await
            .map(drop)
    }

    /// At most `limit` simultaneous CRM calls for `org` (more answer 429); `None` lifts it.
    pub async fn set_concurrency_limit(
        &self,
        org: &str,
        limit: Option<u32>,
    ) -> Result<(), AdminError> {
        self.call(
            "PUT",
            &format!("/orgs/{}/concurrency", seg(org)),
            Some(json!({ "limit": limit })),
        )
        .await
        .map(drop)
    }

    /// Back to the seed: orgs, users, records, tokens, faults and the request log.
    pub async fn reset(&self) -> Result<(), AdminError> {
        self.call("POST", "/reset", None).await.map(drop)
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A string the answer must hold at `pointer`.
fn field(v: &Value, pointer: &str) -> Result<String, AdminError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| AdminError {
            call: pointer.to_string(),
            status: None,
            message: format!("the answer has no `{pointer}`: {v}"),
        })
}

/// A path segment with everything but unreserved characters percent-encoded.
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
