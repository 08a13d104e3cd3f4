//! The emulator's reads have the shapes of Zoho's published samples
//! (`../shared/zoho-samples`): the same keys, JSON types, codes, messages and `details` keys.
//! Without the samples the tests print why they skip (and fail under `CI=true`).

mod common;
mod fidelity_common;
use common::*;
use fidelity_common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn unknown_settings_and_users_paths_are_invalid_url_pattern() {
    let Some(s) = Samples::get() else { return };
    let sample = s.load("v8/record/upsertRecords/404-invalidurlpattern.json");
    let (env, t) = setup().await;
    let me = env.get(&t, "/users?type=CurrentUser").await.1["users"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/settings/bogus".to_string(),
        "/settings/bogus/deeper".to_string(),
        "/settings/modules/Leads/extra".to_string(),
        format!("/users/{me}/bogus"),
        format!("/users/{me}/actions/nope"),
    ] {
        let (code, b) = env.get(&t, &path).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{path}: {b}");
        assert_eq!(b, sample, "{path}");
    }
    // Known paths still answer.
    assert_eq!(env.get(&t, "/settings/modules").await.0, StatusCode::OK);
    assert_eq!(env.get(&t, &format!("/users/{me}")).await.0, StatusCode::OK);

    let sample = s.load("v8/modules/getModuleByApiName/400-invalidmodule.json");
    let (code, b) = env.get(&t, "/settings/modules/Bogus").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b, sample, "an unknown module's metadata");
}

#[tokio::test]
async fn related_list_of_a_missing_parent_is_not_found() {
    let Some(s) = Samples::get() else { return };
    let sample = s.load("v8/related_records/getRelatedRecords/404-recordnotfound.json");
    let (env, t) = setup().await;
    for path in [
        "/Leads/1234567890/Notes?fields=Note_Title",
        "/Accounts/1234567890/Contacts?fields=Last_Name",
    ] {
        let (code, b) = env.get(&t, path).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{path}: {b}");
        assert_eq!(b, sample, "{path}");
    }
    // The missing `fields` parameter is reported first, as in Zoho's 400 sample.
    let sample = s.load("v8/related_records/getRelatedRecords/400-requiredparammissing.json");
    let (code, b) = env.get(&t, "/Leads/1234567890/Notes").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b, sample);
}

#[tokio::test]
async fn users_carry_zoho_objects_and_a_count() {
    let Some(s) = Samples::get() else { return };
    let (env, t) = setup().await;
    let (code, all) = env.get(&t, "/users?type=AllUsers").await;
    assert_eq!(code, StatusCode::OK);
    let list = s.load("v8/users/getUsers/200-usersgetresponse.json");
    for k in ["Modified_By", "created_by"] {
        assert_shape(&all["users"][0][k], &list["users"][0][k], k);
    }
    assert_shape(&all["info"], &list["info"], "users info");
    let id = all["users"][0]["id"].as_str().unwrap();
    let (_, one) = env.get(&t, &format!("/users/{id}")).await;
    let single = s.load("v8/users/getSingleUser/200-usersgetresponse.json");
    for k in ["Modified_By", "created_by", "theme", "customize_info"] {
        assert_eq!(
            keys(&one["users"][0][k]),
            keys(&single["users"][0][k]),
            "{k}: {}",
            one["users"][0][k]
        );
        assert_shape(&one["users"][0][k], &single["users"][0][k], k);
    }

    let (code, b) = env.get(&t, "/users/actions/count").await;
    assert_eq!(code, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"count": all["users"].as_array().unwrap().len()}));
    let (_, b) = env.get(&t, "/users/actions/count?type=CurrentUser").await;
    assert_eq!(b, json!({"count": 1}));
    let (code, b) = env.get(&t, "/users/actions/count?type=Bogus").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["details"]["param_name"], "type");
}

