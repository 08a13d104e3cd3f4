//! Every generated operation, sent through its request builder against the emulator: once for a
//! documented success and once for a documented error.
//!
//! The list of operations is the generated catalogue (`zcrm_modules::api::OPERATIONS`), not a
//! list kept here. Each call names the operation it exercises; the requests that call made (in
//! the emulator's request log) must include that operation, attributed by method and path
//! template, with a 2xx answer for a success and a 4xx for an error. Requests the client makes
//! on its own (sign-in, metadata before a write) cover nothing. The test fails for any
//! operation of the catalogue without both; an operation a spec change adds fails it until it
//! is called here.

#[path = "operations/actions.rs"]
mod actions;
mod common;
#[path = "operations/files.rs"]
mod files;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::future::Future;
use std::sync::Mutex;
use zcrm_core::{Client, Error};
use zcrm_emulator::Emulator;
use zcrm_modules::api::{Api, Operation, OPERATIONS};

/// A request body of any generated type, from JSON.
fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a body the generated type reads")
}

/// What the calls of the test covered: (operation id, success) pairs, each seen in the requests
/// that call itself made (not in requests the client made on its own, such as sign-in or a
/// metadata fetch before a write).
struct Coverage<'e> {
    emu: &'e Emulator,
    covered: Mutex<BTreeSet<(&'static str, bool)>>,
}

