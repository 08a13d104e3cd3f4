//! The generated record operations write through the SDK's one validated path: a picklist value
//! the org does not have is refused before anything is sent, as with `Records` writes.

use serde_json::{json, Value};
use zcrm_core::{ApiEnvironment, Client, Error, OAuthToken};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};
use zcrm_modules::api::record;

async fn setup() -> (Emulator, Client) {
    let emu = Emulator::start().await.unwrap();
    let code = emu
        .mint_grant_code(
            "patricia.boyle@zylker.example",
            &[
                "ZohoCRM.modules.ALL",
                "ZohoCRM.settings.ALL",
                "ZohoCRM.users.READ",
                "ZohoCRM.org.READ",
            ],
        )
        .unwrap();
    let token = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()
        .unwrap();
    let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
    let client = Client::builder()
        .environment(env)
        .token(token)
        .build()
        .await
        .unwrap();
    (emu, client)
}

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
    let bad = json!([{"Last_Name": "Generated", "Rating": "Shut Down"}]);

    refused(
        record::create_records(&client, "Leads", &body(bad.clone()))
            .await
            .unwrap_err(),
    );
    refused(
        record::upsert_records(&client, "Leads", &body(bad.clone()))
            .await
            .unwrap_err(),
    );
    refused(
        record::update_records(
            &client,
            "Leads",
            &Default::default(),
            &body(json!([{"id": "1", "Rating": "Shut Down"}])),
        )
        .await
        .unwrap_err(),
    );
    refused(
        record::update_record(&client, "Leads", "1", &body(bad.clone()))
            .await
            .unwrap_err(),
    );
    refused(
        record::clone_record(&client, "Leads", "1", &body(bad))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        lead_writes(&emu),
        vec![],
        "nothing was sent for the refused writes"
    );

    // A value the org has goes through (the actual value, as Records writes need it).
    let created = record::create_records(
        &client,
        "Leads",
        &body(json!([{"Last_Name": "Generated", "Rating": "Active"}])),
    )
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
