//! Field metadata cache and picklist validation against the emulator.

mod common;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use zcrm_core::store::TokenStore;
use zcrm_core::{Client, DynamicRecord, Error, ErrorKind, SdkConfig};
use zcrm_emulator::Emulator;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zcrm-meta-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn client_with(emu: &Emulator, config: SdkConfig, store: Arc<dyn TokenStore>) -> Client {
    common::client(emu, store, config).await
}

async fn admin(emu: &Emulator, path: &str, body: Value) {
    common::admin(emu, Method::POST, path, body).await;
}

#[tokio::test]
async fn auto_refresh_revalidates_with_if_modified_since() {
    let emu = Emulator::start().await.unwrap();
    let dir = temp_dir("auto");
    let config = SdkConfig::builder()
        .resource_path(&dir)
        .auto_refresh_fields(true)
        .metadata_ttl(Duration::ZERO)
        .build()
        .unwrap();
    let client = client_with(&emu, config, Arc::new(zcrm_core::store::MemoryStore::new())).await;
    let first = client.module_fields("Leads").await.unwrap();
    assert!(first.field("Loyalty_Tier").is_none());
    // Stale at once (TTL 0): revalidated, and a 304 keeps the entry.
    client.module_fields("Leads").await.unwrap();
    assert_eq!(
        common::field_fetches(&emu)
            .iter()
            .map(|f| f.1)
            .collect::<Vec<_>>(),
        vec![200, 304]
    );
    // A changed field set replaces it.
    admin(
        &emu,
        "/orgs/60012345/fields/Leads",
        json!({"api_name": "Loyalty_Tier", "data_type": "text"}),
    )
    .await;
    let now = client.module_fields("Leads").await.unwrap();
    assert!(now.field("Loyalty_Tier").is_some());
    assert_eq!(common::field_fetches(&emu).last().unwrap().1, 200);
    // Without auto refresh, nothing is revalidated until asked.
    let manual = client_with(
        &emu,
        SdkConfig::builder()
            .resource_path(temp_dir("manual"))
            .build()
            .unwrap(),
        Arc::new(zcrm_core::store::MemoryStore::new()),
    )
    .await;
    manual.module_fields("Deals").await.unwrap();
    let n = common::field_fetches(&emu).len();
    manual.module_fields("Deals").await.unwrap();
    assert_eq!(common::field_fetches(&emu).len(), n);
    manual.refresh_metadata("Deals").await.unwrap();
    assert_eq!(common::field_fetches(&emu).len(), n + 1);
    assert_eq!(
        common::field_fetches(&emu).last().unwrap().1,
        304,
        "an explicit refresh revalidates too"
    );
}

