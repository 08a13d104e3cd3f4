//! Every generated operation, sent through its request builder against the emulator: once for a
//! documented success and once for a documented error.
//!
//! The list of operations is the generated catalogue (`zcrm_modules::api::OPERATIONS`), not a
//! list kept here: the emulator's request log attributes every request to the operation whose
//! path template and method it matches, and the test fails for any operation without both a
//! 2xx answer and a 4xx answer. An operation a spec change adds fails it until it is called here.

mod common;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Debug;
use zcrm_core::{Client, Error};
use zcrm_emulator::Emulator;
use zcrm_modules::api::{Api, Operation, OPERATIONS};

/// A request body of any generated type, from JSON.
fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a body the generated type reads")
}

/// The answer of a success, as JSON (`Null` for an empty answer).
fn ok<T: serde::Serialize + Debug>(what: &str, r: Result<Option<T>, Error>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap(),
        Err(e) => panic!("{what}: expected a success, got {e:?}"),
    }
}

/// The API error code of a failure, which must be `code`.
fn fails<T: Debug>(what: &str, r: Result<T, Error>, code: &str) {
    match r {
        Err(e) => assert_eq!(
            e.api_code(),
            Some(code),
            "{what}: expected the error {code}, got {e:?}"
        ),
        Ok(v) => panic!("{what}: expected the error {code}, got a success: {v:?}"),
    }
}

