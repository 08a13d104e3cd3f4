//! The web app as a browser meets it: the app's binary runs in demo mode (the emulator in its own
//! process) with the settings under test, and each test drives it over HTTP with redirects off
//! and its cookies in its own hands, so a planted or stale cookie can be replayed at will.

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode, Url};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PATRICIA: &str = "patricia.boyle@zylker.example";
const AMELIA: &str = "amelia.burrows@acme.example";

/// Settings the app reads; cleared unless a test sets them.
const SETTINGS: [&str; 9] = [
    "ZCRM_PUBLIC_URL",
    "ZCRM_TRUST_FORWARDED_PROTO",
    "ZCRM_SESSION_IDLE_SECS",
    "ZCRM_SESSION_MAX_SECS",
    "ZCRM_MAX_SESSIONS",
    "ZCRM_DATABASE_URL",
    "ZOHO_REDIRECT_URL",
    "ZOHO_DC",
    "ZCRM_APP_PORT",
];

/// The app running as a child process; killed and its data removed on drop.
struct App {
    child: Child,
    dir: PathBuf,
    base: String,
    http: reqwest::Client,
}

fn spawn(env: &[(&str, &str)]) -> (Child, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "zcrm-web-test-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zcrm-server-client"));
    cmd.args(["--port", "0"])
        .env("ZCRM_APP_DIR", &dir)
        .env("ZOHO_CLIENT_ID", "")
        .env("ZOHO_CLIENT_SECRET", "")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in SETTINGS {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.spawn().expect("start the app"), dir)
}

/// The app's first lines: `Ok(base URL)` once it listens, `Err(output)` if it ends first.
fn wait_listening(child: &mut Child) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let tx_out = tx.clone();
    std::thread::spawn(move || {
        // Read to the end even when nobody listens any more, so the app never writes to a
        // closed or full pipe.
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx_out.send(Some(line));
        }
        let _ = tx_out.send(None);
    });
    let mut stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        // Drain it (a full pipe would stall the app); hand it over when it ends.
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = tx.send(Some(format!("stderr: {text}")));
    });
    let mut seen = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(Some(line)) => {
                if let Some(url) = line.split("listening on ").nth(1) {
                    return Ok(url.trim().to_string());
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            Ok(None) => {
                // Stdout closed: the app ended; collect what it said on stderr.
                if let Ok(Some(rest)) = rx.recv_timeout(Duration::from_secs(10)) {
                    seen.push_str(&rest);
                }
                return Err(seen);
            }
            Err(_) => return Err(format!("no answer from the app; it said: {seen}")),
        }
    }
}

