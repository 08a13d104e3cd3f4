//! Record attachments, the bulk-write file upload and bulk read / write jobs: success answers
//! and their documented errors.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const BULK_SCOPES: &str =
    "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.bulk.ALL,ZohoFiles.files.ALL";

async fn first_lead(env: &Env, t: &str) -> String {
    env.get(t, "/Leads?fields=Last_Name").await.1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A multipart body with one `file` part; returns the content type and the body.
fn multipart(file_name: &str, content_type: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "zcrmBoundary7MA4YWxk";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A ZIP holding one file stored uncompressed (the checksum is not filled in).
fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut z = b"PK\x03\x04".to_vec();
    z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(data);
    z
}

async fn send_raw(
    env: &Env,
    token: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut req = env
        .http
        .post(env.url(path))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn attachments_link_upload_list_download_delete() {
    let (env, t) = setup().await;
    let lead = first_lead(&env, &t).await;
    let base = format!("/Leads/{lead}/Attachments");
    // Nothing attached yet.
    assert_eq!(
        env.get(&t, &format!("{base}?fields=File_Name")).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    // Link a URL.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("{base}?attachmentUrl=https://www.zoho.com/crm&title=Zoho"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"][0]["code"], "SUCCESS");
    assert_eq!(b["data"][0]["message"], "attachment uploaded successfully");
    let link = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        b["data"][0]["details"]["Created_By"]["name"],
        "Patricia Boyle"
    );
    // Upload a file.
    let (ct, body) = multipart("notes.txt", "text/plain", b"hello, attachment");
    let r = send_raw(
        &env,
        &t,
        &format!("/crm/v7{base}"),
        &[("Content-Type", &ct)],
        body,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let b: Value = r.json().await.unwrap();
    let file = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    // The list: newest first, requested fields plus id and `$` properties.
    let (s, b) = env
        .get(&t, &format!("{base}?fields=File_Name,Size&per_page=1"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b["info"],
        json!({"per_page": 1, "count": 1, "page": 1, "more_records": true})
    );
    let row = &b["data"][0];
    assert_eq!(
        (&row["id"], &row["File_Name"], &row["Size"], &row["$type"]),
        (
            &json!(file),
            &json!("notes.txt"),
            &json!("17"),
            &json!("File")
        )
    );
    let (_, b) = env
        .get(&t, &format!("{base}?fields=File_Name&page=2&per_page=1"))
        .await;
    assert_eq!(b["data"][0]["$link_url"], "https://www.zoho.com/crm");
    assert_eq!(b["data"][0]["$type"], "Link URL");
    assert_eq!(b["data"][0]["File_Name"], "Zoho");
    // Download the file.
    let r = env
        .http
        .get(env.url(&format!("/crm/v7{base}/{file}")))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"notes.txt\""
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello, attachment");
    // Errors: unknown attachment, unknown record, missing fields, missing URL, bad URL.
    let (s, b) = env.get(&t, &format!("{base}/1")).await;
    assert_eq!(
        (s, b),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": "INVALID_DATA", "details": {"id": "1"}, "message": "the id given seems to be invalid", "status": "error"})
        )
    );
    let (_, b) = env.get(&t, "/Leads/1/Attachments?fields=File_Name").await;
    assert_eq!(b["message"], "The record does not exist");
    assert_eq!(env.get(&t, &base).await.1["code"], "REQUIRED_PARAM_MISSING");
    let (_, b) = env.call(Method::POST, &t, &base, None).await;
    assert_eq!(b["details"]["param_name"], "attachmentUrl");
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            &format!("{base}?attachmentUrl=ftp://x"),
            None,
        )
        .await;
    assert_eq!(b["code"], "INVALID_DATA");
    assert_eq!(
        env.get(&t, "/Nope/1/Attachments?fields=File_Name").await.1["code"],
        "INVALID_MODULE"
    );
    // Delete one, then many (one of them unknown: 207).
    let (s, b) = env
        .call(Method::DELETE, &t, &format!("{base}/{file}"), None)
        .await;
    assert_eq!(
        (s, b),
        (
            StatusCode::OK,
            json!({"data": [{"code": "SUCCESS", "details": {"id": file}, "message": "record deleted", "status": "success"}]})
        )
    );
    let (s, b) = env
        .call(Method::DELETE, &t, &format!("{base}/{file}"), None)
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_DATA"))
    );
    let (s, b) = env
        .call(Method::DELETE, &t, &format!("{base}?ids={link},1"), None)
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    assert_eq!(b["data"][1]["code"], "INVALID_DATA");
    let (_, b) = env.call(Method::DELETE, &t, &base, None).await;
    assert_eq!(b["details"]["param_name"], "ids");
}

#[tokio::test]
async fn bulk_read_jobs() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let body = json!({
        "callback": {"url": "http://127.0.0.1:9/cb", "method": "post"},
        "query": {"module": {"api_name": "Leads"}, "fields": ["Last_Name", "Email"],
            "criteria": {"group_operator": "or", "group": [
                {"field": {"api_name": "Last_Name"}, "comparator": "equal", "value": "Doe"},
                {"field": {"api_name": "Lead_Status"}, "comparator": "in", "value": ["Not Contacted"]}]},
            "page": 1},
        "file_type": "csv",
    });
    let (s, b) = env
        .call_at(Method::POST, &t, "/crm/bulk/v7/read", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["info"], json!({}));
    let item = &b["data"][0];
    assert_eq!(
        (&item["status"], &item["code"], &item["message"]),
        (
            &json!("success"),
            &json!("ADDED_SUCCESSFULLY"),
            &json!("Added successfully.")
        )
    );
    assert_eq!(item["details"]["operation"], "read");
    assert_eq!(item["details"]["state"], "ADDED");
    assert_eq!(item["details"]["created_by"]["name"], "Patricia Boyle");
    let job = item["details"]["id"].as_str().unwrap().to_string();
    let path = format!("/crm/bulk/v7/read/{job}");
    let (s, b) = env.call_at(Method::GET, &t, &path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["data"][0]["state"], "IN PROGRESS");
    assert!(b["data"][0].get("result").is_none());
    let (_, b) = env
        .call_at(Method::GET, &t, &path.replace("v7", "v8"), None)
        .await;
    let done = &b["data"][0];
    assert_eq!(done["state"], "COMPLETED");
    assert_eq!(done["result"]["count"], 2);
    assert_eq!(done["result"]["more_records"], false);
    assert_eq!(done["query"]["module"]["api_name"], "Leads");
    assert_eq!(done["file_type"], "csv");
    // Errors: unknown module, unknown field, not JSON, unknown job, scope.
    let (s, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/read",
            Some(json!({"query": {"module": {"api_name": "Nope"}}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["code"], "MODULE_NOT_AVAILABLE");
    assert_eq!(b["info"], json!({}));
    let (_, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/read",
            Some(json!({"query": {"module": {"api_name": "Leads"}, "fields": ["Nope"]}})),
        )
        .await;
    assert_eq!(b["data"][0]["code"], "FIELD_NOT_AVAILABLE");
    let r = send_raw(&env, &t, "/crm/bulk/v7/read", &[], b"not json".to_vec()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "REQUEST_BODY_NOT_SUPPORTED"
    );
    let (s, b) = env
        .call_at(Method::GET, &t, "/crm/bulk/v7/read/1", None)
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::NOT_FOUND, json!("RESOURCE_NOT_FOUND"))
    );
    let plain = env.login(PATRICIA, ALL_SCOPES).await.access;
    let (s, b) = env.call_at(Method::GET, &plain, &path, None).await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("OAUTH_SCOPE_MISMATCH"))
    );
}

