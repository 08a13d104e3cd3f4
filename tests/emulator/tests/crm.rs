//! CRM record endpoints: list, page tokens, writes, deletes, and their error codes.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn auth_errors() {
    let (env, token) = setup().await;
    let r = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "AUTHENTICATION_FAILURE"
    );
    let r = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "AUTHENTICATION_FAILURE"
    );
    assert_eq!(
        env.get("1000.nope", "/Leads?fields=Last_Name").await.1["code"],
        "INVALID_TOKEN"
    );
    env.admin(Method::POST, "/tokens/expire", json!({"all": true}))
        .await;
    let (status, body) = env.get(&token, "/Leads?fields=Last_Name").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"})
        )
    );
    let narrow = env.login(PATRICIA, "ZohoCRM.users.READ").await;
    let (status, body) = env.get(&narrow.access, "/Leads?fields=Last_Name").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "OAUTH_SCOPE_MISMATCH");
    assert_eq!(
        env.get(&narrow.access, "/users?type=CurrentUser").await.0,
        StatusCode::OK
    );
    let leads_only = env.login(PATRICIA, "ZohoCRM.modules.leads.READ").await;
    assert_eq!(
        env.get(&leads_only.access, "/Leads?fields=Last_Name")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        env.get(&leads_only.access, "/Contacts?fields=Last_Name")
            .await
            .1["code"],
        "OAUTH_SCOPE_MISMATCH"
    );
}

#[tokio::test]
async fn list_parameters_and_errors() {
    let (env, t) = setup().await;
    let (s, b) = env.get(&t, "/Leads").await;
    assert_eq!(
        (s, b["code"].clone(), b["details"]["param_name"].clone()),
        (
            StatusCode::BAD_REQUEST,
            json!("REQUIRED_PARAM_MISSING"),
            json!("fields")
        )
    );
    let many = (0..51)
        .map(|i| format!("F{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let (_, b) = env.get(&t, &format!("/Leads?fields={many}")).await;
    assert_eq!(
        b,
        json!({"code": "LIMIT_EXCEEDED", "details": {"limit": 50, "param_name": "fields"}, "message": "limit exceeded", "status": "error"})
    );
    let (s, b) = env.get(&t, "/Nope?fields=Last_Name").await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_MODULE"))
    );
    assert_eq!(
        env.get(&t, "/Leads?fields=Last_Name&per_page=201").await.1["code"],
        "INVALID_DATA"
    );
    assert_eq!(
        env.get(&t, "/Leads?fields=Last_Name&page=11").await.1["code"],
        "DISCRETE_PAGINATION_LIMIT_EXCEEDED"
    );
    assert_eq!(
        env.get(&t, "/Leads?fields=Last_Name&page=1&page_token=abc")
            .await
            .1["code"],
        "AMBIGUITY_DURING_PROCESSING"
    );
    // Empty module: 204 with no body.
    assert_eq!(
        env.get(&t, "/Vendors?fields=Vendor_Name").await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    // Modules resolve case-insensitively, ids always come back, empty fields are null.
    let (s, b) = env
        .get(&t, "/leads?fields=Last_Name,Fax&sort_order=asc&per_page=2")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["data"][0]["Last_Name"], "Doe");
    assert!(b["data"][0]["id"].is_string() && b["data"][0]["Fax"].is_null());
    assert_eq!(b["info"]["more_records"], true);
    assert!(b["info"]["next_page_token"].is_string());
}

#[tokio::test]
async fn page_token_walks_past_2000_records_exactly_once() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/orgs/60012345/records/Leads",
        json!({"generate": 2500, "template": {"Last_Name": "Bulk {n}"}}),
    )
    .await;
    let mut seen = std::collections::HashSet::new();
    let mut path = "/Leads?fields=Last_Name&per_page=200".to_string();
    let mut calls = 0;
    loop {
        let (s, b) = env.get(&t, &path).await;
        assert_eq!(s, StatusCode::OK);
        calls += 1;
        for r in b["data"].as_array().unwrap() {
            assert!(
                seen.insert(r["id"].as_str().unwrap().to_string()),
                "record served twice"
            );
        }
        match b["info"]["next_page_token"].as_str() {
            Some(tok) => path = format!("/Leads?fields=Last_Name&per_page=200&page_token={tok}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 2503);
    assert_eq!(calls, 13);
    // A token is bound to the other parameters.
    let (_, b) = env.get(&t, "/Leads?fields=Last_Name&per_page=200").await;
    let tok = b["info"]["next_page_token"].as_str().unwrap();
    let (_, b) = env
        .get(
            &t,
            &format!("/Leads?fields=Email&per_page=200&page_token={tok}"),
        )
        .await;
    assert_eq!(b["code"], "TOKEN_BOUND_DATA_MISMATCH");
}

/// Pages by number, then by token, in both orders and by both kinds of sort key: every record
/// once, in order (the id order is walked without sorting; other keys are sorted).
#[tokio::test]
async fn listings_are_ordered_and_complete_in_every_order() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/orgs/60012345/records/Leads",
        json!({"generate": 2497, "template": {"Last_Name": "Bulk {n}"}}),
    )
    .await;
    for sort_by in ["id", "Created_Time"] {
        for order in ["asc", "desc"] {
            let base = format!(
                "/Leads?fields=Last_Name&per_page=150&sort_by={sort_by}&sort_order={order}"
            );
            let mut ids: Vec<u128> = vec![];
            let mut page = 1;
            let mut token: Option<String> = None;
            loop {
                let path = match &token {
                    Some(tok) => format!("{base}&page_token={tok}"),
                    None => format!("{base}&page={page}"),
                };
                let (s, b) = env.get(&t, &path).await;
                assert_eq!(s, StatusCode::OK, "{path}: {b}");
                ids.extend(
                    b["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["id"].as_str().unwrap().parse::<u128>().unwrap()),
                );
                if b["info"]["more_records"] != true {
                    break;
                }
                if page * 150 < 2000 && token.is_none() {
                    page += 1;
                } else {
                    token = Some(b["info"]["next_page_token"].as_str().unwrap().to_string());
                }
            }
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 2500, "{sort_by} {order}: every record once");
            if sort_by == "id" {
                if order == "desc" {
                    sorted.reverse();
                }
                assert_eq!(ids, sorted, "{sort_by} {order}: in order");
            }
        }
    }
}

