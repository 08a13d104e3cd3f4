//! 64 tasks sharing one client while its access token expires: refreshes and 401s counted at
//! the server.

use crate::server::Server;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use zcrm_core::Client;

/// What one expiry under load cost.
pub struct RefreshFigures {
    /// Tasks.
    pub tasks: usize,
    /// Requests sent by them in all.
    pub requests: usize,
    /// Requests that failed.
    pub failures: usize,
    /// Token refreshes the server saw.
    pub refreshes: usize,
    /// `401` answers the server gave (requests in flight with the old token).
    pub unauthorized: usize,
    /// The client's concurrency limit (the most requests that can be in flight at once).
    pub limit: usize,
}

/// Runs `tasks` tasks of `each` requests; the server expires every token when a third are done.
pub async fn expiry_under_load(
    server: &Server,
    sdk: &Client,
    tasks: usize,
    each: usize,
) -> RefreshFigures {
    let admin = format!("{}/tokens/expire", server.emu.admin_url);
    let seq = server.emu.requests().last().map_or(0, |r| r.seq);
    let done = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let expire_at = tasks * each / 3;
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (sdk, done, failures, admin) =
                (sdk.clone(), done.clone(), failures.clone(), admin.clone());
            tokio::spawn(async move {
                for _ in 0..each {
                    let r = sdk
                        .get_json("/Leads", &[("fields", "Last_Name"), ("per_page", "1")])
                        .await;
                    if r.is_err() {
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                    if done.fetch_add(1, Ordering::SeqCst) + 1 == expire_at {
                        let r = reqwest::Client::new()
                            .post(&admin)
                            .json(&serde_json::json!({"all": true}))
                            .send()
                            .await
                            .expect("the admin API answers");
                        assert!(r.status().is_success(), "expiring tokens: {}", r.status());
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.await.expect("a task");
    }
    let log: Vec<_> = server
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.seq > seq)
        .collect();
    RefreshFigures {
        tasks,
        requests: tasks * each,
        failures: failures.load(Ordering::SeqCst),
        refreshes: log
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/oauth/v2/token")
            .count(),
        unauthorized: log.iter().filter(|r| r.status == 401).count(),
        limit: sdk.concurrency_limit(),
    }
}
