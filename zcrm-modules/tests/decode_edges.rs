//! The generated decoders read records straight from the JSON text: what they make of repeated
//! keys, `null`s, unknown keys and input that is not a record.

use serde_json::{json, Value};
use zcrm_modules::leads::Lead;

#[test]
fn nulls_unknown_keys_and_repeats_round_trip() {
    let text = r#"{"Last_Name":"Doe","Email":null,"Custom__c":{"a":[1,2.50]},"id":"42","Rating":"Active"}"#;
    let lead: Lead = serde_json::from_str(text).unwrap();
    assert_eq!(lead.last_name.as_deref(), Some("Doe"));
    assert!(lead.email.is_none());
    assert_eq!(lead.extra.len(), 1, "only undeclared keys land in extra");
    assert_eq!(lead.extra["Custom__c"].to_string(), r#"{"a":[1,2.50]}"#);
    let back: Value = serde_json::to_value(&lead).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
    assert!(serde_json::to_string(&lead).unwrap().contains("2.50"));

    // A key given twice keeps its last value, as a JSON map does; null then a value is a value.
    let lead: Lead =
        serde_json::from_str(r#"{"Email":null,"Email":"a@b.example","Phone":"1","Phone":null}"#)
            .unwrap();
    assert_eq!(lead.email.as_deref(), Some("a@b.example"));
    assert!(lead.phone.is_none());
    assert_eq!(
        serde_json::to_value(&lead).unwrap(),
        json!({"Email": "a@b.example", "Phone": null})
    );
}

#[test]
fn bad_input_names_the_field_or_the_shape() {
    let e = serde_json::from_str::<Lead>(r#"{"Last_Name": 5}"#).unwrap_err();
    assert!(e.to_string().contains("field `Last_Name`"), "{e}");
    let e = serde_json::from_str::<Lead>(r#"["Last_Name"]"#).unwrap_err();
    assert!(e.to_string().contains("a Lead object"), "{e}");
    let e = serde_json::from_str::<Lead>(r#"{"Last_Name": "Doe""#).unwrap_err();
    assert!(e.is_eof(), "{e}");
    // Through a Value too (the dynamic path hands records over this way).
    let lead: Lead = serde_json::from_value(json!({"No_of_Employees": 12, "x": true})).unwrap();
    assert_eq!(lead.no_of_employees, Some(12));
    assert_eq!(lead.extra["x"], json!(true));
}

/// A number JSON cannot carry (NaN, an infinity) is an error before anything is sent, never a
/// `null` that would clear the field.
#[test]
fn non_finite_numbers_are_refused_not_sent_as_null() {
    use zcrm_modules::leads::LeadUpdate;
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = serde_json::to_value(LeadUpdate::new().last_name("A").lead_score(x)).unwrap_err();
        assert!(e.to_string().contains("Lead_Score"), "{e}");
    }
    let ok = serde_json::to_value(LeadUpdate::new().lead_score(12.0)).unwrap();
    assert_eq!(ok["Lead_Score"], serde_json::json!(12));
}
