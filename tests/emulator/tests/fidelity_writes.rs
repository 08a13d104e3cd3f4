//! The emulator's list pages, errors, writes and recycle bin have the shapes of Zoho's
//! published samples (`../shared/zoho-samples`): the same keys, JSON types, codes, messages
//! and `details` keys.
//! Without the samples the tests print why they skip (and fail under `CI=true`).

mod common;
mod fidelity_common;
use common::*;
use fidelity_common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn record_lists_answer_page_tokens_and_reject_unknown_views() {
    let Some(s) = Samples::get() else { return };
    let first = s.load("v8/record/getRecords/200-leads.json");
    let second = s.load("v7/record/getRecords/200-leads-second-call-page-token.json");
    let (env, t) = setup().await;
    for i in 0..5 {
        env.call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": format!("Paged {i}")}]})),
        )
        .await;
    }
    let (code, b) = env.get(&t, "/Leads?fields=Last_Name&per_page=2").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(keys(&b["info"]), keys(&first["info"]));
    assert_shape(&b["info"], &first["info"], "first page info");
    assert_eq!(b["info"]["previous_page_token"], Value::Null);
    assert_eq!(b["info"]["page"], 1);
    let token = b["info"]["next_page_token"].as_str().unwrap().to_string();
    let (code, b) = env
        .get(
            &t,
            &format!("/Leads?fields=Last_Name&per_page=2&page_token={token}"),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(keys(&b["info"]), keys(&second["info"]));
    assert_shape(&b["info"], &second["info"], "page-token page info");
    assert_eq!(b["info"]["page"], second["info"]["page"]);
    assert_eq!(
        b["info"]["previous_page_token"],
        second["info"]["previous_page_token"]
    );

    let sample = s.load("v8/record/getRecords/400-invalidcvid.json");
    let (code, b) = env.get(&t, "/Leads?fields=Last_Name&cvid=1234567890").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b, sample);
}

#[tokio::test]
async fn scope_mismatch_already_modified_and_duplicates_read_as_zoho_writes_them() {
    let Some(s) = Samples::get() else { return };
    let env = Env::new().await;
    let narrow = env.login(PATRICIA, "ZohoCRM.users.READ").await.access;
    for sample in [
        "v8/record/getRecords/401-scopemismatch.json",
        "v8/record/createRecords/401-oauthscopemismatch.json",
    ] {
        let (code, b) = env.get(&narrow, "/Leads?fields=Last_Name").await;
        assert_eq!(code, StatusCode::UNAUTHORIZED);
        assert_eq!(b, s.load(sample), "{sample}");
    }

    let t = env.login(PATRICIA, ALL_SCOPES).await.access;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Mod", "Email": "mod@x.example"}]})),
        )
        .await;
    let id = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let r = env
        .http
        .put(env.url("/crm/v7/Leads"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Unmodified-Since", "2020-01-01T00:00:00+00:00")
        .json(&json!({"data": [{"id": id, "Company": "C"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let b: Value = r.json().await.unwrap();
    let sample = s.load("v8/record/updateRecords/412-alreadymodified.json");
    assert_error(&b["data"][0], &sample["data"][0], true, "ALREADY_MODIFIED");
    assert_eq!(b["data"][0]["details"]["id"], json!(id));

    // One duplicated unique field: one DUPLICATE_DATA item.
    let sample = s.load("v8/record/createRecords/400-duplicatedataerror.json");
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Dup", "Email": "mod@x.example"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_error(&b["data"][0], &sample["data"][0], true, "DUPLICATE_DATA");
    assert_eq!(b["data"][0]["details"]["json_path"], "$.data[0].Email");
    assert_eq!(b["data"][0]["details"]["duplicate_record"]["id"], json!(id));
    assert_eq!(b["data"][0]["details"]["more_records"], false);

    // Two duplicated unique fields: both, inside MULTIPLE_OR_MULTI_ERRORS.
    env.admin(
        Method::POST,
        "/orgs/60012345/fields/Leads",
        json!({"api_name": "Unique_1", "data_type": "text", "unique": {"case_sensitive": false}}),
    )
    .await;
    env.call(
        Method::PUT,
        &t,
        "/Leads",
        Some(json!({"data": [{"id": id, "Unique_1": "U-1"}]})),
    )
    .await;
    let sample = s.load("v8/record/upsertRecords/400-multipleerrors.json");
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Dup", "Email": "MOD@x.example", "Unique_1": "u-1"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{b}");
    let multi = &b["data"][0];
    let s0 = &sample["data"][0];
    assert_eq!(multi["code"], s0["code"]);
    assert_eq!(multi["message"], s0["message"]);
    assert_eq!(keys(&multi["details"]), ["errors"]);
    let errors = multi["details"]["errors"].as_array().unwrap();
    let names: Vec<&str> = errors
        .iter()
        .map(|e| e["details"]["api_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Email", "Unique_1"]);
    for e in errors {
        let se = &s0["details"]["errors"][0];
        assert_eq!(e["code"], se["code"]);
        assert_eq!(e["message"], se["message"]);
        assert_shape(e, se, "a duplicate inside MULTIPLE_OR_MULTI_ERRORS");
    }
}

#[tokio::test]
async fn unknown_keys_of_a_write_are_invalid_data() {
    let Some(s) = Samples::get() else { return };
    let sample = s.load("v8/record/createRecords/400-invaliddata.json");
    let (env, t) = setup().await;
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "K", "Not_A_Field": "x"}, {"Last_Name": "Fine"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::MULTI_STATUS, "{b}");
    let e = &b["data"][0];
    assert_error(e, &sample["data"][0], false, "an unknown key");
    assert_eq!(
        e["details"],
        json!({"api_name": "Not_A_Field", "json_path": "$.data[0].Not_A_Field"})
    );
    assert_eq!(b["data"][1]["code"], "SUCCESS");
    // `$`-keys and `id` are not fields, and are not errors.
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "K", "$append_values": {}}]})),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{b}");
}