#[tokio::test]
async fn module_field_and_layout_metadata_carry_zoho_keys() {
    let Some(s) = Samples::get() else { return };
    let (env, t) = setup().await;
    let one = s.load("v8/modules/getModuleByApiName/200-leadsmodule.json");
    let (_, b) = env.get(&t, "/settings/modules/Leads").await;
    let m = &b["modules"][0];
    for k in [
        "profile_count",
        "has_more_profiles",
        "lookup_field_properties",
        "related_list_properties",
    ] {
        assert!(m.get(k).is_some(), "no `{k}`");
        assert_shape(&m[k], &one["modules"][0][k], k);
    }
    let lfp = &m["lookup_field_properties"]["fields"];
    assert!(lfp.as_array().is_some_and(|a| !a.is_empty()), "{lfp}");
    assert_eq!(lfp[0]["sequence_number"], 1);
    assert_eq!(
        m["profile_count"],
        json!(m["profiles"].as_array().unwrap().len())
    );
    let all = s.load("v8/modules/getModules/200-allmoduleswithvariations.json");
    let (_, b) = env.get(&t, "/settings/modules").await;
    for m in b["modules"].as_array().unwrap() {
        for k in ["profile_count", "has_more_profiles"] {
            assert_shape(&m[k], &all["modules"][1][k], k);
        }
    }

    let fields = s.load("v8/fields/getFields/200-fullexample.json");
    let (_, b) = env.get(&t, "/settings/fields?module=Leads").await;
    for f in b["fields"].as_array().unwrap() {
        let api = f["api_name"].as_str().unwrap();
        assert_eq!(
            keys(&f["convert_mapping"]),
            ["Accounts", "Contacts", "Deals"],
            "{api}"
        );
        assert!(
            f.get("hipaa_compliance").is_some(),
            "{api}: no hipaa_compliance"
        );
        if let Some(sf) = fields["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["api_name"] == api)
        {
            assert_eq!(f["convert_mapping"], sf["convert_mapping"], "{api}");
        }
    }
    let (_, b) = env.get(&t, "/settings/fields/Company?module=Leads").await;
    assert_eq!(
        b["fields"][0]["convert_mapping"],
        json!({"Contacts": null, "Deals": null, "Accounts": "Account_Name"})
    );

    let layouts = s.load("v8/layouts/getLayoutById/200-withincludeandfieldsfilter.json");
    let (_, b) = env.get(&t, "/settings/layouts?module=Leads").await;
    let l = &b["layouts"][0];
    assert_shape(
        &l["has_more_profiles"],
        &layouts["layouts"][0]["has_more_profiles"],
        "has_more_profiles",
    );
    let sample_section = &layouts["layouts"][0]["sections"][0];
    for sec in l["sections"].as_array().unwrap() {
        assert_shape(&sec["id"], &sample_section["id"], "section id");
    }
}

#[tokio::test]
async fn notes_carry_attachments() {
    let Some(s) = Samples::get() else { return };
    let sample = s.load("v8/notes/getNotesModule/200-successresponse.json");
    assert!(sample["data"][0].get("$attachments").is_some());
    let (env, t) = setup().await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Noted"}]})),
        )
        .await;
    let lead = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            &format!("/Leads/{lead}/Notes"),
            Some(json!({"data": [{"Note_Title": "t", "Note_Content": "c"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{b}");
    for q in [
        "?fields=Note_Title",
        "?fields=Note_Title,Note_Content,Parent_Id",
    ] {
        let (code, b) = env.get(&t, &format!("/Leads/{lead}/Notes{q}")).await;
        assert_eq!(code, StatusCode::OK);
        let note = &b["data"][0];
        let att = note.get("$attachments").expect("`$attachments` is shown");
        assert!(att.is_null() || att.is_array(), "{att}");
    }
}

#[tokio::test]
async fn single_records_carry_has_more_for_subforms() {
    let Some(s) = Samples::get() else { return };
    let sample = s.load("v7/record/getRecord/200-leads-with-subform.json");
    let (env, t) = setup().await;
    let acct = env.get(&t, "/Accounts?fields=Account_Name").await.1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Products",
            Some(json!({"data": [{"Product_Name": "Widget"}]})),
        )
        .await;
    let product = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Quotes",
            Some(
                json!({"data": [{"Subject": "Q", "Account_Name": {"id": acct},
                "Quoted_Items": [{"Product_Name": {"id": product}, "Quantity": 2.0}]}]}),
            ),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{b}");
    let quote = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (_, b) = env.get(&t, &format!("/Quotes/{quote}")).await;
    let rec = &b["data"][0];
    // An object of booleans keyed by subform, as in the sample (whose subforms differ).
    let sample_has_more = sample["data"][0]["$has_more"].as_object().unwrap();
    let sample_value = sample_has_more.values().next().unwrap();
    for v in rec["$has_more"]
        .as_object()
        .expect("`$has_more` is an object")
        .values()
    {
        assert_shape(v, sample_value, "a `$has_more` value");
    }
    assert_eq!(rec["$has_more"], json!({"Quoted_Items": false}));
    // Only the subforms a projection shows are listed.
    let (_, b) = env
        .get(&t, &format!("/Quotes/{quote}?fields=Subject"))
        .await;
    assert!(b["data"][0].get("$has_more").is_none(), "{b}");
    // Modules without subforms have none.
    let (_, b) = env.get(&t, &format!("/Accounts/{acct}")).await;
    assert!(b["data"][0].get("$has_more").is_none());
}

/// The Leads metadata carries every standard field of Zoho's published Leads metadata (the
/// v7 Fields Metadata page's 87 fields, less the 26 custom fields of the org that published
/// it), each with Zoho's data type and JSON type. (Read-only flags differ on purpose: the
/// published page marks system fields such as `Created_By` and `Full_Name` writable, which Zoho
/// does not honour; the project's metadata marks them read-only.)
#[tokio::test]
async fn leads_metadata_has_every_standard_field_of_zohos_sample() {
    let Some(s) = Samples::get() else { return };
    let (env, t) = setup().await;
    let sample = s.load("v7/fields/Leads.json");
    let (_, b) = env.get(&t, "/settings/fields?module=Leads").await;
    let ours = b["fields"].as_array().unwrap();
    let standard: Vec<&Value> = sample["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["custom_field"] == json!(false))
        .collect();
    assert_eq!(standard.len(), 61, "the published page's standard fields");
    let mut missing = vec![];
    for f in &standard {
        let api = f["api_name"].as_str().unwrap();
        match ours.iter().find(|o| o["api_name"] == api) {
            None => missing.push(api.to_string()),
            Some(o) => {
                for k in ["data_type", "json_type"] {
                    assert_eq!(o[k], f[k], "{api}.{k}");
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "standard Leads fields missing: {missing:?}"
    );
}
