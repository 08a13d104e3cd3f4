//! The generated record operations write through the SDK's one validated path: a picklist value
//! the org does not have is refused before anything is sent, as with `Records` writes.

mod common;

use common::setup;
use serde_json::{json, Value};
use zcrm_core::Error;
use zcrm_emulator::Emulator;
use zcrm_modules::api::Api;

fn body<T: serde::de::DeserializeOwned>(records: Value) -> T {
    serde_json::from_value(json!({ "data": records })).unwrap()
}

/// Requests to Leads records the emulator received (method, path).
fn lead_writes(emu: &Emulator) -> Vec<(String, String)> {
    emu.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/crm/v7/Leads") && r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

fn refused(e: Error) {
    match &e {
        Error::Validation(v) => {
            assert_eq!((v.module.as_str(), v.field.as_str()), ("Leads", "Rating"));
            assert_eq!(v.value, "Shut Down");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn generated_record_writes_validate_picklists_before_sending() {
    let (emu, client) = setup().await;
    let record = client.api().record();
    let bad = json!([{"Last_Name": "Generated", "Rating": "Shut Down"}]);

    refused(
        record
            .create_records("Leads", body(bad.clone()))
            .send()
            .await
            .unwrap_err(),
    );
    refused(
        record
            .upsert_records("Leads", body(bad.clone()))
            .send()
            .await
            .unwrap_err(),
    );
    refused(
        record
            .update_records("Leads", body(json!([{"id": "1", "Rating": "Shut Down"}])))
            .send()
            .await
            .unwrap_err(),
    );
    refused(
        record
            .update_record("Leads", "1", body(bad.clone()))
            .send()
            .await
            .unwrap_err(),
    );
    refused(
        record
            .clone_record("Leads", "1", body(bad))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        lead_writes(&emu),
        vec![],
        "nothing was sent for the refused writes"
    );

    // A value the org has goes through (the actual value, as Records writes need it).
    let created = record
        .create_records(
            "Leads",
            body(json!([{"Last_Name": "Generated", "Rating": "Active"}])),
        )
        .send()
        .await
        .unwrap()
        .unwrap();
    let outcome = serde_json::to_value(&created).unwrap();
    assert_eq!(outcome["data"][0]["code"], "SUCCESS", "{outcome}");
    assert_eq!(
        lead_writes(&emu),
        vec![("POST".to_string(), "/crm/v7/Leads".to_string())]
    );
}

/// A currency amount with more digits than an `f64` holds is written and read back exactly.
#[tokio::test]
async fn decimals_keep_every_digit_through_a_write_and_a_read() {
    use std::str::FromStr;
    use zcrm_core::types::Decimal;
    use zcrm_modules::leads::{LeadUpdate, Leads};
    let (emu, client) = setup().await;
    let amount = "12345678901234567.89";
    let leads = client.records(Leads);
    let id = leads
        .create(&[LeadUpdate::new()
            .last_name("Exact")
            .annual_revenue(Decimal::from_str(amount).unwrap())])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap();
    let lead = leads.get(&id, &[]).await.unwrap().unwrap();
    assert_eq!(lead.annual_revenue.as_ref().unwrap().to_string(), amount);
    assert_eq!(
        serde_json::to_value(&lead).unwrap()["Annual_Revenue"].to_string(),
        amount
    );
    // What the emulator stored is what was sent.
    let dynamic = client
        .dynamic("Leads")
        .get(&id, &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dynamic.get("Annual_Revenue").unwrap().to_string(), amount);
    drop(emu);
}
