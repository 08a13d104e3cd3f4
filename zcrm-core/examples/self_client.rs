//! The self-client flow end to end, against the emulator started in-process: mint a grant code
//! (the API console's job), build a client from it (tokens persist in a FileStore), list, create
//! and delete Leads, then rebuild the client from the stored token id alone.
//!
//! `cargo run -p zcrm-core --example self_client`

use futures_util::TryStreamExt;
use std::sync::Arc;
use zcrm_core::store::FileStore;
use zcrm_core::{ApiEnvironment, Client, DynamicRecord, ListParams, OAuthToken};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = Emulator::start().await?;
    let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
    let dir = std::env::temp_dir().join(format!("zcrm-self-client-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Arc::new(FileStore::new(dir.join("sdk_tokens.txt")));

    let code = emu.mint_grant_code(
        "patricia.boyle@zylker.example",
        &[
            "ZohoCRM.modules.ALL",
            "ZohoCRM.settings.ALL",
            "ZohoCRM.users.READ",
            "ZohoCRM.org.READ",
        ],
    )?;
    let token = OAuthToken::builder()
        .client_id(SELF_CLIENT_ID)
        .client_secret(SELF_CLIENT_SECRET)
        .grant_token(code)
        .build()?;
    let client = Client::builder()
        .environment(env.clone())
        .token(token)
        .store(store.clone())
        .build()
        .await?;
    println!(
        "signed in as {} (token id {})",
        client.user_name().unwrap_or_default(),
        client.token_id().unwrap_or_default()
    );

    let leads = client.dynamic("Leads");
    let all: Vec<DynamicRecord> = leads
        .list(ListParams::fields(["Last_Name", "Company"]))
        .try_collect()
        .await?;
    for l in &all {
        println!(
            "  {:<10} {}",
            l.get_str("Last_Name").unwrap_or(""),
            l.get_str("Company").unwrap_or("")
        );
    }
    let created = leads
        .create(&[DynamicRecord::new()
            .set("Last_Name", "Example")
            .set("Company", "zcrm")])
        .await?;
    let id = created[0].clone().into_result()?;
    println!("created lead {id}");
    leads.delete(&[id]).await?;

    let again = Client::builder()
        .environment(env)
        .token(
            OAuthToken::builder()
                .id(client.token_id().unwrap_or_default())
                .build()?,
        )
        .store(store)
        .build()
        .await?;
    println!(
        "rebuilt from the stored id: {} leads",
        again.dynamic("Leads").count(None).await?
    );
    Ok(())
}
