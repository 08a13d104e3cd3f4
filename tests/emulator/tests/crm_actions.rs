//! Tags, record clone, one layout, picklist values, search with a body, and delinking one
//! related record: success answers and their documented errors.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn lead_ids(env: &Env, t: &str) -> Vec<String> {
    env.get(t, "/Leads?fields=Last_Name").await.1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn settings_tags_list_and_create() {
    let (env, t) = setup().await;
    let (s, b) = env.get(&t, "/settings/tags?module=Leads").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b,
        json!({"tags": [], "info": {"count": 0, "allowed_count": 500}})
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/settings/tags?module=Leads",
            Some(json!({"tags": [{"name": "VIP", "color_code": "#57B1FD"}, {"name": "Hot"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let first = &b["tags"][0];
    assert_eq!(
        (&first["code"], &first["status"], &first["message"]),
        (
            &json!("SUCCESS"),
            &json!("success"),
            &json!("tags created successfully")
        )
    );
    assert_eq!(first["details"]["name"], "VIP");
    assert_eq!(first["details"]["color_code"], "#57B1FD");
    assert_eq!(first["details"]["created_by"]["name"], "Patricia Boyle");
    assert!(b["tags"][1]["details"]["color_code"].is_string());
    let vip = first["details"]["id"].as_str().unwrap().to_string();
    // Duplicate names (case-insensitive) fail per item; a mix answers 207.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/settings/tags?module=Leads",
            Some(json!({"tags": [{"name": "vip"}, {"name": "New"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    assert_eq!(
        b["tags"][0],
        json!({"code": "DUPLICATE_DATA", "details": {"api_name": "name", "json_path": "$.tags[0].name", "id": vip}, "message": "duplicate data", "status": "error"})
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/settings/tags?module=Leads",
            Some(json!({"tags": [{"name": "x".repeat(26)}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["tags"][0]["details"]["maximum_length"], 25);
    let (_, b) = env.get(&t, "/settings/tags?module=leads").await;
    assert_eq!(b["info"]["count"], 3);
    assert_eq!(b["tags"][0]["name"], "VIP");
    let (_, b) = env
        .get(&t, "/settings/tags?module=Leads&my_tags=true")
        .await;
    assert_eq!(b["info"]["count"], 3);
    // Errors: unknown module, missing module, scope.
    let (s, b) = env.get(&t, "/settings/tags?module=Nope").await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_MODULE"))
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/settings/tags",
            Some(json!({"tags": [{"name": "A"}]})),
        )
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("REQUIRED_PARAM_MISSING"))
    );
    let narrow = env
        .login(PATRICIA, "ZohoCRM.settings.tags.READ")
        .await
        .access;
    assert_eq!(
        env.get(&narrow, "/settings/tags?module=Leads").await.0,
        StatusCode::OK
    );
    let (s, b) = env
        .call(
            Method::POST,
            &narrow,
            "/settings/tags?module=Leads",
            Some(json!({"tags": [{"name": "A"}]})),
        )
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("OAUTH_SCOPE_MISMATCH"))
    );
}

#[tokio::test]
async fn add_and_remove_record_tags() {
    let (env, t) = setup().await;
    let ids = lead_ids(&env, &t).await;
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{}/actions/add_tags", ids[0]),
            Some(json!({"tags": [{"name": "VIP"}, {"name": "Hot"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"][0]["code"], "SUCCESS");
    assert_eq!(b["data"][0]["message"], "tags updated successfully");
    assert_eq!(b["data"][0]["details"]["id"], ids[0].as_str());
    assert_eq!(b["success_count"], "1");
    let tags = b["data"][0]["details"]["tags"].as_array().unwrap().clone();
    assert_eq!(tags.len(), 2);
    assert!(tags
        .iter()
        .all(|t| t["id"].is_string() && t["color_code"].is_string()));
    // The tags were created in settings, and the record shows them.
    let (_, b) = env.get(&t, "/settings/tags?module=Leads").await;
    assert_eq!(b["info"]["count"], 2);
    let (_, rec) = env.get(&t, &format!("/Leads/{}", ids[0])).await;
    assert_eq!(rec["data"][0]["Tag"], json!(tags));
    let (_, rec) = env
        .get(&t, &format!("/Leads?fields=Tag&ids={}", ids[0]))
        .await;
    assert_eq!(rec["data"][0]["Tag"].as_array().unwrap().len(), 2);
    // over_write replaces.
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{}/actions/add_tags?over_write=true", ids[0]),
            Some(json!({"tags": [{"name": "Cold"}]})),
        )
        .await;
    assert_eq!(b["data"][0]["details"]["tags"][0]["name"], "Cold");
    assert_eq!(b["data"][0]["details"]["tags"].as_array().unwrap().len(), 1);
    // Many records: ids in the body; an unknown id fails per item (207).
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/actions/add_tags",
            Some(json!({"tags": [{"name": "VIP"}], "ids": [ids[1], ids[2], "1"]})),
        )
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS, "{b}");
    assert_eq!(b["success_count"], "2");
    assert_eq!(
        b["data"][2],
        json!({"code": "INVALID_DATA", "details": {"id": "1"}, "message": "the id given seems to be invalid", "status": "error"})
    );
    // Remove, one and many.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{}/actions/remove_tags", ids[1]),
            Some(json!({"tags": [{"name": "vip"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["data"][0]["details"]["tags"], json!([]));
    let (s, _) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/actions/remove_tags?ids={}", ids[2]),
            Some(json!({"tags": [{"name": "VIP"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        env.get(&t, &format!("/Leads/{}", ids[2])).await.1["data"][0]["Tag"],
        json!([])
    );
    // Errors: unknown record, unknown module, no tags, no ids, an unknown tag id.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/1/actions/add_tags",
            Some(json!({"tags": [{"name": "VIP"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["code"], "INVALID_DATA");
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Nope/{}/actions/add_tags", ids[0]),
            Some(json!({"tags": [{"name": "VIP"}]})),
        )
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_MODULE"))
    );
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{}/actions/add_tags", ids[0]),
            Some(json!({})),
        )
        .await;
    assert_eq!(b["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(b["details"]["api_name"], "tags");
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/actions/add_tags",
            Some(json!({"tags": [{"name": "VIP"}]})),
        )
        .await;
    assert_eq!(b["details"]["api_name"], "ids");
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{}/actions/add_tags", ids[0]),
            Some(json!({"tags": [{"id": "42"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["data"][0]["details"],
        json!({"api_name": "id", "json_path": "$.tags[0].id"})
    );
}

#[tokio::test]
async fn clone_a_record() {
    let (env, t) = setup().await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Orig", "Company": "C", "Lead_Status": "Contacted"}]})),
        )
        .await;
    let id = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{id}/actions/clone"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let item = &b["data"][0];
    assert_eq!(
        (&item["code"], &item["message"], &item["status"]),
        (&json!("SUCCESS"), &json!("record added"), &json!("success"))
    );
    let copy = item["details"]["id"].as_str().unwrap().to_string();
    assert_ne!(copy, id);
    assert!(item["details"]["Created_Time"].is_string());
    let (_, rec) = env.get(&t, &format!("/Leads/{copy}")).await;
    assert_eq!(rec["data"][0]["Last_Name"], "Orig");
    assert_eq!(rec["data"][0]["Company"], "C");
    assert_eq!(rec["data"][0]["Lead_Status"], "Contacted");
    // Overrides apply to the copy only.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{id}/actions/clone"),
            Some(json!({"data": [{"Last_Name": "Copy"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let copy2 = b["data"][0]["details"]["id"].as_str().unwrap();
    assert_eq!(
        env.get(&t, &format!("/Leads/{copy2}")).await.1["data"][0]["Last_Name"],
        "Copy"
    );
    assert_eq!(
        env.get(&t, &format!("/Leads/{id}")).await.1["data"][0]["Last_Name"],
        "Orig"
    );
    // Errors: unknown record, invalid override, a unique value copied, unknown module.
    let (s, b) = env
        .call(Method::POST, &t, "/Leads/1/actions/clone", None)
        .await;
    assert_eq!(
        (s, b),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": "INVALID_DATA", "details": {"id": "1"}, "message": "the id given seems to be invalid", "status": "error"})
        )
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{id}/actions/clone"),
            Some(json!({"data": [{"Lead_Status": "Bogus"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["code"], "INVALID_DATA");
    assert_eq!(b["data"][0]["details"]["api_name"], "Lead_Status");
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{id}/actions/clone"),
            Some(json!({"data": [{"Email": "john.doe@example.com"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["code"], "DUPLICATE_DATA");
    assert_eq!(
        env.call(Method::POST, &t, &format!("/Nope/{id}/actions/clone"), None)
            .await
            .1["code"],
        "INVALID_MODULE"
    );
}

#[tokio::test]
async fn one_layout_and_picklist_values() {
    let (env, t) = setup().await;
    let (_, all) = env.get(&t, "/settings/layouts?module=Leads").await;
    let layout_id = all["layouts"][0]["id"].as_str().unwrap().to_string();
    let (s, b) = env
        .get(&t, &format!("/settings/layouts/{layout_id}?module=Leads"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b, all);
    let (s, b) = env.get(&t, "/settings/layouts/1?module=Leads").await;
    assert_eq!(
        (s, b["code"].clone(), b["details"]["id"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_DATA"), json!("1"))
    );
    let (_, b) = env.get(&t, &format!("/settings/layouts/{layout_id}")).await;
    assert_eq!(b["code"], "REQUIRED_PARAM_MISSING");

    let field_id = |name: &'static str| {
        let env = &env;
        let t = &t;
        async move {
            env.get(t, &format!("/settings/fields/{name}?module=Leads"))
                .await
                .1["fields"][0]["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let status_id = field_id("Lead_Status").await;
    let (s, b) = env
        .get(
            &t,
            &format!("/settings/fields/{status_id}/pick_list_values?module=Leads"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let values = b["pick_list_values"].as_array().unwrap();
    assert!(values.iter().any(|v| v["actual_value"] == "Contacted"));
    assert!(values
        .iter()
        .all(|v| v["layout_associations"][0]["api_name"] == "Standard__s" && v["id"].is_string()));
    let last_name = field_id("Last_Name").await;
    let (s, b) = env
        .get(
            &t,
            &format!("/settings/fields/{last_name}/pick_list_values?module=Leads"),
        )
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_DATA"))
    );
    let (_, b) = env
        .get(&t, "/settings/fields/1/pick_list_values?module=Leads")
        .await;
    assert_eq!(b["details"]["id"], "1");
    let (_, b) = env
        .get(
            &t,
            &format!("/settings/fields/{status_id}/pick_list_values?module=Nope"),
        )
        .await;
    assert_eq!(b["code"], "INVALID_MODULE");
}

#[tokio::test]
async fn search_with_a_body() {
    let (env, t) = setup().await;
    for path in ["/Leads/search", "/Leads/bulk/search"] {
        let (s, b) = env
            .call(
                Method::POST,
                &t,
                path,
                Some(json!({"criteria": "((Last_Name:equals:Doe)or(Last_Name:equals:Garcia))", "fields": ["Last_Name"], "per_page": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {b}");
        assert_eq!(
            b["info"],
            json!({"per_page": 1, "count": 1, "page": 1, "more_records": true})
        );
        assert_eq!(b["data"][0].as_object().unwrap().len(), 2);
    }
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/search?fields=Email",
            Some(json!({"email": "JOHN.DOE@example.com"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["data"][0]["Email"], "john.doe@example.com");
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/search",
            Some(json!({"word": "nothing-like-this"})),
        )
        .await;
    assert_eq!((s, b), (StatusCode::NO_CONTENT, Value::Null));
    // Errors: no search parameter, bad criteria, unknown module, wrong types, not JSON.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/search",
            Some(json!({"fields": "Last_Name"})),
        )
        .await;
    assert_eq!(
        (s, b),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": "EXPECTED_PARAM_MISSING", "details": {"param_names": ["criteria", "email", "phone", "word"]}, "message": "One of the expected parameter is missing", "status": "error"})
        )
    );
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/search",
            Some(json!({"criteria": "Last_Name:equals:Doe"})),
        )
        .await;
    assert_eq!(b["code"], "INVALID_QUERY");
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Nope/search",
            Some(json!({"word": "abc"})),
        )
        .await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_MODULE"))
    );
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/search",
            Some(json!({"criteria": {"a": 1}})),
        )
        .await;
    assert_eq!(b["details"]["api_name"], "criteria");
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/search",
            Some(json!({"word": "ab", "per_page": 500})),
        )
        .await;
    assert_eq!(b["details"]["param_name"], "per_page");
}

#[tokio::test]
async fn delink_one_related_record() {
    let (env, t) = setup().await;
    let acct = env.get(&t, "/Accounts?fields=Account_Name").await.1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Contacts",
            Some(json!({"data": [{"Last_Name": "Rel", "Account_Name": {"id": acct}}]})),
        )
        .await;
    let contact = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (s, b) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Accounts/{acct}/Contacts/{contact}"),
            None,
        )
        .await;
    assert_eq!(
        (s, b),
        (
            StatusCode::OK,
            json!({"data": [{"code": "SUCCESS", "details": {"id": contact}, "message": "relation removed", "status": "success"}]})
        )
    );
    assert_eq!(
        env.get(&t, &format!("/Contacts/{contact}")).await.1["data"][0]["Account_Name"],
        Value::Null
    );
    // Errors: no longer related, unknown parent, unknown related list.
    let (s, b) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Accounts/{acct}/Contacts/{contact}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["data"][0],
        json!({"code": "INVALID_DATA", "details": {"id": contact}, "message": "the related id given seems to be invalid", "status": "error"})
    );
    let (_, b) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Accounts/1/Contacts/{contact}"),
            None,
        )
        .await;
    assert_eq!(b["message"], "The record does not exist");
    let (_, b) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Accounts/{acct}/Nope/{contact}"),
            None,
        )
        .await;
    assert_eq!(b["details"]["resource_path_index"], 2);
}
