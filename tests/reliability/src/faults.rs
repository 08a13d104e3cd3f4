//! Reads and creates under rotating faults, the token endpoint included, counted by outcome.
//!
//! Each job installs one fault from a fixed rotation (HTTP 429, 500, 503, a dropped connection,
//! a reply dropped after the request was handled, a cut reply, a reply slower than the read
//! timeout, and the same on the token endpoint with every access token expired first), then
//! runs its operation. Jobs run on several tasks at once, so a fault may hit another job's
//! request: what is checked is the outcome of every call, not the pairing.
//!
//! Checked afterwards against the server's own records: no panic; every create that returned
//! success wrote exactly one record; every create that failed with a definite error wrote
//! none; every create whose reply was lost or cut was reported as an unknown outcome (never as
//! a plain failure); no record was written twice.

use futures_util::TryStreamExt;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zcrm_core::store::MemoryStore;
use zcrm_core::{
    ApiEnvironment, Client, DynamicRecord, Error, ListParams, OAuthToken, RetryPolicy, SdkConfig,
};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

/// How many operations to run, and on how many tasks.
#[derive(Debug, Clone, Copy)]
pub struct FaultRun {
    /// Reads (list of Leads).
    pub reads: usize,
    /// Creates (one Lead each).
    pub creates: usize,
    /// Tasks running jobs at once.
    pub tasks: usize,
}

