//! The layer every Zoho-facing request passes: the per-org concurrency limit, scripted faults,
//! the request log, and Zoho-shaped answers for unknown paths and methods.

use crate::error::ApiError;
use crate::state::{App, FaultAction, LogEntry};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where handlers note what the request log should say about a request.
#[derive(Clone, Default)]
pub struct LogSlot(Arc<Mutex<SlotData>>);

#[derive(Default)]
struct SlotData {
    token: Option<String>,
    org: Option<String>,
    grant_type: Option<String>,
}

impl LogSlot {
    fn with(&self, f: impl FnOnce(&mut SlotData)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
    pub fn set_token(&self, tag: &str) {
        self.with(|d| d.token = Some(tag.to_string()))
    }
    pub fn set_org(&self, zgid: &str) {
        self.with(|d| d.org = Some(zgid.to_string()))
    }
    pub fn set_grant_type(&self, g: &str) {
        self.with(|d| d.grant_type = Some(g.to_string()))
    }
}

const SECRET_KEYS: [&str; 6] = [
    "client_secret",
    "code",
    "refresh_token",
    "token",
    "access_token",
    "state",
];

/// The query string with the values of secret parameters replaced.
pub fn redact_query(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for p in q.split('&').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('&');
        }
        match p.split_once('=') {
            Some((k, _)) if SECRET_KEYS.contains(&k) => {
                out.push_str(k);
                out.push_str("=[redacted]");
            }
            _ => out.push_str(p),
        }
    }
    out
}

fn take_fault(app: &App, method: &str, path: &str) -> Option<(u64, FaultAction)> {
    let mut world = app.world();
    let idx = world.faults.iter().position(|f| {
        f.remaining > 0
            && path.starts_with(&f.path_prefix)
            && f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    })?;
    let fault = &mut world.faults[idx];
    if fault.skip > 0 {
        fault.skip -= 1;
        return None;
    }
    fault.remaining -= 1;
    let out = (fault.id, fault.action.clone());
    if fault.remaining == 0 {
        world.faults.remove(idx);
    }
    Some(out)
}

/// Holds one unit of an org's concurrency budget for the life of a request.
struct InFlight(Arc<AtomicU64>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes a concurrency slot of the org whose access token a CRM request carries; `Err` when the
/// org's limit is reached. Requests without a known token are not counted (they fail auth).
fn take_slot(app: &App, req: &Request) -> Result<Option<InFlight>, ApiError> {
    if !req.uri().path().starts_with("/crm/") {
        return Ok(None);
    }
    let Some(token) = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Zoho-oauthtoken "))
    else {
        return Ok(None);
    };
    let world = app.world();
    let Some(org) = world
        .access_tokens
        .get(token.trim())
        .and_then(|a| world.users.get(&a.user_id))
        .and_then(|u| world.orgs.get(&u.org_id))
    else {
        return Ok(None);
    };
    let Some(limit) = org.concurrency_limit else {
        return Ok(None);
    };
    let before = org.in_flight.fetch_add(1, Ordering::SeqCst);
    let slot = InFlight(org.in_flight.clone());
    if before as usize >= limit {
        return Err(ApiError::too_many_requests(
            "You have exceeded the concurrency limit of your organization",
        ));
    }
    Ok(Some(slot))
}

/// The API version of a request's path (`/crm/v8/...` → `v8`; `v7` when the path names none),
/// for handlers that write it into URIs they answer with.
#[derive(Clone, Debug)]
pub struct ApiVersion(pub String);

impl ApiVersion {
    fn of(path: &str) -> ApiVersion {
        let v = path
            .split('/')
            .take(4)
            .find(|s| {
                s.len() > 1 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit())
            })
            .unwrap_or("v7");
        ApiVersion(v.to_string())
    }
}

