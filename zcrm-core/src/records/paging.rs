//! A list page's paging details (`info`), read before its records are decoded, so that the
//! next page can be requested first.

use super::Info;
use crate::client::ApiResponse;
use crate::error::Error;
use serde::Deserialize;

/// The paging details of a page and the number of records it says it holds; `None` for an
/// empty body (204).
///
/// Zoho writes `info` after `data` (`{"data":[...],"info":{...,"count":N}}`): read from the
/// end of the body, they cost nothing like the records. Otherwise, or without a `count`, the
/// records are skipped over and counted.
/// A `count` over `per_page` is not believed: the records are counted instead.
pub(super) fn paging(resp: &ApiResponse, per_page: u32) -> Result<Option<(usize, Info)>, Error> {
    if let Some(info) = info_at_end(&resp.body) {
        if let Some(count) = info.count.filter(|&c| c <= per_page as usize) {
            return Ok(Some((count, info)));
        }
    }
    Ok(resp.json::<Skipped>()?.map(|p| (p.data.0, p.info)))
}

/// The number of records on the page, its records skipped over, not decoded.
pub(super) fn count(resp: &ApiResponse) -> Result<usize, Error> {
    Ok(resp.json::<Skipped>()?.map_or(0, |p| p.data.0))
}

/// `info` when it is the last member of the body's object, read without reading what comes
/// before it.
///
/// In valid JSON, `"info":` just after a `{` or a `,` (whitespace aside) is a key named
/// `info`: that quote opens a string (an escaped quote follows a backslash, and a quote inside
/// a string is always escaped), and a string followed by a colon is a key. When its value is
/// followed only by the closing brace of the document, that key is a member of the top-level
/// object. The body is decoded in full afterwards, so a body that is not valid JSON is still
/// an error.
pub(super) fn info_at_end(body: &[u8]) -> Option<Info> {
    const KEY: &[u8] = b"\"info\":";
    let end = body.iter().rposition(|b| !b.is_ascii_whitespace())?;
    if body[end] != b'}' {
        return None;
    }
    let at = body[..end].windows(KEY.len()).rposition(|w| w == KEY)?;
    let before = body[..at].iter().rposition(|b| !b.is_ascii_whitespace())?;
    if !matches!(body[before], b'{' | b',') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(&body[at + KEY.len()..end]);
    let info = Info::deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(info)
}

/// A page's paging details, with its records counted but not decoded.
#[derive(Deserialize)]
struct Skipped {
    #[serde(default)]
    data: Counted,
    #[serde(default)]
    info: Info,
}

/// The length of a JSON array whose items are skipped.
#[derive(Default)]
struct Counted(usize);

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Counted;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Counted, A::Error> {
                let mut n = 0;
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Counted(n))
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// What a full decode of the body finds as the top-level `info`.
    fn true_info(body: &[u8]) -> Option<(bool, Option<String>, Option<usize>)> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let i = v.get("info")?;
        let info = Info::deserialize(i).ok()?;
        Some((info.more_records, info.next_page_token, info.count))
    }

    fn read(body: &[u8]) -> Option<(bool, Option<String>, Option<usize>)> {
        info_at_end(body).map(|i| (i.more_records, i.next_page_token, i.count))
    }

    #[test]
    fn zoho_s_layout_is_read_from_the_end() {
        let body = br#"{"data":[{"id":"1","info":{"more_records":false}}],"info":{"more_records":true,"next_page_token":"t","count":1}}"#;
        assert_eq!(read(body), Some((true, Some("t".into()), Some(1))));
        let spaced = b"{\"data\": [], \"info\": {\"count\": 0} }\n";
        assert_eq!(read(spaced), Some((false, None, Some(0))));
        // A space before the colon: left to the full read.
        assert_eq!(read(b"{\"data\":[],\"info\" :{\"count\":0}}"), None);
    }

    #[test]
    fn info_first_or_inside_a_record_is_not_taken_from_the_end() {
        for body in [
            &br#"{"info":{"more_records":true,"count":1},"data":[{"id":"1"}]}"#[..],
            br#"{"data":[{"id":"1","info":{"more_records":true,"count":9}}]}"#,
            br#"{"data":[{"id":"1","x":"\"info\":{\"count\":9}"}]}"#,
            br#"{"data":[{"id":"1","info":{"count":9}}],"info":{"count":1},"x":1}"#,
            br#"{"data":[],"x\"info":{"more_records":true,"count":5}}"#,
            br#"{"data":[],"info":{"more_records":false},"x\"info":{"more_records":true}}"#,
            br#"{"data":["\\"info":{"count":5}]}"#,
            br#"{"data":[],"info":{"count":1}} }"#,
            b"",
            b"}",
        ] {
            assert_eq!(read(body), None, "{}", String::from_utf8_lossy(body));
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("info".to_string()),
            Just("\"info\":{\"count\":3}}".to_string()),
            Just("],\"info\":{}}".to_string()),
            "[a-z\"\\\\:{}\\[\\],]{0,12}",
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (0u32..500).prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::vec(
                    (prop_oneof![Just("info".to_string()), "[a-z]{1,5}"], inner),
                    0..4
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the records hold (keys named `info`, strings that look like paging
        /// details), and wherever the top-level `info` is, what is read from the end is either
        /// nothing or exactly the top-level `info`.
        #[test]
        fn the_end_is_the_top_level_info_or_nothing(
            records in prop::collection::vec(value(), 0..4),
            info in proptest::option::of((any::<bool>(), proptest::option::of("[a-z0-9]{1,8}"), proptest::option::of(0usize..300))),
            info_first in any::<bool>(),
            others in prop::collection::vec((prop_oneof![Just("x\"info"), Just("\"info"), Just("info\""), Just("x")], value()), 0..3),
            others_last in any::<bool>(),
            trailing in prop_oneof![Just(""), Just("\n"), Just(" \r\n")],
        ) {
            let data = Value::from(records);
            let info = info.map(|(m, t, c)| json!({"more_records": m, "next_page_token": t, "count": c}));
            let mut members = vec![("data", data)];
            if let Some(i) = info {
                members.push(("info", i));
            }
            if info_first {
                members.reverse();
            }
            // Other top-level members, some whose names hold `"info` (escaped in the text).
            if others_last {
                members.extend(others);
            } else {
                members.splice(0..0, others);
            }
            let body = format!(
                "{{{}}}{trailing}",
                members.iter().map(|(k, v)| format!("{}:{}", json!(k), v)).collect::<Vec<_>>().join(",")
            );
            if let Some(found) = read(body.as_bytes()) {
                prop_assert_eq!(Some(found), true_info(body.as_bytes()));
            }
        }

        /// Bytes of any kind: no panic.
        #[test]
        fn any_bytes_are_read_or_refused(body in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = info_at_end(&body);
        }
    }
}