#[tokio::test]
async fn recycle_bin_lists_records_deleted_through_the_api() {
    if Samples::get().is_none() {
        return;
    }
    let (env, t) = setup().await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Binned"}, {"Last_Name": "Binned too"}]})),
        )
        .await;
    let ids: Vec<String> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["details"]["id"].as_str().unwrap().to_string())
        .collect();
    // Nothing deleted yet.
    assert_eq!(
        env.get(&t, "/settings/recycle_bin?module=Leads").await.0,
        StatusCode::NO_CONTENT
    );
    let (code, _) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Leads?ids={},{}", ids[0], ids[1]),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (code, b) = env.get(&t, "/settings/recycle_bin?module=Leads").await;
    assert_eq!(code, StatusCode::OK, "{b}");
    let items = b["recycle_bin"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let item = &items[0];
    assert_eq!(
        keys(item),
        [
            "deleted_by",
            "deleted_time",
            "display_name",
            "id",
            "module",
            "owner"
        ]
    );
    assert_eq!(item["module"]["api_name"], "Leads");
    assert!(item["module"]["id"].is_string());
    assert!(item["owner"]["id"].is_string() && item["deleted_by"]["name"].is_string());
    assert_eq!(
        b["info"],
        json!({"per_page": 200, "count": 2, "page": 1, "more_records": false})
    );
    let filters = "%7B%22field%22%3A%7B%22api_name%22%3A%22module.api_name%22%7D%2C%22comparator%22%3A%22equal%22%2C%22value%22%3A%22Leads%22%7D";
    let (code, b2) = env
        .get(
            &t,
            &format!("/settings/recycle_bin?filters={filters}&per_page=1"),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(b2["recycle_bin"][0], b["recycle_bin"][0]);
    assert_eq!(b2["info"]["more_records"], true);
    let (code, one) = env
        .get(&t, &format!("/settings/recycle_bin/{}", ids[1]))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(one["recycle_bin"][0]["id"], json!(ids[1]));
    assert_eq!(
        env.get(&t, "/settings/recycle_bin?module=Contacts").await.0,
        StatusCode::NO_CONTENT
    );
    // Documented errors.
    let (code, b) = env.get(&t, "/settings/recycle_bin").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "REQUIRED_PARAM_MISSING");
    assert_eq!(b["details"], json!({"param_name": "filters"}));
    let (code, b) = env.get(&t, "/settings/recycle_bin?module=Bogus").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "INVALID_DATA");
    let (code, b) = env.get(&t, "/settings/recycle_bin?filters=nope").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["details"], json!({"param_name": "filters"}));
    let (code, b) = env.get(&t, "/settings/recycle_bin/1").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "INVALID_DATA");
    // `/deleted` keeps its own shape.
    let (_, b) = env.get(&t, "/Leads/deleted").await;
    assert!(b["data"][0].get("$owner").is_none(), "{b}");
}