#[tokio::test]
async fn if_modified_since_answers_304() {
    let (env, t) = setup().await;
    let r = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Modified-Since", "2099-01-01T00:00:00+00:00")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Modified-Since", "2000-01-01T00:00:00+00:00")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn create_validates_like_zoho() {
    let (env, t) = setup().await;
    let body = json!({"data": [
        {"Last_Name": "Ok", "Follow_Up_Date": "2026-12-01", "Annual_Revenue": 1500.5, "Lead_Status": "Contacted", "Preferred_Channels": ["Email", "Chat"]},
        {"First_Name": "No last name"},
        {"Last_Name": "T", "No_of_Employees": "many"},
        {"Last_Name": "L", "Email": "not-an-email"},
        {"Last_Name": "x".repeat(81)},
        {"Last_Name": "P", "Lead_Status": "Shut Down"},
        {"Last_Name": "D", "Email": "JOHN.DOE@example.com"},
        {"Last_Name": "Lk", "Referred_By": {"id": "111"}},
        {"Last_Name": "Dt", "Follow_Up_Date": "2026-02-30"},
    ], "trigger": ["workflow"]});
    let (s, b) = env.call(Method::POST, &t, "/Leads", Some(body)).await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    let d = b["data"].as_array().unwrap();
    assert_eq!(d[0]["code"], "SUCCESS");
    assert_eq!(d[0]["message"], "record added");
    assert!(
        d[0]["details"]["id"].is_string()
            && d[0]["details"]["Created_By"]["name"] == "Patricia Boyle"
    );
    assert_eq!(
        d[1],
        json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"}, "message": "required field not found", "status": "error"})
    );
    assert_eq!(
        d[2]["details"],
        json!({"api_name": "No_of_Employees", "json_path": "$.data[2].No_of_Employees", "expected_data_type": "integer"})
    );
    assert_eq!(d[3]["details"]["expected_data_type"], "email");
    assert_eq!(d[4]["details"]["maximum_length"], 80);
    assert_eq!(d[5]["code"], "INVALID_DATA");
    assert!(d[5]["details"]["supported_values"]
        .as_array()
        .unwrap()
        .contains(&json!("Contacted")));
    assert_eq!(d[6]["code"], "DUPLICATE_DATA");
    assert_eq!(
        d[6]["details"]["duplicate_record"]["module"]["api_name"],
        "Leads"
    );
    assert_eq!(d[7]["code"], "INVALID_DATA");
    assert_eq!(d[8]["details"]["expected_data_type"], "date");
    // Read back what was stored.
    let id = d[0]["details"]["id"].as_str().unwrap();
    let (_, got) = env.get(&t, &format!("/Leads/{id}")).await;
    let rec = &got["data"][0];
    assert_eq!(rec["Annual_Revenue"], 1500.5);
    assert_eq!(rec["Preferred_Channels"], json!(["Email", "Chat"]));
    assert_eq!(rec["Owner"]["email"], PATRICIA);
    assert_eq!(rec["Full_Name"], "Ok");
}

