//! CRM queries and metadata: search, count, COQL, settings, users, org, related records, notes.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn search_and_count() {
    let (env, t) = setup().await;
    let (s, b) = env.get(&t, "/Leads/search?criteria=((Lead_Status:equals:Contacted)or(Last_Name:starts_with:gar))&fields=Last_Name").await;
    assert_eq!(s, StatusCode::OK);
    let mut names: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Last_Name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["Doe", "Garcia"]);
    assert_eq!(
        env.get(&t, "/Leads/search?email=KENJI@tanaka.example")
            .await
            .1["data"][0]["Last_Name"],
        "Tanaka"
    );
    assert_eq!(
        env.get(&t, "/Leads/search?word=imports").await.1["data"][0]["Company"],
        "Garcia Imports"
    );
    assert_eq!(
        env.get(&t, "/Leads/search?word=zzzz").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        env.get(&t, "/Leads/search").await.1["code"],
        "REQUIRED_PARAM_MISSING"
    );
    assert_eq!(
        env.get(&t, "/Leads/search?criteria=(Email:greater_than:a)")
            .await
            .1["code"],
        "INVALID_QUERY"
    );
    assert_eq!(
        env.get(&t, "/Leads/search?criteria=(Email:equals:a")
            .await
            .1["code"],
        "INVALID_QUERY"
    );
    assert_eq!(
        env.get(&t, "/Leads/search?word=doe&page=11").await.1["code"],
        "LIMIT_REACHED"
    );
    assert_eq!(
        env.get(&t, "/Leads/actions/count").await.1,
        json!({"count": 3})
    );
    assert_eq!(
        env.get(
            &t,
            "/Leads/actions/count?criteria=(Lead_Status:equals:Contacted)"
        )
        .await
        .1,
        json!({"count": 1})
    );
    assert_eq!(
        env.get(
            &t,
            "/Leads/actions/count?cvid=1&criteria=(Last_Name:equals:x)"
        )
        .await
        .1["code"],
        "AMBIGUITY_DURING_PROCESSING"
    );
}

#[tokio::test]
async fn coql_subset() {
    let (env, t) = setup().await;
    let q = |s: &str| json!({"select_query": s});
    let (s, b) = env.call(Method::POST, &t, "/coql", Some(q("select Last_Name, Email from Leads where (Lead_Status in ('Contacted', 'Pre-Qualified') and Email like '%example%') order by Last_Name asc limit 10"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["data"].as_array().unwrap().len(), 2);
    assert_eq!(b["data"][0]["Last_Name"], "Doe");
    assert_eq!(b["info"], json!({"count": 2, "more_records": false}));
    let (_, b) = env.call(Method::POST, &t, "/coql", Some(q("select Last_Name from Leads where Last_Name is not null order by Last_Name limit 1, 1"))).await;
    assert_eq!(b["data"][0]["Last_Name"], "Garcia");
    assert_eq!(b["info"]["more_records"], true);
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/coql",
            Some(q("select Last_Name from Leads where Last_Name = 'Nobody'"))
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/coql",
            Some(q("select Last_Name from Leads"))
        )
        .await
        .1["details"],
        json!({"clause": "where"})
    );
    assert_eq!(
        env.call(Method::POST, &t, "/coql", Some(q("select Last_Name FROM")))
            .await
            .1["code"],
        "SYNTAX_ERROR"
    );
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/coql",
            Some(q("select Nope from Leads where Last_Name = 'x'"))
        )
        .await
        .1["code"],
        "INVALID_QUERY"
    );
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/coql",
            Some(q("select Last_Name from Nope where Last_Name = 'x'"))
        )
        .await
        .1["code"],
        "INVALID_MODULE"
    );
    assert_eq!(
        env.call(Method::POST, &t, "/coql", Some(json!({}))).await.1["code"],
        "MANDATORY_NOT_FOUND"
    );
    let (_, b) = env.call(Method::POST, &t, "/coql", Some(json!({"select_query": "select Last_Name from Leads where Last_Name = 'Doe'", "include_meta": ["fields"]}))).await;
    assert_eq!(b["fields"]["Last_Name"]["data_type"], "text");
}

