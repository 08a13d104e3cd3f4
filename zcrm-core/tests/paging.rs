//! Listings end: a server that repeats a `page_token`, keeps `more_records: true` on empty or
//! identical pages, or says more records exist without a token to fetch them, gives a typed
//! error instead of an endless loop or a quietly short list.

mod common;
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use std::sync::Arc;
use zcrm_core::store::MemoryStore;
use zcrm_core::{Client, Error, ListParams, ProtocolError};
use zcrm_emulator::Emulator;

use common::{fast_retries, fault, logged};

async fn client(emu: &Emulator) -> Client {
    common::client(emu, Arc::new(MemoryStore::new()), fast_retries()).await
}

/// A list page of `n` records (ids `base`..) with `info`.
fn page(base: usize, n: usize, info: Value) -> Value {
    let data: Vec<Value> = (0..n)
        .map(|i| json!({"id": (base + i).to_string(), "Last_Name": format!("L{}", base + i)}))
        .collect();
    json!({"data": data, "info": info})
}

/// The next `times` GETs of `path` are answered 200 with `body`.
async fn answer_gets(emu: &Emulator, path: &str, times: u32, body: Value) {
    fault(
        emu,
        path,
        Some("GET"),
        0,
        times,
        json!({"kind": "status", "status": 200, "body": body}),
    )
    .await;
}

async fn list_all(c: &Client, per_page: u32) -> Result<usize, Error> {
    let stream = c.dynamic("Leads").list(ListParams {
        per_page: Some(per_page),
        ..ListParams::fields(["Last_Name"])
    });
    Ok(stream.try_collect::<Vec<_>>().await?.len())
}

/// Ten full pages answered with `info` (more records, no token): the listing must stop with
/// `MissingPageToken` after exactly 2,000 records.
async fn assert_stops_without_token_at_2000(emu: &Emulator, c: &Client, info: Value) {
    answer_gets(emu, "/crm/v7/Leads", 10, page(0, 200, info.clone())).await;
    let e = list_all(c, 200).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Protocol(ProtocolError::MissingPageToken { records: 2000, .. })
        ),
        "info {info}: {e}"
    );
}

#[tokio::test]
async fn a_repeated_page_token_is_an_error_not_a_loop() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    // Pages 1..10 by number, then page_token `T` again and again.
    let body = page(
        0,
        200,
        json!({"more_records": true, "next_page_token": "T"}),
    );
    answer_gets(&emu, "/crm/v7/Leads", 1000, body).await;
    let before = logged(&emu, "GET", "/crm/v7/Leads");
    let e = list_all(&c, 200).await.unwrap_err();
    assert!(
        matches!(&e, Error::Protocol(ProtocolError::RepeatedPageToken { token, records: 2200, .. }) if token == "T"),
        "{e}"
    );
    assert_eq!(
        logged(&emu, "GET", "/crm/v7/Leads") - before,
        11,
        "10 numbered pages and one by token"
    );
}

#[tokio::test]
async fn tokens_that_cycle_are_caught_too() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    // Nine full numbered pages, then page 10 hands out token A, A's page hands out B, and B's
    // page hands out A again.
    let full = page(0, 200, json!({"more_records": true}));
    answer_gets(&emu, "/crm/v7/Leads", 9, full).await;
    for (i, t) in ["A", "B", "A"].into_iter().enumerate() {
        let body = page(
            i * 200,
            200,
            json!({"more_records": true, "next_page_token": t}),
        );
        answer_gets(&emu, "/crm/v7/Leads", 1, body).await;
    }
    let e = list_all(&c, 200).await.unwrap_err();
    assert!(
        matches!(&e, Error::Protocol(ProtocolError::RepeatedPageToken { token, records: 2400, .. }) if token == "A"),
        "{e}"
    );
}

#[tokio::test]
async fn more_records_without_a_token_is_an_error_not_a_short_list() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    assert_stops_without_token_at_2000(&emu, &c, json!({"more_records": true})).await;
}

/// Paging details that miscount their page (read before the records, from the end of the
/// body): the records decoded are what counts.
#[tokio::test]
async fn a_page_count_that_lies_is_corrected_by_the_records() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    // Ten full pages that each say they hold one record, then nothing to go on with.
    assert_stops_without_token_at_2000(&emu, &c, json!({"more_records": true, "count": 1})).await;
    // Counts no page can hold, or that are not counts at all, are not believed.
    for count in [
        json!(u64::MAX),
        json!(201),
        json!(-1),
        json!(1.5),
        json!("200"),
    ] {
        assert_stops_without_token_at_2000(&emu, &c, json!({"more_records": true, "count": count}))
            .await;
    }
    // An empty page that says it holds 200 and that more follow: the next page was asked
    // for (one request ahead, as for any page) before the records showed the page empty.
    let body = page(
        0,
        0,
        json!({"more_records": true, "next_page_token": "fresh", "count": 200}),
    );
    answer_gets(&emu, "/crm/v7/Leads", 5, body).await;
    let before = logged(&emu, "GET", "/crm/v7/Leads");
    let e = list_all(&c, 200).await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::EmptyPage { page: 1, .. })),
        "{e}"
    );
    let sent = logged(&emu, "GET", "/crm/v7/Leads") - before;
    assert!((1..=2).contains(&sent), "{sent} requests");
}

