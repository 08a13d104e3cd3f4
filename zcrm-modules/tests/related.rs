//! Related lists typed by the related module, written once over `Module`: an account's
//! Contacts come back as `Contact`s, a lead's Notes as `Note`s; linking, unlinking and adding
//! go through the same type.

mod common;

use futures_util::TryStreamExt;
use zcrm_core::{ListParams, RecordId};
use zcrm_modules::accounts::Accounts;
use zcrm_modules::contacts::{Contact, ContactUpdate, Contacts};
use zcrm_modules::leads::{LeadUpdate, Leads};
use zcrm_modules::notes::{Note, NoteUpdate, Notes};

fn id_of(outcome: &zcrm_core::RecordOutcome) -> RecordId {
    outcome.clone().into_result().expect("a success")
}

#[tokio::test]
async fn an_accounts_contacts_are_typed_contacts_linked_and_unlinked() {
    let (_emu, client) = common::setup().await;
    let accounts = client.records(Accounts);
    let account = std::pin::pin!(accounts.list(ListParams::fields(["Account_Name"])))
        .try_next()
        .await
        .unwrap()
        .expect("the seed has an account");
    let account = account.id.clone().expect("an id");
    let made = client
        .records(Contacts)
        .create(&[
            ContactUpdate::new().last_name("Related One"),
            ContactUpdate::new().last_name("Related Two"),
        ])
        .await
        .unwrap();
    let ids: Vec<RecordId> = made.iter().map(id_of).collect();

    let contacts = accounts.related(&account, Contacts);
    let linked = contacts.link(&ids).await.unwrap();
    assert_eq!(linked.len(), 2);
    assert!(
        linked.iter().all(|o| o.clone().into_result().is_ok()),
        "{linked:?}"
    );
    let listed: Vec<Contact> = contacts
        .list(ListParams::fields(["Last_Name"]))
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .iter()
        .filter_map(|c| c.last_name.as_deref())
        .collect();
    assert!(
        names.contains(&"Related One") && names.contains(&"Related Two"),
        "{names:?}"
    );

    let unlinked = contacts.delink(&ids[..1]).await.unwrap();
    assert_eq!(unlinked.len(), 1);
    let listed: Vec<Contact> = contacts
        .list(ListParams::fields(["Last_Name"]))
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .iter()
        .filter_map(|c| c.last_name.as_deref())
        .collect();
    assert!(
        !names.contains(&"Related One") && names.contains(&"Related Two"),
        "{names:?}"
    );

    // An id that would name other records is refused before sending.
    let bad = contacts.link(&[RecordId("1,2".into())]).await.unwrap_err();
    assert!(bad.to_string().contains("holds a `,`"), "{bad}");
    let bad = contacts
        .delink(&[RecordId(String::new())])
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("is empty"), "{bad}");
}

#[tokio::test]
async fn a_leads_notes_are_typed_notes() {
    let (_emu, client) = common::setup().await;
    let leads = client.records(Leads);
    let lead = id_of(
        &leads
            .create(&[LeadUpdate::new().last_name("Noted")])
            .await
            .unwrap()[0],
    );
    let notes = leads.related(&lead, Notes);
    let added = notes
        .add(&[
            NoteUpdate::new().note_content("First call"),
            NoteUpdate::new().note_content("Second call"),
        ])
        .await
        .unwrap();
    assert_eq!(added.len(), 2);
    let listed: Vec<Note> = notes
        .list(ListParams::fields(["Note_Content", "Parent_Id"]))
        .try_collect()
        .await
        .unwrap();
    let mut contents: Vec<&str> = listed
        .iter()
        .filter_map(|n| n.note_content.as_deref())
        .collect();
    contents.sort();
    assert_eq!(contents, ["First call", "Second call"]);
    let first = id_of(&added[0]);
    assert!(listed.iter().any(|n| n.id.as_ref() == Some(&first)));
}