/// The `details.id` of the first item of an action answer under `key` (`data`, `tags`).
fn created_id(v: &Value, key: &str) -> String {
    v[key][0]["details"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// Whether `path` is an instance of `template` (`{x}` matches one non-empty segment); the
/// number of literal segments when it is.
fn matches(template: &str, path: &str) -> Option<usize> {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if t.len() != p.len() {
        return None;
    }
    let mut literal = 0;
    for (a, b) in t.iter().zip(&p) {
        if a.starts_with('{') && a.ends_with('}') {
            if b.is_empty() {
                return None;
            }
        } else if a == b {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}

/// The operation a request was for: among those of its method whose template it matches, the
/// one with the most literal segments.
fn operation_of(method: &str, path: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .filter(|o| o.method == method)
        .filter_map(|o| matches(o.path, path).map(|n| (n, o)))
        .max_by_key(|(n, _)| *n)
        .map(|(_, o)| o)
}

/// A file id for a bulk write job: a CSV of Leads placed on the emulator's upload host by its
/// admin API (uploading itself is not a generated operation).
async fn upload_for_bulk_write(emu: &Emulator) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!(
            "{}/orgs/60012345/uploads?file_name=Leads.csv",
            emu.admin_url
        ))
        .body("Last_Name\nBulk Written\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["file_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no file id in {answer}"))
        .to_string()
}

/// Sends every operation's success and error; returns nothing, the request log tells.
async fn exercise(emu: &Emulator, client: &Client, narrow: &Client) {
    let api = client.api();

    // Users and org.
    let me = ok(
        "getUsers",
        api.users().get_users().type_("CurrentUser").send().await,
    );
    let user_id = me["users"][0]["id"].as_str().unwrap().to_string();
    fails(
        "getUsers",
        api.users().get_users().type_("Bogus").send().await,
        "INVALID_DATA",
    );
    let one = ok(
        "getSingleUser",
        api.users().get_single_user(&user_id).send().await,
    );
    assert_eq!(one["users"][0]["id"], user_id.as_str());
    fails(
        "getSingleUser",
        api.users().get_single_user("1").send().await,
        "INVALID_DATA",
    );
    let org = ok("getOrganization", api.org().get_organization().send().await);
    assert_eq!(org["org"][0]["zgid"], "60012345");
    fails(
        "getOrganization",
        narrow.api().org().get_organization().send().await,
        "OAUTH_SCOPE_MISMATCH",
    );

    // Settings: modules, fields, picklist values, layouts.
    let modules = ok("getModules", api.modules().get_modules().send().await);
    assert!(modules["modules"].as_array().unwrap().len() > 10);
    fails(
        "getModules",
        narrow.api().modules().get_modules().send().await,
        "OAUTH_SCOPE_MISMATCH",
    );
    let leads = ok(
        "getModuleByApiName",
        api.modules().get_module_by_api_name("Leads").send().await,
    );
    assert_eq!(leads["modules"][0]["api_name"], "Leads");
    fails(
        "getModuleByApiName",
        api.modules().get_module_by_api_name("Nope").send().await,
        "INVALID_MODULE",
    );
    let fields = ok("getFields", api.fields().get_fields("Leads").send().await);
    let field = |name: &str| -> String {
        fields["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["api_name"] == name)
            .unwrap_or_else(|| panic!("no field {name}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (status_field, name_field) = (field("Lead_Status"), field("Last_Name"));
    fails(
        "getFields",
        api.fields().get_fields("Nope").send().await,
        "INVALID_MODULE",
    );
    let one = ok(
        "getFieldsWithID",
        api.fields()
            .get_fields_with_id(&status_field, "Leads")
            .send()
            .await,
    );
    assert_eq!(one["fields"][0]["api_name"], "Lead_Status");
    fails(
        "getFieldsWithID",
        api.fields().get_fields_with_id("1", "Leads").send().await,
        "INVALID_DATA",
    );
    let values = ok(
        "getPickListValues",
        api.pick_list_values()
            .get_pick_list_values(&status_field, "Leads")
            .send()
            .await,
    );
    assert!(values.to_string().contains("Contacted"), "{values}");
    fails(
        "getPickListValues",
        api.pick_list_values()
            .get_pick_list_values(&name_field, "Leads")
            .send()
            .await,
        "INVALID_DATA",
    );
    let layouts = ok(
        "getLayouts",
        api.layouts().get_layouts("Leads").send().await,
    );
    let layout_id = layouts["layouts"][0]["id"].as_str().unwrap().to_string();
    fails(
        "getLayouts",
        api.layouts().get_layouts("Nope").send().await,
        "INVALID_MODULE",
    );
    let layout = ok(
        "getLayoutById",
        api.layouts()
            .get_layout_by_id(&layout_id, "Leads")
            .send()
            .await,
    );
    assert_eq!(layout["layouts"][0]["id"], layout_id.as_str());
    fails(
        "getLayoutById",
        api.layouts().get_layout_by_id("1", "Leads").send().await,
        "INVALID_DATA",
    );

    // Records.
    let record = api.record();
    let created = ok(
        "createRecords",
        record
            .create_records(
                "Leads",
                body(json!({"data": [{"Last_Name": "Covered", "Company": "Cover Co"}]})),
            )
            .send()
            .await,
    );
    let lead = created_id(&created, "data");
    fails(
        "createRecords",
        record
            .create_records("Leads", body(json!({"data": [{"Company": "No Name"}]})))
            .send()
            .await,
        "MANDATORY_NOT_FOUND",
    );
    let list = ok(
        "getRecords",
        record
            .get_records("Leads", "Last_Name,Company")
            .per_page(2)
            .send()
            .await,
    );
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    fails(
        "getRecords",
        record.get_records("Nope", "Last_Name").send().await,
        "INVALID_MODULE",
    );
    let got = ok(
        "getRecord",
        record
            .get_record("Leads", &lead)
            .fields("Last_Name")
            .send()
            .await,
    );
    assert_eq!(got["data"][0]["Last_Name"], "Covered");
    fails(
        "getRecord",
        record.get_record("Nope", &lead).send().await,
        "INVALID_MODULE",
    );
    ok(
        "updateRecord",
        record
            .update_record(
                "Leads",
                &lead,
                body(json!({"data": [{"Company": "Cover Ltd"}]})),
            )
            .send()
            .await,
    );
    fails(
        "updateRecord",
        record
            .update_record("Leads", "1", body(json!({"data": [{"Company": "x"}]})))
            .send()
            .await,
        "INVALID_DATA",
    );
    ok(
        "updateRecords",
        record
            .update_records(
                "Leads",
                body(json!({"data": [{"id": lead, "Designation": "Buyer"}]})),
            )
            .send()
            .await,
    );
    fails(
        "updateRecords",
        record
            .update_records("Leads", body(json!({"data": [{"Company": "no id"}]})))
            .send()
            .await,
        "MANDATORY_NOT_FOUND",
    );
    let upserted = ok(
        "upsertRecords",
        record
            .upsert_records(
                "Leads",
                body(
                    json!({"data": [{"Last_Name": "Upserted", "Email": "up@cover.example"}],
                            "duplicate_check_fields": ["Email"]}),
                ),
            )
            .send()
            .await,
    );
    let upserted = created_id(&upserted, "data");
    fails(
        "upsertRecords",
        record
            .upsert_records(
                "Leads",
                body(json!({"data": [{"Email": "x@cover.example"}]})),
            )
            .send()
            .await,
        "MANDATORY_NOT_FOUND",
    );
    let cloned = ok(
        "cloneRecord",
        record
            .clone_record(
                "Leads",
                &lead,
                body(json!({"data": [{"Last_Name": "Cloned"}]})),
            )
            .send()
            .await,
    );
    let clone = created_id(&cloned, "data");
    fails(
        "cloneRecord",
        record
            .clone_record("Leads", "1", body(json!({"data": [{}]})))
            .send()
            .await,
        "INVALID_DATA",
    );
    let count = ok(
        "getRecordCount",
        api.record_count().get_record_count("Leads").send().await,
    );
    assert!(count["count"].as_i64().unwrap() >= 5, "{count}");
    fails(
        "getRecordCount",
        api.record_count().get_record_count("Nope").send().await,
        "INVALID_MODULE",
    );

    // Search.
    let found = ok(
        "searchRecords",
        api.module_search()
            .search_records("Leads")
            .criteria("(Last_Name:equals:Covered)")
            .send()
            .await,
    );
    assert_eq!(found["data"][0]["id"], lead.as_str());
    fails(
        "searchRecords",
        api.module_search().search_records("Leads").send().await,
        "REQUIRED_PARAM_MISSING",
    );
    let found = ok(
        "bulkSearchRecords",
        api.module_search()
            .bulk_search_records(
                "Leads",
                body(json!({"criteria": "(Last_Name:equals:Cloned)", "fields": "Last_Name"})),
            )
            .send()
            .await,
    );
    assert_eq!(found["data"][0]["id"], clone.as_str(), "{found}");
    fails(
        "bulkSearchRecords",
        api.module_search()
            .bulk_search_records("Leads", body(json!({})))
            .send()
            .await,
        "EXPECTED_PARAM_MISSING",
    );
    let coql = ok(
        "executeCOQLQuery",
        api.coql()
            .execute_coql_query(body(json!({
                "select_query": "select Last_Name from Leads where Last_Name = 'Covered'"
            })))
            .send()
            .await,
    );
    assert_eq!(coql["data"][0]["Last_Name"], "Covered");
    fails(
        "executeCOQLQuery",
        api.coql()
            .execute_coql_query(body(json!({"select_query": "select Last_Name from Leads"})))
            .send()
            .await,
        "SYNTAX_ERROR",
    );

    // Tags.
    let tags = api.tags();
    let made = ok(
        "createTags",
        tags.create_tags(
            "Leads",
            body(json!({"tags": [{"name": "covered", "color_code": "#57B1FD"}]})),
        )
        .send()
        .await,
    );
    assert_eq!(made["tags"][0]["code"], "SUCCESS", "{made}");
    fails(
        "createTags",
        tags.create_tags("Nope", body(json!({"tags": [{"name": "x"}]})))
            .send()
            .await,
        "INVALID_MODULE",
    );
    let listed = ok("getTags", tags.get_tags("Leads").send().await);
    assert!(listed.to_string().contains("covered"), "{listed}");
    fails(
        "getTags",
        tags.get_tags("Nope").send().await,
        "INVALID_MODULE",
    );
    ok(
        "addTagsToRecord",
        tags.add_tags_to_record("Leads", &lead, body(json!({"tags": [{"name": "covered"}]})))
            .send()
            .await,
    );
    let got = ok(
        "getRecord",
        record.get_record("Leads", &lead).fields("Tag").send().await,
    );
    assert_eq!(got["data"][0]["Tag"][0]["name"], "covered", "{got}");
    fails(
        "addTagsToRecord",
        tags.add_tags_to_record("Leads", "1", body(json!({"tags": [{"name": "covered"}]})))
            .send()
            .await,
        "INVALID_DATA",
    );

    // Notes.
    let notes = api.notes();
    let note = ok(
        "createRecordNotes",
        notes
            .create_record_notes(
                "Leads",
                &lead,
                body(json!({"data": [{"Note_Title": "Call", "Note_Content": "Called back"}]})),
            )
            .send()
            .await,
    );
    let note = created_id(&note, "data");
    fails(
        "createRecordNotes",
        notes
            .create_record_notes(
                "Leads",
                "1",
                body(json!({"data": [{"Note_Content": "nobody"}]})),
            )
            .send()
            .await,
        "INVALID_DATA",
    );
    let module_note = ok(
        "createNotesModule",
        notes
            .create_notes_module(body(json!({"data": [{
                "Note_Content": "From the Notes module",
                "Parent_Id": {"module": {"api_name": "Leads"}, "id": lead}
            }]})))
            .send()
            .await,
    );
    let module_note = created_id(&module_note, "data");
    fails(
        "createNotesModule",
        notes
            .create_notes_module(body(json!({"data": [{"Note_Content": "no parent"}]})))
            .send()
            .await,
        "MANDATORY_NOT_FOUND",
    );
    let listed = ok(
        "getNotesModule",
        notes
            .get_notes_module("Note_Content,Parent_Id")
            .send()
            .await,
    );
    assert!(listed.to_string().contains(&note), "{listed}");
    fails(
        "getNotesModule",
        narrow
            .api()
            .notes()
            .get_notes_module("Note_Content")
            .send()
            .await,
        "OAUTH_SCOPE_MISMATCH",
    );
    ok(
        "deleteNotesModule",
        notes.delete_notes_module(&module_note).send().await,
    );
    fails(
        "deleteNotesModule",
        narrow.api().notes().delete_notes_module(&note).send().await,
        "OAUTH_SCOPE_MISMATCH",
    );

    // Related records: a contact linked to an account.
    let accounts = ok(
        "getRecords",
        record.get_records("Accounts", "Account_Name").send().await,
    );
    let account = accounts["data"][0]["id"].as_str().unwrap().to_string();
    let contact = created_id(
        &ok(
            "createRecords",
            record
                .create_records(
                    "Contacts",
                    body(json!({"data": [{"Last_Name": "Related"}]})),
                )
                .send()
                .await,
        ),
        "data",
    );
    let related = api.related_records();
    ok(
        "updateRelatedRecords",
        related
            .update_related_records(
                "Accounts",
                &account,
                "Contacts",
                body(json!({"data": [{"id": contact}]})),
            )
            .send()
            .await,
    );
    fails(
        "updateRelatedRecords",
        related
            .update_related_records(
                "Accounts",
                &account,
                "Bogus",
                body(json!({"data": [{"id": contact}]})),
            )
            .send()
            .await,
        "INVALID_DATA",
    );
    let contacts = ok(
        "getRelatedRecords",
        related
            .get_related_records("Accounts", &account, "Contacts", "Last_Name")
            .send()
            .await,
    );
    assert!(contacts.to_string().contains(&contact), "{contacts}");
    fails(
        "getRelatedRecords",
        related
            .get_related_records("Accounts", &account, "Bogus", "Last_Name")
            .send()
            .await,
        "INVALID_DATA",
    );
    ok(
        "delinkSpecificRelatedRecord",
        related
            .delink_specific_related_record("Accounts", &account, "Contacts", &contact)
            .send()
            .await,
    );
    fails(
        "delinkSpecificRelatedRecord",
        related
            .delink_specific_related_record("Accounts", &account, "Bogus", &contact)
            .send()
            .await,
        "INVALID_DATA",
    );
    ok(
        "updateRelatedRecords",
        related
            .update_related_records(
                "Accounts",
                &account,
                "Contacts",
                body(json!({"data": [{"id": contact}]})),
            )
            .send()
            .await,
    );
    ok(
        "delinkRelatedRecords",
        related
            .delink_related_records("Accounts", &account, "Contacts", &contact)
            .send()
            .await,
    );
    fails(
        "delinkRelatedRecords",
        related
            .delink_related_records("Accounts", &account, "Bogus", &contact)
            .send()
            .await,
        "INVALID_DATA",
    );

    // Attachments: a link by URL, listed, downloaded and deleted.
    let attachments = api.attachments();
    let linked = ok(
        "uploadAttachment",
        attachments
            .upload_attachment("Leads", &lead)
            .attachment_url("https://www.zoho.com/crm/")
            .title("Zoho CRM")
            .send()
            .await,
    );
    let attachment = created_id(&linked, "data");
    fails(
        "uploadAttachment",
        attachments
            .upload_attachment("Leads", "1")
            .attachment_url("https://www.zoho.com/crm/")
            .send()
            .await,
        "INVALID_DATA",
    );
    let listed = ok(
        "getAttachments",
        attachments
            .get_attachments("Leads", &lead, "id,File_Name")
            .send()
            .await,
    );
    assert_eq!(listed["data"][0]["id"], attachment.as_str(), "{listed}");
    fails(
        "getAttachments",
        attachments
            .get_attachments("Leads", "1", "id,File_Name")
            .send()
            .await,
        "INVALID_DATA",
    );
    let download = attachments
        .get_attachment_by_id("Leads", &lead, &attachment)
        .send()
        .await
        .expect("getAttachmentById");
    assert_eq!(download.status, 200);
    fails(
        "getAttachmentById",
        attachments
            .get_attachment_by_id("Leads", &lead, "1")
            .send()
            .await,
        "INVALID_DATA",
    );
    ok(
        "deleteAttachment",
        attachments
            .delete_attachment("Leads", &lead, &attachment)
            .send()
            .await,
    );
    fails(
        "deleteAttachment",
        attachments
            .delete_attachment("Leads", &lead, &attachment)
            .send()
            .await,
        "INVALID_DATA",
    );

    // Bulk jobs.
    let job = ok(
        "createBulkReadJob",
        api.bulk_read()
            .create_bulk_read_job(body(json!({
                "query": {"module": {"api_name": "Leads"}, "fields": ["Last_Name"]},
                "file_type": "csv"
            })))
            .send()
            .await,
    );
    let job = created_id(&job, "data");
    fails(
        "createBulkReadJob",
        api.bulk_read()
            .create_bulk_read_job(body(json!({"query": {"module": {"api_name": "Nope"}}})))
            .send()
            .await,
        "MODULE_NOT_AVAILABLE",
    );
    let details = ok(
        "getBulkReadJobDetails",
        api.bulk_read().get_bulk_read_job_details(&job).send().await,
    );
    assert_eq!(details["data"][0]["id"], job.as_str(), "{details}");
    fails(
        "getBulkReadJobDetails",
        api.bulk_read().get_bulk_read_job_details("1").send().await,
        "RESOURCE_NOT_FOUND",
    );
    let file_id = upload_for_bulk_write(emu).await;
    let job = ok(
        "createBulkWriteJob",
        api.bulk_write()
            .create_bulk_write_job(body(json!({
                "operation": "insert",
                "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id,
                              "field_mappings": [{"api_name": "Last_Name", "index": 0}]}]
            })))
            .send()
            .await,
    );
    let job = job["details"]["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| created_id(&job, "data"));
    fails(
        "createBulkWriteJob",
        api.bulk_write()
            .create_bulk_write_job(body(json!({
                "operation": "insert",
                "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": "1"}]
            })))
            .send()
            .await,
        "INVALID_FILE_ID",
    );
    let details = ok(
        "getBulkWriteJobDetails",
        api.bulk_write()
            .get_bulk_write_job_details(&job)
            .send()
            .await,
    );
    assert_eq!(details["id"], job.as_str(), "{details}");
    fails(
        "getBulkWriteJobDetails",
        api.bulk_write()
            .get_bulk_write_job_details("1")
            .send()
            .await,
        "RESOURCE_NOT_FOUND",
    );

    // Deletes last.
    let deleted = ok(
        "deleteRecord",
        record.delete_record("Leads", &clone).send().await,
    );
    assert_eq!(deleted["data"][0]["code"], "SUCCESS");
    fails(
        "deleteRecord",
        record.delete_record("Nope", &clone).send().await,
        "INVALID_MODULE",
    );
    ok(
        "deleteRecords",
        record.delete_records("Leads", &upserted).send().await,
    );
    fails(
        "deleteRecords",
        record.delete_records("Nope", &upserted).send().await,
        "INVALID_MODULE",
    );
    let gone = ok(
        "getDeletedRecords",
        record
            .get_deleted_records("Leads")
            .type_("all")
            .send()
            .await,
    );
    assert!(gone.to_string().contains(&clone), "{gone}");
    fails(
        "getDeletedRecords",
        record.get_deleted_records("Nope").send().await,
        "INVALID_MODULE",
    );
}

/// The 2xx and the 4xx statuses an operation answered.
type Answers = (Vec<u16>, Vec<u16>);

#[tokio::test]
async fn every_generated_operation_answers_success_and_error_against_the_emulator() {
    let (emu, client) = common::setup_with(&[
        "ZohoCRM.modules.ALL",
        "ZohoCRM.settings.ALL",
        "ZohoCRM.users.READ",
        "ZohoCRM.org.READ",
        "ZohoCRM.coql.READ",
        "ZohoCRM.bulk.ALL",
    ])
    .await;
    let narrow = common::sign_in(&emu, &["ZohoCRM.users.READ"]).await;
    exercise(&emu, &client, &narrow).await;

    // What each operation answered, from the emulator's side.
    let mut seen: BTreeMap<(&str, &str), Answers> = BTreeMap::new();
    for r in emu.requests() {
        if let Some(op) = operation_of(&r.method, &r.path) {
            let e = seen.entry((op.group, op.id)).or_default();
            if (200..300).contains(&r.status) {
                e.0.push(r.status);
            } else if (400..500).contains(&r.status) {
                e.1.push(r.status);
            }
        }
    }
    let mut missing = vec![];
    for op in OPERATIONS {
        let (good, bad) = seen.get(&(op.group, op.id)).cloned().unwrap_or_default();
        if good.is_empty() || bad.is_empty() {
            missing.push(format!(
                "{} {} ({}::{}): {} successes, {} errors",
                op.method,
                op.path,
                op.group,
                op.function,
                good.len(),
                bad.len()
            ));
        }
    }
    println!(
        "{} of {} generated operations called with a success and an error",
        OPERATIONS.len() - missing.len(),
        OPERATIONS.len()
    );
    assert!(
        missing.is_empty(),
        "operations not covered against the emulator:\n{}",
        missing.join("\n")
    );
}

#[test]
fn requests_are_attributed_to_the_most_specific_operation() {
    let of = |m, p| operation_of(m, p).map(|o| o.id);
    assert_eq!(of("GET", "/crm/v7/Notes"), Some("getNotesModule"));
    assert_eq!(of("GET", "/crm/v7/Leads"), Some("getRecords"));
    assert_eq!(
        of("GET", "/crm/v7/Leads/1/Attachments"),
        Some("getAttachments")
    );
    assert_eq!(
        of("GET", "/crm/v7/Leads/1/Contacts"),
        Some("getRelatedRecords")
    );
    assert_eq!(
        of("POST", "/crm/v7/Leads/search"),
        Some("bulkSearchRecords")
    );
    assert_eq!(of("GET", "/crm/v7/users/1"), Some("getSingleUser"));
    assert_eq!(
        of("GET", "/crm/bulk/v7/read/1"),
        Some("getBulkReadJobDetails")
    );
    assert_eq!(of("PATCH", "/crm/v7/Leads"), None);
    assert_eq!(of("GET", "/crm/v7/Leads/1/Contacts/2/x"), None);
}
