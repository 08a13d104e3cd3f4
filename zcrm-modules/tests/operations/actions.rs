//! The action groups of the coverage run: tag settings, lead conversion, mass update, send
//! mail, blueprint and notification channels, each sent through its request builder once for
//! a documented success and once for a documented error.

use super::{body, created_id, Coverage};
use serde_json::json;
use zcrm_core::Client;
use zcrm_modules::api::notifications::{
    Channel, DisableNotificationEventsBody, EnableNotificationsBody, UpdateNotificationsBody,
};
use zcrm_modules::api::send_mail::{Address, Mail, SendMailBody};
use zcrm_modules::api::Api;

/// A new lead's id (through the records API, which covers nothing here).
pub(super) async fn lead(client: &Client, last: &str) -> String {
    let made = client
        .dynamic("Leads")
        .create(&[zcrm_core::DynamicRecord::new()
            .set("Last_Name", last)
            .set("Company", format!("{last} Ltd"))])
        .await
        .unwrap();
    made[0].clone().into_result().unwrap().to_string()
}

/// Tag settings: rename many and one, count, merge, delete; untag one and many records.
pub async fn tags(ctx: &Coverage<'_>, client: &Client) {
    let tags = client.api().tags();
    let made = tags
        .create_tags(
            "Leads",
            body(json!({"tags": [{"name": "keep"}, {"name": "fold"}]})),
        )
        .send()
        .await
        .unwrap()
        .unwrap();
    let made = serde_json::to_value(made).unwrap();
    let keep = created_id(&made, "tags");
    let fold = made["tags"][1]["details"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = lead(client, "Tagged A").await;
    let b = lead(client, "Tagged B").await;

    ctx.ok(
        "updateTags",
        tags.update_tags(
            "Leads",
            body(json!({"tags": [{"id": keep, "name": "kept"}]})),
        )
        .send(),
    )
    .await;
    ctx.fails(
        "updateTags",
        tags.update_tags(
            "Leads",
            body(json!({"tags": [{"id": "1", "name": "ghost"}]})),
        )
        .send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "updateTag",
        tags.update_tag(&keep, "Leads", body(json!({"tags": [{"name": "kept2"}]})))
            .send(),
    )
    .await;
    ctx.fails(
        "updateTag",
        tags.update_tag(&keep, "Leads", body(json!({"tags": [{"name": "fold"}]})))
            .send(),
        "DUPLICATE_DATA",
    )
    .await;

    ctx.ok(
        "addTagsToMultipleRecords",
        tags.add_tags_to_multiple_records(
            "Leads",
            body(json!({"tags": [{"name": "kept2"}, {"name": "fold"}], "ids": [a, b]})),
        )
        .send(),
    )
    .await;
    ctx.fails(
        "addTagsToMultipleRecords",
        tags.add_tags_to_multiple_records(
            "Nope",
            body(json!({"tags": [{"name": "kept2"}], "ids": [a]})),
        )
        .send(),
        "INVALID_MODULE",
    )
    .await;
    let count = ctx
        .ok(
            "getRecordCountForTag",
            tags.get_record_count_for_tag(&keep, "Leads").send(),
        )
        .await;
    assert_eq!(count["count"], json!("2"), "{count}");
    ctx.fails(
        "getRecordCountForTag",
        tags.get_record_count_for_tag(&keep, "Nope").send(),
        "INVALID_MODULE",
    )
    .await;

    ctx.ok(
        "removeTagsFromRecord",
        tags.remove_tags_from_record("Leads", &a, body(json!({"tags": [{"name": "kept2"}]})))
            .send(),
    )
    .await;
    ctx.fails(
        "removeTagsFromRecord",
        tags.remove_tags_from_record("Leads", "1", body(json!({"tags": [{"name": "kept2"}]})))
            .send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "removeTagsFromMultipleRecords",
        tags.remove_tags_from_multiple_records(
            "Leads",
            body(json!({"tags": [{"name": "fold"}], "ids": [a, b]})),
        )
        .send(),
    )
    .await;
    ctx.fails(
        "removeTagsFromMultipleRecords",
        tags.remove_tags_from_multiple_records(
            "Nope",
            body(json!({"tags": [{"name": "fold"}], "ids": [a]})),
        )
        .send(),
        "INVALID_MODULE",
    )
    .await;

    ctx.ok(
        "mergeTags",
        tags.merge_tags(&keep, body(json!({"tags": [{"conflict_id": fold}]})))
            .send(),
    )
    .await;
    ctx.fails(
        "mergeTags",
        tags.merge_tags(&keep, body(json!({"tags": [{}]}))).send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    ctx.ok("deleteTag", tags.delete_tag(&keep).send()).await;
    ctx.fails("deleteTag", tags.delete_tag(&keep).send(), "INVALID_DATA")
        .await;
}

/// Lead conversion, mass update and send mail.
pub async fn records(ctx: &Coverage<'_>, client: &Client) {
    let api = client.api();
    let converting = lead(client, "Converted").await;
    let converted = ctx
        .ok(
            "convertLead",
            api.convert_lead()
                .convert_lead(&converting, body(json!({"data": [{"overwrite": false}]})))
                .send(),
        )
        .await;
    assert_eq!(converted["data"][0]["code"], "SUCCESS", "{converted}");
    assert!(converted["data"][0]["details"]["Contacts"]["id"].is_string());
    ctx.fails(
        "convertLead",
        api.convert_lead()
            .convert_lead(&converting, body(json!({"data": [{}]})))
            .send(),
        "ID_ALREADY_CONVERTED",
    )
    .await;

    let (a, b) = (lead(client, "Mass A").await, lead(client, "Mass B").await);
    let mass = api.mass_update();
    let updated = ctx
        .ok(
            "massUpdateRecords",
            mass.mass_update_records(
                "Leads",
                body(json!({"data": [{"Lead_Status": "Contacted"}], "ids": [a, b]})),
            )
            .send(),
        )
        .await;
    assert_eq!(updated["data"].as_array().unwrap().len(), 2, "{updated}");
    ctx.fails(
        "massUpdateRecords",
        mass.mass_update_records(
            "Leads",
            body(json!({"data": [{"Lead_Status": "Contacted"}]})),
        )
        .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    let job = mass
        .mass_update_records(
            "Leads",
            body(json!({"data": [{"Lead_Status": "Contacted"}], "cvid": "1"})),
        )
        .send()
        .await
        .unwrap()
        .unwrap();
    let job = serde_json::to_value(job).unwrap()["data"][0]["details"]["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let status = ctx
        .ok(
            "getMassUpdateStatus",
            mass.get_mass_update_status("Leads", &job).send(),
        )
        .await;
    assert_eq!(status["data"][0]["Status"], "COMPLETED", "{status}");
    ctx.fails(
        "getMassUpdateStatus",
        mass.get_mass_update_status("Leads", "1").send(),
        "INVALID_DATA",
    )
    .await;

    let mail = |subject: Option<&str>| -> SendMailBody {
        let mut m = json!({
            "from": {"user_name": "Patricia Boyle", "email": "patricia.boyle@zylker.example"},
            "to": [{"user_name": "A", "email": "a@example.com"}],
            "content": "Hello",
        });
        if let Some(s) = subject {
            m["subject"] = json!(s);
        }
        body(json!({ "data": [m] }))
    };
    // Built with the generated setters (`from` is a reserved name: `set_from`).
    let typed = SendMailBody::new().data(vec![Mail::new()
        .set_from(
            Address::new()
                .user_name("Patricia Boyle")
                .email("patricia.boyle@zylker.example"),
        )
        .to(vec![Address::new().email("a@example.com")])
        .subject("Hi")
        .content("Hello")]);
    let sent = ctx
        .ok(
            "sendMail",
            api.send_mail().send_mail("Leads", &a, typed).send(),
        )
        .await;
    assert!(
        sent["data"][0]["details"]["message_id"].is_string(),
        "{sent}"
    );
    ctx.fails(
        "sendMail",
        api.send_mail().send_mail("Leads", &a, mail(None)).send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
}

/// Blueprint of a lead, and notification channels.
pub async fn processes(ctx: &Coverage<'_>, client: &Client) {
    let api = client.api();
    // The emulator's Lead Qualification blueprint starts from `Not Contacted`.
    let fresh = client
        .dynamic("Leads")
        .create(&[zcrm_core::DynamicRecord::new()
            .set("Last_Name", "Blueprinted")
            .set("Lead_Status", "Not Contacted")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap()
        .to_string();
    let bp = ctx
        .ok(
            "getBlueprint",
            api.blueprint().get_blueprint("Leads", &fresh).send(),
        )
        .await;
    let transition = bp["blueprint"]["transitions"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "Make Contact"))
        .unwrap_or_else(|| panic!("no Make Contact transition in {bp}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let account = client
        .dynamic("Accounts")
        .create(&[zcrm_core::DynamicRecord::new().set("Account_Name", "No Process")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap();
    ctx.fails(
        "getBlueprint",
        api.blueprint()
            .get_blueprint("Accounts", account.as_str())
            .send(),
        "RECORD_NOT_IN_PROCESS",
    )
    .await;
    ctx.ok(
        "updateBlueprint",
        api.blueprint()
            .update_blueprint(
                "Leads",
                &fresh,
                body(json!({"blueprint": [{"transition_id": transition, "data": {}}]})),
            )
            .send(),
    )
    .await;
    ctx.fails(
        "updateBlueprint",
        api.blueprint()
            .update_blueprint(
                "Leads",
                &fresh,
                body(json!({"blueprint": [{"transition_id": "1", "data": {}}]})),
            )
            .send(),
        "INVALID_DATA",
    )
    .await;

    let watch = api.notifications();
    let channel = || {
        Channel::new()
            .channel_id(json!(1_000_000_068_001u64))
            .events(vec!["Leads.create".to_string(), "Leads.edit".to_string()])
            .notify_url("http://127.0.0.1:9/unused")
    };
    ctx.ok(
        "enableNotifications",
        watch
            .enable_notifications(EnableNotificationsBody::new().watch(vec![channel()]))
            .send(),
    )
    .await;
    ctx.fails(
        "enableNotifications",
        watch
            .enable_notifications(EnableNotificationsBody::new())
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    let listed = ctx
        .ok("getNotifications", watch.get_notifications().send())
        .await;
    assert!(!listed["watch"].as_array().unwrap().is_empty(), "{listed}");
    ctx.fails(
        "getNotifications",
        watch.get_notifications().module("Nope").send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "updateNotifications",
        watch
            .update_notifications(UpdateNotificationsBody::new().watch(vec![channel().token("t")]))
            .send(),
    )
    .await;
    ctx.fails(
        "updateNotifications",
        watch
            .update_notifications(UpdateNotificationsBody::new())
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    ctx.ok(
        "disableNotificationEvents",
        watch
            .disable_notification_events(DisableNotificationEventsBody::new().watch(vec![
                Channel::new()
                    .channel_id(json!(1_000_000_068_001u64))
                    .events(vec!["Leads.edit".to_string()])
                    .delete_events(true),
            ]))
            .send(),
    )
    .await;
    ctx.fails(
        "disableNotificationEvents",
        watch
            .disable_notification_events(DisableNotificationEventsBody::new())
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    ctx.ok(
        "disableNotifications",
        watch.disable_notifications("1000000068001").send(),
    )
    .await;
    ctx.fails(
        "disableNotifications",
        watch.disable_notifications("").send(),
        "REQUIRED_PARAM_MISSING",
    )
    .await;
}
