//! Emulator responses validate against Zoho's own OpenAPI schemas (`../shared/crm-oas/v8.0`;
//! v7 and v8 share wire shapes). Property names and JSON types must match. Zoho's `required`
//! lists and `nullable` flags are unreliable, so a missing property or a `null` value is not an
//! error, and enums (which Zoho fills with sample messages) are not checked.
//!
//! Where a spec is known to be wrong, Zoho's own published payloads (`../shared/zoho-samples`)
//! decide: a property missing from a schema, or of another JSON type than the schema says, is
//! accepted only when a published sample carries that property name with that JSON type; where no
//! sample exists, the spec's mistakes are listed one by one with their reason
//! (`common::oas::ERRATA`). Each such allowance is printed.

mod common;
use common::oas::{load_samples, shared_specs, skip, Specs};
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A request and the spec response it must match: (what, method, path, body, spec file,
/// spec path, spec method, spec status).
type Case = (
    &'static str,
    Method,
    String,
    Option<Value>,
    &'static str,
    String,
    &'static str,
    &'static str,
);

#[tokio::test]
async fn responses_match_zoho_openapi_schemas() {
    let Some(dir) = shared_specs() else {
        skip("../shared/crm-oas/v8.0 is absent (Zoho's OpenAPI specs are read from beside the project)");
        return;
    };
    let mut sample_keys = HashMap::new();
    load_samples(&dir.join("../../zoho-samples"), &mut sample_keys);
    assert!(
        !sample_keys.is_empty(),
        "../shared/zoho-samples has no samples"
    );
    let mut specs = Specs {
        dir,
        files: HashMap::new(),
        sample_keys,
        allowed: Default::default(),
    };
    let env = Env::new().await;
    let t = env
        .login(
            PATRICIA,
            &format!("{ALL_SCOPES},ZohoCRM.bulk.ALL,ZohoFiles.files.ALL,{ACTION_SCOPES}"),
        )
        .await
        .access;
    let (_, b) = env.call(Method::POST, &t, "/Leads", Some(json!({"data": [{"Last_Name": "Schema", "Email": "schema@x.example", "Lead_Status": "Contacted", "Annual_Revenue": 10.5, "Preferred_Channels": ["Email"], "Follow_Up_Date": "2026-01-02"}]}))).await;
    let lead = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let acct = env.get(&t, "/Accounts?fields=Account_Name").await.1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.call(
        Method::POST,
        &t,
        "/Contacts",
        Some(json!({"data": [{"Last_Name": "Rel", "Account_Name": {"id": acct}}]})),
    )
    .await;
    env.call(
        Method::POST,
        &t,
        &format!("/Leads/{lead}/Notes"),
        Some(json!({"data": [{"Note_Title": "t", "Note_Content": "c"}]})),
    )
    .await;

    let contact = env
        .get(&t, &format!("/Accounts/{acct}/Contacts?fields=Last_Name"))
        .await
        .1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.call(
        Method::POST,
        &t,
        "/settings/tags?module=Leads",
        Some(json!({"tags": [{"name": "Schema", "color_code": "#57B1FD"}]})),
    )
    .await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{lead}/Attachments?attachmentUrl=https://www.zoho.com"),
            None,
        )
        .await;
    let att = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{lead}/Attachments?attachmentUrl=https://www.zoho.com/crm"),
            None,
        )
        .await;
    let att2 = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let layout = env.get(&t, "/settings/layouts?module=Leads").await.1["layouts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let status_field = env
        .get(&t, "/settings/fields/Lead_Status?module=Leads")
        .await
        .1["fields"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/read",
            Some(json!({"query": {"module": {"api_name": "Leads"}, "fields": ["Last_Name"]}})),
        )
        .await;
    let read_job = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    // A job no details call moves on: its result is not made yet.
    let (_, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/read",
            Some(json!({"query": {"module": {"api_name": "Leads"}}})),
        )
        .await;
    let fresh_job = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let file_id = env
        .http
        .post(format!(
            "{}/orgs/60012345/uploads?file_name=l.zip",
            env.emu.admin_url
        ))
        .body("Last_Name\nA\n")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["file_id"]
        .as_str()
        .unwrap()
        .to_string();
    let write_body = |file: &str| {
        json!({"operation": "insert", "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file,
            "field_mappings": [{"api_name": "Last_Name", "index": 0}]}]})
    };
    let (_, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/write",
            Some(write_body(&file_id)),
        )
        .await;
    let write_job = b["details"]["id"].as_str().unwrap().to_string();

    let me = env.get(&t, "/users?type=CurrentUser").await.1["users"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page_token = env.get(&t, "/Leads?fields=Last_Name&per_page=1").await.1["info"]
        ["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();

    let record = "/crm/v8/{module_api_name}";
    let tags_one = "/crm/v8/{module_api_name}/{record_id}/actions";
    let attachments = "/crm/v8/{module}/{record_id}/Attachments";
    // (what, method, path, body, spec file, spec path, spec method, spec status)
    let mut table: Vec<Case> = vec![
        ("list records", Method::GET, "/Leads?fields=Last_Name,Email,Owner,Created_Time,Lead_Status,Annual_Revenue&per_page=2".into(), None, "record.json", record.into(), "get", "200"),
        ("get a record", Method::GET, format!("/Leads/{lead}"), None, "record.json", format!("{record}/{{id}}"), "get", "200"),
        ("create records", Method::POST, "/Leads".into(), Some(json!({"data": [{"Last_Name": "A"}, {"First_Name": "no last name"}]})), "record.json", record.into(), "post", "200"),
        ("update records", Method::PUT, "/Leads".into(), Some(json!({"data": [{"id": lead, "Company": "C"}]})), "record.json", record.into(), "put", "200"),
        ("upsert records", Method::POST, "/Leads/upsert".into(), Some(json!({"data": [{"Last_Name": "U", "Email": "schema@x.example"}]})), "record.json", format!("{record}/upsert"), "post", "200"),
        ("search records", Method::GET, "/Leads/search?word=schema".into(), None, "record.json", format!("{record}/search"), "get", "200"),
        ("list records by page token", Method::GET, format!("/Leads?fields=Last_Name&per_page=1&page_token={page_token}"), None, "record.json", record.into(), "get", "200"),
        ("list records of an unknown custom view", Method::GET, "/Leads?fields=Last_Name&cvid=1".into(), None, "record.json", record.into(), "get", "200"),
        ("create a duplicate and a record with an unknown key", Method::POST, "/Leads".into(), Some(json!({"data": [{"Last_Name": "D", "Email": "schema@x.example"}, {"Last_Name": "K", "Not_A_Field": 1}]})), "record.json", record.into(), "post", "200"),
        ("count records", Method::GET, "/Leads/actions/count".into(), None, "record.json", format!("{record}/actions/count"), "get", "200"),
        ("missing fields parameter", Method::GET, "/Leads".into(), None, "record.json", record.into(), "get", "200"),
        ("COQL", Method::POST, "/coql".into(), Some(json!({"select_query": "select Last_Name, Email from Leads where Last_Name is not null limit 5"})), "coql.json", "/crm/v8/coql".into(), "post", "200"),
        ("COQL syntax error", Method::POST, "/coql".into(), Some(json!({"select_query": "select Last_Name from Leads"})), "coql.json", "/crm/v8/coql".into(), "post", "400"),
        ("fields metadata", Method::GET, "/settings/fields?module=Leads".into(), None, "fields.json", "/crm/v8/settings/fields".into(), "get", "200"),
        ("modules metadata", Method::GET, "/settings/modules".into(), None, "modules.json", "/crm/v8/settings/modules".into(), "get", "200"),
        ("one module", Method::GET, "/settings/modules/Leads".into(), None, "modules.json", "/crm/v8/settings/modules/{api_name}".into(), "get", "200"),
        ("layouts", Method::GET, "/settings/layouts?module=Leads".into(), None, "layouts.json", "/crm/v8/settings/layouts".into(), "get", "200"),
        ("current user", Method::GET, "/users?type=CurrentUser".into(), None, "users.json", "/crm/v8/users".into(), "get", "200"),
        ("one user", Method::GET, format!("/users/{me}"), None, "users.json", "/crm/v8/users/{user}".into(), "get", "200"),
        ("count users", Method::GET, "/users/actions/count".into(), None, "users.json", "/crm/v8/users/actions/count".into(), "get", "200"),
        ("an unknown module's metadata", Method::GET, "/settings/modules/Bogus".into(), None, "modules.json", "/crm/v8/settings/modules/{api_name}".into(), "get", "400"),
        ("bad user type", Method::GET, "/users?type=Bogus".into(), None, "users.json", "/crm/v8/users".into(), "get", "400"),
        ("org", Method::GET, "/org".into(), None, "org.json", "/crm/v8/org".into(), "get", "200"),
        ("related records", Method::GET, format!("/Accounts/{acct}/Contacts?fields=Last_Name,Account_Name"), None, "related_records.json", "/crm/v8/{module_api_name}/{record_id}/{related_list_api_name}".into(), "get", "200"),
        ("tags", Method::GET, "/settings/tags?module=Leads".into(), None, "tags.json", "/crm/v8/settings/tags".into(), "get", "200"),
        ("tags of an unknown module", Method::GET, "/settings/tags?module=Nope".into(), None, "tags.json", "/crm/v8/settings/tags".into(), "get", "400"),
        ("create tags", Method::POST, "/settings/tags?module=Leads".into(), Some(json!({"tags": [{"name": "Another"}]})), "tags.json", "/crm/v8/settings/tags".into(), "post", "201"),
        ("duplicate tag", Method::POST, "/settings/tags?module=Leads".into(), Some(json!({"tags": [{"name": "schema"}]})), "tags.json", "/crm/v8/settings/tags".into(), "post", "400"),
        ("add tags to a record", Method::POST, format!("/Leads/{lead}/actions/add_tags"), Some(json!({"tags": [{"name": "Schema"}, {"name": "Fresh"}]})), "tags.json", format!("{tags_one}/add_tags"), "post", "200"),
        ("add tags to an unknown record", Method::POST, "/Leads/1/actions/add_tags".into(), Some(json!({"tags": [{"name": "Schema"}]})), "tags.json", format!("{tags_one}/add_tags"), "post", "400"),
        ("remove tags from a record", Method::POST, format!("/Leads/{lead}/actions/remove_tags"), Some(json!({"tags": [{"name": "Fresh"}]})), "tags.json", format!("{tags_one}/remove_tags"), "post", "200"),
        ("add tags to records", Method::POST, "/Leads/actions/add_tags".into(), Some(json!({"tags": [{"name": "Schema"}], "ids": [lead]})), "tags.json", format!("{record}/actions/add_tags"), "post", "200"),
        ("remove tags from records", Method::POST, "/Leads/actions/remove_tags".into(), Some(json!({"tags": [{"name": "Schema"}], "ids": [lead]})), "tags.json", format!("{record}/actions/remove_tags"), "post", "200"),
        ("clone a record", Method::POST, format!("/Leads/{lead}/actions/clone"), Some(json!({"data": [{"Email": "clone@x.example"}]})), "record.json", format!("{record}/{{id}}/actions/clone"), "post", "201"),
        ("clone an unknown record", Method::POST, "/Leads/1/actions/clone".into(), None, "record.json", format!("{record}/{{id}}/actions/clone"), "post", "400"),
        ("one layout", Method::GET, format!("/settings/layouts/{layout}?module=Leads"), None, "layouts.json", "/crm/v8/settings/layouts/{id}".into(), "get", "200"),
        ("an unknown layout", Method::GET, "/settings/layouts/1?module=Leads".into(), None, "layouts.json", "/crm/v8/settings/layouts/{id}".into(), "get", "400"),
        ("picklist values", Method::GET, format!("/settings/fields/{status_field}/pick_list_values?module=Leads"), None, "pick_list_values.json", "/crm/v8/settings/fields/{field_id}/pick_list_values".into(), "get", "200"),
        ("picklist values of an unknown field", Method::GET, "/settings/fields/1/pick_list_values?module=Leads".into(), None, "pick_list_values.json", "/crm/v8/settings/fields/{field_id}/pick_list_values".into(), "get", "400"),
        // The local specs have no POST search; its answers have the GET form's shapes.
        ("search with a body", Method::POST, "/Leads/search".into(), Some(json!({"criteria": "(Last_Name:equals:Doe)"})), "record.json", format!("{record}/search"), "get", "200"),
        ("search with a body and no parameter", Method::POST, "/Leads/search".into(), Some(json!({})), "module_search.json", "/crm/v8/{module}/search".into(), "get", "400"),
        ("delink one related record", Method::DELETE, format!("/Accounts/{acct}/Contacts/{contact}"), None, "related_records.json", "/crm/v8/{module_api_name}/{record_id}/{related_list_api_name}/{related_record_id}".into(), "delete", "200"),
        ("delink an unrelated record", Method::DELETE, format!("/Accounts/{acct}/Contacts/{contact}"), None, "related_records.json", "/crm/v8/{module_api_name}/{record_id}/{related_list_api_name}/{related_record_id}".into(), "delete", "200"),
        ("attachments", Method::GET, format!("/Leads/{lead}/Attachments?fields=File_Name,Size,Owner,Parent_Id,Created_Time,Modified_Time,Created_By,Modified_By"), None, "attachments.json", attachments.into(), "get", "200"),
        ("attachments of an unknown record", Method::GET, "/Leads/1/Attachments?fields=File_Name".into(), None, "attachments.json", attachments.into(), "get", "400"),
        ("link an attachment", Method::POST, format!("/Leads/{lead}/Attachments?attachmentUrl=https://example.com/a&title=A"), None, "attachments.json", attachments.into(), "post", "200"),
        ("an unknown attachment", Method::GET, format!("/Leads/{lead}/Attachments/1"), None, "attachments.json", format!("{attachments}/{{id}}"), "get", "400"),
        ("delete an attachment", Method::DELETE, format!("/Leads/{lead}/Attachments/{att}"), None, "attachments.json", format!("{attachments}/{{id}}"), "delete", "200"),
        ("delete attachments", Method::DELETE, format!("/Leads/{lead}/Attachments?ids={att2}"), None, "attachments.json", attachments.into(), "delete", "200"),
        ("create a bulk read job", Method::POST, "/crm/bulk/v7/read".into(), Some(json!({"query": {"module": {"api_name": "Leads"}, "criteria": {"field": {"api_name": "Last_Name"}, "comparator": "equal", "value": "Doe"}}})), "bulk_read.json", "/crm/bulk/v8/read".into(), "post", "201"),
        ("bulk read of an unknown module", Method::POST, "/crm/bulk/v7/read".into(), Some(json!({"query": {"module": {"api_name": "Nope"}}})), "bulk_read.json", "/crm/bulk/v8/read".into(), "post", "400"),
        ("bulk read job in progress", Method::GET, format!("/crm/bulk/v7/read/{read_job}"), None, "bulk_read.json", "/crm/bulk/v8/read/{job_id}".into(), "get", "200"),
        ("bulk read job completed", Method::GET, format!("/crm/bulk/v7/read/{read_job}"), None, "bulk_read.json", "/crm/bulk/v8/read/{job_id}".into(), "get", "200"),
        ("an unknown bulk read job", Method::GET, "/crm/bulk/v7/read/1".into(), None, "bulk_read.json", "/crm/bulk/v8/read/{job_id}".into(), "get", "404"),
        // The download's error answers (its 200 is a ZIP, which has no JSON schema); the spec
        // files the job-not-found shape under 400.
        ("result of an unknown bulk read job", Method::GET, "/crm/bulk/v7/read/1/result".into(), None, "bulk_read.json", "/crm/bulk/v8/read/{job_id}/result".into(), "get", "400"),
        ("result of a bulk read job not completed", Method::GET, format!("/crm/bulk/v7/read/{fresh_job}/result"), None, "bulk_read.json", "/crm/bulk/v8/read/{job_id}/result".into(), "get", "400"),
        ("create a bulk write job", Method::POST, "/crm/bulk/v7/write".into(), Some(write_body(&file_id)), "bulk_write.json", "/crm/bulk/v8/write".into(), "post", "201"),
        ("bulk write of a file never uploaded", Method::POST, "/crm/bulk/v7/write".into(), Some(write_body("1")), "bulk_write.json", "/crm/bulk/v8/write".into(), "post", "400"),
        ("bulk write job in progress", Method::GET, format!("/crm/bulk/v7/write/{write_job}"), None, "bulk_write.json", "/crm/bulk/v8/write/{job_id}".into(), "get", "200"),
        ("bulk write job completed", Method::GET, format!("/crm/bulk/v7/write/{write_job}"), None, "bulk_write.json", "/crm/bulk/v8/write/{job_id}".into(), "get", "200"),
        ("an unknown bulk write job", Method::GET, "/crm/bulk/v7/write/1".into(), None, "bulk_write.json", "/crm/bulk/v8/write/{job_id}".into(), "get", "400"),
        ("delete records", Method::DELETE, format!("/Leads?ids={lead},1"), None, "record.json", record.into(), "delete", "200"),
        ("deleted records", Method::GET, "/Leads/deleted".into(), None, "record.json", format!("{record}/deleted"), "get", "200"),
        ("recycle bin", Method::GET, "/settings/recycle_bin?module=Leads".into(), None, "recycle_bin.json", "/crm/v8/settings/recycle_bin".into(), "get", "200"),
        ("recycle bin without filters", Method::GET, "/settings/recycle_bin".into(), None, "recycle_bin.json", "/crm/v8/settings/recycle_bin".into(), "get", "400"),
        ("recycle bin of an unknown module", Method::GET, "/settings/recycle_bin?module=Nope".into(), None, "recycle_bin.json", "/crm/v8/settings/recycle_bin".into(), "get", "400"),
        ("one deleted record", Method::GET, format!("/settings/recycle_bin/{lead}"), None, "recycle_bin.json", "/crm/v8/settings/recycle_bin/{record_id}".into(), "get", "200"),
        ("an unknown deleted record", Method::GET, "/settings/recycle_bin/1".into(), None, "recycle_bin.json", "/crm/v8/settings/recycle_bin/{record_id}".into(), "get", "400"),
    ];
    table.extend(action_cases(&env, &t).await);
    let photo = "/crm/v8/{module}/{record}/photo";
    let files = "/crm/v8/files";
    table.extend([
        (
            "upload a photo",
            Method::POST,
            format!("/Leads/{lead}/photo"),
            None,
            "record_photo.json",
            photo.to_string(),
            "post",
            "200",
        ),
        (
            "photo of an unknown record",
            Method::GET,
            "/Leads/1/photo".into(),
            None,
            "record_photo.json",
            photo.into(),
            "get",
            "400",
        ),
        (
            "delete a photo",
            Method::DELETE,
            format!("/Leads/{lead}/photo"),
            None,
            "record_photo.json",
            photo.into(),
            "delete",
            "200",
        ),
        (
            "delete a photo of an unknown record",
            Method::DELETE,
            "/Leads/1/photo".into(),
            None,
            "record_photo.json",
            photo.into(),
            "delete",
            "400",
        ),
        (
            "upload files",
            Method::POST,
            "/files".into(),
            None,
            "files.json",
            files.into(),
            "post",
            "200",
        ),
        (
            "an unknown file",
            Method::GET,
            "/files?id=nope".into(),
            None,
            "files.json",
            files.into(),
            "get",
            "400",
        ),
    ]);
    table.extend(record_cases(&env, &t, &lead, &acct, &contact, &status_field).await);
    let mut failures = vec![];
    let mut checked = std::collections::BTreeSet::new();
    let uploads = upload_cases(&env, &t, &lead).await;
    for (what, method, path, body, file, spec_path, spec_method, status) in table {
        checked.insert((spec_method.to_string(), template(&spec_path)));
        // Paths under `/crm/` (bulk jobs) are given from the root; others are CRM paths;
        // uploads went as multipart bodies already.
        let (code, v) = if let Some(answer) = uploads.get(&what) {
            answer.clone()
        } else if path.starts_with("/crm/") {
            env.call_at(method.clone(), &t, &path, body).await
        } else {
            env.call(method.clone(), &t, &path, body).await
        };
        assert!(!v.is_null(), "{what}: empty body (HTTP {code})");
        let (at, schema) = specs.response_schema(file, &spec_path, spec_method, status);
        let mut errors = vec![];
        specs.validate(&v, &schema, &at, "$", &mut errors);
        if !errors.is_empty() {
            failures.push(format!("{what} ({method} {path}, HTTP {code}) vs {file} {spec_method} {spec_path} {status}:\n    {}", errors.join("\n    ")));
        }
    }
    println!(
        "accepted where Zoho's published samples contradict its spec: {:?}",
        specs.allowed
    );
    assert!(
        failures.is_empty(),
        "{} responses do not match Zoho's schemas:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let unchecked: Vec<String> = project_operations()
        .into_iter()
        .filter(|op| {
            !checked.contains(op)
                && !UNCHECKED
                    .iter()
                    .any(|(m, p, _)| (*m, *p) == (op.0.as_str(), op.1.as_str()))
        })
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        unchecked.is_empty(),
        "operations of specs/openapi whose answers no row holds against Zoho's schemas:\n{}",
        unchecked.join("\n")
    );
}

/// The answers of the rows whose requests carry a multipart body, by row name (sent before the
/// table runs, so that the photo the delete rows remove is there).
async fn upload_cases(
    env: &common::Env,
    t: &str,
    lead: &str,
) -> std::collections::HashMap<&'static str, (reqwest::StatusCode, Value)> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([0u8; 64]);
    let mut out = std::collections::HashMap::new();
    out.insert(
        "upload a photo",
        env.call_multipart(
            Method::POST,
            t,
            &format!("/Leads/{lead}/photo"),
            ("p.png", "image/png", png),
        )
        .await,
    );
    out.insert(
        "upload files",
        env.call_multipart(
            Method::POST,
            t,
            "/files",
            ("c.pdf", "application/pdf", b"%PDF-1.7".to_vec()),
        )
        .await,
    );
    out
}

