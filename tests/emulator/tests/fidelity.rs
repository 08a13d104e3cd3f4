//! The emulator's answers have the shapes of Zoho's published samples
//! (`../shared/zoho-samples`): the same keys, JSON types, codes, messages and `details` keys.
//! Without the samples the tests print why they skip (and fail under `CI=true`).

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;

/// A visible skip (written past the test harness's output capture); under `CI=true` a failure,
/// since CI has every input.
fn skip(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("required in CI: {reason}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/zoho-samples");
    dir.is_dir().then_some(dir)
}

/// Zoho's published samples, or `None` (after a printed skip) when they are absent.
struct Samples(PathBuf);

impl Samples {
    fn get() -> Option<Samples> {
        match samples_dir() {
            Some(d) => Some(Samples(d)),
            None => {
                skip("../shared/zoho-samples is absent (Zoho's published samples are read from beside the project)");
                None
            }
        }
    }

    /// A sample by its path under `zoho-samples/` (`v8/record/getRecords/200-leads.json`).
    fn load(&self, rel: &str) -> Value {
        let p = self.0.join(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where `actual` lacks a key of `sample` or has another JSON type for it (a `null` in the
/// sample says nothing of the type; a `null` answered where the sample has a value is a
/// difference). Arrays compare their first elements.
fn shape_diff(actual: &Value, sample: &Value, path: &str, out: &mut Vec<String>) {
    if sample.is_null() {
        return;
    }
    if json_type(actual) != json_type(sample) {
        out.push(format!(
            "{path}: {} answered, the sample has {}",
            json_type(actual),
            json_type(sample)
        ));
        return;
    }
    match (actual, sample) {
        (Value::Object(a), Value::Object(s)) => {
            for (k, sv) in s {
                match a.get(k) {
                    Some(av) => shape_diff(av, sv, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}: no `{k}`")),
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if let (Some(a0), Some(s0)) = (a.first(), s.first()) {
                shape_diff(a0, s0, &format!("{path}[0]"), out);
            }
        }
        _ => {}
    }
}

#[track_caller]
fn assert_shape(actual: &Value, sample: &Value, what: &str) {
    let mut out = vec![];
    shape_diff(actual, sample, "$", &mut out);
    assert!(
        out.is_empty(),
        "{what} differs from Zoho's sample:\n  {}\nanswered: {actual}",
        out.join("\n  ")
    );
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// An error object answered as the sample's: same `code`, `status`, `message` (unless
/// `same_message` is false) and the same `details` keys with the same types.
#[track_caller]
fn assert_error(actual: &Value, sample: &Value, same_message: bool, what: &str) {
    assert_eq!(actual["code"], sample["code"], "{what}: code ({actual})");
    assert_eq!(actual["status"], sample["status"], "{what}: status");
    if same_message {
        assert_eq!(actual["message"], sample["message"], "{what}: message");
    }
    assert_eq!(
        keys(&actual["details"]),
        keys(&sample["details"]),
        "{what}: details keys ({actual})"
    );
    assert_shape(&actual["details"], &sample["details"], what);
}

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
async fn record_lists_answer_page_tokens_and_reject_unknown_views() {
    let Some(s) = Samples::get() else { return };
    let first = s.load("v8/record/getRecords/200-leads.json");
    let second = s.load("v7/record/getRecords/200-leads-second-call-page-token.json");
    let (env, t) = setup().await;
    for i in 0..5 {
        env.call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": format!("Paged {i}")}]})),
        )
        .await;
    }
    let (code, b) = env.get(&t, "/Leads?fields=Last_Name&per_page=2").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(keys(&b["info"]), keys(&first["info"]));
    assert_shape(&b["info"], &first["info"], "first page info");
    assert_eq!(b["info"]["previous_page_token"], Value::Null);
    assert_eq!(b["info"]["page"], 1);
    let token = b["info"]["next_page_token"].as_str().unwrap().to_string();
    let (code, b) = env
        .get(
            &t,
            &format!("/Leads?fields=Last_Name&per_page=2&page_token={token}"),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(keys(&b["info"]), keys(&second["info"]));
    assert_shape(&b["info"], &second["info"], "page-token page info");
    assert_eq!(b["info"]["page"], second["info"]["page"]);
    assert_eq!(
        b["info"]["previous_page_token"],
        second["info"]["previous_page_token"]
    );

    let sample = s.load("v8/record/getRecords/400-invalidcvid.json");
    let (code, b) = env.get(&t, "/Leads?fields=Last_Name&cvid=1234567890").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b, sample);
}

#[tokio::test]
async fn scope_mismatch_already_modified_and_duplicates_read_as_zoho_writes_them() {
    let Some(s) = Samples::get() else { return };
    let env = Env::new().await;
    let narrow = env.login(PATRICIA, "ZohoCRM.users.READ").await.access;
    for sample in [
        "v8/record/getRecords/401-scopemismatch.json",
        "v8/record/createRecords/401-oauthscopemismatch.json",
    ] {
        let (code, b) = env.get(&narrow, "/Leads?fields=Last_Name").await;
        assert_eq!(code, StatusCode::UNAUTHORIZED);
        assert_eq!(b, s.load(sample), "{sample}");
    }

    let t = env.login(PATRICIA, ALL_SCOPES).await.access;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Mod", "Email": "mod@x.example"}]})),
        )
        .await;
    let id = b["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let r = env
        .http
        .put(env.url("/crm/v7/Leads"))
        .header("Authorization", format!("Zoho-oauthtoken {t}"))
        .header("If-Unmodified-Since", "2020-01-01T00:00:00+00:00")
        .json(&json!({"data": [{"id": id, "Company": "C"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let b: Value = r.json().await.unwrap();
    let sample = s.load("v8/record/updateRecords/412-alreadymodified.json");
    assert_error(&b["data"][0], &sample["data"][0], true, "ALREADY_MODIFIED");
    assert_eq!(b["data"][0]["details"]["id"], json!(id));

    // One duplicated unique field: one DUPLICATE_DATA item.
    let sample = s.load("v8/record/createRecords/400-duplicatedataerror.json");
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Dup", "Email": "mod@x.example"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_error(&b["data"][0], &sample["data"][0], true, "DUPLICATE_DATA");
    assert_eq!(b["data"][0]["details"]["json_path"], "$.data[0].Email");
    assert_eq!(b["data"][0]["details"]["duplicate_record"]["id"], json!(id));
    assert_eq!(b["data"][0]["details"]["more_records"], false);

    // Two duplicated unique fields: both, inside MULTIPLE_OR_MULTI_ERRORS.
    env.admin(
        Method::POST,
        "/orgs/60012345/fields/Leads",
        json!({"api_name": "Unique_1", "data_type": "text", "unique": {"case_sensitive": false}}),
    )
    .await;
    env.call(
        Method::PUT,
        &t,
        "/Leads",
        Some(json!({"data": [{"id": id, "Unique_1": "U-1"}]})),
    )
    .await;
    let sample = s.load("v8/record/upsertRecords/400-multipleerrors.json");
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Dup", "Email": "MOD@x.example", "Unique_1": "u-1"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{b}");
    let multi = &b["data"][0];
    let s0 = &sample["data"][0];
    assert_eq!(multi["code"], s0["code"]);
    assert_eq!(multi["message"], s0["message"]);
    assert_eq!(keys(&multi["details"]), ["errors"]);
    let errors = multi["details"]["errors"].as_array().unwrap();
    let names: Vec<&str> = errors
        .iter()
        .map(|e| e["details"]["api_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Email", "Unique_1"]);
    for e in errors {
        let se = &s0["details"]["errors"][0];
        assert_eq!(e["code"], se["code"]);
        assert_eq!(e["message"], se["message"]);
        assert_shape(e, se, "a duplicate inside MULTIPLE_OR_MULTI_ERRORS");
    }
}

#[tokio::test]
async fn unknown_keys_of_a_write_are_invalid_data() {
    let Some(s) = Samples::get() else { return };
    let sample = s.load("v8/record/createRecords/400-invaliddata.json");
    let (env, t) = setup().await;
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "K", "Not_A_Field": "x"}, {"Last_Name": "Fine"}]})),
        )
        .await;
    assert_eq!(code, StatusCode::MULTI_STATUS, "{b}");
    let e = &b["data"][0];
    assert_error(e, &sample["data"][0], false, "an unknown key");
    assert_eq!(
        e["details"],
        json!({"api_name": "Not_A_Field", "json_path": "$.data[0].Not_A_Field"})
    );
    assert_eq!(b["data"][1]["code"], "SUCCESS");
    // `$`-keys and `id` are not fields, and are not errors.
    let (code, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "K", "$append_values": {}}]})),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{b}");
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

#[tokio::test]
async fn recycle_bin_lists_records_deleted_through_the_api() {
    if Samples::get().is_none() {
        return;
    }
    let (env, t) = setup().await;
    let (_, b) = env
        .call(
            Method::POST,
            &t,
            "/Leads",
            Some(json!({"data": [{"Last_Name": "Binned"}, {"Last_Name": "Binned too"}]})),
        )
        .await;
    let ids: Vec<String> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["details"]["id"].as_str().unwrap().to_string())
        .collect();
    // Nothing deleted yet.
    assert_eq!(
        env.get(&t, "/settings/recycle_bin?module=Leads").await.0,
        StatusCode::NO_CONTENT
    );
    let (code, _) = env
        .call(
            Method::DELETE,
            &t,
            &format!("/Leads?ids={},{}", ids[0], ids[1]),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (code, b) = env.get(&t, "/settings/recycle_bin?module=Leads").await;
    assert_eq!(code, StatusCode::OK, "{b}");
    let items = b["recycle_bin"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let item = &items[0];
    assert_eq!(
        keys(item),
        [
            "deleted_by",
            "deleted_time",
            "display_name",
            "id",
            "module",
            "owner"
        ]
    );
    assert_eq!(item["module"]["api_name"], "Leads");
    assert!(item["module"]["id"].is_string());
    assert!(item["owner"]["id"].is_string() && item["deleted_by"]["name"].is_string());
    assert_eq!(
        b["info"],
        json!({"per_page": 200, "count": 2, "page": 1, "more_records": false})
    );
    let filters = "%7B%22field%22%3A%7B%22api_name%22%3A%22module.api_name%22%7D%2C%22comparator%22%3A%22equal%22%2C%22value%22%3A%22Leads%22%7D";
    let (code, b2) = env
        .get(
            &t,
            &format!("/settings/recycle_bin?filters={filters}&per_page=1"),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(b2["recycle_bin"][0], b["recycle_bin"][0]);
    assert_eq!(b2["info"]["more_records"], true);
    let (code, one) = env
        .get(&t, &format!("/settings/recycle_bin/{}", ids[1]))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(one["recycle_bin"][0]["id"], json!(ids[1]));
    assert_eq!(
        env.get(&t, "/settings/recycle_bin?module=Contacts").await.0,
        StatusCode::NO_CONTENT
    );
    // Documented errors.
    let (code, b) = env.get(&t, "/settings/recycle_bin").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "REQUIRED_PARAM_MISSING");
    assert_eq!(b["details"], json!({"param_name": "filters"}));
    let (code, b) = env.get(&t, "/settings/recycle_bin?module=Bogus").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "INVALID_DATA");
    let (code, b) = env.get(&t, "/settings/recycle_bin?filters=nope").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["details"], json!({"param_name": "filters"}));
    let (code, b) = env.get(&t, "/settings/recycle_bin/1").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(b["code"], "INVALID_DATA");
    // `/deleted` keeps its own shape.
    let (_, b) = env.get(&t, "/Leads/deleted").await;
    assert!(b["data"][0].get("$owner").is_none(), "{b}");
}
