//! Send mail and blueprints: success answers, the state they leave (the mails kept, the record
//! moved through its process) and their documented errors.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const MAIL: &str = "ZohoCRM.send_mail.all.CREATE";

async fn lead(env: &Env, t: &str, last: &str) -> String {
    let (_, b) = env.get(t, "/Leads?fields=Last_Name").await;
    b["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Last_Name"] == last)
        .unwrap_or_else(|| panic!("no lead {last}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn mail() -> Value {
    json!({
        "from": {"user_name": "Patricia Boyle", "email": "patricia.boyle@zylker.example"},
        "to": [{"user_name": "John Doe", "email": "john.doe@example.com"}],
        "cc": [{"user_name": "Ryan Cole", "email": "ryan.cole@zylker.example"}],
        "reply_to": {"user_name": "Patricia Boyle", "email": "patricia.boyle@zylker.example"},
        "subject": "Your quote",
        "content": "<h3>Hello John</h3>",
        "mail_format": "html",
        "consent_email": false,
    })
}

#[tokio::test]
async fn sending_a_mail_keeps_it() {
    let env = Env::new().await;
    let t = env
        .login(PATRICIA, &format!("{ALL_SCOPES},{MAIL}"))
        .await
        .access;
    let doe = lead(&env, &t, "Doe").await;
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{doe}/actions/send_mail"),
            Some(json!({"data": [mail()]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let r = &b["data"][0];
    assert_eq!(
        (&r["code"], &r["message"], &r["status"]),
        (
            &json!("SUCCESS"),
            &json!("Your mail has been sent successfully."),
            &json!("success")
        )
    );
    let id = r["details"]["message_id"].as_str().unwrap();
    assert!(id.len() >= 32);
    let kept = env
        .admin(Method::GET, "/orgs/60012345/mails", json!({}))
        .await;
    let m = &kept["mails"][0];
    assert_eq!(m["message_id"], id);
    assert_eq!(
        (&m["module"], &m["record_id"]),
        (&json!("Leads"), &json!(doe))
    );
    assert_eq!(
        m["to"],
        json!([{"user_name": "John Doe", "email": "john.doe@example.com"}])
    );
    assert_eq!(m["subject"], "Your quote");
    assert_eq!(m["status"], "sent");
    assert_eq!(m["sent_by"]["name"], "Patricia Boyle");
    // A scheduled mail is kept as scheduled; another org sees none of them.
    let mut later = mail();
    later["scheduled_time"] = json!("2099-01-01T10:00:00+05:30");
    let (s, _) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{doe}/actions/send_mail"),
            Some(json!({"data": [later]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let kept = env
        .admin(Method::GET, "/orgs/60012345/mails", json!({}))
        .await;
    assert_eq!(kept["mails"][1]["status"], "scheduled");
    assert_eq!(
        kept["mails"][1]["scheduled_time"],
        "2099-01-01T10:00:00+05:30"
    );
    let other = env
        .admin(Method::GET, "/orgs/60054321/mails", json!({}))
        .await;
    assert_eq!(other["mails"], json!([]));
}

#[tokio::test]
async fn send_mail_errors() {
    let env = Env::new().await;
    let t = env
        .login(PATRICIA, &format!("{ALL_SCOPES},{MAIL}"))
        .await
        .access;
    let doe = lead(&env, &t, "Doe").await;
    let path = format!("/Leads/{doe}/actions/send_mail");
    let send = |m: Value| env.call(Method::POST, &t, &path, Some(json!({"data": [m]})));
    let err = |code: &str, api: &str, jp: &str| {
        let message = if code == "MANDATORY_NOT_FOUND" {
            "required field not found"
        } else {
            "invalid data"
        };
        json!({"code": code, "details": {"api_name": api, "json_path": jp}, "message": message, "status": "error"})
    };
    let without = |key: &str| {
        let mut m = mail();
        m.as_object_mut().unwrap().remove(key);
        m
    };
    let with = |key: &str, v: Value| {
        let mut m = mail();
        m[key] = v;
        m
    };
    let cases = [
        (
            without("from"),
            err("MANDATORY_NOT_FOUND", "from", "$.data[0].from"),
        ),
        (
            without("to"),
            err("MANDATORY_NOT_FOUND", "to", "$.data[0].to"),
        ),
        (
            with("to", json!([])),
            err("MANDATORY_NOT_FOUND", "to", "$.data[0].to"),
        ),
        (
            without("subject"),
            err("MANDATORY_NOT_FOUND", "subject", "$.data[0].subject"),
        ),
        (
            with("to", json!([{"email": "john.doe@"}])),
            err("INVALID_DATA", "to", "$.data[0].to[0].email"),
        ),
        (
            with("cc", json!([{"email": "no at sign"}])),
            err("INVALID_DATA", "cc", "$.data[0].cc[0].email"),
        ),
        (
            with("from", json!({"email": "someone@elsewhere.example"})),
            err("INVALID_DATA", "from", "$.data[0].from.email"),
        ),
        (
            with("scheduled_time", json!("2001-01-01T00:00:00+00:00")),
            err("INVALID_DATA", "scheduled_time", "$.data[0].scheduled_time"),
        ),
    ];
    for (m, expected) in cases {
        let (s, b) = send(m.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{m}");
        assert_eq!(b, expected, "{m}");
    }
    let (s, b) = send(with("mail_format", json!("rtf"))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["details"]["supported_values"], json!(["html", "text"]));
    // An unknown record, an unknown module, no data.
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/1/actions/send_mail",
            Some(json!({"data": [mail()]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "INVALID_DATA", "details": {"resource_path_index": 1}, "message": "the id given seems to be invalid", "status": "error"})
    );
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Nope/1/actions/send_mail",
            Some(json!({"data": [mail()]})),
        )
        .await;
    assert_eq!(b["code"], "INVALID_MODULE");
    let (_, b) = env.call(Method::POST, &t, &path, Some(json!({}))).await;
    assert_eq!(b, err("MANDATORY_NOT_FOUND", "data", "$.data"));
    // Nothing was kept; the scope is needed.
    let kept = env
        .admin(Method::GET, "/orgs/60012345/mails", json!({}))
        .await;
    assert_eq!(kept["mails"], json!([]));
    let plain = env.login(PATRICIA, ALL_SCOPES).await.access;
    let (s, b) = env
        .call(Method::POST, &plain, &path, Some(json!({"data": [mail()]})))
        .await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::UNAUTHORIZED, &json!("OAUTH_SCOPE_MISMATCH"))
    );
}

#[tokio::test]
async fn a_lead_moves_through_the_seeded_blueprint() {
    let (env, t) = setup().await;
    let doe = lead(&env, &t, "Doe").await; // Lead_Status: Contacted
    let path = format!("/Leads/{doe}/actions/blueprint");
    let (s, b) = env.get(&t, &path).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let p = &b["blueprint"]["process_info"];
    assert_eq!(
        (
            &p["api_name"],
            &p["field_value"],
            &p["name"],
            &p["field_label"]
        ),
        (
            &json!("Lead_Status"),
            &json!("Contacted"),
            &json!("Lead Qualification"),
            &json!("Lead Status")
        )
    );
    let transitions = b["blueprint"]["transitions"].as_array().unwrap();
    let names: Vec<&str> = transitions
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Qualify", "Disqualify"]);
    let qualify = &transitions[0];
    assert_eq!(qualify["next_field_value"], "Pre-Qualified");
    assert_eq!(qualify["fields"][0]["api_name"], "Annual_Revenue");
    assert_eq!(qualify["fields"][0]["mandatory"], true);
    assert_eq!(qualify["fields"][1]["mandatory"], false);
    let qid = qualify["id"].as_str().unwrap().to_string();
    let did = transitions[1]["id"].as_str().unwrap().to_string();
    let put = |body: Value| env.call(Method::PUT, &t, &path, Some(body));
    // A mandatory transition field missing, a bad value, an unknown transition.
    let (s, b) =
        put(json!({"blueprint": [{"transition_id": qid, "data": {"Description": "ok"}}]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Annual_Revenue", "json_path": "$.blueprint[0].data.Annual_Revenue"}, "message": "required field not found", "status": "error"})
    );
    let (_, b) =
        put(json!({"blueprint": [{"transition_id": qid, "data": {"Annual_Revenue": "lots"}}]}))
            .await;
    assert_eq!(
        b,
        json!({"code": "INVALID_DATA", "details": {"api_name": "Annual_Revenue", "json_path": "$.blueprint[0].data.Annual_Revenue", "expected_data_type": "currency"}, "message": "invalid data", "status": "error"})
    );
    let (s, b) = put(json!({"blueprint": [{"transition_id": "1", "data": {}}]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "INVALID_DATA", "details": {"api_name": "transition_id", "json_path": "$.blueprint[0].transition_id"}, "message": "invalid transition", "status": "error"})
    );
    let (_, b) = put(json!({"blueprint": [{"data": {}}]})).await;
    assert_eq!(b["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(b["details"]["api_name"], "transition_id");
    let (_, b) = put(json!({})).await;
    assert_eq!(b["details"]["api_name"], "blueprint");
    assert_eq!(
        env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0]["Lead_Status"],
        "Contacted"
    );
    // The transition: its fields are written and the state moves.
    let (s, b) = put(json!({"blueprint": [{"transition_id": qid, "data": {"Annual_Revenue": 900000, "Description": "Budget approved", "Company": "ignored"}}]})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b,
        json!({"code": "SUCCESS", "details": {}, "message": "transition updated successfully", "status": "success"})
    );
    let r = &env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0];
    assert_eq!(
        (
            &r["Lead_Status"],
            &r["Annual_Revenue"],
            &r["Description"],
            &r["Company"]
        ),
        (
            &json!("Pre-Qualified"),
            &json!(900000),
            &json!("Budget approved"),
            &json!("Doe & Sons")
        )
    );
    // From Pre-Qualified only Disqualify is open; Qualify no longer is.
    let (_, b) = env.get(&t, &path).await;
    let open: Vec<&str> = b["blueprint"]["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(open, [did.as_str()]);
    let (_, b) = put(json!({"blueprint": [{"transition_id": qid}]})).await;
    assert_eq!(b["message"], "invalid transition");
    let (s, _) = put(json!({"blueprint": [{"transition_id": did, "data": {"Description": "No budget after all"}}]})).await;
    assert_eq!(s, StatusCode::OK);
    // Not Qualified starts no transition: the record has left the process.
    let not_in = json!({"code": "RECORD_NOT_IN_PROCESS", "details": {}, "message": "record not in process", "status": "error"});
    let (s, b) = env.get(&t, &path).await;
    assert_eq!((s, b), (StatusCode::BAD_REQUEST, not_in.clone()));
    let (_, b) = put(json!({"blueprint": [{"transition_id": did}]})).await;
    assert_eq!(b, not_in);
    // A record of a module without blueprint, an unknown record.
    let (_, b) = env.get(&t, "/Accounts?fields=Account_Name").await;
    let acct = b["data"][0]["id"].as_str().unwrap();
    let (_, b) = env
        .get(&t, &format!("/Accounts/{acct}/actions/blueprint"))
        .await;
    assert_eq!(b, not_in);
    let (s, b) = env.get(&t, "/Leads/1/actions/blueprint").await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::BAD_REQUEST, &json!("INVALID_DATA"))
    );
}

#[tokio::test]
async fn blueprints_are_defined_through_the_admin_api() {
    let (env, t) = setup().await;
    let listed = env
        .admin(Method::GET, "/orgs/60012345/blueprints", json!({}))
        .await;
    assert_eq!(listed["blueprints"][0]["name"], "Lead Qualification");
    let made = env
        .admin(
            Method::POST,
            "/orgs/zylker/blueprints",
            json!({"name": "Deal Flow", "module": "Deals", "field": "Stage", "transitions": [
                {"name": "Analyse", "from": ["Qualification"], "to": "Needs Analysis", "fields": [{"api_name": "Next_Step", "mandatory": true}]}
            ]}),
        )
        .await;
    let tid = made["blueprint"]["transitions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Deals",
            Some(json!({"data": [{"Deal_Name": "D", "Closing_Date": "2026-01-01", "Stage": "Qualification"}]})),
        )
        .await;
    let deal = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let path = format!("/Deals/{deal}/actions/blueprint");
    let (_, b) = env.get(&t, &path).await;
    assert_eq!(b["blueprint"]["process_info"]["name"], "Deal Flow");
    assert_eq!(
        b["blueprint"]["transitions"][0]["fields"][0]["api_name"],
        "Next_Step"
    );
    let (s, _) = env
        .call(
            Method::PUT,
            &t,
            &path,
            Some(json!({"blueprint": [{"transition_id": tid, "data": {"Next_Step": "Call"}}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let r = &env.get(&t, &format!("/Deals/{deal}")).await.1["data"][0];
    assert_eq!(
        (&r["Stage"], &r["Next_Step"]),
        (&json!("Needs Analysis"), &json!("Call"))
    );
    // States must be values of the field.
    let r = env
        .http
        .post(format!("{}/orgs/zylker/blueprints", env.emu.admin_url))
        .json(&json!({"module": "Deals", "field": "Stage", "transitions": [{"name": "x", "from": ["Nope"], "to": "Closed Won"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let cleared = env
        .admin(Method::DELETE, "/orgs/zylker/blueprints", json!({}))
        .await;
    assert_eq!(cleared["removed"], 2);
    let (_, b) = env.get(&t, &path).await;
    assert_eq!(b["code"], "RECORD_NOT_IN_PROCESS");
}
