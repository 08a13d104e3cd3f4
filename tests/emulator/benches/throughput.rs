//! Throughput of simple authenticated GETs (`GET /crm/v7/Leads/{id}`, `GET /crm/v7/org`), and
//! of one client streaming 100,000 Leads through `page_token` (200 a page).
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
        // 100,000 Leads through page_token, one page after another.
        let admin = format!("{}/orgs/60012345/records/Leads", emu.admin_url);
        let r = http.post(&admin).json(&serde_json::json!({"generate": 99_997, "template": {"Last_Name": "Lead {n}", "Company": "Company {n}", "Email": "lead{n}@example.com"}})).send().await.expect("generate");
        assert!(r.status().is_success(), "generate: {}", r.status());
        let base = format!("{}/crm/v7/Leads?fields=Last_Name,Company,Email,Lead_Status&per_page=200", emu.api_url);
        let mut url = base.clone();
        let (mut records, mut pages) = (0usize, 0usize);
        let start = Instant::now();
        loop {
            let page: serde_json::Value = http.get(&url).header("Authorization", &auth).send().await.expect("page").json().await.expect("page json");
            records += page["data"].as_array().map_or(0, Vec::len);
            pages += 1;
            match page["info"]["next_page_token"].as_str() {
                Some(t) if page["info"]["more_records"] == true => url = format!("{base}&page_token={t}"),
                _ => break,
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!("GET /crm/v7/Leads by page_token: {records} records in {pages} pages, {secs:.2} s, {:.0} records/s, {:.2} ms a page (client and server on the same 2 cores)", records as f64 / secs, secs * 1000.0 / pages as f64);
    });
}
