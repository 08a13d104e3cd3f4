//! Zoho Accounts behaviour: grant, refresh, revoke, consent page and every OAuth error.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use zcrm_emulator::{SELF_CLIENT_ID, SELF_CLIENT_SECRET, WEB_CLIENT_ID, WEB_CLIENT_SECRET};

#[tokio::test]
async fn grant_exchange_returns_zoho_token_json() {
    let env = Env::new().await;
    let code = env.grant_code(PATRICIA, ALL_SCOPES).await;
    let t = env.exchange(&code).await;
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["api_domain"], env.emu.api_url.as_str());
    let access = t["access_token"].as_str().unwrap();
    assert!(
        access.starts_with("1000.") && access.len() == 70,
        "{access}"
    );
    assert!(t["refresh_token"].is_string());
    // Codes are single use.
    assert_eq!(env.exchange(&code).await["error"], "invalid_code");
    // Refresh gives a new access token and no refresh token.
    let r = env.refresh(t["refresh_token"].as_str().unwrap()).await;
    assert!(r["access_token"].is_string());
    assert!(r.get("refresh_token").is_none());
}

#[tokio::test]
async fn token_errors() {
    let env = Env::new().await;
    let code = env.grant_code(PATRICIA, ALL_SCOPES).await;
    let bad_client = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("client_id", "1000.NOPE"),
            ("client_secret", "x"),
            ("code", &code),
        ])
        .await;
    assert_eq!(bad_client, json!({"error": "invalid_client"}));
    let bad_secret = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("client_id", SELF_CLIENT_ID),
            ("client_secret", "wrong"),
            ("code", &code),
        ])
        .await;
    assert_eq!(bad_secret, json!({"error": "invalid_client_secret"}));
    assert_eq!(env.exchange("1000.unknown").await["error"], "invalid_code");
    assert_eq!(env.refresh("1000.unknown").await["error"], "invalid_code");
    // Parameters in the query string work as well as a form body.
    let url = format!("{}?grant_type=authorization_code&client_id={SELF_CLIENT_ID}&client_secret={SELF_CLIENT_SECRET}&code={code}", env.url("/oauth/v2/token"));
    let v: serde_json::Value = env
        .http
        .post(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["access_token"].is_string(), "{v}");
}

#[tokio::test]
async fn grant_codes_expire() {
    let env = Env::new().await;
    env.admin(Method::PUT, "/settings", json!({"grant_code_ttl_secs": 0}))
        .await;
    let code = env.grant_code(PATRICIA, ALL_SCOPES).await;
    assert_eq!(env.exchange(&code).await["error"], "invalid_code");
}

#[tokio::test]
async fn refresh_throttle_answers_access_denied() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    // The grant minted one access token; nine more fit in the window.
    for _ in 0..9 {
        assert!(env.refresh(&t.refresh).await["access_token"].is_string());
    }
    let denied = env.refresh(&t.refresh).await;
    assert_eq!(denied["error"], "Access Denied");
    assert!(denied["error_description"]
        .as_str()
        .unwrap()
        .contains("too many requests"));
}

#[tokio::test]
async fn revoke_invalidates_refresh_and_access_tokens() {
    let env = Env::new().await;
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    let r: serde_json::Value = env
        .http
        .post(env.url("/oauth/v2/token/revoke"))
        .form(&[("token", t.refresh.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "success");
    let (status, body) = env.get(&t.access, "/Leads?fields=Last_Name").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "INVALID_TOKEN");
    assert_eq!(env.refresh(&t.refresh).await["error"], "invalid_code");
}

#[tokio::test]
async fn consent_page_accept_and_deny() {
    let env = Env::new().await;
    let redirect = "http://127.0.0.1:8081/oauth/callback";
    let auth = format!("{}?client_id={WEB_CLIENT_ID}&response_type=code&redirect_uri={redirect}&scope=ZohoCRM.modules.ALL,ZohoCRM.users.READ&access_type=offline&state=xyz", env.url("/oauth/v2/auth"));
    let page = env
        .http
        .get(&auth)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"accept\"")
            && page.contains("id=\"deny\"")
            && page.contains("zcrm web app"),
        "{page}"
    );
    let form = |decision: &'static str| {
        vec![
            ("client_id", WEB_CLIENT_ID),
            ("redirect_uri", redirect),
            ("scope", "ZohoCRM.modules.ALL,ZohoCRM.users.READ"),
            ("access_type", "offline"),
            ("state", "xyz"),
            ("user", AMELIA),
            ("decision", decision),
        ]
    };
    let r = env
        .http
        .post(env.url("/oauth/v2/auth/approve"))
        .form(&form("accept"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let url = reqwest::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(location.starts_with(redirect));
    assert_eq!(q["state"], "xyz");
    assert_eq!(q["location"], "us");
    assert_eq!(q["accounts-server"], env.emu.accounts_url);
    // The exchange must repeat the redirect URI.
    let wrong = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("client_id", WEB_CLIENT_ID),
            ("client_secret", WEB_CLIENT_SECRET),
            ("code", &q["code"]),
            ("redirect_uri", "http://evil.example/cb"),
        ])
        .await;
    assert_eq!(wrong["error"], "invalid_redirect_uri");
    let r = env
        .http
        .post(env.url("/oauth/v2/auth/approve"))
        .form(&form("accept"))
        .send()
        .await
        .unwrap();
    let url = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let ok = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("client_id", WEB_CLIENT_ID),
            ("client_secret", WEB_CLIENT_SECRET),
            ("code", &code),
            ("redirect_uri", redirect),
        ])
        .await;
    assert!(
        ok["refresh_token"].is_string(),
        "offline access gives a refresh token: {ok}"
    );
    let (_, me) = env
        .get(
            ok["access_token"].as_str().unwrap(),
            "/users?type=CurrentUser",
        )
        .await;
    assert_eq!(me["users"][0]["email"], AMELIA);

    let r = env
        .http
        .post(env.url("/oauth/v2/auth/approve"))
        .form(&form("deny"))
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("error=access_denied") && location.contains("state=xyz"),
        "{location}"
    );
    // An unregistered redirect URI never gets a code.
    let bad = env
        .http
        .get(auth.replace("8081", "9999"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn online_access_gives_no_refresh_token() {
    let env = Env::new().await;
    let form = [
        ("client_id", WEB_CLIENT_ID),
        ("redirect_uri", "http://localhost:8081/oauth/callback"),
        ("scope", "ZohoCRM.modules.ALL"),
        ("user", PATRICIA),
        ("decision", "accept"),
    ];
    let r = env
        .http
        .post(env.url("/oauth/v2/auth/approve"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let url = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let t = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("client_id", WEB_CLIENT_ID),
            ("client_secret", WEB_CLIENT_SECRET),
            ("code", &code),
            ("redirect_uri", "http://localhost:8081/oauth/callback"),
        ])
        .await;
    assert!(t["access_token"].is_string());
    assert!(t.get("refresh_token").is_none());
}
