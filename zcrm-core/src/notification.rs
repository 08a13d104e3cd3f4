//! The notification Zoho POSTs to a channel's `notify_url` when a watched record changes
//! (channels are enabled with the generated `notifications` operations, `actions/watch`).
//!
//! ```
//! use zcrm_core::notification::{Notification, Operation};
//! let body = br#"{"server_time":1700000000000,"query_params":{"team":"eu"},"module":"Leads",
//!   "resource_uri":"https://www.zohoapis.com/crm/v7/Leads","ids":["3652397000001918002"],
//!   "affected_fields":[{"3652397000001918002":["Last_Name"]}],"operation":"update",
//!   "channel_id":1000000068001,"token":"my-channel-secret"}"#;
//! let n = Notification::from_slice(body).unwrap();
//! assert!(n.verify_token("my-channel-secret"));
//! assert_eq!(n.operation, Operation::Update);
//! assert_eq!(n.affected_fields[0].fields, ["Last_Name"]);
//! assert_eq!(n.channel_id, "1000000068001");
//! assert!(!format!("{n:?}").contains("my-channel-secret"));
//! ```

use crate::error::Error;
use crate::records::RecordId;
use serde_json::{Map, Value};
use std::fmt;

/// What happened to the records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Created.
    Insert,
    /// Edited.
    Update,
    /// Deleted.
    Delete,
    /// An operation this SDK does not know, as sent.
    Other(String),
}

impl Operation {
    /// Reads Zoho's `operation` (any text; unknown ones are [`Operation::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "insert" | "create" => Operation::Insert,
            "update" | "edit" => Operation::Update,
            "delete" => Operation::Delete,
            other => Operation::Other(other.to_string()),
        }
    }
}

/// The fields an edit changed on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedFields {
    /// The record.
    pub id: RecordId,
    /// API names of the changed fields.
    pub fields: Vec<String>,
}

/// The new values of one record's changed fields (sent when the channel asked for
/// `return_affected_field_values`).
#[derive(Debug, Clone, PartialEq)]
pub struct AffectedValues {
    /// The record.
    pub id: RecordId,
    /// Field API name to new value.
    pub values: Map<String, Value>,
}

/// One notification, as Zoho POSTs it. Keys this type does not name are kept in `extra`.
#[derive(Clone, PartialEq)]
pub struct Notification {
    /// The channel it was sent for (Zoho sends a number; kept as its digits).
    pub channel_id: String,
    /// The module the records belong to (`Leads`).
    pub module: String,
    /// What happened.
    pub operation: Operation,
    /// The records concerned.
    pub ids: Vec<RecordId>,
    /// For edits: the fields changed, per record.
    pub affected_fields: Vec<AffectedFields>,
    /// For edits of a channel with `return_affected_field_values`: the new values.
    pub affected_values: Vec<AffectedValues>,
    /// When Zoho sent it, in milliseconds since the Unix epoch.
    pub server_time: Option<i64>,
    /// The module's API URL.
    pub resource_uri: Option<String>,
    /// The query parameters of the channel's `notify_url`.
    pub query_params: Map<String, Value>,
    token: Option<String>,
    /// Keys not named above, as sent.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("channel_id", &self.channel_id)
            .field("module", &self.module)
            .field("operation", &self.operation)
            .field("ids", &self.ids)
            .field("affected_fields", &self.affected_fields)
            .field("affected_values", &self.affected_values)
            .field("server_time", &self.server_time)
            .field("resource_uri", &self.resource_uri)
            .field("query_params", &self.query_params)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("extra", &self.extra)
            .finish()
    }
}

/// A malformed notification: what is wrong and where. No part of the body is kept: it carries
/// the channel's token, which must not reach an error message or a log.
fn bad(path: &str, message: impl Into<String>, _body: &[u8]) -> Error {
    Error::Decode {
        path: path.into(),
        message: format!("not a notification: {}", message.into()),
        snippet: String::new(),
    }
}

/// An id Zoho sends as a string of digits or a number.
fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.as_u64().is_some() => Some(n.to_string()),
        _ => None,
    }
}

