//! Dynamic records against the emulator.

mod common;
use futures_util::TryStreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;
use zcrm_core::{Client, DynamicRecord, ListParams, RecordId, SearchQuery};
use zcrm_emulator::Emulator;

async fn setup() -> (Emulator, Client) {
    let emu = Emulator::start().await.unwrap();
    let client = common::client(
        &emu,
        std::sync::Arc::new(zcrm_core::store::MemoryStore::new()),
        zcrm_core::SdkConfig::default(),
    )
    .await;
    (emu, client)
}

async fn admin(emu: &Emulator, path: &str, body: Value) -> Value {
    common::admin(emu, Method::POST, path, body).await
}

fn lead(last: &str) -> DynamicRecord {
    DynamicRecord::new().set("Last_Name", last)
}

#[tokio::test]
async fn streams_ten_thousand_leads_past_the_page_limit_each_once() {
    let (emu, client) = setup().await;
    admin(
        &emu,
        "/orgs/60012345/records/Leads",
        json!({"generate": 9997, "template": {"Last_Name": "Bulk {n}"}}),
    )
    .await;
    let records: Vec<DynamicRecord> = client
        .dynamic("Leads")
        .list(ListParams::fields(["Last_Name"]))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 10_000);
    let ids: HashSet<RecordId> = records.iter().map(|r| r.id().unwrap()).collect();
    assert_eq!(ids.len(), 10_000, "every record exactly once");
    let lists: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.path == "/crm/v7/Leads")
        .collect();
    assert_eq!(lists.len(), 50);
    assert!(lists[..10]
        .iter()
        .all(|r| r.query.contains("page=") && !r.query.contains("page_token")));
    assert!(lists[10..].iter().all(|r| r.query.contains("page_token=")));
}

#[tokio::test]
async fn writes_are_chunked_with_outcomes_in_order() {
    let (emu, client) = setup().await;
    let leads = client.dynamic("Leads");
    let mut input: Vec<DynamicRecord> = (0..250).map(|i| lead(&format!("W{i:03}"))).collect();
    input[120] = DynamicRecord::new().set("First_Name", "no last name");
    let out = leads.create(&input).await.unwrap();
    assert_eq!(out.len(), 250);
    assert_eq!(out.iter().filter(|o| o.is_success()).count(), 249);
    assert_eq!(out[120].code, "MANDATORY_NOT_FOUND");
    assert_eq!(out[120].details["api_name"], "Last_Name");
    let creates = emu
        .requests()
        .into_iter()
        .filter(|r| r.path == "/crm/v7/Leads" && r.method == "POST")
        .count();
    assert_eq!(creates, 3);
    // A chunk whose records all fail gives their outcomes, not an error.
    let out = leads
        .create(&[DynamicRecord::new().set("Email", "bad")])
        .await
        .unwrap();
    assert_eq!(out.len(), 1);
    assert!(!out[0].is_success());
    assert!(out[0].clone().into_result().is_err());
    // Update, upsert, get, delete.
    let id = out_id(
        &leads
            .create(&[lead("Target").set("Email", "t@x.example")])
            .await
            .unwrap()[0],
    );
    let up = leads
        .update(&[DynamicRecord::new()
            .set("id", id.as_str())
            .set("Company", "Co")])
        .await
        .unwrap();
    assert_eq!(up[0].message, "record updated");
    let ups = leads
        .upsert(
            &[
                lead("Target2").set("Email", "T@x.example"),
                lead("New").set("Email", "new@x.example"),
            ],
            &["Email"],
        )
        .await
        .unwrap();
    assert_eq!(ups[0].action.as_deref(), Some("update"));
    assert_eq!(ups[0].id(), Some(id.clone()));
    assert_eq!(ups[1].action.as_deref(), Some("insert"));
    let got = leads.get(&id, &[]).await.unwrap().unwrap();
    assert_eq!(
        (got.get_str("Last_Name"), got.get_str("Company")),
        (Some("Target2"), Some("Co"))
    );
    assert!(leads
        .get(&RecordId::from("1"), &[])
        .await
        .unwrap()
        .is_none());
    let del = leads
        .delete(&[id.clone(), RecordId::from("1")])
        .await
        .unwrap();
    assert!(del[0].is_success() && !del[1].is_success());
    let deleted = leads.deleted("all").await.unwrap();
    assert_eq!(deleted[0].id, id);
    // Request-level errors stay errors.
    let e = client
        .dynamic("Nope")
        .create(&[lead("x")])
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some("INVALID_MODULE"));
}

fn out_id(o: &zcrm_core::RecordOutcome) -> RecordId {
    o.id().expect("created")
}

#[tokio::test]
async fn search_count_and_coql() {
    let (_emu, client) = setup().await;
    let leads = client.dynamic("Leads");
    let hits: Vec<DynamicRecord> = leads
        .search(
            SearchQuery::Criteria("(Lead_Status:equals:Contacted)".into()),
            &["Last_Name"],
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].get_str("Last_Name"), Some("Doe"));
    let none: Vec<DynamicRecord> = leads
        .search(SearchQuery::Word("zzzz".into()), &[])
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(leads.count(None).await.unwrap(), 3);
    assert_eq!(
        leads
            .count(Some(SearchQuery::Email("maria@garcia.example".into())))
            .await
            .unwrap(),
        1
    );
    let (rows, more) = client
        .coql("select Last_Name from Leads where Last_Name like '%a%' order by Last_Name limit 10")
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r.get_str("Last_Name").unwrap())
            .collect::<Vec<_>>(),
        vec!["Garcia", "Tanaka"]
    );
    assert!(!more);
    let (rows, _) = client
        .coql("select Last_Name from Leads where Last_Name = 'Nobody'")
        .await
        .unwrap();
    assert!(rows.is_empty());
}
