//! Property-test input: arbitrary JSON values, JSON shaped like Zoho's answers, and bodies
//! that are not JSON at all.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Any JSON value, nested up to four levels, with keys drawn from `keys` half of the time.
pub(crate) fn json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        "1000\\.[0-9a-f]{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(keys), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(keys).prop_map(str::to_string),
        "[a-z_$]{0,8}",
    ]
}

/// Bytes of a body: JSON (possibly cut short), or arbitrary bytes.
pub(crate) fn body(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json(keys).prop_map(|v| v.to_string().into_bytes()),
        (json(keys), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let b = v.to_string().into_bytes();
            let at = cut.index(b.len() + 1);
            b[..at].to_vec()
        }),
        prop::collection::vec(any::<u8>(), 0..256),
    ]
}

/// Keys of Zoho's answers, so that generated objects often look like real ones.
pub(crate) const ZOHO_KEYS: &[&str] = &[
    "data",
    "info",
    "code",
    "status",
    "message",
    "details",
    "id",
    "more_records",
    "next_page_token",
    "count",
    "access_token",
    "refresh_token",
    "expires_in",
    "expires_in_sec",
    "api_domain",
    "error",
    "error_description",
    "resource_path_index",
    "action",
    "duplicate_field",
];
