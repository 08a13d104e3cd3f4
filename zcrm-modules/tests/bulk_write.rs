//! Typed bulk write against the emulator, whose upload host is a port of its own (so the SDK
//! must use the environment's file-upload URL): 10,000 typed leads with some invalid come
//! back as one outcome per row, in order; updates by id and upserts by email; what is refused
//! before anything is sent; a job Zoho fails, a job past its wait, and a failure after a first
//! job completed (its rows' ids kept).

mod common;

use serde_json::json;
use std::time::Duration;
use zcrm_core::records::{BulkRowStatus, BulkWrite};
use zcrm_core::{Client, DynamicRecord, Error, ErrorKind, RecordId};
use zcrm_emulator::{Emulator, EmulatorConfig};
use zcrm_modules::leads::{LeadStatus, LeadUpdate, Leads};

const SCOPES: &[&str] = &[
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.bulk.ALL",
    "ZohoFiles.files.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
];

async fn setup() -> (Emulator, Client) {
    let emu = Emulator::start_with(
        EmulatorConfig {
            separate_upload_host: true,
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_ne!(emu.upload_url, emu.api_url);
    let client = common::sign_in(&emu, SCOPES).await;
    (emu, client)
}

fn fast(w: BulkWrite<Leads>) -> BulkWrite<Leads> {
    w.poll(Duration::from_millis(5), Duration::from_millis(20))
}

fn invalid(i: usize) -> bool {
    i % 97 == 13
}

/// Row `i`: every 97th (from the 13th) has an invalid email; every 20th a valid one (the
/// emulator checks a unique field against every record, so most rows leave it out).
fn lead(i: usize) -> LeadUpdate {
    let row = LeadUpdate::new()
        .last_name(format!("Bulk, \"{i}\""))
        .company("Bulk Ltd")
        .lead_status(if i.is_multiple_of(2) {
            LeadStatus::Contacted
        } else {
            LeadStatus::NotContacted
        });
    if invalid(i) {
        row.email(format!("not an email {i}"))
    } else if i.is_multiple_of(20) {
        row.email(format!("bulk{i}@example.com"))
    } else {
        row
    }
}

async fn admin(emu: &Emulator, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", emu.admin_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

fn uploads(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path.ends_with("/upload"))
        .count()
}

#[tokio::test]
async fn ten_thousand_typed_rows_come_back_row_by_row() {
    let (emu, client) = setup().await;
    let leads = client.records(Leads);
    let before = leads.count(None).await.unwrap();
    let n = 10_000;
    let report = fast(leads.bulk_write().rows_per_job(4_000))
        .run((0..n).map(lead))
        .await
        .unwrap();
    assert_eq!(report.jobs.len(), 3, "4,000 rows a job");
    assert_eq!(uploads(&emu), 3);
    assert_eq!(report.rows.len(), n);
    let mut added = 0;
    for (i, r) in report.rows.iter().enumerate() {
        assert_eq!(r.row, i);
        if invalid(i) {
            assert_eq!(r.status, BulkRowStatus::Skipped, "row {i}");
            assert_eq!(r.record_id, None);
            assert_eq!(r.errors.len(), 1, "row {i}: {:?}", r.errors);
            assert_eq!(r.errors[0].code, "INVALID_DATA");
            assert_eq!(r.errors[0].columns, ["Email"]);
        } else {
            assert_eq!(r.status, BulkRowStatus::Added, "row {i}: {:?}", r.errors);
            assert!(r.record_id.is_some());
            added += 1;
        }
    }
    assert_eq!(leads.count(None).await.unwrap(), before + added);
    // Each id is the record of its own row.
    for i in [0, 1, 4_000, 7_777, n - 20, n - 1] {
        let id = report.rows[i].record_id.clone().unwrap();
        let got = leads
            .get(&id, &["Last_Name", "Email"])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            got.last_name.as_deref(),
            Some(format!("Bulk, \"{i}\"").as_str())
        );
        let email = i.is_multiple_of(20).then(|| format!("bulk{i}@example.com"));
        assert_eq!(got.email, email);
    }
    let outcome = report.rows[0].to_record_outcome();
    assert!(outcome.is_success() && outcome.id() == report.rows[0].record_id);
}

#[tokio::test]
async fn updates_by_id_and_upserts_by_email() {
    let (_emu, client) = setup().await;
    let leads = client.records(Leads);
    let created = fast(leads.bulk_write())
        .run((0..3).map(lead))
        .await
        .unwrap();
    let ids: Vec<RecordId> = created
        .rows
        .iter()
        .map(|r| r.record_id.clone().unwrap())
        .collect();

    let rows = vec![
        DynamicRecord::new()
            .set("id", ids[0].as_str())
            .set("Company", "Renamed Ltd"),
        DynamicRecord::new()
            .set("id", "111111111")
            .set("Company", "Nobody Ltd"),
        DynamicRecord::new()
            .set("id", ids[2].as_str())
            .set("Company", "Renamed Too"),
    ];
    let report = client
        .dynamic("Leads")
        .bulk_write()
        .update_by("id")
        .poll(Duration::from_millis(5), Duration::from_millis(20))
        .run(rows)
        .await
        .unwrap();
    let statuses: Vec<_> = report.rows.iter().map(|r| r.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            BulkRowStatus::Updated,
            BulkRowStatus::Skipped,
            BulkRowStatus::Updated
        ]
    );
    assert_eq!(report.rows[1].errors[0].code, "RESOURCE_NOT_FOUND");
    let got = leads.get(&ids[0], &["Company"]).await.unwrap().unwrap();
    assert_eq!(got.company.as_deref(), Some("Renamed Ltd"));

    let upserts = vec![
        LeadUpdate::new()
            .email("bulk0@example.com")
            .last_name("Upserted")
            .company("U1"),
        LeadUpdate::new()
            .email("fresh@example.com")
            .last_name("Fresh")
            .company("U2"),
    ];
    let report = fast(leads.bulk_write().upsert_by("Email"))
        .run(upserts)
        .await
        .unwrap();
    assert_eq!(report.rows[0].status, BulkRowStatus::Updated);
    assert_eq!(report.rows[0].record_id.as_ref(), Some(&ids[0]));
    assert_eq!(report.rows[1].status, BulkRowStatus::Added);
}