#[tokio::test]
async fn picklist_validation_matrix() {
    let emu = Emulator::start().await.unwrap();
    let client = client_with(
        &emu,
        SdkConfig::default(),
        Arc::new(zcrm_core::store::MemoryStore::new()),
    )
    .await;
    let leads = client.dynamic("Leads");
    let posts = || {
        emu.requests()
            .iter()
            .filter(|r| r.path == "/crm/v7/Leads" && r.method == "POST")
            .count()
    };
    // The actual value passes.
    assert!(leads
        .create(&[common::lead("A").set("Rating", "ShutDown")])
        .await
        .unwrap()[0]
        .is_success());
    // A display-only value fails with the allowed values, and nothing is sent.
    let sent = posts();
    let e = leads
        .create(&[common::lead("B").set("Rating", "Shut Down")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let msg = e.to_string();
    assert!(
        msg.contains("`Shut Down` is not allowed for Leads.Rating")
            && msg.contains("allowed values: -None-, Acquired, Active")
            && msg.contains("display value of `ShutDown`"),
        "{msg}"
    );
    assert_eq!(posts(), sent, "nothing was sent");
    // A value added in the CRM a minute ago passes after one automatic refresh.
    admin(
        &emu,
        "/orgs/60012345/fields/Leads/Lead_Status/picklist-values",
        json!({"values": ["Nurturing"]}),
    )
    .await;
    let fetches = common::field_fetches(&emu).len();
    assert!(leads
        .create(&[common::lead("C").set("Lead_Status", "Nurturing")])
        .await
        .unwrap()[0]
        .is_success());
    assert_eq!(
        common::field_fetches(&emu).len(),
        fetches + 1,
        "one refresh"
    );
    // A multi-select with one bad value fails naming it.
    let e = leads
        .create(&[common::lead("D").set("Preferred_Channels", json!(["Email", "Pigeon"]))])
        .await
        .unwrap_err();
    match e {
        Error::Validation(p) => assert_eq!(
            (p.field.as_str(), p.value.as_str()),
            ("Preferred_Channels", "Pigeon")
        ),
        other => panic!("{other}"),
    }
    // The same checks run on updates and upserts, before anything is sent.
    let e = leads
        .update(&[DynamicRecord::new().set("id", "1").set("Rating", "Hot")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    // Validation off: the request goes out and the emulator's own validation answers.
    let off = client_with(
        &emu,
        SdkConfig::builder()
            .pick_list_validation(false)
            .build()
            .unwrap(),
        Arc::new(zcrm_core::store::MemoryStore::new()),
    )
    .await;
    let sent = posts();
    let out = off
        .dynamic("Leads")
        .create(&[common::lead("E").set("Rating", "Shut Down")])
        .await
        .unwrap();
    assert_eq!(posts(), sent + 1);
    assert_eq!(
        (out[0].code.as_str(), out[0].details["api_name"].as_str()),
        ("INVALID_DATA", Some("Rating"))
    );
}

#[tokio::test]
async fn concurrent_writes_share_one_metadata_fetch() {
    let emu = Emulator::start().await.unwrap();
    let client = client_with(
        &emu,
        SdkConfig::builder().max_concurrency(50).build().unwrap(),
        Arc::new(zcrm_core::store::MemoryStore::new()),
    )
    .await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move {
                c.dynamic("Leads")
                    .create(&[common::lead(&format!("C{i}")).set("Lead_Status", "Contacted")])
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().unwrap()[0].is_success());
    }
    assert_eq!(
        common::field_fetches(&emu).len(),
        1,
        "200 writes, one metadata fetch"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_copy_and_without_one_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    let config = SdkConfig::builder()
        .auto_refresh_fields(true)
        .metadata_ttl(Duration::ZERO)
        .retry(zcrm_core::RetryPolicy::none())
        .build()
        .unwrap();
    let client = client_with(&emu, config, Arc::new(zcrm_core::store::MemoryStore::new())).await;
    let fault = |times: u32| {
        admin(
            &emu,
            "/faults",
            json!({"path_prefix": "/crm/v7/settings/fields", "times": times, "action": {"kind": "status", "status": 500}}),
        )
    };
    // No copy yet: the failure is an error.
    fault(1).await;
    let e = client.module_fields("Leads").await.unwrap_err();
    assert_eq!(e.api_code(), Some("INTERNAL_ERROR"));
    // With a copy, a failed revalidation keeps using it.
    let first = client.module_fields("Leads").await.unwrap();
    fault(1).await;
    let again = client.module_fields("Leads").await.unwrap();
    assert_eq!(again.fields.len(), first.fields.len());
    assert_eq!(
        common::field_fetches(&emu)
            .iter()
            .map(|f| f.1)
            .collect::<Vec<_>>(),
        vec![500, 200, 500]
    );
}

/// A token whose org could not be discovered (no users/org scope) keeps its metadata in memory:
/// files under `resource_path` are shared by org, and another org's would be wrong for it.
#[tokio::test]
async fn an_unknown_org_never_shares_metadata_files() {
    let emu = Emulator::start().await.unwrap();
    let dir = temp_dir("unknown-org");
    let code = emu
        .mint_grant_code(
            common::PATRICIA,
            &["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"],
        )
        .unwrap();
    let token = zcrm_core::OAuthToken::builder()
        .client_id(zcrm_emulator::SELF_CLIENT_ID)
        .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()
        .unwrap();
    let client = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(common::env_of(&emu))
        .token(token)
        .config(SdkConfig::builder().resource_path(&dir).build().unwrap())
        .build()
        .await
        .unwrap();
    assert!(
        client.user_name().is_none(),
        "discovery needs users and org scopes"
    );
    assert_eq!(client.metadata_dir(), None);
    client
        .dynamic("Leads")
        .create(&[common::lead("Memory").set("Rating", "Active")])
        .await
        .unwrap();
    let written: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert!(
        written.is_empty(),
        "nothing under resource_path: {written:?}"
    );
}
