//! Typed actions over `Module` against the emulator: converting a lead gives the typed ids of
//! what it became (each record really there, the lead marked converted), a mass update changes
//! every record it names and reports the rest, and the notifications Zoho POSTs to a channel
//! decode as typed `Notification`s.

mod common;

use axum::{body::Bytes, extract::State, routing::post, Router};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::mpsc;
use zcrm_core::notification::{Notification, Operation};
use zcrm_core::types::Date;
use zcrm_core::{AttachmentsTo, Conversion, DynamicRecord, Error, RecordId};
use zcrm_modules::accounts::Accounts;
use zcrm_modules::api::notifications::{Channel, EnableNotificationsBody};
use zcrm_modules::api::Api;
use zcrm_modules::contacts::Contacts;
use zcrm_modules::deals::{DealUpdate, Deals, Stage};
use zcrm_modules::leads::{LeadStatus, LeadUpdate, Leads};

/// A closing date for the deals.
fn closing() -> Date {
    Date::from_str("2027-03-31").expect("a date")
}

const SCOPES: &[&str] = &[
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.notifications.ALL",
    "ZohoCRM.mass_update.ALL",
];

/// Requests sent to `actions/...` paths (metadata fetches for picklist checks do not count).
fn actions_sent(emu: &zcrm_emulator::Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path.contains("/actions/"))
        .count()
}

async fn new_lead(client: &zcrm_core::Client, last: &str, company: &str) -> RecordId {
    client
        .records(Leads)
        .create(&[LeadUpdate::new()
            .first_name("Test")
            .last_name(last)
            .company(company)])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap()
}