#[tokio::test]
async fn bulk_write_upload_and_jobs() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let zip = stored_zip(
        "leads.csv",
        b"Last_Name,Email\nA,a@x.example\nB,b@x.example\n",
    );
    let (ct, body) = multipart("leads.zip", "application/zip", &zip);
    let r = send_raw(
        &env,
        &t,
        "/crm/v7/upload",
        &[
            ("Content-Type", &ct),
            ("feature", "bulk-write"),
            ("X-CRM-ORG", "60012345"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (&b["status"], &b["code"]),
        (&json!("success"), &json!("FILE_UPLOAD_SUCCESS"))
    );
    let file_id = b["details"]["file_id"].as_str().unwrap().to_string();
    // Upload errors: headers, non-ZIP, scope.
    let r = send_raw(
        &env,
        &t,
        "/crm/v7/upload",
        &[("Content-Type", &ct), ("feature", "bulk-write")],
        body.clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["x-error"],
        "check if headers [feature, X-CRM-ORG] are present and valid"
    );
    let (ct2, csv) = multipart("leads.csv", "text/csv", b"Last_Name\nA\n");
    let r = send_raw(
        &env,
        &t,
        "/crm/v7/upload",
        &[
            ("Content-Type", &ct2),
            ("feature", "bulk-write"),
            ("X-CRM-ORG", "60012345"),
        ],
        csv,
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "INVALID_FILE_FORMAT"
    );
    let plain = env.login(PATRICIA, ALL_SCOPES).await.access;
    let r = send_raw(
        &env,
        &plain,
        "/crm/v7/upload",
        &[
            ("Content-Type", &ct),
            ("feature", "bulk-write"),
            ("X-CRM-ORG", "60012345"),
        ],
        body,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The admin upload issues file ids too.
    let admin = env
        .http
        .post(format!(
            "{}/orgs/60012345/uploads?file_name=more.csv",
            env.emu.admin_url
        ))
        .body("Last_Name\nC\n")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(admin["file_id"].is_string());

    let job_body = |file: &str| {
        json!({"operation": "insert", "callback": {"url": "http://127.0.0.1:9/cb", "method": "post"},
            "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file,
                "field_mappings": [{"api_name": "Last_Name", "index": 0}, {"api_name": "Email", "index": 1}]}]})
    };
    let (s, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/write",
            Some(job_body(&file_id)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(
        (&b["status"], &b["code"], &b["message"]),
        (&json!("success"), &json!("SUCCESS"), &json!("success"))
    );
    let job = b["details"]["id"].as_str().unwrap().to_string();
    let path = format!("/crm/bulk/v7/write/{job}");
    let (s, b) = env.call_at(Method::GET, &t, &path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["status"], "IN PROGRESS");
    let (_, b) = env.call_at(Method::GET, &t, &path, None).await;
    assert_eq!(b["status"], "COMPLETED");
    assert_eq!(b["operation"], "insert");
    let res = &b["resource"][0];
    assert_eq!(res["module"]["api_name"], "Leads");
    assert_eq!(res["file"]["name"], "leads.zip");
    assert_eq!(res["file"]["total_count"], 2);
    assert_eq!(res["file"]["added_count"], 2);
    assert!(b["result"]["download_url"].is_string());
    let admin_file = admin["file_id"].as_str().unwrap();
    let (s, _) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v8/write",
            Some(job_body(admin_file)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Errors: a file id never issued, no operation, unknown module, update without find_by,
    // an unknown field, a bad callback, an unknown job.
    let (s, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/write",
            Some(job_body("123")),
        )
        .await;
    assert_eq!(
        (s, b),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": "INVALID_FILE_ID", "details": {"api_name": "file_id", "json_path": "$.resource[0].file_id"}, "message": "improper file id", "status": "error"})
        )
    );
    let mut no_op = job_body(&file_id);
    no_op.as_object_mut().unwrap().remove("operation");
    let (_, b) = env
        .call_at(Method::POST, &t, "/crm/bulk/v7/write", Some(no_op))
        .await;
    assert_eq!(b["code"], "MISSING_REQUIRED_KEY");
    let mut bad = job_body(&file_id);
    bad["resource"][0]["module"]["api_name"] = json!("Nope");
    let (_, b) = env
        .call_at(Method::POST, &t, "/crm/bulk/v7/write", Some(bad))
        .await;
    assert_eq!(b["message"], "Requested module 'Nope' is not available.");
    let mut upd = job_body(&file_id);
    upd["operation"] = json!("update");
    let (_, b) = env
        .call_at(Method::POST, &t, "/crm/bulk/v7/write", Some(upd))
        .await;
    assert_eq!(
        (b["code"].clone(), b["details"]["api_name"].clone()),
        (json!("MANDATORY_NOT_FOUND"), json!("find_by"))
    );
    let mut field = job_body(&file_id);
    field["resource"][0]["field_mappings"][0]["api_name"] = json!("Nope");
    let (_, b) = env
        .call_at(Method::POST, &t, "/crm/bulk/v7/write", Some(field))
        .await;
    assert_eq!(b["code"], "INVALID_FIELD_NAME");
    let mut cb = job_body(&file_id);
    cb["callback"]["url"] = json!("nope");
    let (_, b) = env
        .call_at(Method::POST, &t, "/crm/bulk/v7/write", Some(cb))
        .await;
    assert_eq!(b["code"], "INVALID_CALLBACK_URL");
    let (s, b) = env
        .call_at(Method::GET, &t, "/crm/bulk/v7/write/1", None)
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("RESOURCE_NOT_FOUND"))
    );
    // A read job's id is not a write job.
    let (s, _) = env
        .call_at(Method::GET, &t, &format!("/crm/bulk/v7/read/{job}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
