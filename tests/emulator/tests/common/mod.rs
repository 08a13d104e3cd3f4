//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)]

pub mod oas;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

pub const ALL_SCOPES: &str = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoCRM.coql.READ";
pub const PATRICIA: &str = "patricia.boyle@zylker.example";
pub const AMELIA: &str = "amelia.burrows@acme.example";

pub struct Env {
    pub emu: Emulator,
    pub http: Client,
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl Env {
    pub async fn new() -> Env {
        let emu = Emulator::start().await.expect("emulator starts");
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Env { emu, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url)
    }

    pub async fn admin(&self, method: Method, path: &str, body: Value) -> Value {
        let r = self
            .http
            .request(method, format!("{}{path}", self.emu.admin_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "admin {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn grant_code(&self, user: &str, scopes: &str) -> String {
        self.admin(
            Method::POST,
            "/grant-codes",
            json!({"user": user, "scopes": scopes}),
        )
        .await["code"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn token_call(&self, form: &[(&str, &str)]) -> Value {
        let r = self
            .http
            .post(self.url("/oauth/v2/token"))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "Zoho answers token errors with 200"
        );
        r.json().await.unwrap()
    }

    pub async fn exchange(&self, code: &str) -> Value {
        self.token_call(&[
            ("grant_type", "authorization_code"),
            ("client_id", SELF_CLIENT_ID),
            ("client_secret", SELF_CLIENT_SECRET),
            ("code", code),
        ])
        .await
    }

    pub async fn refresh(&self, refresh: &str) -> Value {
        self.token_call(&[
            ("grant_type", "refresh_token"),
            ("client_id", SELF_CLIENT_ID),
            ("client_secret", SELF_CLIENT_SECRET),
            ("refresh_token", refresh),
        ])
        .await
    }

    pub async fn login(&self, user: &str, scopes: &str) -> Tokens {
        let code = self.grant_code(user, scopes).await;
        let t = self.exchange(&code).await;
        Tokens {
            access: t["access_token"].as_str().expect("access token").into(),
            refresh: t["refresh_token"].as_str().expect("refresh token").into(),
        }
    }

    /// Sends a CRM call; returns the status and the body (Null for an empty body).
    pub async fn call(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_at(method, token, &format!("/crm/v7{path}"), body)
            .await
    }

    /// Sends a call to a path from the server root (`/crm/bulk/v7/read`); returns the status and
    /// the body (Null for an empty body).
    pub async fn call_at(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("Authorization", format!("Zoho-oauthtoken {token}"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {text}"))
        };
        (status, v)
    }

    /// Sends a CRM call with a `multipart/form-data` body of one part named `file`; returns
    /// the status and the body (Null for an empty body).
    pub async fn call_multipart(
        &self,
        method: Method,
        token: &str,
        path: &str,
        file: (&str, &str, Vec<u8>),
    ) -> (StatusCode, Value) {
        let (name, media, bytes) = file;
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(media)
            .unwrap();
        let r = self
            .http
            .request(method, self.url(&format!("/crm/v7{path}")))
            .header("Authorization", format!("Zoho-oauthtoken {token}"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {text}"))
        };
        (status, v)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, token, path, None).await
    }
}

/// An emulator and an access token of Patricia with every scope.
pub async fn setup() -> (Env, String) {
    let env = Env::new().await;
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    (env, t.access)
}
