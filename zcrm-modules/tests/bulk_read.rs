//! Typed bulk read against the emulator: an export spanning several pages (several jobs)
//! streams every lead once with its typed values, criteria narrow the export, and a refused
//! job is an API error with Zoho's code.

mod common;

use futures_util::StreamExt;
use serde_json::json;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;
use zcrm_core::types::{Decimal, RecordId};
use zcrm_core::{Client, Error};
use zcrm_emulator::{Emulator, EmulatorConfig};
use zcrm_modules::leads::{Lead, LeadStatus, LeadUpdate, Leads, PreferredChannels};

const SCOPES: &[&str] = &[
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.bulk.ALL",
];

const FIELDS: [&str; 5] = [
    "Last_Name",
    "Email",
    "Lead_Status",
    "Annual_Revenue",
    "Preferred_Channels",
];

/// An emulator serving bulk read pages of 7 rows, and a client with `scopes`.
async fn setup(scopes: &[&str]) -> (Emulator, Client) {
    let config = EmulatorConfig {
        bulk_read_page_rows: 7,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start_with(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = common::sign_in(&emu, scopes).await;
    (emu, client)
}

/// The status of lead `i`: every other one contacted.
fn status(i: usize) -> LeadStatus {
    match i % 2 {
        0 => LeadStatus::Contacted,
        _ => LeadStatus::AttemptedToContact,
    }
}

/// The lead made for `i`: what it is created with.
fn lead(i: usize) -> LeadUpdate {
    let status = status(i);
    let channels = match i % 3 {
        0 => vec![PreferredChannels::Email, PreferredChannels::InPerson],
        1 => vec![PreferredChannels::Phone],
        _ => vec![],
    };
    let mut u = LeadUpdate::new()
        .last_name(format!("Bulk, \"{i}\""))
        .company("Bulk Ltd")
        .email(format!("bulk{i}@bulk.example"))
        .lead_status(status)
        .annual_revenue(Decimal::from_str(&format!("{}.25", 1000 + i)).unwrap());
    if !channels.is_empty() {
        u = u.preferred_channels(channels);
    }
    u
}

/// Creates `n` leads; their ids by index.
async fn create(client: &Client, n: usize) -> Vec<RecordId> {
    let updates: Vec<LeadUpdate> = (0..n).map(lead).collect();
    client
        .records(Leads)
        .create(&updates)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.into_result().unwrap())
        .collect()
}

fn fast(read: zcrm_core::BulkRead<Leads>) -> zcrm_core::BulkRead<Leads> {
    read.poll(Duration::from_millis(5), Duration::from_millis(20))
}

#[tokio::test]
async fn an_export_over_several_jobs_streams_every_lead_once_typed() {
    let (emu, client) = setup(SCOPES).await;
    let ids = create(&client, 25).await;
    let got: Vec<Lead> = fast(client.records(Leads).bulk_read().fields(FIELDS))
        .run()
        .map(|r| r.unwrap())
        .collect()
        .await;
    let mut by_id: BTreeMap<RecordId, Lead> = BTreeMap::new();
    for l in got {
        let id = l.id.clone().expect("every row has its id");
        assert!(by_id.insert(id.clone(), l).is_none(), "{id} came twice");
    }
    // The org may hold seeded leads too; every lead made here is there exactly once.
    for (i, id) in ids.iter().enumerate() {
        let l = by_id
            .get(id)
            .unwrap_or_else(|| panic!("lead {i} ({id}) missing"));
        assert_eq!(
            l.last_name.as_deref(),
            Some(format!("Bulk, \"{i}\"").as_str())
        );
        assert_eq!(
            l.email.as_deref(),
            Some(format!("bulk{i}@bulk.example").as_str())
        );
        let status = status(i);
        assert_eq!(l.lead_status, Some(status));
        assert_eq!(
            l.annual_revenue.as_ref().map(|d| d.to_string()),
            Some(format!("{}.25", 1000 + i))
        );
        let channels = match i % 3 {
            0 => Some(vec![PreferredChannels::Email, PreferredChannels::InPerson]),
            1 => Some(vec![PreferredChannels::Phone]),
            _ => None,
        };
        assert_eq!(l.preferred_channels, channels, "lead {i}");
    }
    // 25 leads (and any seeded ones) at 7 rows a page: several jobs were created.
    let jobs = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/crm/bulk/v7/read")
        .count();
    assert!(jobs >= 4, "{jobs} jobs");
}

#[tokio::test]
async fn criteria_narrow_the_export() {
    let (_emu, client) = setup(SCOPES).await;
    let ids = create(&client, 9).await;
    let got: Vec<Lead> = fast(client.records(Leads).bulk_read().fields(FIELDS))
        .criteria(json!({"field": {"api_name": "Email"}, "comparator": "equal", "value": "bulk4@bulk.example"}))
        .run()
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id.as_ref(), Some(&ids[4]));
    assert_eq!(got[0].lead_status, Some(LeadStatus::Contacted));
}

