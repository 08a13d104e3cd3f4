//! The SDK's overhead on a listing, side by side in one run: the same pages of 200 Leads (30
//! fields) from a local server that answers at once, read by raw reqwest (body bytes only; +
//! `serde_json::Value`; + the generated `Lead`) and by zcrm (`client.records(Leads).list()`,
//! `client.dynamic("Leads").list()`).
//!
//! `cargo bench -p zcrm-modules --bench listing [-- RECORDS RUNS]` (default 100,000 records, 3
//! runs) prints records/s per client (median and range) and the ratios the SDK aims at.

use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zcrm_core::{ApiEnvironment, Client, ListParams, OAuthToken, SdkConfig};
use zcrm_modules::leads::{Lead, Leads};

const PER_PAGE: usize = 200;

/// The `data` array of a page of 200 Leads, as Zoho shapes them.
fn page_data() -> String {
    let owner = json!({"name": "Patricia Boyle", "id": "3652397000000186017", "email": "patricia.boyle@zylker.example"});
    let data: Vec<Value> = (0..PER_PAGE)
        .map(|i| {
            json!({
                "id": format!("36523970000050{i:05}"), "Owner": owner, "Company": format!("Company {i} Ltd."),
                "Email": format!("lead{i}@example.com"), "Description": "Met at the trade fair; interested in the enterprise plan.",
                "Rating": "Active", "Website": format!("https://www.company{i}.example"), "Twitter": null,
                "Salutation": "Mr.", "Last_Activity_Time": "2026-11-30T10:15:00+05:30", "First_Name": "John",
                "Full_Name": format!("John Doe {i}"), "Lead_Status": "Contacted", "Industry": "ASP (Application Service Provider)",
                "Record_Status__s": "Available", "Skype_ID": null, "Phone": "+1 555 0100", "Street": "1 Main Street",
                "Zip_Code": "94105", "Email_Opt_Out": false, "Designation": "CTO", "Modified_By": owner,
                "Mobile": "+1 555 0101", "Created_Time": "2026-11-01T09:00:00+05:30", "Created_By": owner,
                "Secondary_Email": null, "Lead_Source": "Trade Show", "Last_Name": format!("Doe {i}"),
                "Annual_Revenue": 1250000.5, "No_of_Employees": 120
            })
        })
        .collect();
    Value::Array(data).to_string()
}

/// A server that answers every GET with the same page, `more_records` until `pages` pages were
/// served on that listing, and a fresh `next_page_token` each time.
async fn serve(pages: usize) -> String {
    let data = Arc::new(page_data());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let data = data.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(4096);
                loop {
                    // One request head (GETs carry no body).
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    buf.drain(..head_end);
                    let served = head
                        .split(['?', '&', ' '])
                        .find_map(|p| p.strip_prefix("page_token=t"))
                        .and_then(|n| n.parse::<usize>().ok())
                        .or_else(|| {
                            head.split(['?', '&', ' '])
                                .find_map(|p| p.strip_prefix("page="))
                                .and_then(|n| n.parse::<usize>().ok())
                                .map(|p| p - 1)
                        })
                        .unwrap_or(0)
                        + 1;
                    let more = served < pages;
                    let body = format!(
                        r#"{{"data":{data},"info":{{"per_page":200,"count":200,"page":{served},"more_records":{more},"next_page_token":"t{served}"}}}}"#
                    );
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[derive(Deserialize)]
struct Page<T> {
    data: Vec<T>,
    info: Value,
}

const FIELDS: &str = "Last_Name,Company,Email";

/// Raw reqwest: every page by token, the body decoded by `decode` (records counted).
async fn raw(url: &str, pages: usize, decode: fn(&[u8]) -> usize) -> usize {
    let http = reqwest::Client::new();
    let mut total = 0;
    let mut next: Option<String> = None;
    for _ in 0..pages {
        let mut req = http
            .get(format!("{url}/crm/v7/Leads"))
            .header("Authorization", "Zoho-oauthtoken 1000.bench")
            .query(&[("fields", FIELDS), ("per_page", "200")]);
        req = match &next {
            Some(t) => req.query(&[("page_token", t.as_str())]),
            None => req.query(&[("page", "1")]),
        };
        let body = req.send().await.unwrap().bytes().await.unwrap();
        total += decode(&body);
        // The token is read from the tail, as a client that decodes nothing would.
        let text = std::str::from_utf8(&body[body.len().saturating_sub(120)..]).unwrap_or("");
        next = text
            .split("\"next_page_token\":\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .map(str::to_string);
    }
    total
}

async fn client(url: &str) -> Client {
    Client::builder()
        .environment(ApiEnvironment::custom(url, url, url))
        .token(
            OAuthToken::builder()
                .access_token("1000.bench")
                .build()
                .unwrap(),
        )
        .config(SdkConfig::builder().max_concurrency(10).build().unwrap())
        .build()
        .await
        .unwrap()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let records = args.first().copied().unwrap_or(100_000);
    let runs = args.get(1).copied().unwrap_or(3);
    let pages = records.div_ceil(PER_PAGE);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let url = serve(pages).await;
        let sdk = client(&url).await;
        let names = [
            "raw reqwest, body bytes only",
            "raw reqwest + serde_json::Value",
            "raw reqwest + generated Lead",
            "zcrm records(Leads).list()",
            "zcrm dynamic(\"Leads\").list()",
        ];
        let mut rates: Vec<Vec<f64>> = vec![vec![]; names.len()];
        for _ in 0..runs {
            for (i, _) in names.iter().enumerate() {
                let start = Instant::now();
                let n = match i {
                    0 => raw(&url, pages, |b| b.len().min(PER_PAGE)).await,
                    1 => raw(&url, pages, |b| serde_json::from_slice::<Page<Value>>(b).unwrap().data.len()).await,
                    2 => raw(&url, pages, |b| {
                        let p = serde_json::from_slice::<Page<Lead>>(b).unwrap();
                        let _ = &p.info;
                        p.data.len()
                    })
                    .await,
                    3 => {
                        let params = ListParams::fields(FIELDS.split(','));
                        sdk.records(Leads).list(params).try_fold(0usize, |n, _| async move { Ok(n + 1) }).await.unwrap()
                    }
                    _ => {
                        let params = ListParams::fields(FIELDS.split(','));
                        sdk.dynamic("Leads").list(params).try_fold(0usize, |n, _| async move { Ok(n + 1) }).await.unwrap()
                    }
                };
                assert_eq!(n, pages * PER_PAGE, "{}", names[i]);
                rates[i].push(n as f64 / start.elapsed().as_secs_f64());
            }
        }
        let median = |v: &Vec<f64>| {
            let mut s = v.clone();
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        };
        println!("{} records a run ({} pages of {PER_PAGE}), {runs} runs", pages * PER_PAGE, pages);
        for (name, r) in names.iter().zip(&rates) {
            let (lo, hi) = r.iter().fold((f64::MAX, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
            println!("{name:34} {:>10.0} records/s (range {lo:.0}..{hi:.0})", median(r));
        }
        let typed_raw = median(&rates[2]);
        println!(
            "ratios: typed SDK / raw reqwest + Lead = {:.2} (goal >= 0.9); raw + Lead / raw + Value = {:.2} (goal >= 2)",
            median(&rates[3]) / typed_raw,
            typed_raw / median(&rates[1])
        );
    });
}
