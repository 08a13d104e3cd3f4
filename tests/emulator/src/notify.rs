//! Notification callbacks: record changes matched against the `actions/watch` channels and
//! POSTed to each channel's `notify_url`, as Zoho does.
//!
//! Writes note their changes in the org ([`note`]) while they hold the world; the request layer
//! then hands them to [`dispatch`] once the answer is made, which builds Zoho's payloads and queues
//! them for one background task. That task POSTs them in order over real HTTP(S) and records each
//! attempt (status or error) for the admin API (`GET /__emulator/orgs/{org}/notifications`).
//!
//! The payload: `server_time` (ms), `query_params` (the `notify_url`'s query as an object),
//! `module`, `resource_uri`, `ids`, `affected_fields` (`[{"<id>": ["Field", ...]}]` for edits,
//! `[]` otherwise), `operation` (`insert`, `update` or `delete`), `channel_id` (a string), `token`
//! (when the channel has one) and, for channels with `return_affected_field_values`,
//! `affected_values` (`[{"record_id", "values": {...}}]`, limited to the channel's `fields` of the
//! module when it names some). Consecutive changes of one kind to one module in one request go
//! in one payload, as Zoho batches them.

use crate::admin::org_id;
use crate::clock;
use crate::error::{json_response, ApiResult};
use crate::state::{App, Org};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Deliveries the admin API keeps; past this the oldest half is dropped.
const KEEP: usize = 10_000;
/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Created.
    Insert,
    /// Changed.
    Update,
    /// Deleted.
    Delete,
}

impl Op {
    /// The event name a channel subscribes to (`Leads.create`, `Leads.edit`, `Leads.delete`).
    fn event(self) -> &'static str {
        match self {
            Op::Insert => "create",
            Op::Update => "edit",
            Op::Delete => "delete",
        }
    }

    /// The payload's `operation`.
    fn operation(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// One record change, waiting to be matched against the channels.
#[derive(Debug, Clone)]
pub struct RecordEvent {
    /// Module API name.
    pub module: String,
    /// What happened.
    pub op: Op,
    /// The record id.
    pub id: String,
    /// The fields written (insert) or changed (update), with their new values.
    pub values: Map<String, Value>,
}

/// Notes a record change of an org. Nothing is kept while the org has no channel, so writes
/// cost nothing when no one watches.
pub fn note(org: &mut Org, module: &str, op: Op, id: &str, values: Map<String, Value>) {
    if org.channels.is_empty() {
        return;
    }
    org.events.push(RecordEvent {
        module: module.to_string(),
        op,
        id: id.to_string(),
        values,
    });
}

/// A payload on its way to a `notify_url`.
#[derive(Debug)]
struct Delivery {
    org: String,
    channel_id: String,
    url: String,
    payload: Value,
}

/// The delivery queue and the record of attempts; shared by every clone of the app.
#[derive(Clone, Default)]
pub struct Notifier {
    deliveries: Arc<Mutex<Vec<Value>>>,
    seq: Arc<AtomicU64>,
    queue: Arc<OnceLock<mpsc::UnboundedSender<Delivery>>>,
}

impl Notifier {
    /// The queue, starting the delivering task on first use (inside the server's runtime).
    fn sender(&self) -> &mpsc::UnboundedSender<Delivery> {
        self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(deliver(rx, self.deliveries.clone(), self.seq.clone()));
            tx
        })
    }

    /// Attempts made for an org (by org id), oldest first.
    pub fn deliveries(&self, org: &str) -> Vec<Value> {
        self.deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|d| d["org"] == org)
            .cloned()
            .collect()
    }

    /// Forgets the attempts made for an org (every org with `None`).
    pub fn clear(&self, org: Option<&str>) {
        let mut d = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        match org {
            Some(org) => d.retain(|x| x["org"] != org),
            None => d.clear(),
        }
    }
}

