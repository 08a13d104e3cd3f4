//! Lead conversion and mass update: success answers, the records they change, and their
//! documented errors.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const MASS: &str = "ZohoCRM.mass_update.ALL";

/// The id of the seeded lead with this last name.
async fn lead(env: &Env, t: &str, last: &str) -> String {
    let (_, b) = env.get(t, "/Leads?fields=Last_Name&converted=both").await;
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

async fn credits(env: &Env) -> u64 {
    env.admin(Method::GET, "/orgs/60012345/credits", json!({}))
        .await["used"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn converting_a_lead_makes_a_contact_an_account_and_a_deal() {
    let (env, t) = setup().await;
    let doe = lead(&env, &t, "Doe").await;
    let path = format!("/Leads/{doe}/actions/convert");
    let body = json!({"data": [{"overwrite": true, "notify_lead_owner": true, "notify_new_entity_owner": true,
        "Deals": {"Deal_Name": "Doe renewal", "Closing_Date": "2026-03-31", "Stage": "Qualification", "Amount": 5000}}]});
    let (s, b) = env.call(Method::POST, &t, &path, Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let r = &b["data"][0];
    assert_eq!(
        (&r["code"], &r["status"], &r["message"]),
        (
            &json!("SUCCESS"),
            &json!("success"),
            &json!("The record has been converted successfully")
        )
    );
    let d = &r["details"];
    assert_eq!(d["Contacts"]["name"], "John Doe");
    assert_eq!(d["Accounts"]["name"], "Doe & Sons");
    assert_eq!(d["Deals"]["name"], "Doe renewal");
    let (contact, account, deal) = (
        d["Contacts"]["id"].as_str().unwrap(),
        d["Accounts"]["id"].as_str().unwrap(),
        d["Deals"]["id"].as_str().unwrap(),
    );
    let c = &env.get(&t, &format!("/Contacts/{contact}")).await.1["data"][0];
    assert_eq!(
        (&c["First_Name"], &c["Last_Name"], &c["Email"]),
        (
            &json!("John"),
            &json!("Doe"),
            &json!("john.doe@example.com")
        )
    );
    assert_eq!(c["Account_Name"]["id"], account);
    assert_eq!(c["Lead_Source"], "Web Download");
    let a = &env.get(&t, &format!("/Accounts/{account}")).await.1["data"][0];
    assert_eq!(a["Account_Name"], "Doe & Sons");
    assert_eq!(a["Annual_Revenue"], 250000.0);
    let dl = &env.get(&t, &format!("/Deals/{deal}")).await.1["data"][0];
    assert_eq!(
        (&dl["Stage"], &dl["Amount"], &dl["Closing_Date"]),
        (&json!("Qualification"), &json!(5000), &json!("2026-03-31"))
    );
    assert_eq!(dl["Contact_Name"]["id"], contact);
    assert_eq!(dl["Account_Name"]["id"], account);
    // The lead is converted: gone from the default listing, there with converted=both.
    let l = &env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0];
    assert_eq!(l["Converted__s"], true);
    assert!(l["Converted_Date_Time"].is_string());
    let (_, listed) = env.get(&t, "/Leads?fields=Last_Name").await;
    assert!(listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != doe.as_str()));
    // converted=true lists only converted leads; other values of the filters are refused.
    let (_, only) = env.get(&t, "/Leads?fields=Last_Name&converted=true").await;
    let only: Vec<&Value> = only["data"].as_array().unwrap().iter().collect();
    assert!(only.iter().any(|r| r["id"] == doe.as_str()));
    assert!(only.iter().all(|r| listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|open| open["id"] != r["id"])));
    for bad in ["converted=yes", "approved=maybe"] {
        let (s, b) = env.get(&t, &format!("/Leads?fields=Last_Name&{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        let name = bad.split('=').next().unwrap();
        assert_eq!(b["details"], json!({"param_name": name}), "{bad}");
    }
    let (s, _) = env.get(&t, "/Leads?fields=Last_Name&approved=false").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "no record awaits approval");
    assert_eq!(credits(&env).await, 5, "a conversion costs 5 credits");
    // Converting again is refused, and nothing more is made.
    let (s, b) = env.call(Method::POST, &t, &path, Some(body)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "ID_ALREADY_CONVERTED", "details": {"resource_path_index": 1}, "message": "id already converted", "status": "error"})
    );
    let (_, deals) = env.get(&t, "/Deals?fields=Deal_Name").await;
    assert_eq!(deals["data"].as_array().unwrap().len(), 1);
    assert_eq!(credits(&env).await, 5);
}