impl Coverage<'_> {
    /// Runs `call`, and records that `op` answered a success (`true`) or an error among the
    /// requests it made; fails if none of them was `op` with that kind of answer.
    async fn run<T>(&self, op: &str, success: bool, call: impl Future<Output = T>) -> T {
        let before = self.emu.requests().len();
        let out = call.await;
        let found = self.emu.requests()[before..].iter().find_map(|r| {
            let o = operation_of(&r.method, &r.path)?;
            let kind = if success {
                (200..300).contains(&r.status)
            } else {
                (400..500).contains(&r.status)
            };
            (o.id == op && kind).then_some(o.id)
        });
        match found {
            Some(id) => {
                self.covered.lock().unwrap().insert((id, success));
            }
            None => panic!(
                "{op}: no request of this call was {op} answering {}",
                if success { "2xx" } else { "4xx" }
            ),
        }
        out
    }

    /// A success of `op`, as JSON (`Null` for an empty answer).
    async fn ok<T: serde::Serialize + Debug>(
        &self,
        op: &str,
        call: impl Future<Output = Result<Option<T>, Error>>,
    ) -> Value {
        match self.run(op, true, call).await {
            Ok(v) => serde_json::to_value(v).unwrap(),
            Err(e) => panic!("{op}: expected a success, got {e:?}"),
        }
    }

    /// A failure of `op` with the API error `code`.
    async fn fails<T: Debug>(
        &self,
        op: &str,
        call: impl Future<Output = Result<T, Error>>,
        code: &str,
    ) {
        match self.run(op, false, call).await {
            Err(e) => assert_eq!(
                e.api_code(),
                Some(code),
                "{op}: expected the error {code}, got {e:?}"
            ),
            Ok(v) => panic!("{op}: expected the error {code}, got a success: {v:?}"),
        }
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
    let mut found: Vec<(usize, &'static Operation)> = OPERATIONS
        .iter()
        .filter(|o| o.method == method)
        .filter_map(|o| matches(o.path, path).map(|n| (n, o)))
        .collect();
    found.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    if let [(a, x), (b, y), ..] = found.as_slice() {
        assert!(
            a != b || x.id == y.id,
            "{method} {path} matches {} and {} equally",
            x.path,
            y.path
        );
    }
    found.first().map(|(_, o)| *o)
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
async fn exercise(ctx: &Coverage<'_>, emu: &Emulator, client: &Client, narrow: &Client) {
    let api = client.api();

    // Users and org.
    let me = ctx
        .ok(
            "getUsers",
            api.users().get_users().type_("CurrentUser").send(),
        )
        .await;
    let user_id = me["users"][0]["id"].as_str().unwrap().to_string();
    ctx.fails(
        "getUsers",
        api.users().get_users().type_("Bogus").send(),
        "INVALID_DATA",
    )
    .await;
    let one = ctx
        .ok(
            "getSingleUser",
            api.users().get_single_user(&user_id).send(),
        )
        .await;
    assert_eq!(one["users"][0]["id"], user_id.as_str());
    ctx.fails(
        "getSingleUser",
        api.users().get_single_user("1").send(),
        "INVALID_DATA",
    )
    .await;
    let org = ctx
        .ok("getOrganization", api.org().get_organization().send())
        .await;
    assert_eq!(org["org"][0]["zgid"], "60012345");
    ctx.fails(
        "getOrganization",
        narrow.api().org().get_organization().send(),
        "OAUTH_SCOPE_MISMATCH",
    )
    .await;

    // Settings: modules, fields, picklist values, layouts.
    let modules = ctx
        .ok("getModules", api.modules().get_modules().send())
        .await;
    assert!(modules["modules"].as_array().unwrap().len() > 10);
    ctx.fails(
        "getModules",
        narrow.api().modules().get_modules().send(),
        "OAUTH_SCOPE_MISMATCH",
    )
    .await;
    let leads = ctx
        .ok(
            "getModuleByApiName",
            api.modules().get_module_by_api_name("Leads").send(),
        )
        .await;
    assert_eq!(leads["modules"][0]["api_name"], "Leads");
    ctx.fails(
        "getModuleByApiName",
        api.modules().get_module_by_api_name("Nope").send(),
        "INVALID_MODULE",
    )
    .await;
    let fields = ctx
        .ok("getFields", api.fields().get_fields("Leads").send())
        .await;
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
    ctx.fails(
        "getFields",
        api.fields().get_fields("Nope").send(),
        "INVALID_MODULE",
    )
    .await;
    let one = ctx
        .ok(
            "getFieldsWithID",
            api.fields()
                .get_fields_with_id(&status_field, "Leads")
                .send(),
        )
        .await;
    assert_eq!(one["fields"][0]["api_name"], "Lead_Status");
    ctx.fails(
        "getFieldsWithID",
        api.fields().get_fields_with_id("1", "Leads").send(),
        "INVALID_DATA",
    )
    .await;
    let values = ctx
        .ok(
            "getPickListValues",
            api.pick_list_values()
                .get_pick_list_values(&status_field, "Leads")
                .send(),
        )
        .await;
    assert!(values.to_string().contains("Contacted"), "{values}");
    ctx.fails(
        "getPickListValues",
        api.pick_list_values()
            .get_pick_list_values(&name_field, "Leads")
            .send(),
        "INVALID_DATA",
    )
    .await;
    let layouts = ctx
        .ok("getLayouts", api.layouts().get_layouts("Leads").send())
        .await;
    let layout_id = layouts["layouts"][0]["id"].as_str().unwrap().to_string();
    ctx.fails(
        "getLayouts",
        api.layouts().get_layouts("Nope").send(),
        "INVALID_MODULE",
    )
    .await;
    let layout = ctx
        .ok(
            "getLayoutById",
            api.layouts().get_layout_by_id(&layout_id, "Leads").send(),
        )
        .await;
    assert_eq!(layout["layouts"][0]["id"], layout_id.as_str());
    ctx.fails(
        "getLayoutById",
        api.layouts().get_layout_by_id("1", "Leads").send(),
        "INVALID_DATA",
    )
    .await;

    // Records.
    let record = api.record();
    let created = ctx
        .ok(
            "createRecords",
            record
                .create_records(
                    "Leads",
                    body(json!({"data": [{"Last_Name": "Covered", "Company": "Cover Co"}]})),
                )
                .send(),
        )
        .await;
    let lead = created_id(&created, "data");
    ctx.fails(
        "createRecords",
        record
            .create_records("Leads", body(json!({"data": [{"Company": "No Name"}]})))
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    let list = ctx
        .ok(
            "getRecords",
            record
                .get_records("Leads", "Last_Name,Company")
                .per_page(2)
                .send(),
        )
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    ctx.fails(
        "getRecords",
        record.get_records("Nope", "Last_Name").send(),
        "INVALID_MODULE",
    )
    .await;
    let got = ctx
        .ok(
            "getRecord",
            record.get_record("Leads", &lead).fields("Last_Name").send(),
        )
        .await;
    assert_eq!(got["data"][0]["Last_Name"], "Covered");
    ctx.fails(
        "getRecord",
        record.get_record("Nope", &lead).send(),
        "INVALID_MODULE",
    )
    .await;
    ctx.ok(
        "updateRecord",
        record
            .update_record(
                "Leads",
                &lead,
                body(json!({"data": [{"Company": "Cover Ltd"}]})),
            )
            .send(),
    )
    .await;
    ctx.fails(
        "updateRecord",
        record
            .update_record("Leads", "1", body(json!({"data": [{"Company": "x"}]})))
            .send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "updateRecords",
        record
            .update_records(
                "Leads",
                body(json!({"data": [{"id": lead, "Designation": "Buyer"}]})),
            )
            .send(),
    )
    .await;
    ctx.fails(
        "updateRecords",
        record
            .update_records("Leads", body(json!({"data": [{"Company": "no id"}]})))
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    let upserted = ctx
        .ok(
            "upsertRecords",
            record
                .upsert_records(
                    "Leads",
                    body(
                        json!({"data": [{"Last_Name": "Upserted", "Email": "up@cover.example"}],
                            "duplicate_check_fields": ["Email"]}),
                    ),
                )
                .send(),
        )
        .await;
    let upserted = created_id(&upserted, "data");
    ctx.fails(
        "upsertRecords",
        record
            .upsert_records(
                "Leads",
                body(json!({"data": [{"Email": "x@cover.example"}]})),
            )
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    let cloned = ctx
        .ok(
            "cloneRecord",
            record
                .clone_record(
                    "Leads",
                    &lead,
                    body(json!({"data": [{"Last_Name": "Cloned"}]})),
                )
                .send(),
        )
        .await;
    let clone = created_id(&cloned, "data");
    ctx.fails(
        "cloneRecord",
        record
            .clone_record("Leads", "1", body(json!({"data": [{}]})))
            .send(),
        "INVALID_DATA",
    )
    .await;
    let count = ctx
        .ok(
            "getRecordCount",
            api.record_count().get_record_count("Leads").send(),
        )
        .await;
    assert!(count["count"].as_i64().unwrap() >= 5, "{count}");
    ctx.fails(
        "getRecordCount",
        api.record_count().get_record_count("Nope").send(),
        "INVALID_MODULE",
    )
    .await;

    // Search.
    let found = ctx
        .ok(
            "searchRecords",
            api.module_search()
                .search_records("Leads")
                .criteria("(Last_Name:equals:Covered)")
                .send(),
        )
        .await;
    assert_eq!(found["data"][0]["id"], lead.as_str());
    ctx.fails(
        "searchRecords",
        api.module_search().search_records("Leads").send(),
        "REQUIRED_PARAM_MISSING",
    )
    .await;
    let found = ctx
        .ok(
            "bulkSearchRecords",
            api.module_search()
                .bulk_search_records(
                    "Leads",
                    body(json!({"criteria": "(Last_Name:equals:Cloned)", "fields": "Last_Name"})),
                )
                .send(),
        )
        .await;
    assert_eq!(found["data"][0]["id"], clone.as_str(), "{found}");
    ctx.fails(
        "bulkSearchRecords",
        api.module_search()
            .bulk_search_records("Leads", body(json!({})))
            .send(),
        "EXPECTED_PARAM_MISSING",
    )
    .await;
    let coql = ctx
        .ok(
            "executeCOQLQuery",
            api.coql()
                .execute_coql_query(body(json!({
                    "select_query": "select Last_Name from Leads where Last_Name = 'Covered'"
                })))
                .send(),
        )
        .await;
    assert_eq!(coql["data"][0]["Last_Name"], "Covered");
    ctx.fails(
        "executeCOQLQuery",
        api.coql()
            .execute_coql_query(body(json!({"select_query": "select Last_Name from Leads"})))
            .send(),
        "SYNTAX_ERROR",
    )
    .await;

    // Tags.
    let tags = api.tags();
    let made = ctx
        .ok(
            "createTags",
            tags.create_tags(
                "Leads",
                body(json!({"tags": [{"name": "covered", "color_code": "#57B1FD"}]})),
            )
            .send(),
        )
        .await;
    assert_eq!(made["tags"][0]["code"], "SUCCESS", "{made}");
    ctx.fails(
        "createTags",
        tags.create_tags("Nope", body(json!({"tags": [{"name": "x"}]})))
            .send(),
        "INVALID_MODULE",
    )
    .await;
    let listed = ctx.ok("getTags", tags.get_tags("Leads").send()).await;
    assert!(listed.to_string().contains("covered"), "{listed}");
    ctx.fails("getTags", tags.get_tags("Nope").send(), "INVALID_MODULE")
        .await;
    ctx.ok(
        "addTagsToRecord",
        tags.add_tags_to_record("Leads", &lead, body(json!({"tags": [{"name": "covered"}]})))
            .send(),
    )
    .await;
    let got = ctx
        .ok(
            "getRecord",
            record.get_record("Leads", &lead).fields("Tag").send(),
        )
        .await;
    assert_eq!(got["data"][0]["Tag"][0]["name"], "covered", "{got}");
    ctx.fails(
        "addTagsToRecord",
        tags.add_tags_to_record("Leads", "1", body(json!({"tags": [{"name": "covered"}]})))
            .send(),
        "INVALID_DATA",
    )
    .await;

    // Notes.
    let notes = api.notes();
    let note = ctx
        .ok(
            "createRecordNotes",
            notes
                .create_record_notes(
                    "Leads",
                    &lead,
                    body(json!({"data": [{"Note_Title": "Call", "Note_Content": "Called back"}]})),
                )
                .send(),
        )
        .await;
    let note = created_id(&note, "data");
    ctx.fails(
        "createRecordNotes",
        notes
            .create_record_notes(
                "Leads",
                "1",
                body(json!({"data": [{"Note_Content": "nobody"}]})),
            )
            .send(),
        "INVALID_DATA",
    )
    .await;
    let module_note = ctx
        .ok(
            "createNotesModule",
            notes
                .create_notes_module(body(json!({"data": [{
                    "Note_Content": "From the Notes module",
                    "Parent_Id": {"module": {"api_name": "Leads"}, "id": lead}
                }]})))
                .send(),
        )
        .await;
    let module_note = created_id(&module_note, "data");
    ctx.fails(
        "createNotesModule",
        notes
            .create_notes_module(body(json!({"data": [{"Note_Content": "no parent"}]})))
            .send(),
        "MANDATORY_NOT_FOUND",
    )
    .await;
    let listed = ctx
        .ok(
            "getNotesModule",
            notes.get_notes_module("Note_Content,Parent_Id").send(),
        )
        .await;
    assert!(listed.to_string().contains(&note), "{listed}");
    ctx.fails(
        "getNotesModule",
        narrow.api().notes().get_notes_module("Note_Content").send(),
        "OAUTH_SCOPE_MISMATCH",
    )
    .await;
    ctx.ok(
        "deleteNotesModule",
        notes.delete_notes_module(&module_note).send(),
    )
    .await;
    ctx.fails(
        "deleteNotesModule",
        narrow.api().notes().delete_notes_module(&note).send(),
        "OAUTH_SCOPE_MISMATCH",
    )
    .await;

    // Related records: a contact linked to an account.
    let accounts = ctx
        .ok(
            "getRecords",
            record.get_records("Accounts", "Account_Name").send(),
        )
        .await;
    let account = accounts["data"][0]["id"].as_str().unwrap().to_string();
    let contact = created_id(
        &ctx.ok(
            "createRecords",
            record
                .create_records(
                    "Contacts",
                    body(json!({"data": [{"Last_Name": "Related"}]})),
                )
                .send(),
        )
        .await,
        "data",
    );
    let related = api.related_records();
    ctx.ok(
        "updateRelatedRecords",
        related
            .update_related_records(
                "Accounts",
                &account,
                "Contacts",
                body(json!({"data": [{"id": contact}]})),
            )
            .send(),
    )
    .await;
    ctx.fails(
        "updateRelatedRecords",
        related
            .update_related_records(
                "Accounts",
                &account,
                "Bogus",
                body(json!({"data": [{"id": contact}]})),
            )
            .send(),
        "INVALID_DATA",
    )
    .await;
    let contacts = ctx
        .ok(
            "getRelatedRecords",
            related
                .get_related_records("Accounts", &account, "Contacts", "Last_Name")
                .send(),
        )
        .await;
    assert!(contacts.to_string().contains(&contact), "{contacts}");
    ctx.fails(
        "getRelatedRecords",
        related
            .get_related_records("Accounts", &account, "Bogus", "Last_Name")
            .send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "delinkSpecificRelatedRecord",
        related
            .delink_specific_related_record("Accounts", &account, "Contacts", &contact)
            .send(),
    )
    .await;
    ctx.fails(
        "delinkSpecificRelatedRecord",
        related
            .delink_specific_related_record("Accounts", &account, "Bogus", &contact)
            .send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "updateRelatedRecords",
        related
            .update_related_records(
                "Accounts",
                &account,
                "Contacts",
                body(json!({"data": [{"id": contact}]})),
            )
            .send(),
    )
    .await;
    ctx.ok(
        "delinkRelatedRecords",
        related
            .delink_related_records("Accounts", &account, "Contacts", &contact)
            .send(),
    )
    .await;
    ctx.fails(
        "delinkRelatedRecords",
        related
            .delink_related_records("Accounts", &account, "Bogus", &contact)
            .send(),
        "INVALID_DATA",
    )
    .await;

    // Attachments: a link by URL, listed, downloaded and deleted.
    let attachments = api.attachments();
    let linked = ctx
        .ok(
            "uploadAttachment",
            attachments
                .upload_attachment("Leads", &lead)
                .attachment_url("https://www.zoho.com/crm/")
                .title("Zoho CRM")
                .send(),
        )
        .await;
    let attachment = created_id(&linked, "data");
    ctx.fails(
        "uploadAttachment",
        attachments
            .upload_attachment("Leads", "1")
            .attachment_url("https://www.zoho.com/crm/")
            .send(),
        "INVALID_DATA",
    )
    .await;
    let listed = ctx
        .ok(
            "getAttachments",
            attachments
                .get_attachments("Leads", &lead, "id,File_Name")
                .send(),
        )
        .await;
    assert_eq!(listed["data"][0]["id"], attachment.as_str(), "{listed}");
    ctx.fails(
        "getAttachments",
        attachments
            .get_attachments("Leads", "1", "id,File_Name")
            .send(),
        "INVALID_DATA",
    )
    .await;
    let download = ctx
        .run(
            "getAttachmentById",
            true,
            attachments
                .get_attachment_by_id("Leads", &lead, &attachment)
                .send(),
        )
        .await
        .expect("getAttachmentById");
    assert_eq!(download.status(), 200);
    assert_eq!(
        &download.bytes(1 << 20).await.unwrap()[..],
        b"https://www.zoho.com/crm/"
    );
    ctx.fails(
        "getAttachmentById",
        attachments.get_attachment_by_id("Leads", &lead, "1").send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "deleteAttachment",
        attachments
            .delete_attachment("Leads", &lead, &attachment)
            .send(),
    )
    .await;
    ctx.fails(
        "deleteAttachment",
        attachments
            .delete_attachment("Leads", &lead, &attachment)
            .send(),
        "INVALID_DATA",
    )
    .await;

    // Bulk jobs.
    let job = ctx
        .ok(
            "createBulkReadJob",
            api.bulk_read()
                .create_bulk_read_job(body(json!({
                    "query": {"module": {"api_name": "Leads"}, "fields": ["Last_Name"]},
                    "file_type": "csv"
                })))
                .send(),
        )
        .await;
    let job = created_id(&job, "data");
    ctx.fails(
        "createBulkReadJob",
        api.bulk_read()
            .create_bulk_read_job(body(json!({"query": {"module": {"api_name": "Nope"}}})))
            .send(),
        "MODULE_NOT_AVAILABLE",
    )
    .await;
    let details = ctx
        .ok(
            "getBulkReadJobDetails",
            api.bulk_read().get_bulk_read_job_details(&job).send(),
        )
        .await;
    assert_eq!(details["data"][0]["id"], job.as_str(), "{details}");
    ctx.fails(
        "getBulkReadJobDetails",
        api.bulk_read().get_bulk_read_job_details("1").send(),
        "RESOURCE_NOT_FOUND",
    )
    .await;
    let file_id = upload_for_bulk_write(emu).await;
    let job = ctx.ok(
        "createBulkWriteJob",
        api.bulk_write()
            .create_bulk_write_job(body(json!({
                "operation": "insert",
                "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id,
                              "field_mappings": [{"api_name": "Last_Name", "index": 0}]}]
            })))
            .send()
            ,
    )
        .await;
    let job = job["details"]["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| created_id(&job, "data"));
    ctx.fails(
        "createBulkWriteJob",
        api.bulk_write()
            .create_bulk_write_job(body(json!({
                "operation": "insert",
                "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": "1"}]
            })))
            .send(),
        "INVALID_FILE_ID",
    )
    .await;
    let details = ctx
        .ok(
            "getBulkWriteJobDetails",
            api.bulk_write().get_bulk_write_job_details(&job).send(),
        )
        .await;
    assert_eq!(details["id"], job.as_str(), "{details}");
    ctx.fails(
        "getBulkWriteJobDetails",
        api.bulk_write().get_bulk_write_job_details("1").send(),
        "RESOURCE_NOT_FOUND",
    )
    .await;

    // Deletes last.
    let deleted = ctx
        .ok("deleteRecord", record.delete_record("Leads", &clone).send())
        .await;
    assert_eq!(deleted["data"][0]["code"], "SUCCESS");
    ctx.fails(
        "deleteRecord",
        record.delete_record("Nope", &clone).send(),
        "INVALID_MODULE",
    )
    .await;
    ctx.ok(
        "deleteRecords",
        record.delete_records("Leads", &upserted).send(),
    )
    .await;
    ctx.fails(
        "deleteRecords",
        record.delete_records("Nope", &upserted).send(),
        "INVALID_MODULE",
    )
    .await;
    let gone = ctx
        .ok(
            "getDeletedRecords",
            record.get_deleted_records("Leads").type_("all").send(),
        )
        .await;
    assert!(gone.to_string().contains(&clone), "{gone}");
    ctx.fails(
        "getDeletedRecords",
        record.get_deleted_records("Nope").send(),
        "INVALID_MODULE",
    )
    .await;
}

/// The test's one long async fn holds every call's request future in its frame, which in an
/// unoptimised build takes more than a default thread stack: it runs on a thread with room.
#[test]
fn every_generated_operation_answers_success_and_error_against_the_emulator() {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(cover_every_operation())
        })
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

async fn cover_every_operation() {
    let (emu, client) = common::setup_with(&[
        "ZohoCRM.modules.ALL",
        "ZohoCRM.settings.ALL",
        "ZohoCRM.users.READ",
        "ZohoCRM.org.READ",
        "ZohoCRM.coql.READ",
        "ZohoCRM.bulk.ALL",
        "ZohoCRM.mass_update.ALL",
        "ZohoCRM.send_mail.all.CREATE",
        "ZohoCRM.notifications.ALL",
    ])
    .await;
    let narrow = common::sign_in(&emu, &["ZohoCRM.users.READ"]).await;
    let ctx = Coverage {
        emu: &emu,
        covered: Mutex::new(BTreeSet::new()),
    };
    Box::pin(exercise(&ctx, &emu, &client, &narrow)).await;
    Box::pin(actions::tags(&ctx, &client)).await;
    Box::pin(actions::records(&ctx, &client)).await;
    Box::pin(actions::processes(&ctx, &client)).await;
    Box::pin(files::files(&ctx, &client)).await;

    let covered = ctx.covered.into_inner().unwrap();
    let mut missing = vec![];
    for op in OPERATIONS {
        let (good, bad) = (
            covered.contains(&(op.id, true)),
            covered.contains(&(op.id, false)),
        );
        if !good || !bad {
            missing.push(format!(
                "{} {} ({}::{}): success {}, error {}",
                op.method,
                op.path,
                op.group,
                op.function,
                if good { "called" } else { "missing" },
                if bad { "called" } else { "missing" },
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