#[tokio::test]
async fn bad_rows_are_refused_before_anything_is_sent() {
    let (emu, client) = setup().await;
    let leads = client.records(Leads);
    let sent = || uploads(&emu);
    let check = |e: Error, kind: ErrorKind, words: &str| {
        assert_eq!(e.kind(), kind, "{e}");
        assert!(e.to_string().contains(words), "`{words}` not in: {e}");
    };

    let null = LeadUpdate::new().last_name("A").company("B").clear_email();
    let e = fast(leads.bulk_write()).run(vec![null]).await.unwrap_err();
    check(e, ErrorKind::Config, "row 0: field `Email` is empty");

    let e = fast(leads.bulk_write().ignore_empty(false))
        .run(vec![
            LeadUpdate::new().last_name("A").company("B"),
            LeadUpdate::new().last_name("C"),
        ])
        .await
        .unwrap_err();
    check(e, ErrorKind::Config, "row 1: field `Company`");

    let e = fast(leads.bulk_write().update_by("id"))
        .run(vec![LeadUpdate::new().last_name("No id")])
        .await
        .unwrap_err();
    check(e, ErrorKind::Config, "find_by");

    let e = fast(leads.bulk_write())
        .run(vec![LeadUpdate::new().last_name("A"), LeadUpdate::new()])
        .await
        .unwrap_err();
    check(e, ErrorKind::Config, "row 1 sets no field");

    let e = fast(leads.bulk_write())
        .run(vec![LeadUpdate::new().last_name("A").company("  ")])
        .await
        .unwrap_err();
    check(e, ErrorKind::Config, "field `Company` is empty");

    let e = fast(leads.bulk_write())
        .run(vec![LeadUpdate::new()
            .last_name("A")
            .lead_status(LeadStatus::Other("Nope".into()))])
        .await
        .unwrap_err();
    check(e, ErrorKind::Validation, "Nope");

    let e = client
        .dynamic("Leads")
        .bulk_write()
        .run(vec![DynamicRecord::new()
            .set("Last_Name", "A")
            .set("Subform", json!([{"x": 1}]))])
        .await
        .unwrap_err();
    check(e, ErrorKind::Config, "list of objects");
    assert_eq!(sent(), 0, "nothing was uploaded");
}

