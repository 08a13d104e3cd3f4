//! Decoding a page of 200 Leads (30 fields each, shaped as Zoho sends them) into the generated
//! `Lead`, into `serde_json::Value`, and into a minimal hand-written serde struct with the same
//! 30 fields; and encoding the decoded `Lead`s back. Compare the three side by side (same run):
//! `cargo bench -p zcrm-modules --bench decode`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::Deserialize;
use serde_json::Value;
use std::hint::black_box;
use zcrm_modules::leads::Lead;

#[path = "support/page.rs"]
mod page;
use page::{page, RECORDS};

#[derive(Deserialize)]
struct Page<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct UserRef {
    name: Option<String>,
    id: Option<String>,
    email: Option<String>,
}

/// The same 30 fields, as a user would write them by hand.
#[derive(Deserialize)]
#[allow(dead_code, non_snake_case)]
struct MinimalLead {
    id: Option<String>,
    Owner: Option<UserRef>,
    Company: Option<String>,
    Email: Option<String>,
    Description: Option<String>,
    Rating: Option<String>,
    Website: Option<String>,
    Twitter: Option<String>,
    Salutation: Option<String>,
    Last_Activity_Time: Option<String>,
    First_Name: Option<String>,
    Full_Name: Option<String>,
    Lead_Status: Option<String>,
    Industry: Option<String>,
    Record_Status__s: Option<String>,
    Skype_ID: Option<String>,
    Phone: Option<String>,
    Street: Option<String>,
    Zip_Code: Option<String>,
    Email_Opt_Out: Option<bool>,
    Designation: Option<String>,
    Modified_By: Option<UserRef>,
    Mobile: Option<String>,
    Created_Time: Option<String>,
    Created_By: Option<UserRef>,
    Secondary_Email: Option<String>,
    Lead_Source: Option<String>,
    Last_Name: Option<String>,
    Annual_Revenue: Option<f64>,
    No_of_Employees: Option<i64>,
}

fn decode(c: &mut Criterion) {
    let body = page();
    let mut g = c.benchmark_group("decode page of 200 Leads");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function(BenchmarkId::from_parameter("generated Lead"), |b| {
        b.iter(|| serde_json::from_str::<Page<Lead>>(black_box(&body)).unwrap())
    });
    g.bench_function(BenchmarkId::from_parameter("serde_json::Value"), |b| {
        b.iter(|| serde_json::from_str::<Page<Value>>(black_box(&body)).unwrap())
    });
    g.bench_function(BenchmarkId::from_parameter("minimal struct"), |b| {
        b.iter(|| serde_json::from_str::<Page<MinimalLead>>(black_box(&body)).unwrap())
    });
    g.finish();
    let leads = serde_json::from_str::<Page<Lead>>(&body).unwrap().data;
    let values = serde_json::from_str::<Page<Value>>(&body).unwrap().data;
    let mut g = c.benchmark_group("encode 200 Leads");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function(BenchmarkId::from_parameter("generated Lead"), |b| {
        b.iter(|| serde_json::to_vec(black_box(&leads)).unwrap())
    });
    g.bench_function(BenchmarkId::from_parameter("serde_json::Value"), |b| {
        b.iter(|| serde_json::to_vec(black_box(&values)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
