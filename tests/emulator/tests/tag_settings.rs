//! Tags in settings: update (many and one), delete, merge and the record count, with the
//! records that carry the tags following each change.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Makes tags `names` on Leads; their ids in order.
async fn make_tags(env: &Env, t: &str, names: &[&str]) -> Vec<String> {
    let tags: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
    let (s, b) = env
        .call(
            Method::POST,
            t,
            "/settings/tags?module=Leads",
            Some(json!({"tags": tags})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["details"]["id"].as_str().unwrap().to_string())
        .collect()
}

async fn lead_ids(env: &Env, t: &str) -> Vec<String> {
    env.get(t, "/Leads?fields=Last_Name").await.1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn tag_names(env: &Env, t: &str, lead: &str) -> Vec<String> {
    env.get(t, &format!("/Leads/{lead}")).await.1["data"][0]["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_string())
        .collect()
}

async fn count(env: &Env, t: &str, tag: &str) -> Value {
    let (s, b) = env
        .get(
            t,
            &format!("/settings/tags/{tag}/actions/records_count?module=Leads"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

#[tokio::test]
async fn renaming_and_counting_tags() {
    let (env, t) = setup().await;
    let ids = make_tags(&env, &t, &["Hot", "Cold", "Warm"]).await;
    let leads = lead_ids(&env, &t).await;
    env.call(
        Method::POST,
        &t,
        "/Leads/actions/add_tags",
        Some(json!({"tags": [{"name": "Hot"}], "ids": [leads[0], leads[1]]})),
    )
    .await;
    assert_eq!(count(&env, &t, &ids[0]).await, json!({"count": "2"}));
    assert_eq!(count(&env, &t, &ids[1]).await, json!({"count": "0"}));
    // One tag by id in the path: the records carry the new name and colour.
    let (s, b) = env
        .call(
            Method::PUT,
            &t,
            &format!("/settings/tags/{}?module=Leads", ids[0]),
            Some(json!({"tags": [{"name": "Very Hot", "color_code": "#F17574"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let r = &b["tags"][0];
    assert_eq!(
        (&r["code"], &r["message"], &r["status"]),
        (
            &json!("SUCCESS"),
            &json!("tags updated successfully"),
            &json!("success")
        )
    );
    assert_eq!(
        (
            &r["details"]["name"],
            &r["details"]["color_code"],
            &r["details"]["id"]
        ),
        (&json!("Very Hot"), &json!("#F17574"), &json!(ids[0]))
    );
    let tag = &env.get(&t, &format!("/Leads/{}", leads[0])).await.1["data"][0]["Tag"][0];
    assert_eq!(
        *tag,
        json!({"name": "Very Hot", "id": ids[0], "color_code": "#F17574"})
    );
    // Many by id in the body: per-tag outcomes (a name taken, an unknown id, no id).
    let (s, b) = env
        .call(
            Method::PUT,
            &t,
            "/settings/tags?module=Leads",
            Some(json!({"tags": [{"id": ids[1], "name": "Frozen"}, {"id": ids[2], "name": "very hot"}, {"id": "1", "name": "X"}, {"name": "Y"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS, "{b}");
    assert_eq!(b["tags"][0]["details"]["name"], "Frozen");
    assert_eq!(
        b["tags"][1],
        json!({"code": "DUPLICATE_DATA", "details": {"api_name": "name", "json_path": "$.tags[1].name", "id": ids[0]}, "message": "duplicate data", "status": "error"})
    );
    assert_eq!(
        b["tags"][2],
        json!({"code": "INVALID_DATA", "details": {"api_name": "id", "json_path": "$.tags[2].id"}, "message": "invalid data", "status": "error"})
    );
    assert_eq!(
        b["tags"][3],
        json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "id", "json_path": "$.tags[3].id"}, "message": "required field not found", "status": "error"})
    );
    let (_, b) = env.get(&t, "/settings/tags?module=Leads").await;
    let names: Vec<&str> = b["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Very Hot", "Frozen", "Warm"]);
    // Errors of the one-tag form.
    let (e, tk) = (&env, t.as_str());
    let put_one = move |id: String, body: Value| {
        let path = format!("/settings/tags/{id}?module=Leads");
        async move { e.call(Method::PUT, tk, &path, Some(body)).await }
    };
    let (s, b) = put_one("1".into(), json!({"tags": [{"name": "Z"}]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "INVALID_DATA", "details": {"resource_path_index": 2}, "message": "invalid data", "status": "error"})
    );
    let (_, b) = put_one(ids[2].clone(), json!({"tags": [{"name": "x".repeat(26)}]})).await;
    assert_eq!(b["tags"][0]["details"]["maximum_length"], 25);
    let (_, b) = put_one(ids[2].clone(), json!({"tags": [{"color_code": "red"}]})).await;
    assert_eq!(b["tags"][0]["details"]["api_name"], "color_code");
    let (_, b) = put_one(ids[2].clone(), json!({})).await;
    assert_eq!(b["code"], "MANDATORY_NOT_FOUND");
    let (s, b) = env
        .call(
            Method::PUT,
            &t,
            &format!("/settings/tags/{}", ids[2]),
            Some(json!({"tags": [{"name": "Q"}]})),
        )
        .await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::BAD_REQUEST, &json!("REQUIRED_PARAM_MISSING"))
    );
    let (_, b) = env
        .get(
            &t,
            &format!(
                "/settings/tags/{}/actions/records_count?module=Contacts",
                ids[0]
            ),
        )
        .await;
    assert_eq!(b["details"]["resource_path_index"], 2);
    let (_, b) = env
        .get(
            &t,
            &format!("/settings/tags/{}/actions/records_count", ids[0]),
        )
        .await;
    assert_eq!(b["code"], "REQUIRED_PARAM_MISSING");
}

#[tokio::test]
async fn deleting_and_merging_tags() {
    let (env, t) = setup().await;
    let ids = make_tags(&env, &t, &["A", "B", "C"]).await;
    let leads = lead_ids(&env, &t).await;
    for (lead, tags) in [
        (&leads[0], json!([{"name": "A"}, {"name": "B"}])),
        (&leads[1], json!([{"name": "B"}, {"name": "C"}])),
    ] {
        env.call(
            Method::POST,
            &t,
            &format!("/Leads/{lead}/actions/add_tags"),
            Some(json!({"tags": tags})),
        )
        .await;
    }
    // Merge B into A: B's records carry A (once), B is gone.
    let (e, tk) = (&env, t.as_str());
    let merge = move |id: &str, body: Value| {
        let path = format!("/settings/tags/{id}/actions/merge");
        async move { e.call(Method::POST, tk, &path, Some(body)).await }
    };
    let (s, b) = merge(&ids[0], json!({"tags": [{"conflict_id": ids[1]}]})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let r = &b["tags"][0];
    assert_eq!(
        (
            &r["code"],
            &r["message"],
            &r["details"]["id"],
            &r["details"]["name"]
        ),
        (
            &json!("SUCCESS"),
            &json!("tags merged successfully"),
            &json!(ids[0]),
            &json!("A")
        )
    );
    assert_eq!(tag_names(&env, &t, &leads[0]).await, ["A"]);
    assert_eq!(tag_names(&env, &t, &leads[1]).await, ["A", "C"]);
    assert_eq!(count(&env, &t, &ids[0]).await["count"], "2");
    let (_, b) = env.get(&t, "/settings/tags?module=Leads").await;
    assert_eq!(b["info"]["count"], 2);
    // Merge errors: the tag gone, itself, none given, an unknown tag in the path.
    let conflict = |jp: &str| json!({"tags": [{"code": "INVALID_DATA", "details": {"api_name": "conflict_id", "json_path": jp}, "message": "invalid data", "status": "error"}]});
    let (s, b) = merge(&ids[0], json!({"tags": [{"conflict_id": ids[1]}]})).await;
    assert_eq!(
        (s, b),
        (StatusCode::BAD_REQUEST, conflict("$.tags[0].conflict_id"))
    );
    let (_, b) = merge(&ids[0], json!({"tags": [{"conflict_id": ids[0]}]})).await;
    assert_eq!(b, conflict("$.tags[0].conflict_id"));
    let (_, b) = merge(&ids[0], json!({"tags": [{}]})).await;
    assert_eq!(b["tags"][0]["code"], "MANDATORY_NOT_FOUND");
    let (_, b) = merge(&ids[0], json!({})).await;
    assert_eq!(b["details"]["api_name"], "tags");
    let (_, b) = merge("1", json!({"tags": [{"conflict_id": ids[2]}]})).await;
    assert_eq!(b["details"]["resource_path_index"], 2);
    // Delete: the tag leaves its records.
    let (s, b) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/settings/tags/{}", ids[2]),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b,
        json!({"tags": [{"code": "SUCCESS", "details": {"id": ids[2]}, "message": "tags deleted successfully", "status": "success"}]})
    );
    assert_eq!(tag_names(&env, &t, &leads[1]).await, ["A"]);
    let (s, b) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/settings/tags/{}", ids[2]),
            None,
        )
        .await;
    assert_eq!(
        (s, &b["details"]["resource_path_index"]),
        (StatusCode::BAD_REQUEST, &json!(2))
    );
    let (_, b) = env.get(&t, "/settings/tags?module=Leads").await;
    assert_eq!(b["tags"][0]["name"], "A");
    assert_eq!(b["info"]["count"], 1);
}