#[tokio::test]
async fn converting_a_lead_gives_typed_ids_of_real_records() {
    let (_emu, client) = common::setup_with(SCOPES).await;
    let leads = client.records(Leads);
    let lead = new_lead(&client, "Convertible", "Convertible Ltd").await;
    let converted = leads
        .convert(
            &lead,
            &Conversion::new().deal(
                DealUpdate::new()
                    .deal_name("Convertible deal")
                    .stage(Stage::Qualification)
                    .closing_date(closing()),
            ),
        )
        .await
        .unwrap();
    let contact = converted.contact.clone().expect("a contact");
    let account = converted.account.clone().expect("an account");
    let deal = converted.deal.clone().expect("a deal");

    let c = client
        .records(Contacts)
        .get(&contact, &["Last_Name"])
        .await
        .unwrap()
        .expect("the contact exists");
    assert_eq!(c.last_name.as_deref(), Some("Convertible"));
    let a = client
        .records(Accounts)
        .get(&account, &["Account_Name"])
        .await
        .unwrap()
        .expect("the account exists");
    assert_eq!(a.account_name.as_deref(), Some("Convertible Ltd"));
    let d = client
        .records(Deals)
        .get(&deal, &["Deal_Name", "Stage"])
        .await
        .unwrap()
        .expect("the deal exists");
    assert_eq!(d.deal_name.as_deref(), Some("Convertible deal"));
    assert_eq!(d.stage, Some(Stage::Qualification));

    // Converted once: a second conversion is refused, with Zoho's code.
    let again = leads.convert(&lead, &Conversion::new()).await.unwrap_err();
    assert!(
        matches!(&again, Error::Api { code, .. } if code == "ID_ALREADY_CONVERTED"),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_conversion_without_a_deal_and_into_an_existing_account() {
    let (_emu, client) = common::setup_with(SCOPES).await;
    let account = client
        .records(Accounts)
        .create(&[zcrm_modules::accounts::AccountUpdate::new().account_name("Existing Account")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap();
    let lead = new_lead(&client, "Joiner", "Joiner Co").await;
    let converted = client
        .records(Leads)
        .convert(&lead, &Conversion::new().into_account(account.clone()))
        .await
        .unwrap();
    assert_eq!(converted.account, Some(account));
    assert!(converted.contact.is_some());
    assert_eq!(converted.deal, None);
}

#[tokio::test]
async fn conversions_refused_before_sending_or_by_the_server() {
    let (emu, client) = common::setup_with(SCOPES).await;
    let leads = client.records(Leads);
    let lead = new_lead(&client, "Refused", "Refused Inc").await;
    let before = actions_sent(&emu);
    // A deal picklist value the metadata does not allow: refused before anything is sent.
    let bad_stage = leads
        .convert(
            &lead,
            &Conversion::new().deal(
                DealUpdate::new()
                    .deal_name("x")
                    .stage(Stage::Other("Nowhere".into())),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(bad_stage, Error::Validation(_)), "{bad_stage:?}");
    // Attachments cannot move to a deal that is not made.
    let no_deal = leads
        .convert(
            &lead,
            &Conversion::new().move_attachments_to(AttachmentsTo::Deals),
        )
        .await
        .unwrap_err();
    assert!(matches!(no_deal, Error::Config(_)), "{no_deal:?}");
    assert_eq!(actions_sent(&emu), before, "nothing was sent");

    // A deal without its mandatory Stage: the server says which field.
    let missing = leads
        .convert(
            &lead,
            &Conversion::new().deal(DynamicRecord::new().set("Deal_Name", "No stage")),
        )
        .await
        .unwrap_err();
    assert!(matches!(&missing, Error::Api { .. }), "{missing:?}");
    // A lead that does not exist.
    let unknown = leads
        .convert(&RecordId("1".into()), &Conversion::new())
        .await
        .unwrap_err();
    assert!(matches!(&unknown, Error::Api { .. }), "{unknown:?}");
}

#[tokio::test]
async fn a_mass_update_changes_every_record_it_names_and_reports_the_rest() {
    let (_emu, client) = common::setup_with(SCOPES).await;
    let leads = client.records(Leads);
    let mut ids = vec![];
    for i in 0..3 {
        ids.push(new_lead(&client, &format!("Mass {i}"), "Mass Co").await);
    }
    let mut named = ids.clone();
    named.push(RecordId("111111111111111111".into()));
    let outcomes = leads
        .mass_update(
            &named,
            &LeadUpdate::new().lead_status(LeadStatus::Contacted),
        )
        .await
        .unwrap();
    assert_eq!(outcomes.len(), named.len(), "{outcomes:?}");
    assert!(outcomes[..3].iter().all(|o| o.is_success()), "{outcomes:?}");
    assert!(!outcomes[3].is_success(), "{outcomes:?}");
    for id in &ids {
        let lead = leads.get(id, &["Lead_Status"]).await.unwrap().unwrap();
        assert_eq!(lead.lead_status, Some(LeadStatus::Contacted));
    }
    // A disallowed picklist value is refused before sending.
    let bad = leads
        .mass_update(
            &ids,
            &LeadUpdate::new().lead_status(LeadStatus::Other("Nope".into())),
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Validation(_)), "{bad:?}");
    // An empty change is refused: a mass update sets at least one field.
    let empty = leads
        .mass_update(&ids, &LeadUpdate::new())
        .await
        .unwrap_err();
    assert!(matches!(empty, Error::Config(_)), "{empty:?}");
}

#[tokio::test]
async fn a_mass_update_past_500_ids_goes_in_chunks_with_one_outcome_each() {
    let (emu, client) = common::setup_with(SCOPES).await;
    let leads = client.records(Leads);
    let rows: Vec<LeadUpdate> = (0..620)
        .map(|i| {
            LeadUpdate::new()
                .last_name(format!("Chunk {i}"))
                .company("Chunk Co")
        })
        .collect();
    let ids: Vec<RecordId> = leads
        .create(&rows)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.into_result().unwrap())
        .collect();
    let before = actions_sent(&emu);
    let outcomes = leads
        .mass_update(&ids, &LeadUpdate::new().lead_status(LeadStatus::Contacted))
        .await
        .unwrap();
    assert_eq!(
        actions_sent(&emu) - before,
        2,
        "two requests of at most 500 ids"
    );
    assert_eq!(outcomes.len(), 620);
    assert!(outcomes.iter().all(|o| o.is_success()));
}

async fn receive(State(tx): State<mpsc::UnboundedSender<Vec<u8>>>, body: Bytes) -> &'static str {
    let _ = tx.send(body.to_vec());
    "ok"
}

#[tokio::test]
async fn notifications_of_a_watched_module_decode_as_typed_notifications() {
    let (_emu, client) = common::setup_with(SCOPES).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook?team=eu", listener.local_addr().unwrap());
    let app = Router::new().route("/hook", post(receive)).with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });

    client
        .api()
        .notifications()
        .enable_notifications(EnableNotificationsBody::new().watch(vec![Channel::new()
            .channel_id(serde_json::json!(1_000_000_068_001u64))
            .events(vec!["Leads.all".to_string()])
            .notify_url(url)
            .token("s3cret-channel")]))
        .send()
        .await
        .unwrap();

    let leads = client.records(Leads);
    let lead = new_lead(&client, "Watched", "Watched Co").await;
    leads
        .update(&[LeadUpdate::new()
            .with_id(lead.clone())
            .lead_status(LeadStatus::Contacted)])
        .await
        .unwrap();
    leads.delete(std::slice::from_ref(&lead)).await.unwrap();

    let mut got = vec![];
    while got.len() < 3 {
        let body = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a notification within 10 s")
            .unwrap();
        got.push(Notification::from_slice(&body).unwrap());
    }
    got.sort_by_key(|n| match n.operation {
        Operation::Insert => 0,
        Operation::Update => 1,
        _ => 2,
    });
    let ops: Vec<&Operation> = got.iter().map(|n| &n.operation).collect();
    assert_eq!(
        ops,
        [&Operation::Insert, &Operation::Update, &Operation::Delete]
    );
    for n in &got {
        assert!(n.is_for(&Leads));
        assert_eq!(n.channel_id, "1000000068001");
        assert!(n.verify_token("s3cret-channel"));
        assert!(!n.verify_token("guess"));
        assert_eq!(n.ids, std::slice::from_ref(&lead));
        assert_eq!(n.query_params.get("team"), Some(&serde_json::json!("eu")));
    }
    let edit = &got[1];
    assert!(
        edit.affected_fields
            .iter()
            .any(|a| a.id == lead && a.fields.iter().any(|f| f == "Lead_Status")),
        "{edit:?}"
    );
}