/// A path template with its version as `v8` and every parameter as `{}`, so that the project's
/// v7 templates and Zoho's v8 ones (`{module}` or `{module_api_name}`) compare.
fn template(path: &str) -> String {
    let path = path.replacen("/v7/", "/v8/", 1);
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// Every (method, template) of the operations the SDK ships (`specs/openapi`), read as data.
fn project_operations() -> std::collections::BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/openapi");
    let mut out = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some() {
                    out.insert((method.to_string(), template(path)));
                }
            }
        }
    }
    out
}

/// Operations of `specs/openapi` without a row of their own, each with the reason.
const UNCHECKED: &[(&str, &str, &str)] = &[
    ("post", "/crm/v8/{}/search", "Zoho's OAS has no POST search; rows `search with a body` hold its answers against the GET search's schemas"),
    ("post", "/crm/v8/{}/{}/Notes", "Zoho's OAS has no POST on a record's Notes; row `a record's notes added` holds its answer against POST /Notes"),
];

/// Notes, one record by id, related-list links and one field: the routes of `specs/openapi`
/// the other tables leave out.
async fn record_cases(
    env: &Env,
    t: &str,
    lead: &str,
    acct: &str,
    contact: &str,
    status_field: &str,
) -> Vec<Case> {
    let note = |title: &str| json!({"data": [{"Note_Title": title, "Note_Content": "c", "Parent_Id": {"module": {"api_name": "Leads"}, "id": lead}}]});
    let (_, b) = env
        .call(Method::POST, t, "/Notes", Some(note("doomed")))
        .await;
    let doomed_note = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (_, b) = env
        .call(
            Method::POST,
            t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Doomed"}]})),
        )
        .await;
    let doomed = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let one = "/crm/v8/{module_api_name}/{id}";
    let related = "/crm/v8/{module_api_name}/{record_id}/{related_list_api_name}";
    #[rustfmt::skip]
    let rows: Vec<Case> = vec![
        ("list notes", Method::GET, "/Notes?fields=Note_Title,Note_Content".into(), None, "notes.json", "/crm/v8/Notes".into(), "get", "200"),
        ("list notes without fields", Method::GET, "/Notes".into(), None, "notes.json", "/crm/v8/Notes".into(), "get", "400"),
        ("create notes", Method::POST, "/Notes".into(), Some(note("made")), "notes.json", "/crm/v8/Notes".into(), "post", "200"),
        ("a record's notes added", Method::POST, format!("/Leads/{lead}/Notes"), Some(json!({"data": [{"Note_Title": "t", "Note_Content": "c"}]})), "notes.json", "/crm/v8/Notes".into(), "post", "200"),
        ("delete notes", Method::DELETE, format!("/Notes?ids={doomed_note}"), None, "notes.json", "/crm/v8/Notes".into(), "delete", "200"),
        ("delete notes without ids", Method::DELETE, "/Notes".into(), None, "notes.json", "/crm/v8/Notes".into(), "delete", "400"),
        ("update one record", Method::PUT, format!("/Leads/{lead}"), Some(json!({"data": [{"Last_Name": "Schema Two"}]})), "record.json", one.into(), "put", "200"),
        ("delete one record", Method::DELETE, format!("/Leads/{doomed}"), None, "record.json", one.into(), "delete", "200"),
        ("link a related record", Method::PUT, format!("/Accounts/{acct}/Contacts"), Some(json!({"data": [{"id": contact}]})), "related_records.json", related.into(), "put", "200"),
        ("unlink a related record", Method::DELETE, format!("/Accounts/{acct}/Contacts?ids={contact}"), None, "related_records.json", related.into(), "delete", "200"),
        ("one field", Method::GET, format!("/settings/fields/{status_field}?module=Leads"), None, "fields.json", "/crm/v8/settings/fields/{field}".into(), "get", "200"),
        ("an unknown field", Method::GET, "/settings/fields/1?module=Leads".into(), None, "fields.json", "/crm/v8/settings/fields/{field}".into(), "get", "400"),
    ];
    rows
}

