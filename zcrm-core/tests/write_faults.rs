//! Batch writes under faults: a failed chunk keeps the outcomes of the chunks already written, a
//! lost or cut reply to a create is an unknown outcome (never a plain failure, never repeated),
//! and only 2xx answers count as success.

mod common;
use futures_util::TryStreamExt;
use serde_json::json;
use std::sync::Arc;
use zcrm_core::store::MemoryStore;
use zcrm_core::{
    ApiRequest, Client, DynamicRecord, Error, ErrorKind, ProtocolError, RecordId, SdkConfig,
};
use zcrm_emulator::Emulator;

use common::{fast_retries, fault, logged};

async fn client(emu: &Emulator, config: SdkConfig) -> Client {
    common::client(emu, Arc::new(MemoryStore::new()), config).await
}

fn leads(n: usize, tag: &str) -> Vec<DynamicRecord> {
    (0..n)
        .map(|i| DynamicRecord::new().set("Last_Name", format!("{tag} {i}")))
        .collect()
}

/// Leads whose last name starts with `tag`, as the server holds them.
async fn server_count(c: &Client, tag: &str) -> u64 {
    c.dynamic("Leads")
        .count(Some(zcrm_core::SearchQuery::Criteria(format!(
            "(Last_Name:starts_with:{tag})"
        ))))
        .await
        .unwrap()
}

fn partial(e: Error) -> Box<zcrm_core::PartialWrite> {
    match e {
        Error::PartialWrite(p) => p,
        other => panic!("expected a partial write, got {other}"),
    }
}

#[tokio::test]
async fn a_failed_chunk_keeps_the_outcomes_of_written_chunks() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    let records = c.dynamic("Leads");

    // Create 150: the second chunk is refused (413).
    fault(&emu, "/crm/v7/Leads", Some("POST"), 1, 1, json!({"kind": "status", "status": 413, "body": {"code": "LIMIT_EXCEEDED", "details": {}, "message": "too large", "status": "error"}})).await;
    let p = partial(records.create(&leads(150, "Chunky")).await.unwrap_err());
    assert_eq!(
        (p.outcomes.len(), p.failed.clone(), p.total),
        (100, 100..150, 150)
    );
    assert!(p
        .outcomes
        .iter()
        .all(|o| o.is_success() && o.id().is_some()));
    assert_eq!(p.error.api_code(), Some("LIMIT_EXCEEDED"));
    assert!(!p.error.may_have_applied());
    assert_eq!(
        server_count(&c, "Chunky").await,
        100,
        "the server holds what the outcomes say"
    );
    let ids: Vec<RecordId> = p.outcomes.iter().filter_map(|o| o.id()).collect();
    assert_eq!(ids.len(), 100);

    // The rest goes in a second call: 150 in all, none twice.
    let rest = records.create(&leads(150, "Chunky")[100..]).await.unwrap();
    assert_eq!(rest.len(), 50);
    assert_eq!(server_count(&c, "Chunky").await, 150);

    // Update 150 (ids of the first 100 twice over plus 50): the second chunk fails on a 500
    // three times (retried, then given up).
    let mut all: Vec<RecordId> = ids.clone();
    all.extend(rest.iter().filter_map(|o| o.id()));
    let updates: Vec<DynamicRecord> = all
        .iter()
        .map(|id| {
            DynamicRecord::new()
                .set("id", id.as_str())
                .set("Company", "Updated")
        })
        .collect();
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("PUT"),
        1,
        3,
        json!({"kind": "status", "status": 500}),
    )
    .await;
    let p = partial(records.update(&updates).await.unwrap_err());
    assert_eq!((p.outcomes.len(), p.failed.clone()), (100, 100..150));
    assert!(p.outcomes.iter().all(|o| o.is_success()));

    // Upsert 150: the second chunk's reply is cut.
    fault(
        &emu,
        "/crm/v7/Leads/upsert",
        Some("POST"),
        1,
        1,
        json!({"kind": "truncate"}),
    )
    .await;
    let p = partial(
        records
            .upsert(&leads(150, "Upserted"), &[])
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (p.outcomes.len(), p.failed.clone()),
        (100, 100..150),
        "{}",
        p.error
    );
    assert_eq!(p.error.kind(), ErrorKind::UnknownOutcome, "{}", p.error);
    assert!(p.error.may_have_applied());
    assert_eq!(
        server_count(&c, "Upserted").await,
        150,
        "the cut chunk was applied: reported as unknown, not as failed"
    );

    // Delete 150: the second chunk's connection drops (before it is handled, which the client
    // cannot tell): not repeated, an unknown outcome.
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("DELETE"),
        1,
        1,
        json!({"kind": "drop"}),
    )
    .await;
    let p = partial(records.delete(&all).await.unwrap_err());
    assert_eq!(
        (p.outcomes.len(), p.failed.clone(), p.total),
        (100, 100..150, 150)
    );
    assert_eq!(p.error.kind(), ErrorKind::UnknownOutcome, "{}", p.error);
    assert!(p.to_string().contains("records 100..150 failed"), "{p}");
}

