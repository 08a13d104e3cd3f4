//! Throughput of simple authenticated GETs (`GET /crm/v7/Leads/{id}`, `GET /crm/v7/org`).
//!
//! `cargo bench -p zcrm-emulator --bench throughput [-- REQUESTS CONNECTIONS]` starts the emulator
//! in-process, sends a bounded number of requests from CONNECTIONS concurrent keep-alive clients
//! on loopback, and prints requests per second. Client and server share the machine, so the
//! figure is a lower bound for the server alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(100_000);
    let connections = args.get(1).copied().unwrap_or(32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let emu = Emulator::start().await.expect("emulator");
        let code = emu.mint_grant_code("patricia.boyle@zylker.example", &["ZohoCRM.modules.ALL", "ZohoCRM.org.READ"]).expect("code");
        let http = reqwest::Client::builder().pool_max_idle_per_host(connections).build().expect("client");
        let tokens: serde_json::Value = http
            .post(&emu.token_url)
            .form(&[("grant_type", "authorization_code"), ("client_id", SELF_CLIENT_ID), ("client_secret", SELF_CLIENT_SECRET), ("code", &code)])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        let auth = format!("Zoho-oauthtoken {}", tokens["access_token"].as_str().expect("access token"));
        let list: serde_json::Value = http.get(format!("{}/crm/v7/Leads?fields=Last_Name", emu.api_url)).header("Authorization", &auth).send().await.expect("list").json().await.expect("list json");
        let id = list["data"][0]["id"].as_str().expect("a lead").to_string();
        for (name, path) in [("GET /crm/v7/Leads/{id}", format!("/crm/v7/Leads/{id}")), ("GET /crm/v7/org", "/crm/v7/org".to_string())] {
            let url = Arc::new(format!("{}{path}", emu.api_url));
            let left = Arc::new(AtomicUsize::new(total));
            let failures = Arc::new(AtomicUsize::new(0));
            let start = Instant::now();
            let tasks: Vec<_> = (0..connections)
                .map(|_| {
                    let (http, url, auth, left, failures) = (http.clone(), url.clone(), auth.clone(), left.clone(), failures.clone());
                    tokio::spawn(async move {
                        while left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                            match http.get(url.as_str()).header("Authorization", &auth).send().await {
                                Ok(r) if r.status() == 200 => {
                                    let _ = r.bytes().await;
                                }
                                _ => {
                                    failures.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.expect("task");
            }
            let secs = start.elapsed().as_secs_f64();
            println!("{name}: {total} requests, {connections} connections, {:.2} s, {:.0} requests/s, {} failures", secs, total as f64 / secs, failures.load(Ordering::SeqCst));
        }
    });
}
