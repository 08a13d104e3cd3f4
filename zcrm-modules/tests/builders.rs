//! Request builders send what their setters say: a header parameter (`If-Modified-Since`, a
//! 304 answer read as "nothing new") and a boolean query value (`over_write`) reach the server
//! and change its answer.

mod common;

use zcrm_modules::api::tags::{AddTagsToMultipleRecordsBody, Tag};
use zcrm_modules::api::Api;
use zcrm_modules::leads::{LeadUpdate, Leads};

#[tokio::test]
async fn if_modified_since_is_sent_as_a_header_and_a_304_is_nothing_new() {
    let (emu, client) = common::setup().await;
    let records = client.api().record();
    let unchanged = records
        .get_records("Leads", "Last_Name")
        .if_modified_since("2999-01-01T00:00:00+00:00")
        .send()
        .await
        .unwrap();
    assert!(unchanged.is_none(), "{unchanged:?}");
    let last = emu.requests().last().cloned().unwrap();
    assert_eq!((last.path.as_str(), last.status), ("/crm/v7/Leads", 304));
    let changed = records
        .get_records("Leads", "Last_Name")
        .if_modified_since("2001-01-01T00:00:00+00:00")
        .send()
        .await
        .unwrap()
        .expect("records modified since 2001");
    assert!(!changed.data.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_boolean_query_value_reaches_the_server() {
    let (_emu, client) = common::setup().await;
    let leads = client.records(Leads);
    let made = leads
        .create(&[LeadUpdate::new().last_name("Tagged").company("T")])
        .await
        .unwrap();
    let id = made[0].clone().into_result().unwrap();
    let tags = client.api().tags();
    let tag = |name: &str| {
        AddTagsToMultipleRecordsBody::new()
            .tags(vec![Tag::new().name(name)])
            .ids(vec![id.to_string()])
    };
    tags.add_tags_to_multiple_records("Leads", tag("first"))
        .send()
        .await
        .unwrap();
    tags.add_tags_to_multiple_records("Leads", tag("second"))
        .over_write(false)
        .send()
        .await
        .unwrap();
    let names = |v: serde_json::Value| -> Vec<String> {
        let mut n: Vec<String> = v["Tag"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        n.sort();
        n
    };
    let now = client
        .dynamic("Leads")
        .get(&id, &["Tag"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        names(serde_json::to_value(now).unwrap()),
        ["first", "second"]
    );
    tags.add_tags_to_multiple_records("Leads", tag("third"))
        .over_write(true)
        .send()
        .await
        .unwrap();
    let now = client
        .dynamic("Leads")
        .get(&id, &["Tag"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(names(serde_json::to_value(now).unwrap()), ["third"]);
}