#[tokio::test]
async fn failed_jobs_and_waits_past_the_deadline() {
    let (emu, client) = setup().await;
    let leads = client.records(Leads);
    admin(
        &emu,
        "/orgs/60012345/bulk-jobs/fail-next",
        json!({"count": 1}),
    )
    .await;
    let e = fast(leads.bulk_write())
        .run((0..5).map(lead))
        .await
        .unwrap_err();
    // The job existed: its rows may have been written, so the error says so and names it.
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    assert!(e.may_have_applied());
    assert!(e.to_string().contains("FAILURE"), "{e}");
    assert!(e.to_string().contains("failed at Zoho"), "{e}");

    let e = leads
        .bulk_write()
        .poll(Duration::from_millis(50), Duration::from_millis(50))
        .max_wait(Duration::ZERO)
        .run((0..5).map(lead))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    assert!(e.to_string().contains("may still complete at Zoho"), "{e}");
    assert!(e.to_string().contains("bulk write job "), "{e}");

    // The second job fails: the first job's rows and ids are in the error.
    admin(
        &emu,
        "/orgs/60012345/bulk-jobs/fail-next",
        json!({"count": 1, "after": 1}),
    )
    .await;
    let e = fast(leads.bulk_write().rows_per_job(4))
        .run((100..110).map(lead))
        .await
        .unwrap_err();
    assert!(e.may_have_applied());
    let Error::PartialWrite(p) = e else {
        panic!("expected a partial write, got {e}");
    };
    assert_eq!(p.outcomes.len(), 4);
    assert!(p
        .outcomes
        .iter()
        .all(|o| o.is_success() && o.id().is_some()));
    assert_eq!(p.failed, 4..8);
    assert_eq!(p.error.kind(), ErrorKind::UnknownOutcome);
    assert!(p.error.to_string().contains("FAILURE"), "{}", p.error);
    for o in &p.outcomes {
        assert!(leads
            .get(&o.id().unwrap(), &["Last_Name"])
            .await
            .unwrap()
            .is_some());
    }
}

/// A client that could not learn its user (no `ZohoCRM.users.READ`) asks `GET /org` for the
/// org id the upload names, once for all its jobs.
#[tokio::test]
async fn the_org_id_is_asked_once_when_the_user_is_unknown() {
    let (emu, _) = setup().await;
    let scopes: Vec<&str> = SCOPES
        .iter()
        .copied()
        .filter(|s| *s != "ZohoCRM.users.READ")
        .collect();
    let client = common::sign_in(&emu, &scopes).await;
    assert_eq!(client.user_name(), None);
    let before = emu.requests().len();
    let leads = client.records(Leads);
    for _ in 0..2 {
        let report = fast(leads.bulk_write().rows_per_job(2))
            .run((0..3).map(lead))
            .await
            .unwrap();
        assert_eq!(report.jobs.len(), 2);
    }
    let asked = emu.requests()[before..]
        .iter()
        .filter(|r| r.path == "/crm/v7/org")
        .count();
    assert_eq!(asked, 1, "one GET /org for four uploads");
}
