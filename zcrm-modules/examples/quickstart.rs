//! The quickstart: the self-client walk-through end to end.
//!
//! `cargo run -p zcrm-modules --example quickstart [TOKEN_DIR]`
//!
//! Without Zoho credentials it starts the Zoho emulator in this process and plays the whole
//! story on it. With `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN` (or
//! `ZOHO_GRANT_TOKEN`) and `ZOHO_DC` set, the same program runs against real Zoho (the steps
//! that need the emulator's admin API are skipped). Tokens are kept in a token file in
//! `TOKEN_DIR` (default: a new temporary directory).

use futures_util::TryStreamExt;
use std::str::FromStr;
use std::sync::Arc;
use zcrm_core::store::{FileStore, TokenStore};
use zcrm_core::types::{Date, Decimal};
use zcrm_core::{
    ApiEnvironment, Client, DataCenter, Environment, ListParams, OAuthToken, SdkConfig,
};
use zcrm_modules::leads::{Lead, LeadField, LeadStatus, LeadUpdate, Leads, Rating};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn step(n: u32, text: &str) {
    println!("\n{n}. {text}");
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<()> {
    let dir = match std::env::args().nth(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("zcrm-quickstart-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let store = Arc::new(FileStore::new(dir.join("sdk_tokens.txt")));
    let config = SdkConfig::builder().resource_path(&dir).build()?;

    let real = var("ZOHO_CLIENT_ID").is_some()
        && var("ZOHO_CLIENT_SECRET").is_some()
        && var("ZOHO_DC").is_some();
    let mut emulator = None;
    let (env, token) = if real {
        println!(
            "zcrm quickstart against Zoho ({})",
            var("ZOHO_DC").unwrap_or_default()
        );
        let dc: DataCenter = var("ZOHO_DC").unwrap_or_default().parse()?;
        let b = OAuthToken::builder()
            .client_id(var("ZOHO_CLIENT_ID").unwrap_or_default())
            .client_secret(var("ZOHO_CLIENT_SECRET").unwrap_or_default());
        let b = match (var("ZOHO_REFRESH_TOKEN"), var("ZOHO_GRANT_TOKEN")) {
            (Some(r), _) => b.refresh_token(r),
            (None, Some(g)) => b.grant_token(g),
            _ => return Err("set ZOHO_REFRESH_TOKEN or ZOHO_GRANT_TOKEN".into()),
        };
        step(1, "Using the refresh or grant token from the environment.");
        (dc.environment(Environment::Production), b.build()?)
    } else {
        println!("zcrm quickstart on the Zoho emulator (no ZOHO_* credentials set)");
        let emu = zcrm_emulator::Emulator::start().await?;
        println!("   emulator at {}", emu.base_url);
        step(
            1,
            "Minting a self-client grant code (the API console's job)...",
        );
        let code = emu.mint_grant_code(
            "patricia.boyle@zylker.example",
            &[
                "ZohoCRM.modules.ALL",
                "ZohoCRM.settings.ALL",
                "ZohoCRM.users.READ",
                "ZohoCRM.org.READ",
            ],
        )?;
        println!("   got a grant code; it is single-use and expires in 3 minutes");
        let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
        let token = OAuthToken::builder()
            .client_id(zcrm_emulator::SELF_CLIENT_ID)
            .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
            .grant_token(code)
            .build()?;
        emulator = Some(emu);
        (env, token)
    };

    step(
        2,
        "Initialising the client (grant exchange, user and org discovery, token saved)...",
    );
    let client = Client::builder()
        .environment(env.clone())
        .token(token)
        .store(store.clone())
        .config(config.clone())
        .build()
        .await?;
    println!(
        "   signed in as {}; token id {} saved in {}",
        client.user_name().unwrap_or_default(),
        client.token_id().unwrap_or_default(),
        dir.join("sdk_tokens.txt").display()
    );

    let leads = client.records(Leads);
    step(3, "Listing Leads...");
    let all: Vec<Lead> = leads
        .list(ListParams::fields([
            LeadField::LastName,
            LeadField::Company,
            LeadField::LeadStatus,
        ]))
        .try_collect()
        .await?;
    for l in all.iter().take(10) {
        println!(
            "   {:<12} {:<20} {}",
            l.last_name.as_deref().unwrap_or(""),
            l.company.as_deref().unwrap_or(""),
            l.lead_status.as_ref().map(|s| s.as_str()).unwrap_or("")
        );
    }
    println!("   ({} leads)", all.len());

    step(4, "Creating a typed Lead...");
    let new = LeadUpdate::new()
        .last_name("Quickstart")
        .company("zcrm")
        .lead_status(LeadStatus::NotContacted)
        .rating(Rating::Active)
        .annual_revenue(Decimal::from_str("125000.50")?);
    let new = if real {
        new
    } else {
        new.follow_up_date(Date::from_str("2026-12-24")?)
    };
    let id = leads.create(&[new]).await?.remove(0).into_result()?;
    println!("   created lead {id}");

    step(5, "Updating it...");
    leads
        .update(&[LeadUpdate::new()
            .with_id(id.clone())
            .lead_status(LeadStatus::Contacted)
            .clear_company()])
        .await?
        .remove(0)
        .into_result()?;
    let lead = leads.get(&id, &[]).await?.ok_or("the lead vanished")?;
    println!(
        "   status is now {}, company {:?}",
        lead.lead_status.as_ref().map(|s| s.as_str()).unwrap_or(""),
        lead.company
    );

    step(
        6,
        "Writing a picklist value the org does not have (the display value \"Shut Down\")...",
    );
    match leads
        .update(&[LeadUpdate::new()
            .with_id(id.clone())
            .rating(Rating::Other("Shut Down".into()))])
        .await
    {
        Err(e) => println!("   refused before sending: {e}"),
        Ok(_) => return Err("the invalid picklist value was accepted".into()),
    }

    if let Some(emu) = &emulator {
        step(
            7,
            "An admin adds the value \"Nurturing\" to Lead Status in the CRM...",
        );
        reqwest::Client::new()
            .post(format!(
                "{}/orgs/60012345/fields/Leads/Lead_Status/picklist-values",
                emu.admin_url
            ))
            .json(&serde_json::json!({"values": ["Nurturing"]}))
            .send()
            .await?
            .error_for_status()?;
        leads
            .update(&[LeadUpdate::new()
                .with_id(id.clone())
                .lead_status("Nurturing")])
            .await?
            .remove(0)
            .into_result()?;
        println!("   \"Nurturing\" accepted after one automatic metadata refresh (no restart)");
    } else {
        step(
            7,
            "(skipped on real Zoho: adding a picklist value needs the emulator's admin API)",
        );
    }

    step(8, "Deleting the Lead...");
    leads
        .delete(std::slice::from_ref(&id))
        .await?
        .remove(0)
        .into_result()?;
    println!("   deleted {id}");

    step(9, "Re-initialising from the stored token id alone...");
    let again = Client::builder()
        .environment(env)
        .token(
            OAuthToken::builder()
                .id(client.token_id().unwrap_or_default())
                .build()?,
        )
        .store(store.clone())
        .config(config)
        .build()
        .await?;
    println!(
        "   {} leads, as {}; {} token(s) stored",
        again.records(Leads).count(None).await?,
        again.user_name().unwrap_or_default(),
        store.list().await?.len()
    );
    println!("\nDone.");
    Ok(())
}