#[tokio::test]
async fn an_empty_page_that_says_more_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    let body = page(
        0,
        0,
        json!({"more_records": true, "next_page_token": "fresh"}),
    );
    answer_gets(&emu, "/crm/v7/Leads", 5, body).await;
    let e = list_all(&c, 200).await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::EmptyPage { page: 1, .. })),
        "{e}"
    );
}

#[tokio::test]
async fn deleted_records_end_when_the_server_repeats_itself() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    let rec = |id: &str| json!({"id": id, "display_name": "x", "type": "recycle", "deleted_time": "2026-12-01T10:00:00+00:00"});
    let body = json!({"data": [rec("1"), rec("2")], "info": {"more_records": true, "page": 1}});
    answer_gets(&emu, "/crm/v7/Leads/deleted", 1000, body).await;
    let before = logged(&emu, "GET", "/crm/v7/Leads/deleted");
    let e = c.dynamic("Leads").deleted("all").await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::EmptyPage { page: 2, .. })),
        "{e}"
    );
    assert_eq!(logged(&emu, "GET", "/crm/v7/Leads/deleted") - before, 2);
    common::admin(&emu, reqwest::Method::DELETE, "/faults", json!({})).await;
    let empty = json!({"data": [], "info": {"more_records": true}});
    answer_gets(&emu, "/crm/v7/Leads/deleted", 1000, empty).await;
    let e = c.dynamic("Leads").deleted("all").await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::EmptyPage { page: 1, .. })),
        "{e}"
    );
}

#[tokio::test]
async fn an_honest_long_listing_still_completes() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    common::admin(
        &emu,
        reqwest::Method::POST,
        "/orgs/60012345/records/Leads",
        json!({"generate": 2497, "template": {"Last_Name": "Gen {n}"}}),
    )
    .await;
    assert_eq!(list_all(&c, 200).await.unwrap(), 2500);
    assert_eq!(list_all(&c, 7).await.unwrap(), 2500);
}

#[tokio::test]
async fn pages_one_at_a_time_and_a_listing_resumed_from_a_token() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    common::admin(
        &emu,
        reqwest::Method::POST,
        "/orgs/60012345/records/Leads",
        json!({"generate": 2997, "template": {"Last_Name": "Gen {n}"}}),
    )
    .await;
    let leads = c.dynamic("Leads");
    let params = ListParams::fields(["Last_Name"]);
    let mut seen = std::collections::HashSet::new();
    let mut cursor = zcrm_core::PageCursor::Number(1);
    // Pages by number up to 2,000 records, then the first page by token; stop there.
    let resume = loop {
        let page = leads.page(&params, &cursor).await.unwrap();
        assert_eq!(page.records.len(), 200);
        assert!(page.more_records);
        for r in &page.records {
            assert!(seen.insert(r.id().unwrap()));
        }
        let next = page.next.clone().unwrap();
        if matches!(cursor, zcrm_core::PageCursor::Token(_)) {
            break next;
        }
        cursor = next;
    };
    assert!(matches!(resume, zcrm_core::PageCursor::Token(_)));
    assert_eq!(seen.len(), 2200);
    // A new stream picks up where the pages stopped: the rest, each record once.
    let rest: Vec<_> = leads
        .list_from(params.clone(), resume)
        .try_collect()
        .await
        .unwrap();
    for r in &rest {
        assert!(seen.insert(r.id().unwrap()), "served twice");
    }
    assert_eq!(seen.len(), 3000);
    // A last page says there is no next.
    let last = c
        .dynamic("Accounts")
        .page(
            &ListParams::fields(["Account_Name"]),
            &zcrm_core::PageCursor::Number(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (last.records.len(), last.more_records, last.next),
        (1, false, None)
    );
}

#[tokio::test]
async fn a_stream_reads_one_page_ahead_and_no_more() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu).await;
    common::admin(
        &emu,
        reqwest::Method::POST,
        "/orgs/60012345/records/Leads",
        json!({"generate": 997, "template": {"Last_Name": "Gen {n}"}}),
    )
    .await;
    let pages = || logged(&emu, "GET", "/crm/v7/Leads");
    let params = ListParams {
        per_page: Some(100),
        ..ListParams::fields(["Last_Name"])
    };
    // The whole listing: the same records whether pages are read ahead or not.
    let ahead: Vec<String> = c
        .dynamic("Leads")
        .list(params.clone())
        .map_ok(|r| r.id().unwrap().to_string())
        .try_collect()
        .await
        .unwrap();
    let one_by_one: Vec<String> = c
        .dynamic("Leads")
        .list(ListParams {
            no_read_ahead: true,
            ..params.clone()
        })
        .map_ok(|r| r.id().unwrap().to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ahead.len(), 1000);
    assert_eq!(ahead, one_by_one);
    // Reading 150 records (pages 1 and 2) then dropping the stream: page 3 at most was asked
    // for ahead, and nothing after.
    let before = pages();
    let mut s = Box::pin(c.dynamic("Leads").list(params.clone()));
    for _ in 0..150 {
        s.try_next().await.unwrap().unwrap();
    }
    drop(s);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let asked = pages() - before;
    assert!((2..=3).contains(&asked), "{asked} pages requested");
    // Without read-ahead, exactly the pages reached.
    let before = pages();
    let mut s = Box::pin(c.dynamic("Leads").list(ListParams {
        no_read_ahead: true,
        ..params
    }));
    for _ in 0..150 {
        s.try_next().await.unwrap().unwrap();
    }
    drop(s);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(pages() - before, 2);
}
