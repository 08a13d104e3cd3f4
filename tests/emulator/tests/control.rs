//! The emulator as a library for users' tests: `Emulator::admin()` seeds orgs, users, modules,
//! fields and records and injects faults, each visible through the Zoho API afterwards; bad
//! calls come back as `AdminError`s saying what was wrong. Also the binary's `--help`.

mod common;

use common::{Env, ALL_SCOPES, PATRICIA};
use reqwest::{Method, StatusCode};
use serde_json::json;
use zcrm_emulator::Fault;

#[tokio::test]
async fn a_new_org_and_user_sign_in_and_see_only_their_own_records() {
    let env = Env::new().await;
    let admin = env.emu.admin();
    let org = admin
        .add_org("Initech", "bill@initech.example", "Lumbergh")
        .await
        .unwrap();
    assert_eq!(org.zgid, "60100000");
    let second = admin
        .add_org("Globex", "hank@globex.example", "Scorpio")
        .await
        .unwrap();
    assert_ne!(second.zgid, org.zgid);
    assert_ne!(
        &second.id[..7],
        &org.id[..7],
        "each org has its own id prefix"
    );
    let peter = admin
        .add_user(&org.zgid, "peter@initech.example", "Gibbons", false)
        .await
        .unwrap();
    assert!(peter.starts_with(&org.id[..7]), "{peter}");

    // The new org starts empty of records but has the standard modules.
    let bill = env.login("bill@initech.example", ALL_SCOPES).await;
    let (status, _) = env.get(&bill.access, "/Leads?fields=Last_Name").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ids = admin
        .add_records(
            &org.zgid,
            "Leads",
            vec![
                json!({"Last_Name": "Bolton", "Company": "Initech"}),
                json!({"Last_Name": "Waddams", "Company": "Initech"}),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let (status, body) = env
        .get(&bill.access, "/Leads?fields=Last_Name,Company")
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Last_Name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Bolton", "Waddams"]);
    // A user added to the org signs in and sees the same org; /users lists both.
    let p = env.login("peter@initech.example", ALL_SCOPES).await;
    let (_, users) = env.get(&p.access, "/users?type=AllUsers").await;
    let emails: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2, "{users}");
    assert!(emails.contains(&"bill@initech.example") && emails.contains(&"peter@initech.example"));
    let (_, current) = env.get(&p.access, "/users?type=CurrentUser").await;
    assert_eq!(current["users"][0]["id"], json!(peter));
    // The seeded org's records are not the new org's.
    let patricia = env.login(PATRICIA, ALL_SCOPES).await;
    let (_, seeded) = env.get(&patricia.access, "/Leads?fields=Last_Name").await;
    assert!(seeded["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["Last_Name"] != "Bolton"));
}

#[tokio::test]
async fn custom_modules_fields_and_faults_from_rust() {
    let env = Env::new().await;
    let admin = env.emu.admin();
    admin
        .add_module("60012345", "Projects", "Project", "Projects")
        .await
        .unwrap();
    let field = admin
        .add_field(
            "60012345",
            "Projects",
            json!({"api_name": "Phase", "data_type": "picklist", "pick_list_values": ["Plan", "Build"]}),
        )
        .await
        .unwrap();
    assert_eq!(field["api_name"], "Phase");
    admin
        .add_picklist_values("60012345", "Projects", "Phase", &["Done"])
        .await
        .unwrap();
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    let (status, body) = env
        .call(
            Method::POST,
            &t.access,
            "/Projects",
            Some(json!({"data": [{"Name": "Apollo", "Phase": "Done"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // A fault on one path, for the given method and count, then normal service.
    admin
        .add_fault(
            &Fault::status("/crm/v7/Projects", 503)
                .method("GET")
                .times(2),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        let (status, _) = env.get(&t.access, "/Projects?fields=Name").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let (status, _) = env.get(&t.access, "/Projects?fields=Name").await;
    assert_eq!(status, StatusCode::OK);
    let faulted = env
        .emu
        .requests()
        .iter()
        .filter(|e| e.fault.is_some())
        .count();
    assert_eq!(faulted, 2);

    // Expired access tokens answer 401 until refreshed.
    admin.expire_access_tokens().await.unwrap();
    let (status, body) = env.get(&t.access, "/Projects?fields=Name").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let fresh = env.refresh(&t.refresh).await;
    let (status, _) = env
        .get(
            fresh["access_token"].as_str().unwrap(),
            "/Projects?fields=Name",
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // reset: back to the seed.
    admin.reset().await.unwrap();
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    let (status, _) = env.get(&t.access, "/Projects?fields=Name").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the custom module is gone");
}

#[tokio::test]
async fn bad_admin_calls_say_what_was_wrong() {
    let env = Env::new().await;
    let admin = env.emu.admin();
    let cases = [
        (
            admin.add_org("Dup", PATRICIA, "Boyle").await.unwrap_err(),
            "exists",
        ),
        (
            admin
                .add_user("60012345", "not-an-address", "X", false)
                .await
                .unwrap_err(),
            "expected an address",
        ),
        (
            admin
                .add_user("99", "x@y.example", "X", false)
                .await
                .unwrap_err(),
            "unknown org `99`",
        ),
        (
            admin
                .call(
                    "POST",
                    "/orgs",
                    Some(json!({"company_name": "Z", "zgid": "12ab", "admin": {"email": "z@z.example", "last_name": "Z"}})),
                )
                .await
                .unwrap_err(),
            "expected 1 to 18 digits",
        ),
        (
            admin
                .call("POST", "/orgs", Some(json!({"admin": {}})))
                .await
                .unwrap_err(),
            "company_name is required",
        ),
        (
            admin
                .add_module("60012345", "Leads", "Lead", "Leads")
                .await
                .unwrap_err(),
            "exists",
        ),
    ];
    for (e, says) in cases {
        assert_eq!(e.status, Some(400), "{e}");
        assert!(e.to_string().contains(says), "{e} should say {says}");
    }
    let e = admin.call("NOT A METHOD", "/", None).await.unwrap_err();
    assert_eq!(e.status, None);
    assert!(e.message.contains("not an HTTP method"), "{e}");
}

#[test]
fn the_binary_explains_itself() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zcrm-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for part in ["--port", "--specs", "--access-token-ttl", "/__emulator"] {
        assert!(help.contains(part), "{part} in {help}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zcrm-emulator"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("zcrm-emulator "));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zcrm-emulator"))
        .args(["--host", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected an IP address"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zcrm-emulator"))
        .args(["--port", "99999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a number from 0 to 65535"));
}

#[tokio::test]
async fn added_users_and_orgs_never_take_anothers_place() {
    let env = Env::new().await;
    let admin = env.emu.admin();
    // Two users added to the seeded Acme org (which has one): its admin Amelia stays.
    let a = admin
        .add_user("60054321", "road.runner@acme.example", "Runner", false)
        .await
        .unwrap();
    let b = admin
        .add_user("60054321", "marvin@acme.example", "Martian", false)
        .await
        .unwrap();
    assert_ne!(a, b);
    let amelia = env.login(common::AMELIA, ALL_SCOPES).await;
    let (_, users) = env.get(&amelia.access, "/users?type=AllUsers").await;
    let emails: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 3, "{users}");
    assert!(emails.contains(&common::AMELIA), "{users}");
    let (_, me) = env.get(&amelia.access, "/users?type=CurrentUser").await;
    assert_eq!(me["users"][0]["email"], common::AMELIA);

    // A refused org is not created: the next one gets the first zgid.
    let e = admin
        .add_org("Broken", "not-an-address", "X")
        .await
        .unwrap_err();
    assert!(e.message.contains("expected an address"), "{e}");
    let e = admin
        .add_org("Blank", "ok@blank.example", " ")
        .await
        .unwrap_err();
    assert!(e.message.contains("last_name"), "{e}");
    let digits = admin
        .add_org("60100001", "a@digits.example", "Digits")
        .await
        .unwrap();
    assert_eq!(digits.zgid, "60100000");
    let globex = admin
        .add_org("Globex", "hank@globex.example", "Scorpio")
        .await
        .unwrap();
    assert_eq!(globex.zgid, "60100001");
    // The zgid names Globex, not the org whose name reads the same.
    admin
        .add_user("60100001", "homer@globex.example", "Simpson", false)
        .await
        .unwrap();
    let homer = env.login("homer@globex.example", ALL_SCOPES).await;
    let (_, org) = env.get(&homer.access, "/org").await;
    assert_eq!(org["org"][0]["company_name"], "Globex", "{org}");
}

#[tokio::test]
async fn faults_carry_zoho_bodies_and_headers_and_bad_values_are_refused() {
    let env = Env::new().await;
    let admin = env.emu.admin();
    let t = env.login(PATRICIA, ALL_SCOPES).await;
    admin
        .add_fault(&Fault::status("/crm/v7/Leads", 429).header("Retry-After", "7"))
        .await
        .unwrap();
    let r = env
        .http
        .get(env.url("/crm/v7/Leads?fields=Last_Name"))
        .header("Authorization", format!("Zoho-oauthtoken {}", t.access))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "7");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    admin
        .add_fault(&Fault::status("/crm/v7/Leads", 404))
        .await
        .unwrap();
    let (status, body) = env.get(&t.access, "/Leads?fields=Last_Name").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "INVALID_URL_PATTERN");

    let e = admin
        .add_fault(&Fault::status("/crm", 200).times(0))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("times: expected a whole number from 1"),
        "{e}"
    );
    let e = admin
        .add_fault(&Fault::status("/crm", 700))
        .await
        .unwrap_err();
    assert!(e.message.contains("from 100 to 599"), "{e}");
    let e = admin
        .call(
            "PUT",
            "/settings",
            Some(json!({"access_token_ttl_secs": 1_000_000_000_000u64})),
        )
        .await
        .unwrap_err();
    assert!(e.message.contains("ten years"), "{e}");
    let e = admin.call("PATCH", "/orgs", None).await.unwrap_err();
    assert!(e.message.contains("no such call"), "{e}");
}
