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

#[path = "support/minimal.rs"]
mod minimal;
use minimal::MinimalLead;

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