/// Applies the concurrency limit and faults, runs the request and appends it to the request log.
pub async fn observe(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = redact_query(req.uri().query().unwrap_or(""));
    let slot = LogSlot::default();
    req.extensions_mut().insert(slot.clone());
    req.extensions_mut().insert(ApiVersion::of(&path));
    let slot_guard = take_slot(&app, &req);
    let fault = match slot_guard {
        Ok(_) => take_fault(&app, &method, &path),
        Err(_) => None,
    };
    let fault_name = fault.as_ref().map(|(id, a)| {
        let kind = match a {
            FaultAction::Status { status, .. } => format!("status {status}"),
            FaultAction::Delay(d) => format!("delay {}ms", d.as_millis()),
            FaultAction::Drop => "drop".into(),
            FaultAction::DropAfter => "drop_after".into(),
            FaultAction::Truncate => "truncate".into(),
        };
        format!("#{id} {kind}")
    });
    let log = |status: u16| {
        let data = slot.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = LogEntry {
            seq: app.log_seq.fetch_add(1, Ordering::SeqCst) + 1,
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            status,
            token: data.token.clone(),
            grant_type: data.grant_type.clone(),
            org: data.org.clone(),
            fault: fault_name.clone(),
        };
        push_capped(
            &mut app.log.lock().unwrap_or_else(|e| e.into_inner()),
            entry,
            crate::state::LOG_CAPACITY,
        );
    };
    // An answer given without running the request reads its body first, as Zoho's front end
    // does: a client still sending an upload gets the answer, not a broken pipe.
    let answered_early =
        slot_guard.is_err() || matches!(fault, Some((_, FaultAction::Status { .. })));
    if answered_early {
        let _ = axum::body::to_bytes(std::mem::take(req.body_mut()), 256 * 1024 * 1024).await;
    }
    let response = match fault.map(|(_, a)| a) {
        _ if slot_guard.is_err() => slot_guard
            .as_ref()
            .err()
            .cloned()
            .expect("checked")
            .into_response(),
        Some(FaultAction::Status {
            status,
            body,
            headers,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = crate::error::json_response(status, &body);
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                    resp.headers_mut().insert(k, v);
                }
            }
            resp
        }
        Some(FaultAction::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(FaultAction::Drop) => {
            log(0);
            // Unwinding out of the connection task closes the socket without an answer;
            // `resume_unwind` does not run the panic hook, so nothing is printed.
            std::panic::resume_unwind(Box::new("zcrm-emulator: scripted connection drop"));
        }
        Some(FaultAction::DropAfter) => {
            let resp = next.run(req).await;
            crate::notify::dispatch(&app);
            log(resp.status().as_u16());
            drop(resp);
            std::panic::resume_unwind(Box::new("zcrm-emulator: scripted drop after handling"));
        }
        Some(FaultAction::Truncate) => {
            let resp = next.run(req).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = bytes.slice(0..bytes.len() / 2);
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
        None => next.run(req).await,
    };
    drop(slot_guard);
    let response = zoho_shaped(response).await;
    // Record changes the request made are matched against notification channels and
    // delivered in the background.
    crate::notify::dispatch(&app);
    log(response.status().as_u16());
    response
}

/// Rewrites a framework rejection (plain text: a path that is not valid UTF-8, a body over the
/// size limit, ...) into Zoho's error envelope, keeping the reason in `details.reason`.
async fn zoho_shaped(response: Response) -> Response {
    let status = response.status();
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let reason = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let reason = String::from_utf8_lossy(&reason).to_string();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "INVALID_REQUEST_METHOD",
            "The http request method type is not a valid one",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("LIMIT_EXCEEDED", "the request body is too large"),
        s if s.is_server_error() => ("INTERNAL_ERROR", "Internal Server Error"),
        _ => ("INVALID_DATA", "invalid data"),
    };
    ApiError::new(status, code, message, serde_json::json!({"reason": reason})).into_response()
}

/// Appends to the request log, dropping the oldest half when it reaches `cap` entries.
fn push_capped(log: &mut Vec<LogEntry>, entry: LogEntry, cap: usize) {
    if log.len() >= cap {
        log.drain(..cap / 2);
    }
    log.push(entry);
}

/// Unknown paths: Zoho's `INVALID_URL_PATTERN`.
pub async fn not_found() -> Response {
    ApiError::invalid_url().into_response()
}

/// Known path, wrong method: Zoho's `INVALID_REQUEST_METHOD`.
pub async fn wrong_method() -> Response {
    ApiError::invalid_method().into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_request_log_is_bounded() {
        let entry = |seq| super::LogEntry {
            seq,
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            status: 200,
            token: None,
            grant_type: None,
            org: None,
            fault: None,
        };
        let mut log = vec![];
        for seq in 1..=25 {
            super::push_capped(&mut log, entry(seq), 10);
        }
        assert!(log.len() <= 10);
        assert_eq!(log.last().unwrap().seq, 25, "the newest entries stay");
    }

    #[test]
    fn api_versions_of_paths() {
        assert_eq!(super::ApiVersion::of("/crm/v8/actions/watch").0, "v8");
        assert_eq!(super::ApiVersion::of("/crm/v7/Leads").0, "v7");
        assert_eq!(super::ApiVersion::of("/oauth/v2x/token").0, "v7");
    }

    #[test]
    fn query_secrets_are_redacted() {
        let q = super::redact_query(
            "grant_type=refresh_token&client_id=1000.X&client_secret=abc&refresh_token=1000.r",
        );
        assert_eq!(q, "grant_type=refresh_token&client_id=1000.X&client_secret=[redacted]&refresh_token=[redacted]");
    }
}
