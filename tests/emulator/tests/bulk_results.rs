//! Bulk job results over HTTP: the ZIP/CSV of a read (its records, paging past a small page
//! size), the callback of a completed job, a write whose rows are really applied with a result
//! row per input row, and the documented errors of the result downloads.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::time::Duration;

const BULK_SCOPES: &str =
    "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.bulk.ALL,ZohoFiles.files.ALL";

/// The files of a ZIP, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut data = vec![];
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

/// A ZIP holding one deflated file.
fn zip_one(name: &str, data: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(name, opts).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

/// The header and rows of a CSV.
fn parse_csv(data: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(data);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Sends an authorised GET from the server root (or to an absolute URL); returns the response.
async fn fetch(env: &Env, t: &str, path: &str) -> reqwest::Response {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        env.url(path)
    };
    env.http
        .get(url)
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .send()
        .await
        .unwrap()
}

/// Creates a bulk read job; returns its id.
async fn read_job(env: &Env, t: &str, body: Value) -> String {
    let (s, b) = env
        .call_at(Method::POST, t, "/crm/bulk/v7/read", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["data"][0]["details"]["id"].as_str().unwrap().to_string()
}

/// Polls a job's details until it is completed (two calls); returns the last answer's job.
async fn poll_done(env: &Env, t: &str, op: &str, job: &str) -> Value {
    let path = format!("/crm/bulk/v7/{op}/{job}");
    env.call_at(Method::GET, t, &path, None).await;
    let (s, b) = env.call_at(Method::GET, t, &path, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let job = if op == "read" {
        b["data"][0].clone()
    } else {
        b
    };
    let state = if op == "read" {
        &job["state"]
    } else {
        &job["status"]
    };
    assert_eq!(state, "COMPLETED", "{job}");
    job
}

/// Downloads a completed read job's result; returns the CSV's header and rows.
async fn read_csv(env: &Env, t: &str, job: &Value) -> (Vec<String>, Vec<Vec<String>>) {
    let id = job["id"].as_str().unwrap();
    let r = fetch(env, t, job["result"]["download_url"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename={id}.zip").as_str()
    );
    let files = unzip(&r.bytes().await.unwrap());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, format!("{id}.csv"));
    parse_csv(&files[0].1)
}

#[tokio::test]
async fn read_result_csv_holds_exactly_the_matching_records() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let me = env.get(&t, "/users?type=CurrentUser").await.1["users"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let leads = json!({"data": [
        {"Last_Name": "Bulkread One", "Email": "one@bulk.example", "Company": "Acme, \"Intl\"", "Annual_Revenue": 1250.5,
            "Preferred_Channels": ["Email", "Phone"], "Email_Opt_Out": true, "Lead_Status": "Contacted"},
        {"Last_Name": "Bulkread Two", "Company": "Line\nBreak", "Email_Opt_Out": false},
        {"Last_Name": "Bulkread Three", "Email": "three@bulk.example", "Preferred_Channels": ["Chat"]},
        {"Last_Name": "Other Lead", "Email": "other@bulk.example"},
    ]});
    let (s, b) = env.call(Method::POST, &t, "/Leads", Some(leads)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let ids: Vec<String> = (0..3)
        .map(|i| b["data"][i]["details"]["id"].as_str().unwrap().to_string())
        .collect();
    let fields = [
        "Last_Name",
        "Email",
        "Owner",
        "Company",
        "Annual_Revenue",
        "Preferred_Channels",
        "Email_Opt_Out",
        "Lead_Status",
    ];
    let job = read_job(
        &env,
        &t,
        json!({"query": {"module": {"api_name": "Leads"}, "fields": fields,
            "criteria": {"field": {"api_name": "Last_Name"}, "comparator": "starts_with", "value": "Bulkread"}}}),
    )
    .await;
    let done = poll_done(&env, &t, "read", &job).await;
    assert_eq!(
        done["result"],
        json!({"page": 1, "per_page": 200000, "count": 3, "more_records": false,
            "download_url": format!("/crm/bulk/v7/read/{job}/result")})
    );
    let (header, rows) = read_csv(&env, &t, &done).await;
    let mut want_header = vec!["Id".to_string()];
    want_header.extend(fields.iter().map(|f| f.to_string()));
    assert_eq!(header, want_header);
    assert_eq!(rows.len(), 3);
    let got: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect());
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    assert_eq!(
        row(&ids[0]),
        [
            ids[0].as_str(),
            "Bulkread One",
            "one@bulk.example",
            me.as_str(),
            "Acme, \"Intl\"",
            "1250.5",
            "Email;Phone",
            "true",
            "Contacted"
        ]
    );
    assert_eq!(
        row(&ids[1]),
        [
            ids[1].as_str(),
            "Bulkread Two",
            "",
            me.as_str(),
            "Line\nBreak",
            "",
            "",
            "false",
            ""
        ]
    );
    assert_eq!(row(&ids[2])[6], "Chat");
    // The quoting is RFC 4180's: a field with a comma or quote is quoted, quotes doubled.
    let r = fetch(&env, &t, &format!("/crm/bulk/v8/read/{job}/result")).await;
    let raw = unzip(&r.bytes().await.unwrap()).remove(0).1;
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("Id,Last_Name,Email,Owner,"), "{text}");
    assert!(text.contains("\"Acme, \"\"Intl\"\"\""), "{text}");
    assert!(text.contains("\r\n"));

    // Without `fields`, every field of the module is a column, `Id` first.
    let job = read_job(
        &env,
        &t,
        json!({"query": {"module": {"api_name": "Leads"},
            "criteria": {"field": {"api_name": "Email"}, "comparator": "equal", "value": "other@bulk.example"}}}),
    )
    .await;
    let done = poll_done(&env, &t, "read", &job).await;
    let (header, rows) = read_csv(&env, &t, &done).await;
    assert_eq!(header[0], "Id");
    assert!(header.contains(&"Last_Name".to_string()) && header.contains(&"Email".to_string()));
    assert_eq!(rows.len(), 1);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[0][at("Last_Name")], "Other Lead");
}

#[tokio::test]
async fn read_results_page_past_a_small_page_size() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let set = env
        .admin(Method::PUT, "/settings", json!({"bulk_read_page_rows": 3}))
        .await;
    assert_eq!(set["bulk_read_page_rows"], 3);
    let made = env
        .admin(
            Method::POST,
            "/orgs/60012345/records/Leads",
            json!({"generate": 7, "template": {"Last_Name": "Pager {n}"}}),
        )
        .await;
    let all: BTreeSet<String> = made["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 7);
    let query = json!({"module": {"api_name": "Leads"}, "fields": ["Last_Name"],
        "criteria": {"field": {"api_name": "Last_Name"}, "comparator": "starts_with", "value": "Pager"}});
    let mut seen = BTreeSet::new();
    // Page 1, then page 2 by number.
    let mut token = Value::Null;
    for page in [1, 2] {
        let mut q = query.clone();
        q["page"] = json!(page);
        let job = read_job(&env, &t, json!({ "query": q })).await;
        let done = poll_done(&env, &t, "read", &job).await;
        let r = &done["result"];
        assert_eq!(
            (&r["page"], &r["count"], &r["per_page"], &r["more_records"]),
            (&json!(page), &json!(3), &json!(3), &json!(true)),
            "{done}"
        );
        assert!(r["next_page_token"].is_string(), "{done}");
        token = r["next_page_token"].clone();
        let (_, rows) = read_csv(&env, &t, &done).await;
        assert_eq!(rows.len(), 3);
        for row in rows {
            assert!(seen.insert(row[0].clone()), "a record on two pages");
        }
    }
    // Page 3 from page 2's token: the last record, nothing more.
    let mut q = query.clone();
    q["page_token"] = token;
    let job = read_job(&env, &t, json!({ "query": q })).await;
    let done = poll_done(&env, &t, "read", &job).await;
    let r = &done["result"];
    assert_eq!(
        (&r["page"], &r["count"], &r["more_records"]),
        (&json!(3), &json!(1), &json!(false))
    );
    assert!(r.get("next_page_token").is_none(), "{done}");
    let (_, rows) = read_csv(&env, &t, &done).await;
    assert_eq!(rows.len(), 1);
    seen.insert(rows[0][0].clone());
    assert_eq!(seen, all);
    // A page past the end is empty; a token never issued is refused.
    let mut q = query.clone();
    q["page"] = json!(9);
    let job = read_job(&env, &t, json!({ "query": q })).await;
    let done = poll_done(&env, &t, "read", &job).await;
    assert_eq!(
        (&done["result"]["count"], &done["result"]["more_records"]),
        (&json!(0), &json!(false))
    );
    assert_eq!(read_csv(&env, &t, &done).await.1.len(), 0);
    let mut q = query.clone();
    q["page_token"] = json!("nope");
    let (s, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/read",
            Some(json!({ "query": q })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        (&b["data"][0]["code"], &b["data"][0]["details"]["api_name"]),
        (&json!("INVALID_REQUEST"), &json!("page_token"))
    );
}

/// A local listener that hands each JSON body POSTed to `/cb` to the returned receiver.
async fn callback_listener() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let app = axum::Router::new().route(
        "/cb",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice(&body).unwrap_or(Value::Null));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/cb?key=val"), rx)
}

async fn next_callback(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the callback arrives")
        .expect("the listener runs")
}

#[tokio::test]
async fn completed_jobs_post_their_details_to_the_callback() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let (url, mut rx) = callback_listener().await;
    let callback = json!({"url": url, "method": "post"});
    // Completed at once by the admin API.
    let job = read_job(
        &env,
        &t,
        json!({"callback": callback, "query": {"module": {"api_name": "Leads"}, "fields": ["Last_Name"]}}),
    )
    .await;
    let done = env
        .admin(
            Method::POST,
            &format!("/orgs/60012345/bulk-jobs/{job}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(done["state"], "COMPLETED");
    let got = next_callback(&mut rx).await;
    assert_eq!(got, done);
    assert_eq!(got["id"], job.as_str());
    assert_eq!(
        got["result"]["download_url"],
        format!("/crm/bulk/v7/read/{job}/result")
    );
    // The details call sees it completed, and the file is there.
    let (_, b) = env
        .call_at(Method::GET, &t, &format!("/crm/bulk/v7/read/{job}"), None)
        .await;
    assert_eq!(b["data"][0], done);
    let r = fetch(&env, &t, &format!("/crm/bulk/v7/read/{job}/result")).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Completed by polling.
    let job2 = read_job(
        &env,
        &t,
        json!({"callback": callback, "query": {"module": {"api_name": "Leads"}}}),
    )
    .await;
    let done2 = poll_done(&env, &t, "read", &job2).await;
    assert_eq!(next_callback(&mut rx).await, done2);
    // Each delivery is recorded.
    let mut list = vec![];
    for _ in 0..100 {
        list = env
            .admin(Method::GET, "/orgs/60012345/bulk-callbacks", json!({}))
            .await["callbacks"]
            .as_array()
            .unwrap()
            .clone();
        if list.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        (&list[0]["job_id"], &list[0]["status"], &list[0]["url"]),
        (&json!(job), &json!(200), &json!(url))
    );
    assert_eq!(list[0]["operation"], "read");
    assert_eq!(list[1]["job_id"], job2.as_str());
    env.admin(Method::DELETE, "/orgs/60012345/bulk-callbacks", json!({}))
        .await;
    let list = env
        .admin(Method::GET, "/orgs/60012345/bulk-callbacks", json!({}))
        .await;
    assert_eq!(list["callbacks"], json!([]));
    // A job without a callback sends nothing.
    let job3 = read_job(
        &env,
        &t,
        json!({"query": {"module": {"api_name": "Leads"}}}),
    )
    .await;
    poll_done(&env, &t, "read", &job3).await;
    assert!(tokio::time::timeout(Duration::from_millis(300), rx.recv())
        .await
        .is_err());
}

/// Uploads a file through `POST /crm/v7/upload`; returns its file id.
async fn upload(env: &Env, t: &str, zip: &[u8]) -> String {
    let boundary = "zcrmBoundary7MA4YWxk";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"leads.zip\"\r\nContent-Type: application/zip\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(zip);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = env
        .http
        .post(env.url("/crm/v7/upload"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("feature", "bulk-write")
        .header("X-CRM-ORG", "60012345")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["details"]["file_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs a write job over a CSV; returns the completed job and its result CSV.
async fn write_job(
    env: &Env,
    t: &str,
    csv_text: &str,
    resource: Value,
    operation: &str,
) -> (Value, Vec<String>, Vec<Vec<String>>) {
    let file_id = upload(env, t, &zip_one("leads.csv", csv_text.as_bytes())).await;
    let mut res = resource;
    res["type"] = json!("data");
    res["module"] = json!({"api_name": "Leads"});
    res["file_id"] = json!(file_id);
    let (s, b) = env
        .call_at(
            Method::POST,
            t,
            "/crm/bulk/v7/write",
            Some(json!({"operation": operation, "resource": [res]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let job = b["details"]["id"].as_str().unwrap().to_string();
    let done = poll_done(env, t, "write", &job).await;
    let url = done["result"]["download_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/crm/bulk/v7/write/{job}/result", env.emu.base_url)
    );
    let r = fetch(env, t, url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename={job}.zip").as_str()
    );
    let files = unzip(&r.bytes().await.unwrap());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "Leads-leads.csv");
    let (header, rows) = parse_csv(&files[0].1);
    (done, header, rows)
}

#[tokio::test]
async fn write_applies_each_row_and_reports_it() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let input = "Last_Name,Email,Company,Annual_Revenue,Channels,Opt_Out\n\
        Good One,good1@bulk.example,A,100,Email;Chat,true\n\
        ,nolast@bulk.example,B,5,,\n\
        Bad Mail,not-an-email,C,7,,\n\
        Good Two,good2@bulk.example,\"D, \"\"Inc\"\"\",2.5,,false\n\
        Dup,GOOD1@bulk.example,E,x,,\n";
    let mappings = json!([
        {"api_name": "Last_Name", "index": 0}, {"api_name": "Email", "index": 1},
        {"api_name": "Company", "index": 2}, {"api_name": "Annual_Revenue", "index": 3},
        {"api_name": "Preferred_Channels", "index": 4}, {"api_name": "Email_Opt_Out", "index": 5},
        {"api_name": "Lead_Source", "default_value": {"value": "Web Download"}}]);
    let (done, header, rows) = write_job(
        &env,
        &t,
        input,
        json!({"field_mappings": mappings}),
        "insert",
    )
    .await;
    let file = &done["resource"][0]["file"];
    assert_eq!(
        (
            &file["total_count"],
            &file["added_count"],
            &file["updated_count"],
            &file["skipped_count"]
        ),
        (&json!(5), &json!(2), &json!(0), &json!(3)),
        "{done}"
    );
    assert_eq!(
        header,
        [
            "Last_Name",
            "Email",
            "Company",
            "Annual_Revenue",
            "Channels",
            "Opt_Out",
            "STATUS",
            "RECORD_ID",
            "ERRORS"
        ]
    );
    assert_eq!(rows.len(), 5);
    let (_, input_rows) = parse_csv(input.as_bytes());
    for (row, given) in rows.iter().zip(&input_rows) {
        assert_eq!(&row[..6], &given[..], "the input columns are kept");
    }
    let status: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[6].as_str(), r[8].as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("Added", ""),
            ("Skipped", "MANDATORY_NOT_FOUND-Last_Name"),
            ("Skipped", "INVALID_DATA-Email"),
            ("Added", ""),
            ("Skipped", "INVALID_DATA-Annual_Revenue"),
        ]
    );
    assert!(rows[1][7].is_empty() && rows[2][7].is_empty());
    // The added rows are records now, with their values typed.
    let (s, b) = env.get(&t, &format!("/Leads/{}", rows[0][7])).await;
    assert_eq!(s, StatusCode::OK);
    let rec = &b["data"][0];
    assert_eq!(rec["Last_Name"], "Good One");
    assert_eq!(rec["Annual_Revenue"], json!(100));
    assert_eq!(rec["Preferred_Channels"], json!(["Email", "Chat"]));
    assert_eq!(rec["Email_Opt_Out"], json!(true));
    assert_eq!(rec["Lead_Source"], "Web Download");
    let (_, b) = env.get(&t, &format!("/Leads/{}", rows[3][7])).await;
    assert_eq!(b["data"][0]["Company"], "D, \"Inc\"");
    assert_eq!(b["data"][0]["Annual_Revenue"], json!(2.5));
    let (_, b) = env.get(&t, "/Leads/search?email=nolast@bulk.example").await;
    assert!(b.is_null(), "a skipped row stores nothing: {b}");

    // Update, finding records by Email: one found, one not.
    let (done, _, rows) = write_job(
        &env,
        &t,
        "Email,Company\ngood1@bulk.example,Updated Co\nmissing@bulk.example,Z\n",
        json!({"find_by": "Email", "field_mappings": [{"api_name": "Email", "index": 0}, {"api_name": "Company", "index": 1}]}),
        "update",
    )
    .await;
    let file = &done["resource"][0]["file"];
    assert_eq!(
        (&file["updated_count"], &file["skipped_count"]),
        (&json!(1), &json!(1))
    );
    let good1 = env
        .get(&t, "/Leads/search?email=good1@bulk.example")
        .await
        .1["data"][0]
        .clone();
    assert_eq!(
        rows,
        [
            vec![
                "good1@bulk.example".to_string(),
                "Updated Co".into(),
                "Updated".into(),
                good1["id"].as_str().unwrap().into(),
                "".into()
            ],
            vec![
                "missing@bulk.example".to_string(),
                "Z".into(),
                "Skipped".into(),
                "".into(),
                "RESOURCE_NOT_FOUND-Email".into()
            ],
        ]
    );
    assert_eq!(good1["Company"], "Updated Co");
    assert_eq!(good1["Last_Name"], "Good One", "unmapped fields are kept");

    // Upsert without mappings (the header names the fields): one update, one insert.
    let (done, header, rows) = write_job(
        &env,
        &t,
        "Email,Last_Name\ngood2@bulk.example,Renamed\nfresh@bulk.example,Fresh\n",
        json!({"find_by": "Email"}),
        "upsert",
    )
    .await;
    assert_eq!(
        header,
        ["Email", "Last_Name", "STATUS", "RECORD_ID", "ERRORS"]
    );
    let file = &done["resource"][0]["file"];
    assert_eq!(
        (&file["added_count"], &file["updated_count"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        (rows[0][2].as_str(), rows[1][2].as_str()),
        ("Updated", "Added")
    );
    let (_, b) = env.get(&t, &format!("/Leads/{}", rows[0][3])).await;
    assert_eq!(b["data"][0]["Last_Name"], "Renamed");
    let (_, b) = env.get(&t, &format!("/Leads/{}", rows[1][3])).await;
    assert_eq!(b["data"][0]["Email"], "fresh@bulk.example");
}

#[tokio::test]
async fn result_downloads_answer_the_documented_errors() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, BULK_SCOPES).await.access;
    let body = |path: &str| {
        let env = &env;
        let t = &t;
        let path = path.to_string();
        async move {
            let r = fetch(env, t, &path).await;
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    // An unknown read job: 404.
    let (s, b) = body("/crm/bulk/v7/read/1/result").await;
    assert_eq!(
        (s, b),
        (
            StatusCode::NOT_FOUND,
            json!({"code": "RESOURCE_NOT_FOUND", "details": {"resource": "job_id"}, "message": "The requested resource doesn't exist.", "status": "error"})
        )
    );
    // A job not completed yet: 400.
    let job = read_job(
        &env,
        &t,
        json!({"query": {"module": {"api_name": "Leads"}}}),
    )
    .await;
    let (s, b) = body(&format!("/crm/bulk/v7/read/{job}/result")).await;
    assert_eq!(
        (s, b),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": "RESOURCE_NOT_FOUND", "details": {"resource": "result"}, "message": "The requested resource doesn't exist.", "status": "error"})
        )
    );
    env.call_at(Method::GET, &t, &format!("/crm/bulk/v7/read/{job}"), None)
        .await;
    let (s, _) = body(&format!("/crm/bulk/v7/read/{job}/result")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "IN PROGRESS has no result yet");
    // Another org's job is not found.
    let amelia = env.login(AMELIA, BULK_SCOPES).await.access;
    let theirs = read_job(
        &env,
        &amelia,
        json!({"query": {"module": {"api_name": "Leads"}}}),
    )
    .await;
    env.admin(
        Method::POST,
        &format!("/orgs/60054321/bulk-jobs/{theirs}/complete"),
        json!({}),
    )
    .await;
    let (s, b) = body(&format!("/crm/bulk/v7/read/{theirs}/result")).await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::NOT_FOUND, &json!("RESOURCE_NOT_FOUND"))
    );
    assert_eq!(
        fetch(&env, &amelia, &format!("/crm/bulk/v7/read/{theirs}/result"))
            .await
            .status(),
        StatusCode::OK
    );
    // Write results: unknown job and a read job's id 400, not completed 400.
    let (s, b) = body("/crm/bulk/v7/write/1/result").await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::BAD_REQUEST, &json!("RESOURCE_NOT_FOUND"))
    );
    let (s, b) = body(&format!("/crm/bulk/v7/write/{job}/result")).await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::BAD_REQUEST, &json!("RESOURCE_NOT_FOUND"))
    );
    let file_id = upload(&env, &t, &zip_one("l.csv", b"Last_Name\nA\n")).await;
    let (_, b) = env
        .call_at(
            Method::POST,
            &t,
            "/crm/bulk/v7/write",
            Some(json!({"operation": "insert", "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}]})),
        )
        .await;
    let wjob = b["details"]["id"].as_str().unwrap().to_string();
    let (s, b) = body(&format!("/crm/bulk/v7/write/{wjob}/result")).await;
    assert_eq!(
        (s, &b["details"]["resource"]),
        (StatusCode::BAD_REQUEST, &json!("result"))
    );
    // Completed by the admin API, the write's file is there.
    let done = env
        .admin(
            Method::POST,
            &format!("/orgs/60012345/bulk-jobs/{wjob}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["resource"][0]["file"]["added_count"], 1);
    let r = fetch(&env, &t, done["result"]["download_url"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    // The bulk scope is needed.
    let plain = env.login(PATRICIA, ALL_SCOPES).await.access;
    let r = fetch(&env, &plain, &format!("/crm/bulk/v7/write/{wjob}/result")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The admin API refuses an unknown job.
    let r = env
        .http
        .post(format!(
            "{}/orgs/60012345/bulk-jobs/1/complete",
            env.emu.admin_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
