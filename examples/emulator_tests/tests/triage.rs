//! Testing your own zcrm code offline: start `zcrm-emulator` in the test, seed an org and its
//! records, sign in with the self client's grant code, run the code, and check what Zoho now
//! holds. Faults and token expiry are injected the same way.

use serde_json::json;
use std::sync::Arc;
use zcrm_core::store::MemoryStore;
use zcrm_core::{ApiEnvironment, Client, OAuthToken, RecordId, RetryPolicy, SdkConfig};
use zcrm_emulator::{Emulator, Fault, NewOrg, SELF_CLIENT_ID, SELF_CLIENT_SECRET};
use zcrm_example_lead_triage::triage;
use zcrm_modules::leads::{LeadStatus, Leads};

const SCOPES: [&str; 4] = [
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
];

/// An emulator with an org of its own and three leads; the client signed in as its admin.
async fn org_with_leads(config: SdkConfig) -> (Emulator, NewOrg, Client, Vec<String>) {
    let emu = Emulator::start().await.unwrap();
    let admin = emu.admin();
    let org = admin
        .add_org("Initech", "bill@initech.example", "Lumbergh")
        .await
        .unwrap();
    let ids = admin
        .add_records(
            &org.zgid,
            "Leads",
            vec![
                json!({"Last_Name": "Bolton", "Company": "Initech", "Lead_Status": "Contacted"}),
                json!({"Last_Name": "Waddams", "Lead_Status": "Contacted"}),
                json!({"Last_Name": "Gibbons", "Company": "Initech", "Lead_Status": "Not Contacted"}),
            ],
        )
        .await
        .unwrap();
    let code = emu
        .mint_grant_code("bill@initech.example", &SCOPES)
        .unwrap();
    let client = Client::builder()
        .environment(ApiEnvironment::custom(
            &emu.api_url,
            &emu.accounts_url,
            &emu.upload_url,
        ))
        .token(
            OAuthToken::builder()
                .client_id(SELF_CLIENT_ID)
                .client_secret(SELF_CLIENT_SECRET)
                .grant_token(code)
                .build()
                .unwrap(),
        )
        .store(Arc::new(MemoryStore::new()))
        .config(config)
        .build()
        .await
        .unwrap();
    (emu, org, client, ids)
}

async fn status(client: &Client, id: &str) -> Option<LeadStatus> {
    client
        .records(Leads)
        .get(&RecordId::from(id), &[])
        .await
        .unwrap()
        .unwrap()
        .lead_status
}

#[tokio::test]
async fn contacted_leads_with_a_company_are_qualified() {
    let (emu, _org, client, ids) = org_with_leads(SdkConfig::default()).await;
    // Tokens expiring are the SDK's business: the code under test does not notice, whether
    // the token is expired before the run or answered as expired in the middle of it (here:
    // the update, after the listing succeeded).
    emu.admin().expire_access_tokens().await.unwrap();
    emu.admin()
        .add_fault(&Fault::status("/crm/v7/Leads", 401).method("PUT"))
        .await
        .unwrap();
    let report = triage(&client).await.unwrap();
    let log = emu.requests();
    let refreshes = log
        .iter()
        .filter(|e| e.grant_type.as_deref() == Some("refresh_token"))
        .count();
    assert_eq!(
        refreshes, 2,
        "the SDK refreshed before the listing and before the resent update"
    );
    assert_eq!(
        log.iter()
            .filter(|e| e.method == "PUT" && e.status == 401)
            .count(),
        1,
        "the update met the expired token once"
    );
    assert_eq!(report.seen, 3);
    assert_eq!(report.qualified, [RecordId::from(ids[0].as_str())]);
    assert!(report.refused.is_empty());
    assert_eq!(
        status(&client, &ids[0]).await,
        Some(LeadStatus::PreQualified)
    );
    assert_eq!(status(&client, &ids[1]).await, Some(LeadStatus::Contacted));
    assert_eq!(
        status(&client, &ids[2]).await,
        Some(LeadStatus::NotContacted)
    );
    // Running it again finds nothing more to do.
    let again = triage(&client).await.unwrap();
    assert!(again.qualified.is_empty());
}

#[tokio::test]
async fn a_failing_zoho_is_an_error_and_nothing_changes() {
    let no_retries = SdkConfig::builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let (emu, _org, client, ids) = org_with_leads(no_retries).await;
    emu.admin()
        .add_fault(&Fault::status("/crm/v7/Leads", 500).method("PUT"))
        .await
        .unwrap();
    let e = triage(&client).await.unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(
        !e.may_have_applied(),
        "a 500 before handling wrote nothing: {e}"
    );
    assert_eq!(status(&client, &ids[0]).await, Some(LeadStatus::Contacted));
    // The fault was for one request: the next run succeeds.
    assert_eq!(triage(&client).await.unwrap().qualified.len(), 1);
}
