//! A sales pipeline on the embedded Zoho emulator: a notification channel watching Deals (its
//! payloads received by a small web endpoint and decoded as typed `Notification`s), a lead
//! converted into a contact, an account and a typed deal, and one mass update moving deals to
//! the next stage.
//!
//! `cargo run -p zcrm-modules --example pipeline`

use axum::{body::Bytes, extract::State, http::StatusCode, routing::post, Router};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::mpsc;
use zcrm_core::notification::Notification;
use zcrm_core::types::Date;
use zcrm_core::{ApiEnvironment, Client, Conversion, OAuthToken};
use zcrm_modules::api::notifications::Channel;
use zcrm_modules::api::Api;
use zcrm_modules::deals::{DealUpdate, Deals, Stage};
use zcrm_modules::leads::{LeadUpdate, Leads};

/// A closing date for the deals.
fn closing() -> Date {
    Date::from_str("2027-03-31").expect("a date")
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The secret Zoho sends back with every notification of the channel.
const CHANNEL_TOKEN: &str = "pipeline-example-token";

/// The endpoint Zoho POSTs notifications to: decodes each, checks its token, and passes it on.
async fn receive(State(tx): State<mpsc::Sender<Notification>>, body: Bytes) -> StatusCode {
    match Notification::from_slice(&body) {
        Ok(n) if n.verify_token(CHANNEL_TOKEN) => {
            let _ = tx.send(n).await;
            StatusCode::OK
        }
        Ok(_) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let emu = zcrm_emulator::Emulator::start().await?;
    let code = emu.mint_grant_code(
        "patricia.boyle@zylker.example",
        &[
            "ZohoCRM.modules.ALL",
            "ZohoCRM.settings.ALL",
            "ZohoCRM.notifications.ALL",
            "ZohoCRM.mass_update.ALL",
        ],
    )?;
    let client = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(ApiEnvironment::custom(
            &emu.api_url,
            &emu.accounts_url,
            &emu.api_url,
        ))
        .token(
            OAuthToken::builder()
                .client_id(zcrm_emulator::SELF_CLIENT_ID)
                .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
                .grant_token(code)
                .build()?,
        )
        .build()
        .await?;

    // Where notifications arrive.
    let (tx, mut received) = mpsc::channel(64);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}/zoho/notify", listener.local_addr()?);
    let app = Router::new()
        .route("/zoho/notify", post(receive))
        .with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Watch Deals, through the generated request builders.
    let channel = Channel::new()
        .channel_id(serde_json::json!(1_000_000_068_001u64))
        .events(vec!["Deals.all".to_string()])
        .notify_url(notify_url)
        .token(CHANNEL_TOKEN);
    client
        .api()
        .notifications()
        .enable_notifications(
            zcrm_modules::api::notifications::EnableNotificationsBody::new().watch(vec![channel]),
        )
        .send()
        .await?;

    // A lead becomes a contact, an account and a deal.
    let leads = client.records(Leads);
    let lead = leads
        .create(&[LeadUpdate::new()
            .first_name("Amara")
            .last_name("Okafor")
            .company("Okafor Freight")
            .email("amara@okafor-freight.example")])
        .await?[0]
        .clone()
        .into_result()?;
    let converted = leads
        .convert(
            &lead,
            &Conversion::new().deal(
                DealUpdate::new()
                    .deal_name("Okafor Freight: fleet tracking")
                    .stage(Stage::Qualification)
                    .closing_date(closing()),
            ),
        )
        .await?;
    println!(
        "lead {lead} became contact {:?}, account {:?} and deal {:?}",
        converted.contact, converted.account, converted.deal
    );
    let deal = converted.deal.ok_or("the conversion made no deal")?;

    // A second deal, then both move on in one mass update.
    let deals = client.records(Deals);
    let other = deals
        .create(&[DealUpdate::new()
            .deal_name("Okafor Freight: spare parts")
            .stage(Stage::Qualification)
            .closing_date(closing())])
        .await?[0]
        .clone()
        .into_result()?;
    let outcomes = deals
        .mass_update(
            &[deal.clone(), other.clone()],
            &DealUpdate::new().stage(Stage::NeedsAnalysis),
        )
        .await?;
    let moved = outcomes.iter().filter(|o| o.is_success()).count();
    println!(
        "mass update: {moved} of {} deals now in Needs Analysis",
        outcomes.len()
    );

    // The notifications Zoho sent about those deals.
    let mut seen = 0;
    while let Ok(Some(n)) = tokio::time::timeout(Duration::from_secs(5), received.recv()).await {
        println!(
            "notification: {:?} of {} {:?} (fields {:?})",
            n.operation,
            n.module,
            n.ids.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
            n.affected_fields
                .iter()
                .flat_map(|a| a.fields.iter().map(String::as_str))
                .collect::<Vec<_>>()
        );
        seen += 1;
        if seen == 3 {
            break;
        }
    }
    if seen < 3 {
        return Err(format!("expected 3 notifications about Deals, got {seen}").into());
    }
    Ok(())
}