/// What a fault run measured.
#[derive(Debug, Default, Clone)]
pub struct FaultReport {
    /// Reads that succeeded.
    pub reads_ok: usize,
    /// Reads that failed, by error kind.
    pub read_errors: BTreeMap<String, usize>,
    /// Creates that returned an id.
    pub creates_ok: usize,
    /// Creates reported as unknown outcome, and how many of those the server had applied.
    pub creates_unknown: usize,
    /// Of the unknown outcomes, the creates the server had in fact applied.
    pub unknown_applied: usize,
    /// Creates that failed with a definite error, by kind.
    pub create_errors: BTreeMap<String, usize>,
    /// Faults installed, by name.
    pub faults: BTreeMap<String, usize>,
    /// Refresh-token grants the token endpoint answered or dropped.
    pub refresh_requests: usize,
    /// Tasks that panicked.
    pub panics: usize,
    /// Records written more than once.
    pub duplicates: usize,
    /// Contract breaks: a success without a record, a definite failure with a record, ...
    pub violations: Vec<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl FaultReport {
    /// Whether the run held every guarantee.
    pub fn passed(&self) -> bool {
        self.panics == 0 && self.duplicates == 0 && self.violations.is_empty()
    }
}

const READ_FAULTS: &[(&str, &str)] = &[
    (
        "api 429",
        r#"{"kind": "status", "status": 429, "headers": {"Retry-After": "0"}}"#,
    ),
    ("api 500", r#"{"kind": "status", "status": 500}"#),
    ("api 503", r#"{"kind": "status", "status": 503}"#),
    ("api drop", r#"{"kind": "drop"}"#),
    ("api drop after handling", r#"{"kind": "drop_after"}"#),
    ("api cut reply", r#"{"kind": "truncate"}"#),
    ("api slow reply", r#"{"kind": "delay", "ms": 700}"#),
    ("token 503", r#"{"kind": "status", "status": 503}"#),
    ("token drop", r#"{"kind": "drop"}"#),
    ("token cut reply", r#"{"kind": "truncate"}"#),
    ("none", "null"),
];

fn client_config() -> SdkConfig {
    SdkConfig::builder()
        .read_timeout(Duration::from_millis(400))
        .retry(RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(40),
            budget: 1_000,
        })
        .max_concurrency(16)
        .build()
        .expect("valid configuration")
}

enum Job {
    Read,
    Create(usize),
}

enum Outcome {
    ReadOk,
    ReadErr(String),
    Created,
    Unknown,
    Failed(String),
}

fn kind(e: &Error) -> String {
    match e {
        Error::Api { status, code, .. } => format!("{:?} {status} {code}", e.kind()),
        _ => format!("{:?}", e.kind()),
    }
}

async fn run_job(c: &Client, job: &Job) -> Outcome {
    match job {
        Job::Read => {
            let list = c
                .dynamic("Leads")
                .list(ListParams::fields(["Last_Name"]))
                .try_collect::<Vec<_>>()
                .await;
            match list {
                Ok(_) => Outcome::ReadOk,
                Err(e) => Outcome::ReadErr(kind(&e)),
            }
        }
        Job::Create(i) => {
            let rec = DynamicRecord::new().set("Last_Name", format!("Reliability {i}"));
            match c.dynamic("Leads").create(&[rec]).await {
                Ok(o) if o.len() == 1 && o[0].is_success() => Outcome::Created,
                Ok(o) => Outcome::Failed(format!("per-record {}", o[0].code)),
                Err(e) if e.may_have_applied() => Outcome::Unknown,
                Err(e) => Outcome::Failed(kind(&e)),
            }
        }
    }
}

/// Runs the fault run on a fresh in-process emulator.
pub async fn run(plan: FaultRun) -> FaultReport {
    let started = Instant::now();
    let emu = Emulator::start().await.expect("the emulator starts");
    let http = reqwest::Client::new();
    // The run expires every access token on purpose, far more often than Zoho's throttle of 10
    // new tokens per refresh token in 10 minutes allows.
    let r = http
        .put(format!("{}/settings", emu.admin_url))
        .json(&json!({"token_throttle": 100_000}))
        .send()
        .await
        .expect("the emulator's admin API answers");
    assert!(r.status().is_success());
    let code = emu
        .mint_grant_code(
            "patricia.boyle@zylker.example",
            &[
                "ZohoCRM.modules.ALL",
                "ZohoCRM.settings.ALL",
                "ZohoCRM.users.READ",
                "ZohoCRM.org.READ",
            ],
        )
        .expect("grant code");
    let token = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()
        .expect("token");
    let client = Client::builder()
        .environment(ApiEnvironment::custom(
            &emu.api_url,
            &emu.accounts_url,
            &emu.api_url,
        ))
        .token(token)
        .store(Arc::new(MemoryStore::new()))
        .config(client_config())
        .build()
        .await
        .expect("sign-in");
    let mut jobs: Vec<Job> = (0..plan.reads).map(|_| Job::Read).collect();
    jobs.extend((0..plan.creates).map(Job::Create));
    // Interleave reads and creates.
    jobs.sort_by_key(|j| match j {
        Job::Read => 0,
        Job::Create(i) => i % 2,
    });
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for _ in 0..plan.tasks.max(1) {
        let (jobs, next, client, http) = (jobs.clone(), next.clone(), client.clone(), http.clone());
        let emu_urls = (emu.admin_url.clone(),);
        tasks.push(tokio::spawn(async move {
            let mut done = vec![];
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(n) else { break };
                let method = if matches!(job, Job::Read) {
                    "GET"
                } else {
                    "POST"
                };
                let fault = install_at(&http, &emu_urls.0, n, method).await;
                // A job is bounded: a stuck call would be a failure of the run, not a hang.
                let out = tokio::time::timeout(Duration::from_secs(60), run_job(&client, job))
                    .await
                    .unwrap_or_else(|_| Outcome::Failed("stuck".into()));
                done.push((n, fault, out));
            }
            done
        }));
    }
    let mut report = FaultReport::default();
    let mut created: BTreeMap<usize, &'static str> = BTreeMap::new();
    for t in tasks {
        match t.await {
            Ok(done) => {
                for (n, fault, out) in done {
                    *report.faults.entry(fault.to_string()).or_default() += 1;
                    let i = match jobs[n] {
                        Job::Create(i) => Some(i),
                        Job::Read => None,
                    };
                    match out {
                        Outcome::ReadOk => report.reads_ok += 1,
                        Outcome::ReadErr(k) => *report.read_errors.entry(k).or_default() += 1,
                        Outcome::Created => {
                            report.creates_ok += 1;
                            created.insert(i.unwrap_or(0), "created");
                        }
                        Outcome::Unknown => {
                            report.creates_unknown += 1;
                            created.insert(i.unwrap_or(0), "unknown");
                        }
                        Outcome::Failed(k) => {
                            *report.create_errors.entry(k).or_default() += 1;
                            created.insert(i.unwrap_or(0), "failed");
                        }
                    }
                }
            }
            Err(e) if e.is_panic() => report.panics += 1,
            Err(_) => report.panics += 1,
        }
    }
    // What the server holds, read without faults, once handlers of slow or dropped replies
    // have finished.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = http
        .delete(format!("{}/faults", emu.admin_url))
        .send()
        .await;
    let rows = client
        .dynamic("Leads")
        .list(ListParams::fields(["Last_Name"]))
        .try_collect::<Vec<_>>()
        .await
        .expect("the final listing has no faults");
    let mut on_server: BTreeMap<usize, usize> = BTreeMap::new();
    for r in rows {
        if let Some(i) = r
            .get_str("Last_Name")
            .and_then(|n| n.strip_prefix("Reliability "))
            .and_then(|n| n.parse::<usize>().ok())
        {
            *on_server.entry(i).or_default() += 1;
        }
    }
    for i in 0..plan.creates {
        let n = on_server.get(&i).copied().unwrap_or(0);
        if n > 1 {
            report.duplicates += 1;
        }
        match (created.get(&i).copied(), n) {
            (Some("created"), 1) | (Some("failed"), 0) => {}
            (Some("unknown"), 0 | 1) => report.unknown_applied += n,
            (what, n) => report.violations.push(format!(
                "create {i}: reported {what:?}, {n} records on the server"
            )),
        }
    }
    report.refresh_requests = emu
        .requests()
        .iter()
        .filter(|r| r.grant_type.as_deref() == Some("refresh_token"))
        .count();
    report.elapsed = started.elapsed();
    report
}

async fn install_at(
    http: &reqwest::Client,
    admin_url: &str,
    n: usize,
    method: &str,
) -> &'static str {
    let (name, action) = READ_FAULTS[n % READ_FAULTS.len()];
    if action == "null" {
        return name;
    }
    let action: Value = serde_json::from_str(action).expect("valid fault");
    let post = |path: &str, body: Value| {
        let req = http.post(format!("{admin_url}{path}")).json(&body);
        async move {
            let r = req.send().await.expect("the emulator's admin API answers");
            assert!(r.status().is_success(), "admin: {}", r.status());
        }
    };
    if name.starts_with("token") {
        post("/tokens/expire", json!({"all": true})).await;
        post("/faults", json!({"path_prefix": "/oauth/v2/token", "method": "POST", "times": 1, "action": action})).await;
    } else {
        post(
            "/faults",
            json!({"path_prefix": "/crm/v7/Leads", "method": method, "times": 1, "action": action}),
        )
        .await;
    }
    name
}