impl Notification {
    /// Decodes a notification body. A body that is not such a JSON object, or whose
    /// `channel_id`, `module`, `operation`, `ids`, `affected_fields` or `affected_values` have
    /// another shape, is an [`Error::Decode`] naming the key; other keys are kept as sent.
    pub fn from_slice(body: &[u8]) -> Result<Notification, Error> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| bad("$", format!("not JSON: {e}"), body))?;
        let Value::Object(mut map) = value else {
            return Err(bad("$", "a notification is a JSON object", body));
        };
        let mut take = |key: &str| map.remove(key);
        let channel_id = match take("channel_id") {
            Some(v) => id_of(&v).ok_or_else(|| {
                bad(
                    "$.channel_id",
                    format!("`{v}` is not a channel id (a number or a string of digits)"),
                    body,
                )
            })?,
            None => return Err(bad("$.channel_id", "missing", body)),
        };
        let module = match take("module") {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(v) => return Err(bad("$.module", format!("`{v}` is not a module name"), body)),
            None => return Err(bad("$.module", "missing", body)),
        };
        let operation = match take("operation") {
            Some(Value::String(s)) => Operation::parse(&s),
            Some(v) => return Err(bad("$.operation", format!("`{v}` is not text"), body)),
            None => return Err(bad("$.operation", "missing", body)),
        };
        let ids = match take("ids") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    id_of(v).map(RecordId).ok_or_else(|| {
                        bad(
                            &format!("$.ids[{i}]"),
                            format!("`{v}` is not a record id"),
                            body,
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(v) => return Err(bad("$.ids", format!("`{v}` is not a list of ids"), body)),
        };
        let affected_fields = match take("affected_fields") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => {
                let mut out = vec![];
                for (i, item) in a.iter().enumerate() {
                    let path = format!("$.affected_fields[{i}]");
                    let Value::Object(per_record) = item else {
                        return Err(bad(
                            &path,
                            "expected an object of record id to field names",
                            body,
                        ));
                    };
                    for (id, fields) in per_record {
                        let fields = fields
                            .as_array()
                            .and_then(|f| {
                                f.iter()
                                    .map(|x| x.as_str().map(str::to_string))
                                    .collect::<Option<Vec<_>>>()
                            })
                            .ok_or_else(|| {
                                bad(
                                    &format!("{path}.{id}"),
                                    "expected a list of field names",
                                    body,
                                )
                            })?;
                        out.push(AffectedFields {
                            id: RecordId(id.clone()),
                            fields,
                        });
                    }
                }
                out
            }
            Some(v) => {
                return Err(bad(
                    "$.affected_fields",
                    format!("`{v}` is not a list"),
                    body,
                ))
            }
        };
        let affected_values = match take("affected_values") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => {
                let mut out = vec![];
                for (i, item) in a.iter().enumerate() {
                    let path = format!("$.affected_values[{i}]");
                    let id = item
                        .get("record_id")
                        .or_else(|| item.get("id"))
                        .and_then(id_of)
                        .ok_or_else(|| bad(&path, "expected `record_id`", body))?;
                    let values = match item.get("values") {
                        Some(Value::Object(v)) => v.clone(),
                        None | Some(Value::Null) => Map::new(),
                        Some(_) => {
                            return Err(bad(&format!("{path}.values"), "expected an object", body))
                        }
                    };
                    out.push(AffectedValues {
                        id: RecordId(id),
                        values,
                    });
                }
                out
            }
            Some(v) => {
                return Err(bad(
                    "$.affected_values",
                    format!("`{v}` is not a list"),
                    body,
                ))
            }
        };
        let server_time = match take("server_time") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(Value::String(s)) if s.parse::<i64>().is_ok() => s.parse().ok(),
            Some(v) => {
                return Err(bad(
                    "$.server_time",
                    format!("`{v}` is not milliseconds"),
                    body,
                ))
            }
        };
        let resource_uri = match take("resource_uri") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(v) => return Err(bad("$.resource_uri", format!("`{v}` is not text"), body)),
        };
        let query_params = match take("query_params") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(o)) => o,
            Some(v) => {
                return Err(bad(
                    "$.query_params",
                    format!("`{v}` is not an object"),
                    body,
                ))
            }
        };
        let token = match take("token") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            // The value is not shown: it is the channel's shared secret.
            Some(_) => return Err(bad("$.token", "not text", &[])),
        };
        Ok(Notification {
            channel_id,
            module,
            operation,
            ids,
            affected_fields,
            affected_values,
            server_time,
            resource_uri,
            query_params,
            token,
            extra: map,
        })
    }

    /// Whether the notification carries the token the channel was enabled with (compared in
    /// constant time). An empty `expected` matches nothing (an unset secret must not accept
    /// every request); see [`has_token`](Self::has_token) for channels enabled without one.
    pub fn verify_token(&self, expected: &str) -> bool {
        if expected.is_empty() {
            return false;
        }
        let got = self.token.as_deref().unwrap_or("");
        let (a, b) = (got.as_bytes(), expected.as_bytes());
        let mut diff = a.len() ^ b.len();
        for i in 0..a.len().max(b.len()) {
            diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }

    /// Whether the notification carries a token at all (a channel enabled without one sends
    /// none; such notifications cannot be told from forged ones).
    pub fn has_token(&self) -> bool {
        self.token.as_deref().is_some_and(|t| !t.is_empty())
    }

    /// Whether the notification is about records of `module`.
    pub fn is_for<M: crate::records::Module>(&self, module: &M) -> bool {
        self.module == module.api_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_malformed_key_is_named() {
        let good = json!({"channel_id":"1","module":"Leads","operation":"insert","ids":["5"]});
        assert!(Notification::from_slice(good.to_string().as_bytes()).is_ok());
        for (key, value) in [
            ("channel_id", json!(-1)),
            ("channel_id", json!(null)),
            ("module", json!(1)),
            ("operation", json!([])),
            ("ids", json!([true])),
            ("ids", json!("5")),
            ("affected_fields", json!([{"5": "Last_Name"}])),
            ("affected_fields", json!(["x"])),
            ("affected_values", json!([{"values": {}}])),
            ("server_time", json!("soon")),
            ("query_params", json!([])),
            ("token", json!(12)),
        ] {
            let mut body = good.clone();
            body[key] = value.clone();
            let err = Notification::from_slice(body.to_string().as_bytes()).unwrap_err();
            let Error::Decode { path, .. } = &err else {
                panic!("{err:?}")
            };
            assert!(
                path.starts_with(&format!("$.{key}")),
                "{key}={value}: {path}"
            );
        }
    }

    #[test]
    fn tokens_compare_whole() {
        let n = Notification::from_slice(
            br#"{"channel_id":1,"module":"Leads","operation":"delete","token":"abc"}"#,
        )
        .unwrap();
        assert!(n.verify_token("abc"));
        for wrong in ["", "ab", "abcd", "abd"] {
            assert!(!n.verify_token(wrong), "{wrong}");
        }
        let none =
            Notification::from_slice(br#"{"channel_id":1,"module":"Leads","operation":"delete"}"#)
                .unwrap();
        assert!(
            !none.verify_token(""),
            "an empty expected token matches nothing"
        );
        assert!(!none.verify_token("abc"));
        assert!(n.has_token() && !none.has_token());
    }

    #[test]
    fn the_token_is_never_echoed() {
        for body in [
            r#"{"channel_id":1,"module":"Leads","operation":"x","token":["s3cret"]}"#,
            r#"{"channel_id":1,"module":"Leads","operation":"delete","ids":[true],"token":"s3cret"}"#,
            r#"{"token":"s3cret","channel_id":[],"module":"Leads","operation":"x"}"#,
            r#"{"token":"s3cret","#,
        ] {
            let err = Notification::from_slice(body.as_bytes()).unwrap_err();
            assert!(
                !format!("{err} {err:?}").contains("s3cret"),
                "{body}: {err}"
            );
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "channel_id",
            "module",
            "operation",
            "ids",
            "affected_fields",
            "affected_values",
            "server_time",
            "resource_uri",
            "query_params",
            "token",
            "record_id",
            "values",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(5_000))]
            /// Any bytes: a notification or an error, never a panic.
            #[test]
            fn any_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
                let _ = Notification::from_slice(&body);
            }

            /// Any JSON shaped like a notification (its keys with values of any type): decoded
            /// or refused with a path under `$`, never a panic.
            #[test]
            fn any_json(kv in proptest::collection::btree_map(proptest::sample::select(KEYS), crate::arbitrary::json(KEYS), 0..10)) {
                let v = Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
                match Notification::from_slice(v.to_string().as_bytes()) {
                    Ok(n) => prop_assert_eq!(n.ids.len(), v.get("ids").and_then(Value::as_array).map_or(0, Vec::len)),
                    Err(Error::Decode { path, .. }) => prop_assert!(path.starts_with('$')),
                    Err(e) => prop_assert!(false, "unexpected error {e:?}"),
                }
            }

            /// A well-formed notification keeps every id, changed field and unknown key it was
            /// sent.
            #[test]
            fn well_formed(ids in proptest::collection::vec("[0-9]{1,19}", 0..20), op in "[a-z]{1,8}", field in "[A-Za-z_]{1,12}", extra in "[a-z]{1,8}") {
                let affected: Vec<Value> = ids.iter().map(|id| json!({ id.as_str(): [field.as_str()] })).collect();
                let mut body = json!({"channel_id": "7", "module": "Deals", "operation": op, "ids": ids, "affected_fields": affected});
                body[format!("x_{}", extra)] = json!(true);
                let n = Notification::from_slice(body.to_string().as_bytes()).unwrap();
                prop_assert_eq!(n.ids.iter().map(|i| i.0.clone()).collect::<Vec<_>>(), ids.clone());
                prop_assert_eq!(n.affected_fields.len(), ids.len());
                prop_assert!(n.affected_fields.iter().all(|a| a.fields == [field.clone()]));
                let key = format!("x_{extra}");
                prop_assert!(n.extra.contains_key(&key));
            }
        }
    }
}
