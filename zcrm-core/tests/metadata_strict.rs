//! Field metadata answers the SDK cannot use are typed errors, never a panic and never a cache
//! entry that switches picklist validation off: a 304 no `If-Modified-Since` asked for, and
//! malformed field objects (injected as emulator faults).

mod common;

use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;
use zcrm_core::store::MemoryStore;
use zcrm_core::{Client, DynamicRecord, Error, SdkConfig};
use zcrm_emulator::Emulator;

async fn client(emu: &Emulator, config: SdkConfig) -> Client {
    common::client(emu, Arc::new(MemoryStore::new()), config).await
}

/// The next `times` field-metadata requests are answered with `status` and `body`.
async fn fault(emu: &Emulator, status: u16, body: Option<Value>, times: u32) {
    let mut action = json!({"kind": "status", "status": status});
    if let Some(b) = body {
        action["body"] = b;
    }
    common::admin(
        emu,
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/settings/fields", "times": times, "action": action}),
    )
    .await;
}

fn field_fetches(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path == "/crm/v7/settings/fields")
        .count()
}

fn lead_posts(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path == "/crm/v7/Leads" && r.method == "POST")
        .count()
}

#[tokio::test]
async fn a_304_to_the_first_fetch_is_a_typed_error_not_a_panic() {
    let emu = Emulator::start().await.unwrap();
    let c = client(&emu, SdkConfig::default()).await;
    fault(&emu, 304, None, 1).await;
    let e = c.module_fields("Leads").await.unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 304, .. }) || e.to_string().contains("304"),
        "{e:?}"
    );
    // Nothing was cached: the next use fetches again and gets the fields.
    let fields = c.module_fields("Leads").await.unwrap();
    assert!(fields.field("Lead_Status").is_some());
    assert_eq!(field_fetches(&emu), 2);

    // Through a write: the same error, and the record is not sent.
    fault(&emu, 304, None, 1).await;
    let e = c
        .dynamic("Deals")
        .create(&[DynamicRecord::new().set("Deal_Name", "D")])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("304"), "{e}");
    assert!(!emu
        .requests()
        .iter()
        .any(|r| r.path == "/crm/v7/Deals" && r.method == "POST"));
}

#[tokio::test]
async fn malformed_field_metadata_is_a_decode_error_naming_module_and_path() {
    let cases = [
        (json!({"info": {}}), "fields", "`fields` is missing"),
        (
            json!({"fields": {"api_name": "Rating"}}),
            "fields",
            "not an array",
        ),
        (
            json!({"fields": [{"api_name": "Last_Name", "data_type": "text"}, {"data_type": "picklist", "pick_list_values": []}]}),
            "fields[1].api_name",
            "no `api_name`",
        ),
        (
            json!({"fields": [{"api_name": "Rating", "data_type": "picklist", "pick_list_values": "Hot,Cold"}]}),
            "fields[0].pick_list_values",
            "not an array",
        ),
        (
            json!({"fields": [{"api_name": "Rating", "data_type": "picklist", "pick_list_values": [{"display_value": "Hot", "actual_value": "Hot"}, {"display_value": "Cold"}]}]}),
            "fields[0].pick_list_values[1].actual_value",
            "no `actual_value`",
        ),
        (
            json!({"fields": [{"api_name": "Rating", "data_type": "picklist"}]}),
            "fields[0].pick_list_values",
            "no `pick_list_values`",
        ),
    ];
    let emu = Emulator::start().await.unwrap();
    for (i, (body, path, what)) in cases.into_iter().enumerate() {
        // A new client (nothing cached) per case.
        let dir = std::env::temp_dir().join(format!("zcrm-meta-strict-{i}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let c = client(
            &emu,
            SdkConfig::builder().resource_path(&dir).build().unwrap(),
        )
        .await;
        fault(&emu, 200, Some(body.clone()), 1).await;
        let fetches = field_fetches(&emu);
        let posts = lead_posts(&emu);
        // A write with a value the org does not have: refused, whatever the answer was.
        let e = c
            .dynamic("Leads")
            .create(&[DynamicRecord::new()
                .set("Last_Name", "L")
                .set("Rating", "Not A Rating")])
            .await
            .unwrap_err();
        match &e {
            Error::Decode {
                path: p,
                message,
                snippet,
            } => {
                assert_eq!(p, path, "case {i}: {e}");
                assert!(
                    message.contains("`Leads`") && message.contains(what),
                    "case {i}: {e}"
                );
                let start: String = body.to_string().chars().take(20).collect();
                assert!(snippet.starts_with(&start), "case {i}: {snippet}");
            }
            other => panic!("case {i}: expected a decode error, got {other:?}"),
        }
        assert_eq!(lead_posts(&emu), posts, "case {i}: nothing was sent");
        // Never cached, in memory or on disk: the next use fetches the real metadata, which
        // refuses the value as a picklist error.
        assert!(
            c.metadata_dir()
                .is_none_or(|d| !d.join("Leads.json").exists()),
            "case {i}: the malformed answer was written to the cache"
        );
        let e = c
            .dynamic("Leads")
            .create(&[DynamicRecord::new()
                .set("Last_Name", "L")
                .set("Rating", "Not A Rating")])
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "case {i}: {e}");
        // The malformed answer, the real one, and the one refresh a miss allows.
        assert_eq!(field_fetches(&emu), fetches + 3, "case {i}");
        assert_eq!(lead_posts(&emu), posts, "case {i}: nothing was sent");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A cache file is shared with other processes and may be damaged: a `checked_at` far in the
/// past or in the future is metadata to revalidate, never a panic (overflow) and never fresh
/// forever.
#[tokio::test]
async fn a_damaged_cache_time_is_revalidated_not_trusted() {
    let emu = Emulator::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("zcrm-meta-checked-at-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = SdkConfig::builder()
        .resource_path(&dir)
        .auto_refresh_fields(true)
        .build()
        .unwrap();
    let first = client(&emu, config.clone()).await;
    first.module_fields("Leads").await.unwrap();
    let file = first.metadata_dir().unwrap().join("Leads.json");
    let good: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for checked_at in [i64::MIN, i64::MIN + 1, i64::MAX] {
        let mut damaged = good.clone();
        damaged["checked_at"] = json!(checked_at);
        std::fs::write(&file, damaged.to_string()).unwrap();
        // Another client (as another process would) finds the file.
        let other = client(&emu, config.clone()).await;
        let before = field_fetches(&emu);
        let fields = other.module_fields("Leads").await.unwrap();
        assert!(fields.field("Lead_Status").is_some());
        assert_eq!(
            field_fetches(&emu) - before,
            1,
            "checked_at {checked_at} is revalidated"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