/// POSTs queued payloads one after the other and records each attempt.
async fn deliver(
    mut rx: mpsc::UnboundedReceiver<Delivery>,
    deliveries: Arc<Mutex<Vec<Value>>>,
    seq: Arc<AtomicU64>,
) {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build();
    while let Some(d) = rx.recv().await {
        let (status, error) = match &client {
            Ok(c) => match c.post(&d.url).json(&d.payload).send().await {
                Ok(r) => (Some(r.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            },
            Err(e) => (None, Some(format!("no HTTP client: {e}"))),
        };
        let entry = json!({
            "seq": seq.fetch_add(1, Ordering::SeqCst) + 1,
            "org": d.org,
            "channel_id": d.channel_id,
            "notify_url": d.url,
            "payload": d.payload,
            "status": status,
            "error": error,
            "time": clock::format(clock::now()),
        });
        let mut list = deliveries.lock().unwrap_or_else(|e| e.into_inner());
        if list.len() >= KEEP {
            list.drain(..KEEP / 2);
        }
        list.push(entry);
    }
}

/// Matches the changes noted so far against the channels and queues the payloads.
pub fn dispatch(app: &App) {
    let jobs = {
        let mut world = app.world();
        if world.orgs.values().all(|o| o.events.is_empty()) {
            return;
        }
        let base = app.base_url();
        let now = clock::now();
        let mut jobs = vec![];
        for org in world.orgs.values_mut() {
            if org.events.is_empty() {
                continue;
            }
            let events = std::mem::take(&mut org.events);
            org.channels.retain(|_, c| c.expiry > now);
            jobs.extend(payloads(org, &events, &base));
        }
        jobs
    };
    let tx = app.notifier.sender();
    for job in jobs {
        // The receiver lives as long as the app; a send cannot fail while it answers.
        let _ = tx.send(job);
    }
}

/// The query of a URL as an object (a repeated key keeps its last value).
fn query_params(url: &str) -> Value {
    let query = url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or(""))
        .unwrap_or("");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// The payloads for a run of changes: consecutive changes of one kind to one module are one
/// notification per channel watching them.
fn payloads(org: &Org, events: &[RecordEvent], base: &str) -> Vec<Delivery> {
    let server_time = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let mut out = vec![];
    let mut start = 0;
    while start < events.len() {
        let (module, op) = (&events[start].module, events[start].op);
        let end = events[start..]
            .iter()
            .position(|e| e.module != *module || e.op != op)
            .map_or(events.len(), |n| start + n);
        let run = &events[start..end];
        start = end;
        for c in org
            .channels
            .values()
            .filter(|c| c.watches(module, op.event()))
        {
            let ids: Vec<&str> = run.iter().map(|e| e.id.as_str()).collect();
            let affected_fields: Vec<Value> = if op == Op::Update {
                run.iter()
                    .map(|e| json!({ e.id.clone(): e.values.keys().collect::<Vec<_>>() }))
                    .collect()
            } else {
                vec![]
            };
            let mut payload = json!({
                "server_time": server_time,
                "query_params": query_params(&c.notify_url),
                "module": module,
                "resource_uri": format!("{base}/crm/{}/{module}", c.version),
                "ids": ids,
                "affected_fields": affected_fields,
                "operation": op.operation(),
                "channel_id": c.channel_id,
            });
            if let Some(t) = &c.token {
                payload["token"] = json!(t);
            }
            if c.return_affected_field_values && op != Op::Delete {
                let only: Option<Vec<&str>> = c
                    .fields
                    .as_ref()
                    .and_then(|f| f.get(module))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect());
                let values: Vec<Value> = run
                    .iter()
                    .map(|e| {
                        let v: Map<String, Value> = e
                            .values
                            .iter()
                            .filter(|(k, _)| only.as_ref().is_none_or(|o| o.contains(&k.as_str())))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        json!({"record_id": e.id, "values": v})
                    })
                    .collect();
                payload["affected_values"] = Value::Array(values);
            }
            out.push(Delivery {
                org: org.id.clone(),
                channel_id: c.channel_id.clone(),
                url: c.notify_url.clone(),
                payload,
            });
        }
    }
    out
}

/// `GET /__emulator/orgs/{org}/notifications`: the org's delivery attempts, oldest first, each
/// `{"seq", "org", "channel_id", "notify_url", "payload", "status" (HTTP status or null),
/// "error" (null or why it failed), "time"}`.
pub async fn admin_list(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let id = org_id(&app.world(), &org)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"deliveries": app.notifier.deliveries(&id)}),
    ))
}

/// `DELETE /__emulator/orgs/{org}/notifications`: forgets the org's delivery attempts.
pub async fn admin_clear(State(app): State<App>, Path(org): Path<String>) -> ApiResult {
    let id = org_id(&app.world(), &org)?;
    app.notifier.clear(Some(&id));
    Ok(json_response(StatusCode::OK, &json!({"cleared": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_of_a_url() {
        assert_eq!(
            query_params("https://x.example/cb?authorization=Zoho-oauthtoken%201000.x&key1=val1#f"),
            json!({"authorization": "Zoho-oauthtoken 1000.x", "key1": "val1"})
        );
        assert_eq!(query_params("http://x.example/cb"), json!({}));
    }
}