#[tokio::test]
async fn converting_without_a_body_makes_no_deal() {
    let (env, t) = setup().await;
    let garcia = lead(&env, &t, "Garcia").await;
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{garcia}/actions/convert"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let d = &b["data"][0]["details"];
    assert!(d["Deals"].is_null());
    assert_eq!(d["Accounts"]["name"], "Garcia Imports");
    assert_eq!(d["Contacts"]["name"], "Maria Garcia");
    assert_eq!(
        env.get(&t, "/Deals?fields=Deal_Name").await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn converting_into_existing_records_with_tags_and_attachments() {
    let (env, t) = setup().await;
    let tanaka = lead(&env, &t, "Tanaka").await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Contacts",
            Some(json!({"data": [{"Last_Name": "Tanaka-san"}]})),
        )
        .await;
    let contact = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (_, b) = env.get(&t, "/Accounts?fields=Account_Name").await;
    let account = b["data"][0]["id"].as_str().unwrap().to_string();
    env.call(
        Method::POST,
        &t,
        &format!("/Leads/{tanaka}/actions/add_tags"),
        Some(json!({"tags": [{"name": "VIP"}, {"name": "Trade fair"}]})),
    )
    .await;
    env.call(
        Method::POST,
        &t,
        &format!("/Leads/{tanaka}/Attachments?attachmentUrl=https://www.zoho.com/brochure"),
        None,
    )
    .await;
    let ryan = env.get(&t, "/users?type=AllUsers").await.1["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ryan.cole@zylker.example")
        .unwrap()["id"]
        .clone();
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{tanaka}/actions/convert"),
            Some(json!({"data": [{"overwrite": true, "Accounts": {"id": account}, "Contacts": {"id": contact},
                "assign_to": {"id": ryan}, "carry_over_tags": {"Contacts": ["VIP"]},
                "move_attachments_to": {"api_name": "Contacts"},
                "Deals": {"Deal_Name": "Tanaka", "Closing_Date": "2026-06-30", "Stage": "Needs Analysis"}}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let d = &b["data"][0]["details"];
    assert_eq!(d["Contacts"]["id"], contact.as_str());
    assert_eq!(d["Accounts"]["id"], account.as_str());
    // Overwritten with the lead's values, linked, tagged; the attachment moved over.
    let c = &env.get(&t, &format!("/Contacts/{contact}")).await.1["data"][0];
    assert_eq!(c["Last_Name"], "Tanaka");
    assert_eq!(c["Email"], "kenji@tanaka.example");
    assert_eq!(c["Account_Name"]["id"], account.as_str());
    assert_eq!(c["Tag"][0]["name"], "VIP");
    assert_eq!(c["Tag"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.get(&t, &format!("/Accounts/{account}")).await.1["data"][0]["Account_Name"],
        "Tanaka KK"
    );
    let (s, _) = env
        .get(
            &t,
            &format!("/Contacts/{contact}/Attachments?fields=File_Name"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env
        .get(&t, &format!("/Leads/{tanaka}/Attachments?fields=File_Name"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let deal = d["Deals"]["id"].as_str().unwrap();
    assert_eq!(
        env.get(&t, &format!("/Deals/{deal}")).await.1["data"][0]["Owner"]["id"],
        ryan
    );
}

#[tokio::test]
async fn conversion_errors() {
    let (env, t) = setup().await;
    let doe = lead(&env, &t, "Doe").await;
    let path = format!("/Leads/{doe}/actions/convert");
    let convert = |body: Value| env.call(Method::POST, &t, &path, Some(body));
    // An unknown lead, another module.
    let (s, b) = env
        .call(Method::POST, &t, "/Leads/1/actions/convert", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "INVALID_DATA", "details": {"resource_path_index": 1}, "message": "invalid data", "status": "error"})
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Contacts/{doe}/actions/convert"),
            None,
        )
        .await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::NOT_FOUND, &json!("INVALID_URL_PATTERN"))
    );
    // A deal missing a mandatory field, or with a value its field does not take.
    let (s, b) =
        convert(json!({"data": [{"Deals": {"Deal_Name": "D", "Closing_Date": "2026-01-01"}}]}))
            .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"data": [{"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Stage", "json_path": "$.data[0].Deals.Stage"}, "message": "required field not found", "status": "error"}]})
    );
    let (_, b) = convert(json!({"data": [{"Deals": {"Deal_Name": "D", "Closing_Date": "2026-01-01", "Stage": "Won?"}}]})).await;
    assert_eq!(b["data"][0]["code"], "INVALID_DATA");
    assert_eq!(b["data"][0]["details"]["api_name"], "Stage");
    assert_eq!(
        b["data"][0]["details"]["json_path"],
        "$.data[0].Deals.Stage"
    );
    // Unknown records and users to convert into.
    for (key, value) in [
        ("Accounts", json!({"id": "1"})),
        ("Contacts", json!({"id": "1"})),
        ("assign_to", json!({"id": "1"})),
        ("move_attachments_to", json!({"api_name": "Deals"})),
        // Another module's id.
        (
            "move_attachments_to",
            json!({"api_name": "Contacts", "id": "1"}),
        ),
    ] {
        let (s, b) = convert(json!({"data": [{key: value}]})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{key}");
        assert_eq!(
            b["data"][0],
            json!({"code": "INVALID_DATA", "details": {"api_name": key, "json_path": format!("$.data[0].{key}")}, "message": "invalid data", "status": "error"})
        );
    }
    let (_, b) =
        convert(json!({"data": [{"carry_over_tags": {"Contacts": ["Not on the lead"]}}]})).await;
    assert_eq!(
        b["data"][0]["details"]["json_path"],
        "$.data[0].carry_over_tags.Contacts[0]"
    );
    // Nothing was made, and the lead is still open.
    assert_eq!(
        env.get(&t, "/Contacts?fields=Last_Name").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        env.get(&t, "/Deals?fields=Deal_Name").await.0,
        StatusCode::NO_CONTENT
    );
    let l = &env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0];
    assert!(l["Converted__s"] != true);
    assert_eq!(credits(&env).await, 0);
}

#[tokio::test]
async fn mass_update_by_ids_updates_at_once() {
    let env = Env::new().await;
    let t = env
        .login(PATRICIA, &format!("{ALL_SCOPES},{MASS}"))
        .await
        .access;
    let (doe, garcia) = (lead(&env, &t, "Doe").await, lead(&env, &t, "Garcia").await);
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/actions/mass_update",
            Some(json!({"data": [{"Lead_Status": "Junk Lead", "Preferred_Channels": ["Email"]}], "ids": [doe, "1", garcia]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let items = b["data"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["code"], "SUCCESS");
    assert_eq!(items[0]["message"], "record updated");
    assert_eq!(items[0]["details"]["id"], doe.as_str());
    assert_eq!(
        items[1],
        json!({"code": "INVALID_DATA", "details": {"id": "1"}, "message": "the id given seems to be invalid", "status": "error"})
    );
    for id in [&doe, &garcia] {
        let r = &env.get(&t, &format!("/Leads/{id}")).await.1["data"][0];
        assert_eq!(r["Lead_Status"], "Junk Lead");
        assert_eq!(r["Preferred_Channels"], json!(["Email"]));
    }
    // Without over_write a multi-select picklist gains values; with it, it takes them.
    let mass = |body: Value| env.call(Method::POST, &t, "/Leads/actions/mass_update", Some(body));
    mass(json!({"data": [{"Preferred_Channels": ["Phone"]}], "ids": [doe]})).await;
    let r = &env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0];
    assert_eq!(r["Preferred_Channels"], json!(["Email", "Phone"]));
    mass(json!({"data": [{"Preferred_Channels": ["Phone"]}], "ids": [doe], "over_write": true}))
        .await;
    let r = &env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0];
    assert_eq!(r["Preferred_Channels"], json!(["Phone"]));
    // No id names a record: 400.
    let (s, b) = mass(json!({"data": [{"Lead_Status": "Contacted"}], "ids": ["1"]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["data"][0]["code"], "INVALID_DATA");
}

#[tokio::test]
async fn mass_update_by_view_is_a_job() {
    let env = Env::new().await;
    let t = env
        .login(PATRICIA, &format!("{ALL_SCOPES},{MASS}"))
        .await
        .access;
    env.admin(
        Method::POST,
        "/orgs/60012345/fields/Leads",
        json!({"api_name": "Code__c", "data_type": "text", "unique": {"case_sensitive": false}}),
    )
    .await;
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/actions/mass_update",
            Some(json!({"data": [{"Rating": "Active"}], "cvid": "3652397000000087501", "territory": {"id": "3652397000000358001", "include_child": true}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let r = &b["data"][0];
    assert_eq!(
        (&r["code"], &r["message"], &r["status"]),
        (
            &json!("SUCCESS"),
            &json!("mass update scheduled successfully"),
            &json!("success")
        )
    );
    let job = r["details"]["job_id"].as_str().unwrap().to_string();
    let (s, b) = env
        .get(&t, &format!("/Leads/actions/mass_update?job_id={job}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b,
        json!({"data": [{"Status": "COMPLETED", "Failed_Count": 0, "Updated_Count": 3, "Not_Updated_Count": 0, "Total_Count": 3}]})
    );
    let (_, listed) = env.get(&t, "/Leads?fields=Rating").await;
    assert!(listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["Rating"] == "Active"));
    // A unique value only one record may take: the others fail.
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads/actions/mass_update",
            Some(json!({"data": [{"Code__c": "X1"}], "cvid": "1"})),
        )
        .await;
    let job = b["data"][0]["details"]["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = env
        .get(&t, &format!("/Leads/actions/mass_update?job_id={job}"))
        .await;
    assert_eq!(
        (
            &b["data"][0]["Updated_Count"],
            &b["data"][0]["Failed_Count"]
        ),
        (&json!(1), &json!(2))
    );
    // Status errors: no job id, an unknown one, a job of another module.
    let (s, b) = env.get(&t, "/Leads/actions/mass_update").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "MANDATORY_NOT_FOUND", "details": {"param_name": "job_id"}, "message": "mandatory param missing", "status": "error"})
    );
    for path in [
        "/Leads/actions/mass_update?job_id=1".to_string(),
        format!("/Contacts/actions/mass_update?job_id={job}"),
    ] {
        let (s, b) = env.get(&t, &path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(
            b,
            json!({"code": "INVALID_DATA", "details": {"param_name": "job_id"}, "message": "invalid data", "status": "error"})
        );
    }
}

#[tokio::test]
async fn mass_update_errors() {
    let env = Env::new().await;
    let t = env
        .login(PATRICIA, &format!("{ALL_SCOPES},{MASS}"))
        .await
        .access;
    let doe = lead(&env, &t, "Doe").await;
    let mass = |body: Value| env.call(Method::POST, &t, "/Leads/actions/mass_update", Some(body));
    let err = |code: &str, api: &str, path: &str, message: &str| json!({"code": code, "details": {"api_name": api, "json_path": path}, "message": message, "status": "error"});
    let cases = [
        (
            json!({"ids": [doe]}),
            err(
                "MANDATORY_NOT_FOUND",
                "data",
                "$.data",
                "required field not found",
            ),
        ),
        (
            json!({"data": [{"Rating": "Active"}]}),
            err(
                "MANDATORY_NOT_FOUND",
                "ids",
                "$.ids",
                "required field not found",
            ),
        ),
        (
            json!({"data": [{"Rating": "Active"}], "ids": []}),
            err(
                "MANDATORY_NOT_FOUND",
                "ids",
                "$.ids",
                "required field not found",
            ),
        ),
        (
            json!({"data": [{}], "ids": [doe]}),
            err("INVALID_DATA", "data", "$.data[0]", "invalid data"),
        ),
        (
            json!({"data": [{"Description": "x"}], "ids": [doe]}),
            err(
                "INVALID_DATA",
                "Description",
                "$.data[0].Description",
                "invalid data",
            ),
        ),
        (
            json!({"data": [{"Last_Name": ""}], "ids": [doe]}),
            err(
                "MANDATORY_NOT_FOUND",
                "Last_Name",
                "$.data[0].Last_Name",
                "required field not found",
            ),
        ),
        (
            json!({"data": [{"Rating": "Active"}], "cvid": "all"}),
            err("INVALID_DATA", "cvid", "$.cvid", "invalid data"),
        ),
    ];
    for (body, expected) in cases {
        let (s, b) = mass(body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(b, expected, "{body}");
    }
    let ids: Vec<String> = (0..501).map(|i| i.to_string()).collect();
    let (s, b) = mass(json!({"data": [{"Rating": "Active"}], "ids": ids})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b,
        json!({"code": "LIMIT_EXCEEDED", "details": {"api_name": "ids", "json_path": "$.ids", "limit": 500}, "message": "limit exceeded", "status": "error"})
    );
    let (_, b) = mass(json!({"data": [{"Email": "not an email"}], "ids": [doe]})).await;
    assert_eq!(
        b,
        json!({"code": "INVALID_DATA", "details": {"api_name": "Email", "json_path": "$.data[0].Email", "expected_data_type": "email"}, "message": "invalid data", "status": "error"})
    );
    let (s, b) = env
        .call(
            Method::POST,
            &t,
            "/Nope/actions/mass_update",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, &b["code"]),
        (StatusCode::BAD_REQUEST, &json!("INVALID_MODULE"))
    );
    // Nothing changed; and the scope is needed.
    let r = &env.get(&t, &format!("/Leads/{doe}")).await.1["data"][0];
    assert_eq!(r["Lead_Status"], "Contacted");
    let plain = env.login(PATRICIA, ALL_SCOPES).await.access;
    let (s, b) = env
        .call(
            Method::POST,
            &plain,
            "/Leads/actions/mass_update",
            Some(json!({"data": [{"Rating": "Active"}], "ids": [doe]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    assert_eq!(b["code"], "OAUTH_SCOPE_MISMATCH");
}