#[tokio::test]
async fn a_lost_or_cut_reply_to_a_create_is_an_unknown_outcome() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    let records = c.dynamic("Leads");
    for (i, kind) in ["truncate", "drop_after", "drop"].into_iter().enumerate() {
        let tag = format!("Lost{i}");
        let before = logged(&emu, "POST", "/crm/v7/Leads");
        fault(
            &emu,
            "/crm/v7/Leads",
            Some("POST"),
            0,
            1,
            json!({"kind": kind}),
        )
        .await;
        let e = records.create(&leads(3, &tag)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{kind}: {e}");
        assert!(e.may_have_applied() && !e.is_retryable(), "{kind}: {e}");
        assert!(e.to_string().contains("may have applied it"), "{e}");
        assert_eq!(
            logged(&emu, "POST", "/crm/v7/Leads") - before,
            1,
            "{kind}: a create is sent once, never repeated"
        );
        let written = server_count(&c, &tag).await;
        assert_eq!(written, if kind == "drop" { 0 } else { 3 }, "{kind}");
    }
    // A cut reply to a read is a decode error (retrying it is the caller's choice).
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("GET"),
        0,
        1,
        json!({"kind": "truncate"}),
    )
    .await;
    let e = c
        .get_json("/Leads", &[("fields", "Last_Name")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

#[tokio::test]
async fn outcome_counts_are_checked() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    let records = c.dynamic("Leads");
    let one = json!({"data": [{"code": "SUCCESS", "details": {"id": "1"}, "message": "record added", "status": "success"}]});
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("POST"),
        0,
        1,
        json!({"kind": "status", "status": 201, "body": one}),
    )
    .await;
    let e = records.create(&leads(3, "Count")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    assert!(
        e.to_string().contains("carries 1 outcomes for 3 records"),
        "{e}"
    );
    // A delete too: some records may be gone.
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("DELETE"),
        0,
        1,
        json!({"kind": "status", "status": 200, "body": one}),
    )
    .await;
    let e = records.delete(&["1".into(), "2".into()]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    // An update may be sent again: a wrong count is a protocol error.
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("PUT"),
        0,
        1,
        json!({"kind": "status", "status": 200, "body": one}),
    )
    .await;
    let updates = vec![
        DynamicRecord::new().set("id", "1").set("Company", "X"),
        DynamicRecord::new().set("id", "2").set("Company", "X"),
    ];
    let e = records.update(&updates).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Protocol(ProtocolError::OutcomeCount {
                sent: 2,
                received: 1
            })
        ),
        "{e}"
    );
}

#[tokio::test]
async fn only_2xx_is_success() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    let records = c.dynamic("Leads");
    for status in [302, 304, 307] {
        fault(&emu, "/crm/v7/Leads", None, 0, 2, json!({"kind": "status", "status": status, "body": {"data": []}, "headers": {"Location": "http://127.0.0.1:9/elsewhere"}})).await;
        let e = records
            .list(zcrm_core::ListParams::fields(["Last_Name"]))
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::UnexpectedStatus { status: s }) if s == status),
            "{status}: {e}"
        );
        let e = records.create(&leads(1, "Redirected")).await.unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::UnexpectedStatus { status: s }) if s == status),
            "{status}: {e}"
        );
    }
    assert_eq!(server_count(&c, "Redirected").await, 0);
    // A 304 answers a request with If-Modified-Since.
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("GET"),
        0,
        1,
        json!({"kind": "status", "status": 304}),
    )
    .await;
    let resp = c
        .execute(
            ApiRequest::get("/Leads")
                .query("fields", "Last_Name")
                .header("If-Modified-Since", "Tue, 01 Dec 2026 10:00:00 GMT"),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 304);
}

