//! The per-record outcome of a write or delete call.

use crate::error::Error;
use crate::record_id::RecordId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The result of one record of a write or delete call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordOutcome {
    /// `SUCCESS` or an error code (`INVALID_DATA`, `DUPLICATE_DATA`, ...).
    pub code: String,
    /// Zoho's message (`record added`, ...).
    #[serde(default)]
    pub message: String,
    /// `success` or `error`.
    #[serde(default)]
    pub status: String,
    /// Details: the record's id and times on success; `api_name`, `json_path` and more on error.
    #[serde(default)]
    pub details: Value,
    /// Upsert only: `insert` or `update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Upsert only: the field that matched an existing record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_field: Option<String>,
}

impl RecordOutcome {
    /// Whether the record was written.
    pub fn is_success(&self) -> bool {
        self.status == "success" || self.code == "SUCCESS"
    }
    /// The id of the record written or deleted.
    pub fn id(&self) -> Option<RecordId> {
        RecordId::from_json(self.details.get("id")?)
    }
    /// The id on success, or this outcome as an [`Error::Api`].
    pub fn into_result(self) -> Result<RecordId, Error> {
        if self.is_success() {
            if let Some(id) = self.id() {
                return Ok(id);
            }
        }
        Err(Error::Api {
            status: 400,
            code: self.code,
            message: self.message,
            details: self.details,
        })
    }
}