#[tokio::test]
async fn a_refused_job_is_an_api_error_with_its_code() {
    let (_emu, client) = setup(SCOPES).await;
    let items: Vec<_> = fast(client.records(Leads).bulk_read().fields(["No_Such_Field"]))
        .run()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    match &items[0] {
        Err(e @ Error::Api { .. }) => assert_eq!(e.api_code(), Some("FIELD_NOT_AVAILABLE"), "{e}"),
        other => panic!("expected an API error, got {other:?}"),
    }

    let (_emu, client) = setup(&["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"]).await;
    let items: Vec<_> = fast(client.records(Leads).bulk_read().fields(FIELDS))
        .run()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.kind(), zcrm_core::ErrorKind::Api, "{e}");
    assert_eq!(e.api_code(), Some("OAUTH_SCOPE_MISMATCH"), "{e}");
}

#[tokio::test]
async fn dropping_the_stream_early_stops_the_export() {
    let (emu, client) = setup(SCOPES).await;
    create(&client, 25).await;
    let mut stream = Box::pin(fast(client.records(Leads).bulk_read().fields(FIELDS)).run());
    let first = stream.next().await.unwrap().unwrap();
    assert!(first.id.is_some());
    drop(stream);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let jobs = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/crm/bulk/v7/read")
        .count();
    // The first page's job, and at most the next one (created if the reader finished the
    // page before the stream was dropped); not the four the whole export takes.
    assert!(jobs <= 2, "{jobs} jobs after the stream was dropped");
}

/// A download refused with 429 and a download cut off mid-body are both fetched again, and the
/// export still holds every lead once.
#[tokio::test]
async fn a_throttled_and_a_cut_off_download_are_fetched_again() {
    let (emu, client) = setup(SCOPES).await;
    let ids = create(&client, 5).await;
    let http = reqwest::Client::new();
    // Each job's details are asked twice (in progress, then completed), then its result is
    // downloaded: the third GET under /read/ is the first download (answered 429).
    // A fault sees only the requests the one before it let through, so the second one's first
    // match is the download's second attempt (cut off).
    for (skip, kind) in [
        (
            2,
            json!({"kind": "status", "status": 429, "headers": {"Retry-After": "0"}}),
        ),
        (0, json!({"kind": "truncate"})),
    ] {
        let r = http
            .post(format!("{}/faults", emu.admin_url))
            .json(&json!({"path_prefix": "/crm/bulk/v7/read/", "method": "GET", "times": 1, "skip": skip, "action": kind}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    let got: Vec<Result<Lead, Error>> = fast(client.records(Leads).bulk_read().fields(FIELDS))
        .run()
        .collect()
        .await;
    let got: Vec<Lead> = got.into_iter().map(|r| r.unwrap()).collect();
    let seen: std::collections::BTreeSet<_> = got.iter().filter_map(|l| l.id.clone()).collect();
    assert_eq!(seen.len(), got.len(), "no lead twice");
    assert!(ids.iter().all(|id| seen.contains(id)), "every lead there");
    let faults: Vec<String> = emu
        .requests()
        .iter()
        .filter_map(|r| r.fault.clone())
        .collect();
    assert_eq!(faults.len(), 2, "both faults were met: {faults:?}");
    let downloads = emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/result"))
        .count();
    assert!(
        downloads >= 3,
        "the first page's result was fetched three times ({downloads})"
    );
}