#[tokio::test]
async fn batch_statuses_and_request_errors() {
    let (env, t) = setup().await;
    let (s, _) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "A"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"First_Name": "A"}]})),
        )
        .await;
    assert_eq!(
        (s, b["data"][0]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("MANDATORY_NOT_FOUND"))
    );
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"Last_Name": format!("N{i}")}))
        .collect();
    assert_eq!(
        env.call(Method::POST, &t, "/Leads", Some(json!({"data": many})))
            .await
            .1["code"],
        "LIMIT_EXCEEDED"
    );
    assert_eq!(
        env.call(Method::POST, &t, "/Leads", Some(json!({"records": []})))
            .await
            .1["code"],
        "REQUIRED_PARAM_MISSING"
    );
    let (s, b) = env
        .call(Method::POST, &t, "/Nope", Some(json!({"data": [{}]})))
        .await;
    assert_eq!(
        (s, b["data"][0]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_MODULE"))
    );
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "A"}], "trigger": ["nope"]}))
        )
        .await
        .1["code"],
        "INVALID_DATA"
    );
    // Malformed JSON and a wrong content type get Zoho's shape, not a framework error.
    let r = env
        .http
        .post(env.url("/crm/v7/Leads"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("Content-Type", "application/json")
        .body("{\"data\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (b["code"].as_str(), b["status"].as_str()),
        (Some("INVALID_DATA"), Some("error"))
    );
    let r = env
        .http
        .post(env.url("/crm/v7/Leads"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("Content-Type", "application/xml")
        .body("<data/>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "INVALID_DATA");
}

#[tokio::test]
async fn update_upsert_delete() {
    let (env, t) = setup().await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Up", "Email": "up@x.example"}]})),
        )
        .await;
    let id = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (s, b) = env
        .call(
            Method::PUT,
            &t,
            &format!("/Leads/{id}"),
            Some(json!({"data": [{"Company": "NewCo"}]})),
        )
        .await;
    assert_eq!(
        (s, b["data"][0]["message"].clone()),
        (StatusCode::OK, json!("record updated"))
    );
    let (s, b) = env.call(Method::PUT, &t, "/Leads", Some(json!({"data": [{"Company": "no id"}, {"id": "1", "Company": "bad id"}, {"id": id, "Last_Name": null}]}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["details"]["api_name"], "id");
    assert_eq!(b["data"][1]["message"], "the id given seems to be invalid");
    assert_eq!(b["data"][2]["code"], "MANDATORY_NOT_FOUND");
    let r = env
        .http
        .put(env.url(&format!("/crm/v7/Leads/{id}")))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Unmodified-Since", "2000-01-01T00:00:00+00:00")
        .json(&json!({"data": [{"Company": "late"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["data"][0]["code"],
        "ALREADY_MODIFIED"
    );
    let (s, b) = env.call(Method::POST, &t, "/Leads/upsert", Some(json!({"data": [{"Last_Name": "Up2", "Email": "UP@x.example"}, {"Last_Name": "Fresh", "Email": "fresh@x.example"}], "duplicate_check_fields": ["Email"]}))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            b["data"][0]["action"].clone(),
            b["data"][0]["duplicate_field"].clone(),
            b["data"][0]["details"]["id"].clone()
        ),
        (json!("update"), json!("Email"), json!(id))
    );
    assert_eq!(
        (
            b["data"][1]["action"].clone(),
            b["data"][1]["duplicate_field"].clone()
        ),
        (json!("insert"), Value::Null)
    );
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/Leads/upsert",
            Some(json!({"data": [{"Last_Name": "x"}], "duplicate_check_fields": ["Company"]}))
        )
        .await
        .1["code"],
        "INVALID_DATA"
    );
    assert_eq!(
        env.call(Method::DELETE, &t, "/Leads", None).await.1["code"],
        "REQUIRED_PARAM_MISSING"
    );
    let (s, b) = env
        .call(Method::DELETE, &t, &format!("/Leads?ids={id},123"), None)
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    assert_eq!(
        b["data"][0],
        json!({"code": "SUCCESS", "details": {"id": id}, "message": "record deleted", "status": "success"})
    );
    assert_eq!(b["data"][1]["message"], "record not deleted");
    let (_, b) = env.get(&t, "/Leads/deleted?type=recycle").await;
    assert_eq!(b["data"][0]["id"], id.as_str());
    assert_eq!(b["data"][0]["display_name"], "Up2");
    assert_eq!(
        env.get(&t, "/Leads/deleted?type=bogus").await.1["code"],
        "PATTERN_NOT_MATCHED"
    );
    assert_eq!(
        env.get(&t, &format!("/Leads/{id}")).await.1["code"],
        "INVALID_DATA"
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_get_zoho_errors() {
    let (env, t) = setup().await;
    let r = env.http.get(env.url("/nothing/here")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "INVALID_URL_PATTERN"
    );
    let (s, b) = env.call(Method::PATCH, &t, "/org", None).await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_REQUEST_METHOD"))
    );
    assert_eq!(
        env.get(&t, "/Leads/1/2/3/4").await.1["code"],
        "INVALID_URL_PATTERN"
    );
}

#[tokio::test]
async fn page_token_expiry_and_the_pagination_limit() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/orgs/60012345/records/Leads",
        json!({"generate": 600}),
    )
    .await;
    env.admin(Method::PUT, "/settings", json!({"pagination_limit": 400}))
        .await;
    let (_, b) = env.get(&t, "/Leads?fields=Last_Name&per_page=200").await;
    let tok = b["info"]["next_page_token"].as_str().unwrap().to_string();
    let (_, b) = env
        .get(
            &t,
            &format!("/Leads?fields=Last_Name&per_page=200&page_token={tok}"),
        )
        .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 200);
    let tok = b["info"]["next_page_token"].as_str().unwrap().to_string();
    let (s, b) = env
        .get(
            &t,
            &format!("/Leads?fields=Last_Name&per_page=200&page_token={tok}"),
        )
        .await;
    assert_eq!(
        (s, b),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": "PAGINATION_LIMIT_EXCEEDED", "details": {"param_name": "page_token"}, "message": "You can only get upto 100000 records using page_token param", "status": "error"})
        )
    );
    env.admin(Method::PUT, "/settings", json!({"page_token_ttl_secs": 0}))
        .await;
    let (_, b) = env.get(&t, "/Leads?fields=Last_Name&per_page=200").await;
    let tok = b["info"]["next_page_token"].as_str().unwrap().to_string();
    let (_, b) = env
        .get(
            &t,
            &format!("/Leads?fields=Last_Name&per_page=200&page_token={tok}"),
        )
        .await;
    assert_eq!(b["code"], "EXPIRED_VALUE");
    assert_eq!(
        b["details"],
        json!({"api_name": "page_token", "json_path": "$.query.page_token"})
    );
}

#[tokio::test]
async fn several_errors_on_one_record() {
    let (env, t) = setup().await;
    let (s, b) = env.call(Method::POST, &t, "/Leads", Some(json!({"data": [{"Last_Name": "M", "No_of_Employees": "x", "Email_Opt_Out": "yes"}]}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let item = &b["data"][0];
    assert_eq!(item["code"], "MULTIPLE_OR_MULTI_ERRORS");
    assert_eq!(item["message"], "Multiple errors in the request");
    let fields: Vec<&str> = item["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["api_name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["No_of_Employees", "Email_Opt_Out"]);
}

#[tokio::test]
async fn bad_input_never_escapes_zoho_shapes() {
    let (env, t) = setup().await;
    let auth = format!("Zoho-oauthtoken {t}");
    // A path segment that is not UTF-8, an oversized body, garbage bodies on every write path.
    let r = env
        .http
        .get(env.url("/crm/v7/%FF%FE?fields=Last_Name"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "error");
    let big = format!(
        "{{\"data\":[{{\"Last_Name\":\"{}\"}}]}}",
        "x".repeat(3 * 1024 * 1024)
    );
    let r = env
        .http
        .post(env.url("/crm/v7/Leads"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "LIMIT_EXCEEDED");
    let bodies = [
        "",
        "null",
        "[]",
        "{\"data\": {}}",
        "{\"data\": [1, \"x\", null]}",
        "\u{0}\u{1}",
        "{\"data\":[{\"Last_Name\":[{\"a\":1}]}]}",
        "{\"select_query\": 5}",
    ];
    let paths = [
        "/crm/v7/Leads",
        "/crm/v7/Leads/upsert",
        "/crm/v7/coql",
        "/oauth/v2/token",
        "/crm/v7/Accounts/1/Notes",
    ];
    for path in paths {
        for body in bodies {
            for method in [Method::POST, Method::PUT] {
                let r = env
                    .http
                    .request(method.clone(), env.url(path))
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let ct = r
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                let text = r.text().await.unwrap();
                assert!(
                    status != StatusCode::INTERNAL_SERVER_ERROR,
                    "{method} {path} {body:?}: 500 {text}"
                );
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{method} {path} {body:?}: {status} {ct} {text}"));
                assert!(v.is_object(), "{method} {path} {body:?}: {text}");
            }
        }
    }
}

/// `Services__s` and `Appointments__s` come from `specs/` like every module: a service's mandatory
/// fields and its dates are checked, an appointment's `Appointment_For` (a multi-module lookup)
/// names a record of one of its modules and is answered with the record's name and module, and
/// the modules' scopes leave out the `__s`.
#[tokio::test]
async fn services_and_appointments() {
    let (env, t) = setup().await;
    let modules = env.get(&t, "/settings/modules").await.1;
    for name in ["Services__s", "Appointments__s"] {
        assert!(
            modules["modules"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["api_name"] == name),
            "{name} is listed"
        );
    }
    let owner = env.get(&t, "/users?type=CurrentUser").await.1["users"][0]["id"].clone();
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Services__s",
            Some(json!({"data": [{"Service_Name": "Fitting"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["code"], "MULTIPLE_OR_MULTI_ERRORS");
    let service = json!({"Service_Name": "Fitting", "Duration": 30, "Price": 40.0,
        "Location": "Business Address", "Availability_Type": "Specific Date(s)",
        "Members": [{"Members": {"id": owner}}], "Available_Dates": ["2026-04-01", "2026-04-02"]});
    let mut bad = service.clone();
    bad["Available_Dates"] = json!(["2026-04-01", "April 2nd"]);
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Services__s",
            Some(json!({"data": [bad]})),
        )
        .await;
    assert_eq!(
        (
            &b["data"][0]["code"],
            &b["data"][0]["details"]["expected_data_type"]
        ),
        (&json!("INVALID_DATA"), &json!("date"))
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Services__s",
            Some(json!({"data": [service]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let service_id = b["data"][0]["details"]["id"].clone();
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Contacts",
            Some(json!({"data": [{"Last_Name": "Hopper"}]})),
        )
        .await;
    let contact_id = b["data"][0]["details"]["id"].clone();
    let appointment = |appointment_for: Value| {
        json!({"data": [{"Appointment_Name": "Fitting - Hopper", "Service_Name": {"id": service_id},
            "Appointment_For": appointment_for, "Owner": {"id": owner},
            "Appointment_Start_Time": "2026-04-01T09:00:00+05:30", "Location": "Business Address"}]})
    };
    for (value, message) in [
        (json!({"id": contact_id}), "invalid data"),
        (
            json!({"id": contact_id, "module": {"api_name": "Leads"}}),
            "the given module name is not exist in multimodulelookup",
        ),
    ] {
        let (_, b) = env
            .call(
                Method::POST,
                &t,
                "/Appointments__s",
                Some(appointment(value)),
            )
            .await;
        assert_eq!(
            (&b["data"][0]["code"], &b["data"][0]["message"]),
            (&json!("INVALID_DATA"), &json!(message))
        );
        assert_eq!(b["data"][0]["details"]["api_name"], "Appointment_For");
    }
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Appointments__s",
            Some(appointment(
                json!({"id": contact_id, "module": {"api_name": "Contacts"}}),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (_, b) = env.get(&t, &format!("/Appointments__s/{id}")).await;
    let got = &b["data"][0];
    assert_eq!(got["Appointment_For"]["name"], "Hopper");
    assert_eq!(got["Appointment_For"]["id"], contact_id);
    assert_eq!(got["Appointment_For"]["module"]["api_name"], "Contacts");
    assert_eq!(
        got["Appointment_For"]["module"]["id"],
        "3652397000000001101"
    );
    assert_eq!(got["Service_Name"]["name"], "Fitting");

    let scoped = env
        .login(
            PATRICIA,
            "ZohoCRM.modules.appointments.READ,ZohoCRM.modules.services.READ",
        )
        .await;
    for path in [
        "/Appointments__s?fields=Appointment_Name",
        "/Services__s?fields=Service_Name",
    ] {
        assert_eq!(
            env.get(&scoped.access, path).await.0,
            StatusCode::OK,
            "{path}"
        );
    }
    assert_eq!(
        env.get(&scoped.access, "/Contacts?fields=Last_Name")
            .await
            .1["code"],
        "OAUTH_SCOPE_MISMATCH"
    );
}