impl App {
    fn start(env: &[(&str, &str)]) -> App {
        let (mut child, dir) = spawn(env);
        let base = match wait_listening(&mut child) {
            Ok(b) => b,
            Err(out) => {
                let _ = child.kill();
                panic!("the app did not start: {out}");
            }
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        App {
            child,
            dir,
            base,
            http,
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        self.get_with(path, cookie, &[]).await
    }

    async fn get_with(
        &self,
        path: &str,
        cookie: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header(COOKIE, format!("zcrm_session={c}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap()
    }

    /// `/login`: the session id it sets (if any) and the consent page's URL.
    async fn login(&self, cookie: Option<&str>) -> (Option<String>, Url) {
        let r = self.get("/login", cookie).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = Url::parse(location(&r)).unwrap();
        (session_cookie(r.headers()), to)
    }

    /// Answers the consent page as `user` (accept or deny): the app's callback path and query.
    async fn consent(&self, consent_url: &Url, user: &str, decision: &str) -> String {
        let mut form: Vec<(String, String)> = consent_url
            .query_pairs()
            .filter(|(k, _)| k != "response_type")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        form.push(("user".into(), user.into()));
        form.push(("decision".into(), decision.into()));
        let approve = consent_url.join("/oauth/v2/auth/approve").unwrap();
        let r = self
            .http
            .post(approve)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&form).unwrap())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "consent: {}", r.status());
        let back = Url::parse(location(&r)).unwrap();
        assert_eq!(back.path(), "/oauth/callback");
        format!("/oauth/callback?{}", back.query().unwrap_or(""))
    }

    /// A whole sign-in from a browser holding `cookie`: the cookie the browser holds after each
    /// step (before the callback, after it) and the callback's response.
    async fn sign_in(&self, cookie: Option<&str>, user: &str) -> SignIn {
        let (set, consent_url) = self.login(cookie).await;
        let before = set
            .or(cookie.map(str::to_string))
            .expect("a session cookie");
        let callback = self.consent(&consent_url, user, "accept").await;
        let r = self.get(&callback, Some(&before)).await;
        let set_cookies = set_cookies(r.headers());
        let after = session_cookie(r.headers()).unwrap_or_else(|| before.clone());
        SignIn {
            before,
            after,
            status: r.status(),
            location: r
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_string()),
            set_cookies,
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct SignIn {
    /// The session cookie the browser held when the callback arrived.
    before: String,
    /// The session cookie it holds after the callback.
    after: String,
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
}

impl SignIn {
    fn assert_signed_in(&self) {
        assert_eq!(self.status, StatusCode::SEE_OTHER);
        assert_eq!(self.location.as_deref(), Some("/records"));
    }
}

fn location(r: &Response) -> &str {
    r.headers()
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The value the response's `Set-Cookie` gives the session cookie (None when it sets none or
/// clears it).
fn session_cookie(h: &HeaderMap) -> Option<String> {
    set_cookies(h)
        .iter()
        .filter_map(|c| c.split(';').next()?.trim().strip_prefix("zcrm_session="))
        .map(str::to_string)
        .next_back()
        .filter(|v| !v.is_empty())
}

/// The attributes of a `Set-Cookie` value, lower-cased, without the name=value.
fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

async fn records(app: &App, cookie: &str) -> (StatusCode, String) {
    let r = app.get("/records", Some(cookie)).await;
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_session_id_from_before_sign_in_gives_no_access_after_it() {
    let app = App::start(&[]);
    // The attacker gets a session id of their own and plants it in the victim's browser.
    let (planted, _) = app.login(None).await;
    let planted = planted.expect("/login sets a session cookie");
    let s = app.sign_in(Some(&planted), PATRICIA).await;
    s.assert_signed_in();
    let (status, page) = records(&app, &s.after).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Garcia") && page.contains(PATRICIA));
    for stale in [&planted, &s.before] {
        let (status, page) = records(&app, stale).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a pre-sign-in id is dead");
        assert!(!page.contains("Garcia") && !page.contains(PATRICIA));
        let home = app.get("/", Some(stale)).await.text().await.unwrap();
        assert!(!home.contains(PATRICIA));
    }
    assert_ne!(s.after, planted, "sign-in issues a new session id");
    assert_ne!(s.after, s.before, "sign-in issues a new session id");
}

#[tokio::test]
async fn a_flood_of_sign_ins_is_capped_and_pushes_out_only_sign_ins_in_progress() {
    let app = App::start(&[("ZCRM_MAX_SESSIONS", "5")]);
    let amelia = app.sign_in(None, AMELIA).await;
    amelia.assert_signed_in();
    let (first, consent_url) = app.login(None).await;
    let first = first.unwrap();
    let callback = app.consent(&consent_url, PATRICIA, "accept").await;
    for _ in 0..200 {
        assert_eq!(
            app.get("/login", None).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let r = app.get(&callback, Some(&first)).await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "the oldest sign-in in progress made room"
    );
    let (status, page) = records(&app, &amelia.after).await;
    assert_eq!(status, StatusCode::OK, "signed-in sessions are kept");
    assert!(page.contains("Coyote"));
    let again = app.sign_in(None, PATRICIA).await;
    again.assert_signed_in();
    assert_eq!(records(&app, &again.after).await.0, StatusCode::OK);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = App::start(&[("ZCRM_SESSION_IDLE_SECS", "3")]);
    let s = app.sign_in(None, PATRICIA).await;
    s.assert_signed_in();
    assert_eq!(records(&app, &s.after).await.0, StatusCode::OK);
    let (pending, consent_url) = app.login(None).await;
    let callback = app.consent(&consent_url, AMELIA, "accept").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(records(&app, &s.after).await.0, StatusCode::UNAUTHORIZED);
    let r = app.get(&callback, pending.as_deref()).await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "an idle sign-in expired"
    );
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn sessions_end_at_their_absolute_lifetime() {
    let app = App::start(&[
        ("ZCRM_SESSION_IDLE_SECS", "3600"),
        ("ZCRM_SESSION_MAX_SECS", "3"),
    ]);
    let s = app.sign_in(None, PATRICIA).await;
    s.assert_signed_in();
    assert_eq!(records(&app, &s.after).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(records(&app, &s.after).await.0, StatusCode::UNAUTHORIZED);
    // The browser is told the same lifetime.
    let cookie = &s.set_cookies[..];
    assert_eq!(cookie.len(), 1, "{cookie:?}");
    assert!(
        attributes(&cookie[0]).contains(&"max-age=3".to_string()),
        "{cookie:?}"
    );
}

fn assert_cookie_shape(set_cookie: &str, secure: bool) {
    let a = attributes(set_cookie);
    assert!(a.contains(&"httponly".to_string()), "{set_cookie}");
    assert!(a.contains(&"samesite=lax".to_string()), "{set_cookie}");
    assert!(a.contains(&"path=/".to_string()), "{set_cookie}");
    assert_eq!(a.contains(&"secure".to_string()), secure, "{set_cookie}");
}

fn the_session_cookie(h: &HeaderMap) -> String {
    let all = set_cookies(h);
    let mine: Vec<&String> = all
        .iter()
        .filter(|c| c.starts_with("zcrm_session="))
        .collect();
    assert_eq!(mine.len(), 1, "{all:?}");
    mine[0].clone()
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = App::start(&[("ZCRM_PUBLIC_URL", "https://crm.example.test")]);
    let r = app.get("/login", None).await;
    assert_cookie_shape(&the_session_cookie(r.headers()), true);
    // The registered redirect URL follows the public URL.
    let consent_url = Url::parse(location(&r)).unwrap();
    let redirect = consent_url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        redirect.as_deref(),
        Some("https://crm.example.test/oauth/callback")
    );
    let s = app.sign_in(None, PATRICIA).await;
    s.assert_signed_in();
    assert_eq!(s.set_cookies.len(), 1);
    assert_cookie_shape(&s.set_cookies[0], true);
    let out = app.get("/logout", Some(&s.after)).await;
    let cleared = the_session_cookie(out.headers());
    assert_cookie_shape(&cleared, true);
    assert!(attributes(&cleared).contains(&"max-age=0".to_string()));
}

#[tokio::test]
async fn cookies_are_secure_behind_a_proxy_only_when_it_is_trusted() {
    let https = [("x-forwarded-proto", "https")];
    let plain = App::start(&[]);
    for headers in [&https[..], &[]] {
        let r = plain.get_with("/login", None, headers).await;
        assert_cookie_shape(&the_session_cookie(r.headers()), false);
    }
    let proxied = App::start(&[("ZCRM_TRUST_FORWARDED_PROTO", "1")]);
    let r = proxied.get_with("/login", None, &https).await;
    assert_cookie_shape(&the_session_cookie(r.headers()), true);
    let r = proxied.get("/login", None).await;
    assert_cookie_shape(&the_session_cookie(r.headers()), false);
    let r = proxied
        .get_with("/logout", None, &[("X-Forwarded-Proto", "HTTPS")])
        .await;
    assert_cookie_shape(&the_session_cookie(r.headers()), true);
}

fn assert_security_headers(what: &str, h: &HeaderMap) {
    let get = |n: &str| {
        h.get(n)
            .unwrap_or_else(|| panic!("{what}: no {n}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = get("content-security-policy");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for d in [
        "default-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(directives.contains(&d), "{what}: {csp} lacks {d}");
    }
    assert!(!csp.contains("unsafe-"), "{what}: {csp}");
    assert!(
        !csp.contains("script-src"),
        "{what}: no script at all: {csp}"
    );
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = App::start(&[]);
    let s = app.sign_in(None, PATRICIA).await;
    s.assert_signed_in();
    let mut html_pages = 0;
    for (path, cookie, status) in [
        ("/", None, StatusCode::OK),
        ("/", Some(s.after.as_str()), StatusCode::OK),
        ("/records", Some(s.after.as_str()), StatusCode::OK),
        ("/records?page=2", Some(s.after.as_str()), StatusCode::OK),
        ("/records", None, StatusCode::UNAUTHORIZED),
        (
            "/oauth/callback?state=x&code=y",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "/oauth/callback?state=x&code=y",
            Some("unknown"),
            StatusCode::BAD_REQUEST,
        ),
        ("/login", None, StatusCode::SEE_OTHER),
        ("/logout", None, StatusCode::SEE_OTHER),
        ("/style.css", None, StatusCode::OK),
    ] {
        let r = app.get(path, cookie).await;
        assert_eq!(r.status(), status, "{path}");
        assert_security_headers(path, r.headers());
        let ty = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = r.text().await.unwrap();
        if ty.starts_with("text/html") {
            html_pages += 1;
            // The policy allows no inline style or script: the pages must need none.
            assert!(
                !body.contains("<style") && !body.contains("<script"),
                "{path}"
            );
            assert!(body.contains("<link rel=\"stylesheet\" href=\"/style.css\">"));
        } else if path == "/style.css" {
            assert_eq!(ty, "text/css; charset=utf-8");
            assert!(body.contains("border-collapse"));
        }
    }
    assert_eq!(html_pages, 7);
}

#[test]
fn a_bad_setting_stops_the_app_naming_it() {
    for (var, value) in [
        ("ZCRM_MAX_SESSIONS", "lots"),
        ("ZCRM_SESSION_IDLE_SECS", "0"),
        ("ZCRM_PUBLIC_URL", "crm.example.test"),
        ("ZCRM_TRUST_FORWARDED_PROTO", "perhaps"),
    ] {
        let (mut child, dir) = spawn(&[(var, value)]);
        let out = wait_listening(&mut child);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let out = out.expect_err("the app must not start with a bad setting");
        assert!(!status.success());
        assert!(
            out.contains(&format!("`{var}` is `{value}`; allowed: ")),
            "{out}"
        );
    }
}
