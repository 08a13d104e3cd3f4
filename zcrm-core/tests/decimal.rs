//! `Decimal` is exact: any decimal Zoho sends, as a JSON number or a string, decodes and encodes
//! back to the same JSON, directly and through `serde_json::Value`.

use proptest::prelude::*;
use serde_json::Value;
use std::str::FromStr;
use zcrm_core::types::Decimal;

/// JSON text -> Decimal -> JSON text, directly and through `Value` (as the SDK writes).
fn round_trips(json: &str) {
    let d: Decimal = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(serde_json::to_string(&d).unwrap(), json, "direct");
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v.to_string(), json, "encoded into a Value");
    let d = Decimal::try_from(&v).unwrap();
    assert_eq!(serde_json::to_value(&d).unwrap(), v, "decoded from a Value");
    let parsed: Value = serde_json::from_str(json).unwrap();
    assert_eq!(parsed, v, "a parsed Value keeps the digits");
}

const EXACT: [&str; 14] = [
    "12345678901234567.89",
    "0.1",
    "0.10",
    "1.50",
    "-0.000000000000000001",
    "500000",
    "-3",
    "0",
    "-0",
    "0.0000000000000000000000000001",
    // 28 and 29 significant digits.
    "1234567890123456789012345678",
    "7922816251426433759354395033.5",
    "79228162514264337593543950335",
    "-9999999999999999.999999999999",
];

#[test]
fn numbers_and_strings_round_trip_exactly() {
    for text in EXACT {
        round_trips(text);
        round_trips(&format!("\"{text}\""));
        let d = Decimal::from_str(text).unwrap();
        assert_eq!(d.to_string(), text);
        assert_eq!(
            d.value(),
            rust_decimal::Decimal::from_str_exact(text).unwrap()
        );
    }
    let d: Decimal = serde_json::from_str("12345678901234567.89").unwrap();
    assert_eq!(d.value().to_string(), "12345678901234567.89");
    assert!(!d.is_string());
    let s: Decimal = serde_json::from_str("\"12345678901234567.89\"").unwrap();
    assert!(s.is_string());
    assert_eq!(d, s, "equality is numeric");
}

#[test]
fn inside_records_and_values() {
    let body =
        r#"{"data":[{"Amount":12345678901234567.89,"Tax":"0.000000000000000001","Count":3}]}"#;
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v.to_string(), body, "a Value keeps the digits");
    let amount: Decimal = serde_json::from_value(v["data"][0]["Amount"].clone()).unwrap();
    assert_eq!(amount.to_string(), "12345678901234567.89");
    let r: zcrm_core::DynamicRecord = serde_json::from_value(v["data"][0].clone()).unwrap();
    assert_eq!(serde_json::to_string(&r).unwrap(), &body[9..body.len() - 2]);
}

#[test]
fn values_that_cannot_be_held_exactly_are_errors_not_rounded() {
    for text in [
        "79228162514264337593543950336",
        "0.00000000000000000000000000001",
        "1.00000000000000000000000000001",
        "1e-40",
        "123456789012345678901234567890e-5",
        "abc",
        "",
        "1.2.3",
    ] {
        let e = Decimal::from_str(text).unwrap_err();
        assert_eq!(e.text, text);
        let json = format!("\"{text}\"");
        let e = serde_json::from_str::<Decimal>(&json)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("`{text}`")), "{e}");
    }
    for json in ["true", "null", "[1]", "{}"] {
        assert!(serde_json::from_str::<Decimal>(json).is_err(), "{json}");
    }
}

/// Through serde from a `Value`: exact up to 15 significant digits (see the type's docs).
#[test]
fn serde_from_a_value() {
    for text in [
        "0.1",
        "100.0",
        "1500.55",
        "-0.000000000000000001",
        "123456789012345",
        "0.10",
    ] {
        let v: Value = serde_json::from_str(text).unwrap();
        let d: Decimal = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&d).unwrap(), v, "{text}");
    }
}

#[test]
fn exponents_keep_their_value() {
    let d: Decimal = serde_json::from_str("1.5E3").unwrap();
    assert_eq!(d.value(), rust_decimal::Decimal::from(1500));
    assert_eq!(serde_json::to_string(&d).unwrap(), "1.5e+3");
    let d = Decimal::from_str("-25e-3").unwrap();
    assert_eq!(d.value().to_string(), "-0.025");
}

#[test]
fn built_from_values() {
    let d = Decimal::from(rust_decimal::Decimal::new(12550, 2));
    assert_eq!(serde_json::to_string(&d).unwrap(), "125.50");
    assert_eq!(serde_json::to_string(&Decimal::from(7)).unwrap(), "7");
    assert_eq!(
        serde_json::to_string(&Decimal::from(7).quoted(true)).unwrap(),
        "\"7\""
    );
}

/// A decimal literal of at most 28 significant digits: optional sign, an integer part without
/// leading zeros, an optional fraction.
fn decimal_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "(0|[1-9][0-9]{0,15})",
        proptest::option::of("[0-9]{1,12}"),
    )
        .prop_map(|(negative, int, frac)| {
            let mut s = String::new();
            if negative {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn decode_then_encode_is_the_identity(text in decimal_text(), quoted in any::<bool>()) {
        let json = if quoted { format!("\"{text}\"") } else { text.clone() };
        let d: Decimal = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&d).unwrap(), json.clone());
        let v = serde_json::to_value(&d).unwrap();
        prop_assert_eq!(v.to_string(), json.clone());
        let d = Decimal::try_from(&v).unwrap();
        prop_assert_eq!(d.value(), rust_decimal::Decimal::from_str_exact(&text).unwrap());
        prop_assert_eq!(serde_json::to_value(&d).unwrap().to_string(), json);
    }
}

/// A decimal that came as a string Zoho accepts but JSON does not as a number (`+1.5`, `1.`,
/// `.5`) can still be written as a number: `quoted(false)` writes its value, never a JSON
/// number that does not parse.
#[test]
fn a_string_decimal_can_be_written_as_a_number() {
    for (text, number) in [
        ("+1.5", "1.5"),
        ("1.", "1"),
        (".5", "0.5"),
        ("1.50", "1.50"),
    ] {
        let d = Decimal::try_from(&Value::String(text.into()))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .quoted(false);
        let v = serde_json::to_value(&d).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(v.to_string(), number, "{text}");
        assert_eq!(Decimal::try_from(&v).unwrap(), d, "{text}");
    }
}
