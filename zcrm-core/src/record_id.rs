//! [`RecordId`]: a record's id. It sits below everything that uses it (records, outcomes,
//! errors), so those never reach up into the records API for it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A record id (a string of digits on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub String);

impl RecordId {
    /// An id as Zoho sends it: a string, or a number (kept as its digits).
    pub(crate) fn from_json(v: &Value) -> Option<RecordId> {
        match v {
            Value::String(s) => Some(RecordId(s.clone())),
            Value::Number(n) => Some(RecordId(n.to_string())),
            _ => None,
        }
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for RecordId {
    fn from(s: &str) -> Self {
        RecordId(s.to_string())
    }
}

impl From<String> for RecordId {
    fn from(s: String) -> Self {
        RecordId(s)
    }
}

impl PartialEq<str> for RecordId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}