/// A reply to a create that is larger than `max_response_bytes` is not read, but the server
/// answered 201: the records were written. That is an unknown outcome, not a plain failure that
/// invites sending them again.
#[tokio::test]
async fn an_oversized_reply_to_a_create_is_an_unknown_outcome() {
    let emu = Emulator::start().await.unwrap();
    let store: Arc<dyn zcrm_core::store::TokenStore> = Arc::new(MemoryStore::new());
    let c = common::client(&emu, store.clone(), fast_retries()).await;
    // The same token, with a body limit below the size of a create's reply.
    let small = Client::builder()
        .environment(common::env_of(&emu))
        .token(
            zcrm_core::OAuthToken::builder()
                .id(c.token_id().unwrap())
                .build()
                .unwrap(),
        )
        .store(store)
        .config(
            SdkConfig::builder()
                .max_response_bytes(64)
                .max_concurrency(2)
                .pick_list_validation(false)
                .build()
                .unwrap(),
        )
        .build()
        .await
        .unwrap();
    let before = logged(&emu, "POST", "/crm/v7/Leads");
    let e = small
        .dynamic("Leads")
        .create(&leads(2, "Oversized"))
        .await
        .unwrap_err();
    assert_eq!(logged(&emu, "POST", "/crm/v7/Leads") - before, 1);
    assert_eq!(
        server_count(&c, "Oversized").await,
        2,
        "the server wrote them"
    );
    assert!(
        e.may_have_applied(),
        "a written create must not look like a failure: {e}"
    );
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    assert!(e.to_string().contains("64 bytes"), "names the limit: {e}");
}

/// Record ids of a delete travel as one comma-separated parameter: an id holding a comma (or
/// an empty id) must not change which records are deleted.
#[tokio::test]
async fn a_delete_removes_only_the_ids_given() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    let records = c.dynamic("Leads");
    let ids: Vec<RecordId> = records
        .create(&leads(2, "Kept"))
        .await
        .unwrap()
        .iter()
        .map(|o| o.id().unwrap())
        .collect();
    let before = logged(&emu, "DELETE", "/crm/v7/Leads");
    for bad in [format!("999,{}", ids[0]), String::new()] {
        let e = records
            .delete(&[RecordId::from(bad.clone()), ids[1].clone()])
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains(&format!("`{bad}`")),
            "names the id: {e}"
        );
    }
    assert_eq!(
        logged(&emu, "DELETE", "/crm/v7/Leads") - before,
        0,
        "nothing is sent"
    );
    assert_eq!(server_count(&c, "Kept").await, 2, "no record was deleted");
}

/// `may_have_applied()` is how a caller decides whether sending a batch again could write
/// twice: a batch that wrote its first chunks before failing has applied part of it.
#[tokio::test]
async fn a_partial_write_that_wrote_records_says_so() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    fault(&emu, "/crm/v7/Leads", Some("POST"), 1, 1, json!({"kind": "status", "status": 413, "body": {"code": "LIMIT_EXCEEDED", "details": {}, "message": "too large", "status": "error"}})).await;
    let e = c
        .dynamic("Leads")
        .create(&leads(101, "Applied"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PartialWrite, "{e}");
    assert_eq!(server_count(&c, "Applied").await, 100);
    assert!(
        e.may_have_applied(),
        "100 records were written, yet the error says nothing was: {e}"
    );
    // A batch whose first chunk already failed wrote nothing.
    fault(&emu, "/crm/v7/Leads", Some("POST"), 0, 1, json!({"kind": "status", "status": 413, "body": {"code": "LIMIT_EXCEEDED", "details": {}, "message": "too large", "status": "error"}})).await;
    let e = c
        .dynamic("Leads")
        .create(&leads(101, "Nothing"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PartialWrite, "{e}");
    assert!(!e.may_have_applied(), "{e}");
    assert_eq!(server_count(&c, "Nothing").await, 0);
}

#[tokio::test]
async fn a_delete_whose_reply_was_lost_is_not_replayed() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, fast_retries()).await;
    let leads = c.dynamic("Leads");
    let ids: Vec<RecordId> = leads
        .create(&[
            DynamicRecord::new().set("Last_Name", "Gone 1"),
            DynamicRecord::new().set("Last_Name", "Gone 2"),
        ])
        .await
        .unwrap()
        .iter()
        .map(|o| o.id().unwrap())
        .collect();
    fault(
        &emu,
        "/crm/v7/Leads",
        Some("DELETE"),
        0,
        1,
        json!({"kind": "drop_after"}),
    )
    .await;
    let before = logged(&emu, "DELETE", "/crm/v7/Leads");
    let e = leads.delete(&ids).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownOutcome, "{e}");
    assert!(e.may_have_applied());
    assert_eq!(
        logged(&emu, "DELETE", "/crm/v7/Leads") - before,
        1,
        "sent once"
    );
    for id in &ids {
        assert!(
            leads.get(id, &["Last_Name"]).await.unwrap().is_none(),
            "deleted"
        );
    }
}
