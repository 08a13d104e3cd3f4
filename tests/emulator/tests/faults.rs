//! Admin fault scripting, the concurrency limit and the request log.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn setup() -> (Env, Tokens) {
    let env = Env::new().await;
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    (env, t)
}

#[tokio::test]
async fn status_fault_applies_n_times_then_clears() {
    let (env, t) = setup().await;
    env.admin(Method::POST, "/faults", json!({"path_prefix": "/crm/v7/Leads", "method": "GET", "times": 2, "action": {"kind": "status", "status": 429, "headers": {"Retry-After": "1"}}})).await;
    for _ in 0..2 {
        let r = env
            .http
            .get(env.url("/crm/v7/Leads?fields=Last_Name"))
            .header("Authorization", format!("Zoho-oauthtoken {}", t.access))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "1");
        assert_eq!(
            r.json::<Value>().await.unwrap()["code"],
            "TOO_MANY_REQUESTS"
        );
    }
    assert_eq!(
        env.get(&t.access, "/Leads?fields=Last_Name").await.0,
        StatusCode::OK
    );
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/org", "action": {"kind": "status", "status": 500}}),
    )
    .await;
    let (s, b) = env.get(&t.access, "/org").await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::INTERNAL_SERVER_ERROR, json!("INTERNAL_ERROR"))
    );
}

#[tokio::test]
async fn delay_fault_delays() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/org", "action": {"kind": "delay", "ms": 400}}),
    )
    .await;
    let quick = env.http.clone();
    let slow = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let err = slow
        .get(env.url("/crm/v7/org"))
        .header("Authorization", format!("Zoho-oauthtoken {}", t.access))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let start = Instant::now();
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/org", "action": {"kind": "delay", "ms": 300}}),
    )
    .await;
    let r = quick
        .get(env.url("/crm/v7/org"))
        .header("Authorization", format!("Zoho-oauthtoken {}", t.access))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn drop_fault_closes_the_connection() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/Leads", "action": {"kind": "drop"}}),
    )
    .await;
    let err = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .header("Authorization", format!("Zoho-oauthtoken {}", t.access))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_status() && !err.is_timeout(), "{err}");
    assert_eq!(
        env.get(&t.access, "/Leads?fields=Last_Name").await.0,
        StatusCode::OK,
        "the server keeps serving"
    );
}

#[tokio::test]
async fn truncate_fault_cuts_the_body() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/Leads", "action": {"kind": "truncate"}}),
    )
    .await;
    let r = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .header("Authorization", format!("Zoho-oauthtoken {}", t.access))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.starts_with("{\"data\""));
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "truncated JSON must not parse: {text}"
    );
}

#[tokio::test]
async fn token_endpoint_faults_too() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/oauth/v2/token", "action": {"kind": "status", "status": 503}}),
    )
    .await;
    let r = env
        .http
        .post(env.url("/oauth/v2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t.refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn concurrency_limit_answers_429() {
    let (env, t) = setup().await;
    env.admin(
        Method::PUT,
        "/orgs/60012345/concurrency",
        json!({"limit": 1}),
    )
    .await;
    env.admin(
        Method::POST,
        "/faults",
        json!({"path_prefix": "/crm/v7/org", "action": {"kind": "delay", "ms": 500}}),
    )
    .await;
    let slow = {
        let http = env.http.clone();
        let url = env.url("/crm/v7/org");
        let tok = t.access.clone();
        tokio::spawn(async move {
            http.get(url)
                .header("Authorization", format!("Zoho-oauthtoken {tok}"))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (s, b) = env.get(&t.access, "/users?type=CurrentUser").await;
    assert_eq!(
        (s, b["code"].clone()),
        (StatusCode::TOO_MANY_REQUESTS, json!("TOO_MANY_REQUESTS"))
    );
    assert_eq!(slow.await.unwrap(), StatusCode::OK);
    assert_eq!(
        env.get(&t.access, "/users?type=CurrentUser").await.0,
        StatusCode::OK,
        "the slot is released"
    );
}

#[tokio::test]
async fn request_log_counts_refreshes_and_hides_secrets() {
    let (env, t) = setup().await;
    for _ in 0..3 {
        env.refresh(&t.refresh).await;
    }
    env.get(&t.access, "/org").await;
    let log = env.admin(Method::GET, "/requests", json!({})).await;
    let entries = log["requests"].as_array().unwrap();
    let refreshes = entries
        .iter()
        .filter(|e| e["path"] == "/oauth/v2/token" && e["grant_type"] == "refresh_token")
        .count();
    assert_eq!(refreshes, 3);
    let org = entries.iter().find(|e| e["path"] == "/crm/v7/org").unwrap();
    assert_eq!(org["status"], 200);
    assert_eq!(org["org"], "60012345");
    assert!(org["token"].as_str().unwrap().starts_with("at-"));
    let text = log.to_string();
    assert!(
        !text.contains(&t.refresh) && !text.contains(&t.access),
        "tokens never reach the log"
    );
    env.admin(Method::POST, "/reset", json!({})).await;
    assert_eq!(
        env.get(&t.access, "/org").await.1["code"],
        "INVALID_TOKEN",
        "reset forgets tokens"
    );
}