#[tokio::test]
async fn a_mass_update_of_a_view_is_a_job_followed_to_its_end() {
    let (_emu, client) = common::setup_with(SCOPES).await;
    let leads = client.records(Leads);
    let id = new_lead(&client, "Viewed", "View Co").await;
    let job = leads
        .mass_update_view("1", &LeadUpdate::new().lead_status(LeadStatus::Contacted))
        .await
        .unwrap();
    assert!(!job.as_str().is_empty());
    // `Duration::MAX` waits without a deadline (no overflow).
    let done = leads.mass_update_wait(&job, Duration::MAX).await.unwrap();
    assert_eq!(done.state, zcrm_core::MassUpdateState::Completed);
    assert!(done.total >= 1 && done.updated >= 1, "{done:?}");
    assert_eq!(
        done.total,
        done.updated + done.not_updated + done.failed,
        "{done:?}"
    );
    let lead = leads.get(&id, &["Lead_Status"]).await.unwrap().unwrap();
    assert_eq!(lead.lead_status, Some(LeadStatus::Contacted));
    // An unknown job is the server's error; a view id that is not a number is refused first.
    let unknown = leads
        .mass_update_status(&zcrm_core::MassUpdateJob("1".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, Error::Api { code, .. } if code == "INVALID_DATA"),
        "{unknown:?}"
    );
    let bad = leads
        .mass_update_view("all", &LeadUpdate::new().lead_status(LeadStatus::Contacted))
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Config(_)), "{bad:?}");
}

#[tokio::test]
async fn a_mass_update_naming_a_record_twice_is_refused_before_sending() {
    let (emu, client) = common::setup_with(SCOPES).await;
    let id = new_lead(&client, "Twice", "Twice Co").await;
    let before = actions_sent(&emu);
    let err = client
        .records(Leads)
        .mass_update(
            &[id.clone(), id],
            &LeadUpdate::new().lead_status(LeadStatus::Contacted),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_eq!(actions_sent(&emu), before);
}

#[tokio::test]
async fn a_conversion_moves_the_leads_attachments_where_asked() {
    let (_emu, client) = common::setup_with(SCOPES).await;
    let lead = new_lead(&client, "Attached", "Attached Co").await;
    let files = client.api().attachments();
    files
        .upload_attachment("Leads", lead.as_str())
        .attachment_url("https://www.zoho.com/crm")
        .send()
        .await
        .unwrap();
    let converted = client
        .records(Leads)
        .convert(
            &lead,
            &Conversion::new().move_attachments_to(AttachmentsTo::Contacts),
        )
        .await
        .unwrap();
    let contact = converted.contact.unwrap();
    let moved = files
        .get_attachments("Contacts", contact.as_str(), "id,File_Name")
        .send()
        .await
        .unwrap();
    let moved = serde_json::to_value(moved).unwrap();
    assert_eq!(moved["data"].as_array().map_or(0, Vec::len), 1, "{moved}");
}
