//! Beyond plain records, on the embedded Zoho emulator: a lead's notes as typed `Note`s, a tag
//! set through the generated request builders, and an account's contacts as typed `Contact`s.
//!
//! `cargo run -p zcrm-modules --example related`

use futures_util::TryStreamExt;
use zcrm_core::{ApiEnvironment, Client, ListParams, OAuthToken, RecordId};
use zcrm_modules::accounts::Accounts;
use zcrm_modules::api::tags::{AddTagsToRecordBody, Tag};
use zcrm_modules::api::Api;
use zcrm_modules::contacts::{Contact, ContactUpdate, Contacts};
use zcrm_modules::leads::{LeadUpdate, Leads};
use zcrm_modules::notes::{Note, NoteUpdate, Notes};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let emu = zcrm_emulator::Emulator::start().await?;
    let code = emu.mint_grant_code(
        "patricia.boyle@zylker.example",
        &[
            "ZohoCRM.modules.ALL",
            "ZohoCRM.settings.ALL",
            "ZohoCRM.users.READ",
            "ZohoCRM.org.READ",
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

    // A lead and its notes.
    let leads = client.records(Leads);
    let lead = leads
        .create(&[LeadUpdate::new()
            .last_name("Okafor")
            .company("Okafor Freight")])
        .await?[0]
        .clone()
        .into_result()?;
    let notes = leads.related(&lead, Notes);
    notes
        .add(&[
            NoteUpdate::new()
                .note_title("Call")
                .note_content("Wants a quote by Friday"),
            NoteUpdate::new()
                .note_title("Email")
                .note_content("Sent the price list"),
        ])
        .await?;
    let theirs: Vec<Note> = notes
        .list(ListParams::fields(["Note_Title", "Note_Content"]))
        .try_collect()
        .await?;
    println!("lead {lead} has {} notes:", theirs.len());
    for n in &theirs {
        println!(
            "   {}: {}",
            n.note_title.as_deref().unwrap_or("-"),
            n.note_content.as_deref().unwrap_or("")
        );
    }

    // A tag, through the generated request builders.
    let tags = client.api().tags();
    tags.add_tags_to_record(
        "Leads",
        lead.as_str(),
        AddTagsToRecordBody::new().tags(vec![Tag::new().name("hot")]),
    )
    .send()
    .await?;
    let listed = tags
        .get_tags("Leads")
        .send()
        .await?
        .and_then(|t| t.tags)
        .unwrap_or_default();
    let names: Vec<&str> = listed.iter().filter_map(|t| t.name.as_deref()).collect();
    println!("tags of Leads: {names:?}");

    // An account's contacts.
    let accounts = client.records(Accounts);
    let account = accounts
        .list(ListParams::fields(["Account_Name"]))
        .try_collect::<Vec<_>>()
        .await?;
    let account: RecordId = account[0].id.clone().ok_or("the account has no id")?;
    let made = client
        .records(Contacts)
        .create(&[ContactUpdate::new().last_name("Adeyemi")])
        .await?;
    let contact = made[0].clone().into_result()?;
    let contacts = accounts.related(&account, Contacts);
    contacts.link(&[contact]).await?;
    let linked: Vec<Contact> = contacts
        .list(ListParams::fields(["Last_Name"]))
        .try_collect()
        .await?;
    let names: Vec<&str> = linked
        .iter()
        .filter_map(|c| c.last_name.as_deref())
        .collect();
    println!("account {account} has contacts {names:?}");
    Ok(())
}