#[tokio::test]
async fn metadata_users_org() {
    let (env, t) = setup().await;
    let (_, b) = env.get(&t, "/settings/fields?module=Leads").await;
    let fields = b["fields"].as_array().unwrap();
    let rating = fields.iter().find(|f| f["api_name"] == "Rating").unwrap();
    assert!(rating["pick_list_values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["display_value"] == "Shut Down" && v["actual_value"] == "ShutDown"));
    assert_eq!(
        env.get(&t, "/settings/fields").await.1["code"],
        "REQUIRED_PARAM_MISSING"
    );
    assert_eq!(
        env.get(&t, "/settings/fields?module=Nope").await.1["code"],
        "INVALID_MODULE"
    );
    let since = "2025-01-01T00:00:00+00:00";
    let r = env
        .http
        .get(env.url("/crm/v7/settings/fields?module=Leads"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Modified-Since", since)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    env.admin(Method::POST, "/orgs/60012345/fields/Leads", json!({"api_name": "Loyalty_Tier", "data_type": "picklist", "pick_list_values": ["Gold", "Silver"]})).await;
    let r = env
        .http
        .get(env.url("/crm/v7/settings/fields?module=Leads"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Modified-Since", since)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The new field is validated and stored.
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "T", "Loyalty_Tier": "Bronze"}]}))
        )
        .await
        .1["data"][0]["code"],
        "INVALID_DATA"
    );
    env.admin(
        Method::POST,
        "/orgs/60012345/fields/Leads/Loyalty_Tier/picklist-values",
        json!({"values": ["Bronze"]}),
    )
    .await;
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "T", "Loyalty_Tier": "Bronze"}]}))
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (_, m) = env.get(&t, "/settings/modules").await;
    assert!(m["modules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["api_name"] == "Sales_Orders"));
    assert_eq!(
        env.get(&t, "/settings/modules/Deals").await.1["modules"][0]["api_name"],
        "Deals"
    );
    assert_eq!(
        env.get(&t, "/settings/layouts?module=Deals").await.1["layouts"][0]["sections"][0]
            ["fields"]
            .as_array()
            .unwrap()
            .len(),
        env.get(&t, "/settings/fields?module=Deals").await.1["fields"]
            .as_array()
            .unwrap()
            .len()
    );
    let (_, u) = env.get(&t, "/users?type=CurrentUser").await;
    assert_eq!(u["users"].as_array().unwrap().len(), 1);
    assert_eq!(u["users"][0]["email"], PATRICIA);
    assert_eq!(
        env.get(&t, "/users?type=AllUsers").await.1["users"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        env.get(&t, "/users?type=Bogus").await.1["code"],
        "INVALID_DATA"
    );
    assert_eq!(env.get(&t, "/org").await.1["org"][0]["zgid"], "60012345");
}

#[tokio::test]
async fn custom_module_at_run_time() {
    let (env, t) = setup().await;
    env.admin(
        Method::POST,
        "/orgs/60012345/modules",
        json!({"api_name": "Projects", "singular_label": "Project"}),
    )
    .await;
    assert_eq!(
        env.call(Method::POST, &t, "/Projects", Some(json!({"data": [{}]})))
            .await
            .1["data"][0]["details"]["api_name"],
        "Name"
    );
    assert_eq!(
        env.call(
            Method::POST,
            &t,
            "/Projects",
            Some(json!({"data": [{"Name": "Apollo"}]}))
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        env.get(&t, "/Projects?fields=Name").await.1["data"][0]["Name"],
        "Apollo"
    );
}

#[tokio::test]
async fn orgs_are_isolated() {
    let env = Env::new().await;
    let a = env.login(PATRICIA, ALL_SCOPES).await;
    let b = env.login(AMELIA, ALL_SCOPES).await;
    let names = |v: Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Last_Name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let za = names(env.get(&a.access, "/Leads?fields=Last_Name").await.1);
    let zb = names(env.get(&b.access, "/Leads?fields=Last_Name").await.1);
    assert_eq!(za, vec!["Tanaka", "Garcia", "Doe"]);
    assert_eq!(zb, vec!["Runner", "Coyote"]);
    let id = env.get(&a.access, "/Leads?fields=Last_Name").await.1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        env.get(&b.access, &format!("/Leads/{id}")).await.1["code"],
        "INVALID_DATA"
    );
}

#[tokio::test]
async fn related_records_and_notes() {
    let (env, t) = setup().await;
    let acct = env
        .call(
            Method::POST,
            &t,
            "/Accounts",
            Some(json!({"data": [{"Account_Name": "Parent Co"}]})),
        )
        .await
        .1["data"][0]["details"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, c) = env.call(Method::POST, &t, "/Contacts", Some(json!({"data": [{"Last_Name": "Kid", "Account_Name": {"id": acct}}, {"Last_Name": "Loose"}]}))).await;
    let loose = c["data"][1]["details"]["id"].as_str().unwrap().to_string();
    let (_, rel) = env
        .get(
            &t,
            &format!("/Accounts/{acct}/Contacts?fields=Last_Name,Account_Name"),
        )
        .await;
    assert_eq!(rel["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        rel["data"][0]["Account_Name"],
        json!({"name": "Parent Co", "id": acct})
    );
    assert_eq!(
        env.get(&t, &format!("/Accounts/{acct}/Contacts")).await.1["code"],
        "REQUIRED_PARAM_MISSING"
    );
    let (s, l) = env
        .call(
            Method::PUT,
            &t,
            &format!("/Accounts/{acct}/Contacts"),
            Some(json!({"data": [{"id": loose}]})),
        )
        .await;
    assert_eq!(
        (s, l["data"][0]["message"].clone()),
        (StatusCode::OK, json!("relation added"))
    );
    assert_eq!(
        env.get(&t, &format!("/Accounts/{acct}/Contacts?fields=Last_Name"))
            .await
            .1["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (s, u) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Accounts/{acct}/Contacts?ids={loose}"),
            None,
        )
        .await;
    assert_eq!(
        (s, u["data"][0]["message"].clone()),
        (StatusCode::OK, json!("relation removed"))
    );
    let (s, n) = env
        .call(
            Method::POST,
            &t,
            &format!("/Accounts/{acct}/Notes"),
            Some(json!({"data": [{"Note_Title": "Call", "Note_Content": "Went well"}, {}]})),
        )
        .await;
    assert_eq!(s, StatusCode::MULTI_STATUS);
    assert_eq!(n["data"][1]["code"], "EXPECTED_FIELD_MISSING");
    let (_, notes) = env
        .get(
            &t,
            &format!("/Accounts/{acct}/Notes?fields=Note_Title,Parent_Id"),
        )
        .await;
    assert_eq!(notes["data"][0]["Note_Title"], "Call");
    assert_eq!(
        notes["data"][0]["Parent_Id"]["module"]["api_name"],
        "Accounts"
    );
    assert_eq!(
        env.get(&t, "/Accounts/1/Contacts?fields=Last_Name").await.1["message"],
        "The record does not exist"
    );
}
