//! Notification channels (`actions/watch`) and their callbacks: each change to a watched module
//! is POSTed to a listener the test runs, with Zoho's payload.

mod common;
use axum::extract::State;
use axum::Json;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SCOPES: &str = "ZohoCRM.notifications.ALL,ZohoCRM.mass_update.ALL";

type Got = Arc<Mutex<Vec<Value>>>;

/// A local HTTP listener collecting the JSON bodies POSTed to `/hook`; its URL and bodies.
async fn listener() -> (String, Got) {
    let got: Got = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(|State(g): State<Got>, Json(v): Json<Value>| async move {
                g.lock().unwrap().push(v);
                StatusCode::OK
            }),
        )
        .with_state(got.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(l, app).await;
    });
    (format!("http://{addr}/hook"), got)
}

/// Waits until `n` bodies arrived (or five seconds passed); returns them.
async fn wait_for(got: &Got, n: usize) -> Vec<Value> {
    for _ in 0..250 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    got.lock().unwrap().clone()
}

async fn deliveries(env: &Env, n: usize) -> Vec<Value> {
    for _ in 0..250 {
        let d = env
            .admin(Method::GET, "/orgs/60012345/notifications", json!({}))
            .await["deliveries"]
            .as_array()
            .unwrap()
            .clone();
        if d.len() >= n {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} deliveries");
}

async fn login(env: &Env) -> String {
    env.login(PATRICIA, &format!("{ALL_SCOPES},{SCOPES}"))
        .await
        .access
}

#[tokio::test]
async fn watched_changes_are_posted_to_the_notify_url() {
    let env = Env::new().await;
    let t = login(&env).await;
    let (url, got) = listener().await;
    assert_eq!(
        env.get(&t, "/actions/watch").await.0,
        StatusCode::NO_CONTENT
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/actions/watch",
            Some(json!({"watch": [{"channel_id": 1000000068001u64, "events": ["Leads.all", "Deals.create"],
                "notify_url": format!("{url}?key1=val1&key2=val%202"), "token": "TOKEN_FOR_VERIFICATION_OF_1000000068001",
                "return_affected_field_values": true}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let r = &b["watch"][0];
    assert_eq!(
        (&r["code"], &r["status"], &r["message"]),
        (
            &json!("SUCCESS"),
            &json!("success"),
            &json!("Successfully subscribed for actions-watch of the given module")
        )
    );
    let events = r["details"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["resource_name"], "Leads");
    assert_eq!(events[0]["channel_id"], "1000000068001");
    assert!(events[0]["resource_uri"]
        .as_str()
        .unwrap()
        .ends_with("/crm/v7/Leads"));
    assert!(events[0]["resource_id"].is_string());
    assert!(events[0]["channel_expiry"].is_string());
    let (s, b) = env.get(&t, "/actions/watch").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["info"]["count"], 2);
    assert_eq!(b["watch"][0]["events"], json!(["Leads.all"]));
    assert_eq!(b["watch"][0]["channel_id"], 1000000068001u64);
    assert_eq!(b["watch"][1]["resource_name"], "Deals");

    // Insert, update and delete of a lead.
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Watched", "Company": "W"}]})),
        )
        .await;
    let id = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let p = wait_for(&got, 1).await;
    let insert = &p[0];
    assert_eq!(insert["operation"], "insert");
    assert_eq!(insert["module"], "Leads");
    assert_eq!(insert["ids"], json!([id]));
    assert_eq!(insert["affected_fields"], json!([]));
    assert_eq!(insert["channel_id"], "1000000068001");
    assert_eq!(insert["token"], "TOKEN_FOR_VERIFICATION_OF_1000000068001");
    assert_eq!(
        insert["query_params"],
        json!({"key1": "val1", "key2": "val 2"})
    );
    assert!(insert["server_time"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(
        insert["resource_uri"],
        format!("{}/crm/v7/Leads", env.emu.api_url)
    );
    assert_eq!(insert["affected_values"][0]["record_id"], id.as_str());
    assert_eq!(
        insert["affected_values"][0]["values"]["Last_Name"],
        "Watched"
    );
    env.call(
        Method::PUT,
        &t,
        &format!("/Leads/{id}"),
        Some(json!({"data": [{"Company": "Changed", "Last_Name": "Watched"}]})),
    )
    .await;
    let p = wait_for(&got, 2).await;
    let update = &p[1];
    assert_eq!(update["operation"], "update");
    assert_eq!(
        update["affected_fields"],
        json!([{ id.clone(): ["Company"] }])
    );
    assert_eq!(
        update["affected_values"],
        json!([{"record_id": id, "values": {"Company": "Changed"}}])
    );
    env.call(Method::DELETE, &t, &format!("/Leads/{id}"), None)
        .await;
    let p = wait_for(&got, 3).await;
    assert_eq!(p[2]["operation"], "delete");
    assert_eq!(p[2]["ids"], json!([id]));
    assert!(p[2].get("affected_values").is_none());

    // Deals: create only. Contacts: not watched.
    let (_, b) = env
        .call(Method::POST, &t, "/Deals", Some(json!({"data": [{"Deal_Name": "D", "Closing_Date": "2026-01-01", "Stage": "Qualification"}]})))
        .await;
    let deal = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    env.call(
        Method::PUT,
        &t,
        &format!("/Deals/{deal}"),
        Some(json!({"data": [{"Amount": 10}]})),
    )
    .await;
    env.call(
        Method::POST,
        &t,
        "/Contacts",
        Some(json!({"data": [{"Last_Name": "C"}]})),
    )
    .await;
    // A mass update of two leads is one notification of both.
    let (_, b) = env.get(&t, "/Leads?fields=Last_Name").await;
    let ids: Vec<Value> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|r| r["id"].clone())
        .collect();
    env.call(
        Method::POST,
        &t,
        "/Leads/actions/mass_update",
        Some(json!({"data": [{"Rating": "Active"}], "ids": ids})),
    )
    .await;
    let p = wait_for(&got, 5).await;
    assert_eq!(
        (&p[3]["module"], &p[3]["operation"]),
        (&json!("Deals"), &json!("insert"))
    );
    assert_eq!(
        (&p[4]["module"], &p[4]["operation"]),
        (&json!("Leads"), &json!("update"))
    );
    assert_eq!(p[4]["ids"], json!(ids));
    assert_eq!(p[4]["affected_fields"].as_array().unwrap().len(), 2);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        got.lock().unwrap().len(),
        5,
        "no notification for unwatched changes"
    );
    // Every attempt is on record with its answer.
    let d = deliveries(&env, 5).await;
    assert!(d.iter().all(|x| x["status"] == 200 && x["error"].is_null()));
    assert_eq!(d[0]["payload"], p[0]);
    assert_eq!(d[0]["notify_url"], format!("{url}?key1=val1&key2=val%202"));
}

#[tokio::test]
async fn channels_are_changed_and_disabled() {
    let env = Env::new().await;
    let t = login(&env).await;
    let (url, got) = listener().await;
    let watch = |method: Method, body: Value| env.call(method, &t, "/actions/watch", Some(body));
    watch(Method::POST, json!({"watch": [{"channel_id": "7", "events": ["Leads.create", "Leads.edit"], "notify_url": url}]})).await;
    // PATCH with _delete_events removes the given events.
    let (s, b) = watch(
        Method::PATCH,
        json!({"watch": [{"channel_id": "7", "events": ["Leads.create"], "_delete_events": true}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["watch"][0]["message"],
        "Successfully removed the subscribe details"
    );
    env.call(
        Method::POST,
        &t,
        "/Leads",
        Some(json!({"data": [{"Last_Name": "Quiet"}]})),
    )
    .await;
    let (_, b) = env.get(&t, "/actions/watch").await;
    assert_eq!(b["watch"][0]["events"], json!(["Leads.edit"]));
    // PATCH without it changes the given keys only; PUT replaces the channel.
    let (s, _) = watch(
        Method::PATCH,
        json!({"watch": [{"channel_id": "7", "token": "T2"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, b) = env.get(&t, "/actions/watch").await;
    assert_eq!(
        (&b["watch"][0]["token"], &b["watch"][0]["events"]),
        (&json!("T2"), &json!(["Leads.edit"]))
    );
    let (s, b) = watch(
        Method::PUT,
        json!({"watch": [{"channel_id": "7", "events": ["Contacts.all"], "notify_url": url}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b["watch"][0]["message"],
        "Successfully updated the subscribe details"
    );
    let (_, b) = env.get(&t, "/actions/watch").await;
    assert_eq!(b["watch"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&b["watch"][0]["resource_name"], &b["watch"][0]["token"]),
        (&json!("Contacts"), &Value::Null)
    );
    env.call(
        Method::POST,
        &t,
        "/Contacts",
        Some(json!({"data": [{"Last_Name": "Heard"}]})),
    )
    .await;
    let p = wait_for(&got, 1).await;
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["module"], "Contacts");
    assert!(p[0].get("token").is_none());
    // DELETE disables; an unknown channel is NOT_SUBSCRIBED (202).
    let (s, b) = env
        .call(Method::DELETE, &t, "/actions/watch?channel_ids=7", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b["watch"][0]["message"],
        "Successfully un-subscribed from actions-watch"
    );
    assert_eq!(
        b["watch"][0]["details"]["events"][0]["resource_name"],
        "Contacts"
    );
    assert_eq!(
        env.get(&t, "/actions/watch").await.0,
        StatusCode::NO_CONTENT
    );
    let (s, b) = env
        .call(Method::DELETE, &t, "/actions/watch?channel_ids=7", None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(b["watch"][0]["code"], "NOT_SUBSCRIBED");
    env.call(
        Method::POST,
        &t,
        "/Contacts",
        Some(json!({"data": [{"Last_Name": "Unheard"}]})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(got.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn watch_errors() {
    let env = Env::new().await;
    let t = login(&env).await;
    let (url, _) = listener().await;
    let enable = |ch: Value| {
        env.call(
            Method::POST,
            &t,
            "/actions/watch",
            Some(json!({"watch": [ch]})),
        )
    };
    let err = |code: &str, api: &str, jp: &str| {
        let message = if code == "MANDATORY_NOT_FOUND" {
            "required field not found"
        } else {
            "invalid data"
        };
        json!({"watch": [{"code": code, "details": {"api_name": api, "json_path": jp}, "message": message, "status": "error"}]})
    };
    let cases = [
        (
            json!({"events": ["Leads.all"], "notify_url": url}),
            err("MANDATORY_NOT_FOUND", "channel_id", "$.watch[0].channel_id"),
        ),
        (
            json!({"channel_id": 1, "events": ["Leads.all"]}),
            err("MANDATORY_NOT_FOUND", "notify_url", "$.watch[0].notify_url"),
        ),
        (
            json!({"channel_id": 1, "notify_url": url}),
            err("MANDATORY_NOT_FOUND", "events", "$.watch[0].events"),
        ),
        (
            json!({"channel_id": 1, "events": ["Leads.explode"], "notify_url": url}),
            err("INVALID_DATA", "events", "$.watch[0].events[0]"),
        ),
        (
            json!({"channel_id": 1, "events": ["Leads.all", "Nope.all"], "notify_url": url}),
            err("INVALID_DATA", "events", "$.watch[0].events[1]"),
        ),
        (
            json!({"channel_id": 1, "events": ["Leads.all"], "notify_url": "ftp://x.example/cb"}),
            err("INVALID_DATA", "notify_url", "$.watch[0].notify_url"),
        ),
        (
            json!({"channel_id": 1, "events": ["Leads.all"], "notify_url": url, "channel_expiry": "2001-01-01T00:00:00+00:00"}),
            err(
                "INVALID_DATA",
                "channel_expiry",
                "$.watch[0].channel_expiry",
            ),
        ),
    ];
    for (ch, expected) in cases {
        let (s, b) = enable(ch.clone()).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{ch}");
        assert_eq!(b, expected, "{ch}");
    }
    let (_, b) =
        enable(json!({"channel_id": "x1", "events": ["Leads.all"], "notify_url": url})).await;
    assert_eq!(b["watch"][0]["details"]["expected_data_type"], "long");
    let (_, b) = enable(json!({"channel_id": 1, "events": ["Leads.all"], "notify_url": url, "token": "t".repeat(51)})).await;
    assert_eq!(b["watch"][0]["details"]["maximum_length"], 50);
    assert_eq!(
        env.get(&t, "/actions/watch").await.0,
        StatusCode::NO_CONTENT
    );
    // An expiry past Zoho's week falls back to an hour.
    let (s, b) = enable(json!({"channel_id": 2, "events": ["Leads.all"], "notify_url": url, "channel_expiry": "2099-01-01T00:00:00+00:00"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let expiry = b["watch"][0]["details"]["events"][0]["channel_expiry"]
        .as_str()
        .unwrap();
    assert!(!expiry.starts_with("2099"), "{expiry}");
    // Request-level errors.
    let (s, b) = env
        .call(Method::POST, &t, "/actions/watch", Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(b["details"]["api_name"], "watch");
    let (s, b) = env.call(Method::DELETE, &t, "/actions/watch", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "REQUIRED_PARAM_MISSING", "details": {"param_name": "channel_ids"}, "message": "One of the expected parameter is missing", "status": "error"})
    );
    for method in [Method::PUT, Method::PATCH] {
        let (s, b) = env
            .call(method, &t, "/actions/watch", Some(json!({"watch": [{"channel_id": 99, "events": ["Leads.all"], "notify_url": url}]})))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
        assert_eq!(b["watch"][0]["code"], "NOT_SUBSCRIBED");
    }
    let plain = env.login(PATRICIA, ALL_SCOPES).await.access;
    let (s, b) = env.get(&plain, "/actions/watch").await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::UNAUTHORIZED, &json!("OAUTH_SCOPE_MISMATCH"))
    );
}

#[tokio::test]
async fn failed_deliveries_are_recorded_and_conversions_notify() {
    let env = Env::new().await;
    let t = login(&env).await;
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (url, got) = listener().await;
    env.call(
        Method::POST,
        &t,
        "/actions/watch",
        Some(json!({"watch": [
            {"channel_id": 1, "events": ["Accounts.create"], "notify_url": format!("http://{closed}/cb")},
            {"channel_id": 2, "events": ["Contacts.create", "Deals.create", "Leads.edit"], "notify_url": url}
        ]})),
    )
    .await;
    let (_, b) = env.get(&t, "/Leads?fields=Last_Name").await;
    let lead = b["data"][0]["id"].as_str().unwrap().to_string();
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{lead}/actions/convert"),
            Some(json!({"data": [{"Deals": {"Deal_Name": "N", "Closing_Date": "2026-01-01", "Stage": "Qualification"}}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let p = wait_for(&got, 3).await;
    let seen: Vec<(&str, &str)> = p
        .iter()
        .map(|x| {
            (
                x["module"].as_str().unwrap(),
                x["operation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("Contacts", "insert"),
            ("Deals", "insert"),
            ("Leads", "update")
        ]
    );
    assert_eq!(
        p[2]["affected_fields"][0][&lead],
        json!(["Converted__s", "Converted_Date_Time"])
    );
    let d = deliveries(&env, 4).await;
    let failed = d.iter().find(|x| x["channel_id"] == "1").unwrap();
    assert!(failed["status"].is_null());
    assert!(failed["error"].is_string());
    assert_eq!(failed["payload"]["module"], "Accounts");
    let cleared = env
        .admin(Method::DELETE, "/orgs/60012345/notifications", json!({}))
        .await;
    assert_eq!(cleared["cleared"], true);
    assert_eq!(deliveries(&env, 0).await, Vec::<Value>::new());
}