/// Scopes of lead conversion's neighbours: mass update, send mail, notifications.
const ACTION_SCOPES: &str =
    "ZohoCRM.mass_update.ALL,ZohoCRM.send_mail.all.CREATE,ZohoCRM.notifications.ALL";

/// Lead conversion, mass update, send mail, blueprint, notification channels and the rest of
/// tags: each success and error answer, with the records they act on made first.
async fn action_cases(env: &Env, t: &str) -> Vec<Case> {
    let mut leads = vec![];
    for (name, status) in [
        ("Convert", "Contacted"),
        ("Blueprint", "Contacted"),
        ("Bad deal", "Contacted"),
    ] {
        let (_, b) = env
            .call(
                Method::POST,
                t,
                "/Leads",
                Some(
                    json!({"data": [{"Last_Name": name, "Company": name, "Lead_Status": status}]}),
                ),
            )
            .await;
        leads.push(b["data"][0]["details"]["id"].as_str().unwrap().to_string());
    }
    let (convert, bp, bad) = (&leads[0], &leads[1], &leads[2]);
    let (_, b) = env.get(t, &format!("/Leads/{bp}/actions/blueprint")).await;
    let qualify = b["blueprint"]["transitions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = env
        .call(
            Method::POST,
            t,
            "/settings/tags?module=Leads",
            Some(json!({"tags": [{"name": "OasA"}, {"name": "OasB"}, {"name": "OasC"}]})),
        )
        .await;
    let tag = |i: usize| b["tags"][i]["details"]["id"].as_str().unwrap().to_string();
    let (ta, tb, tc) = (tag(0), tag(1), tag(2));
    env.call(
        Method::POST,
        t,
        &format!("/Leads/{bad}/actions/add_tags"),
        Some(json!({"tags": [{"name": "OasB"}]})),
    )
    .await;
    let mail = json!({"from": {"user_name": "Patricia Boyle", "email": "patricia.boyle@zylker.example"},
        "to": [{"user_name": "Schema", "email": "schema@x.example"}], "subject": "S", "content": "C", "mail_format": "text"});
    let no_subject = json!({"from": mail["from"], "to": mail["to"]});
    let bad_to = json!({"from": mail["from"], "to": [{"email": "nope"}], "subject": "S"});
    let channel = json!({"channel_id": 1000000068001u64, "events": ["Leads.all"], "notify_url": "https://www.zoho.com/callback?key1=val1", "token": "T"});
    let deal =
        json!({"Deal_Name": "Schema", "Closing_Date": "2026-01-01", "Stage": "Qualification"});
    let convert_path = "/crm/v8/Leads/{lead_id}/actions/convert";
    let mass = "/crm/v8/{module}/actions/mass_update";
    let send_mail = "/crm/v8/{moduleName}/{id}/actions/send_mail";
    let blueprint = "/crm/v8/{module_api_name}/{record_id}/actions/blueprint";
    let watch = "/crm/v8/actions/watch";
    let tags = "/crm/v8/settings/tags";
    let tag_one = "/crm/v8/settings/tags/{id}";
    #[rustfmt::skip]
    let rows: Vec<Case> = vec![
        ("convert a lead", Method::POST, format!("/Leads/{convert}/actions/convert"), Some(json!({"data": [{"overwrite": true, "Deals": deal}]})), "convert_lead.json", convert_path.into(), "post", "200"),
        ("convert a converted lead", Method::POST, format!("/Leads/{convert}/actions/convert"), None, "convert_lead.json", convert_path.into(), "post", "400"),
        ("convert an unknown lead", Method::POST, "/Leads/1/actions/convert".into(), None, "convert_lead.json", convert_path.into(), "post", "400"),
        ("convert with a deal missing its stage", Method::POST, format!("/Leads/{bad}/actions/convert"), Some(json!({"data": [{"Deals": {"Deal_Name": "D", "Closing_Date": "2026-01-01"}}]})), "convert_lead.json", convert_path.into(), "post", "400"),
        ("mass update by ids", Method::POST, "/Leads/actions/mass_update".into(), Some(json!({"data": [{"Rating": "Active"}], "ids": [bad, "1"]})), "mass_update.json", mass.into(), "post", "200"),
        // The operation names the per-record answer; the scheduled-job answer is the file's
        // `Response`. (The status call's 200 has no schema in the spec.)
        ("mass update by view", Method::POST, "/Leads/actions/mass_update".into(), Some(json!({"data": [{"Rating": "Active"}], "cvid": "1"})), "mass_update.json", mass.into(), "post", "#/components/responses/Response"),
        ("mass update without data", Method::POST, "/Leads/actions/mass_update".into(), Some(json!({"ids": [bad]})), "mass_update.json", mass.into(), "post", "400"),
        ("mass update with a bad value", Method::POST, "/Leads/actions/mass_update".into(), Some(json!({"data": [{"Email": "x"}], "ids": [bad]})), "mass_update.json", mass.into(), "post", "400"),
        ("mass update status without a job", Method::GET, "/Leads/actions/mass_update".into(), None, "mass_update.json", mass.into(), "get", "400"),
        ("mass update status of an unknown job", Method::GET, "/Leads/actions/mass_update?job_id=1".into(), None, "mass_update.json", mass.into(), "get", "400"),
        ("send a mail", Method::POST, format!("/Leads/{bad}/actions/send_mail"), Some(json!({"data": [mail]})), "send_mail.json", send_mail.into(), "post", "200"),
        ("send a mail without subject", Method::POST, format!("/Leads/{bad}/actions/send_mail"), Some(json!({"data": [no_subject]})), "send_mail.json", send_mail.into(), "post", "400"),
        ("send a mail to a bad address", Method::POST, format!("/Leads/{bad}/actions/send_mail"), Some(json!({"data": [bad_to]})), "send_mail.json", send_mail.into(), "post", "400"),
        ("send a mail about an unknown record", Method::POST, "/Leads/1/actions/send_mail".into(), Some(json!({"data": [mail]})), "send_mail.json", send_mail.into(), "post", "400"),
        ("a record's blueprint", Method::GET, format!("/Leads/{bp}/actions/blueprint"), None, "blueprint.json", blueprint.into(), "get", "200"),
        ("a blueprint transition missing a field", Method::PUT, format!("/Leads/{bp}/actions/blueprint"), Some(json!({"blueprint": [{"transition_id": qualify, "data": {}}]})), "blueprint.json", blueprint.into(), "put", "200"),
        ("an unknown blueprint transition", Method::PUT, format!("/Leads/{bp}/actions/blueprint"), Some(json!({"blueprint": [{"transition_id": "1"}]})), "blueprint.json", blueprint.into(), "put", "200"),
        ("a blueprint transition", Method::PUT, format!("/Leads/{bp}/actions/blueprint"), Some(json!({"blueprint": [{"transition_id": qualify, "data": {"Annual_Revenue": 1}}]})), "blueprint.json", blueprint.into(), "put", "200"),
        ("a record in no blueprint", Method::GET, format!("/Leads/{convert}/actions/blueprint"), None, "blueprint.json", blueprint.into(), "get", "200"),
        ("enable notifications", Method::POST, "/actions/watch".into(), Some(json!({"watch": [channel]})), "notifications.json", watch.into(), "post", "201"),
        ("enable notifications of a bad event", Method::POST, "/actions/watch".into(), Some(json!({"watch": [{"channel_id": 2, "events": ["Leads.x"], "notify_url": "https://www.zoho.com"}]})), "notifications.json", watch.into(), "post", "202"),
        ("notification channels", Method::GET, "/actions/watch".into(), None, "notifications.json", watch.into(), "get", "200"),
        ("update a channel", Method::PUT, "/actions/watch".into(), Some(json!({"watch": [channel]})), "notifications.json", watch.into(), "put", "200"),
        ("update an unknown channel", Method::PUT, "/actions/watch".into(), Some(json!({"watch": [{"channel_id": 9, "events": ["Leads.all"], "notify_url": "https://www.zoho.com"}]})), "notifications.json", watch.into(), "put", "202"),
        ("remove events of a channel", Method::PATCH, "/actions/watch".into(), Some(json!({"watch": [{"channel_id": 1000000068001u64, "events": ["Leads.all"], "_delete_events": true}]})), "notifications.json", watch.into(), "patch", "200"),
        ("disable an unknown channel", Method::DELETE, "/actions/watch?channel_ids=9".into(), None, "notifications.json", watch.into(), "delete", "202"),
        ("disable without channel ids", Method::DELETE, "/actions/watch".into(), None, "notifications.json", watch.into(), "delete", "400"),
        ("update tags", Method::PUT, "/settings/tags?module=Leads".into(), Some(json!({"tags": [{"id": ta, "name": "OasA2", "color_code": "#57B1FD"}]})), "tags.json", tags.into(), "put", "200"),
        ("update tags to a taken name", Method::PUT, "/settings/tags?module=Leads".into(), Some(json!({"tags": [{"id": ta, "name": "oasb"}]})), "tags.json", tags.into(), "put", "400"),
        ("update a tag", Method::PUT, format!("/settings/tags/{tc}?module=Leads"), Some(json!({"tags": [{"name": "OasC2"}]})), "tags.json", tag_one.into(), "put", "200"),
        ("update an unknown tag", Method::PUT, "/settings/tags/1?module=Leads".into(), Some(json!({"tags": [{"name": "X"}]})), "tags.json", tag_one.into(), "put", "400"),
        ("records of a tag", Method::GET, format!("/settings/tags/{tb}/actions/records_count?module=Leads"), None, "tags.json", format!("{tag_one}/actions/records_count"), "get", "200"),
        ("records of a tag without module", Method::GET, format!("/settings/tags/{tb}/actions/records_count"), None, "tags.json", format!("{tag_one}/actions/records_count"), "get", "400"),
        ("merge tags", Method::POST, format!("/settings/tags/{ta}/actions/merge"), Some(json!({"tags": [{"conflict_id": tb}]})), "tags.json", format!("{tag_one}/actions/merge"), "post", "200"),
        ("merge with an unknown tag", Method::POST, format!("/settings/tags/{ta}/actions/merge"), Some(json!({"tags": [{"conflict_id": "1"}]})), "tags.json", format!("{tag_one}/actions/merge"), "post", "400"),
        ("delete a tag", Method::DELETE, format!("/settings/tags/{tc}"), None, "tags.json", tag_one.into(), "delete", "200"),
        ("delete an unknown tag", Method::DELETE, format!("/settings/tags/{tc}"), None, "tags.json", tag_one.into(), "delete", "400"),
    ];
    rows
}
