//! One change applied to many records (`actions/mass_update`): by ids, done at once with one
//! outcome per id, or to every record of a custom view, as a background job. Written once over
//! [`Module`], as [`Records`] is; the change is the module's own update type.

use super::{Module, RecordId, Records};
use crate::client::ApiRequest;
use crate::error::{ConfigError, Error, ProtocolError};
use crate::outcome::RecordOutcome;
use ::http::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Ids one mass update by ids carries at most (Zoho's limit); longer lists go in chunks.
pub const MASS_UPDATE_CHUNK: usize = 500;

/// A mass update of a custom view, running in the background.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MassUpdateJob(pub String);

impl MassUpdateJob {
    /// The job id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a mass update job is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MassUpdateState {
    /// Waiting to run.
    Scheduled,
    /// Running.
    Running,
    /// Done (some records may have failed; see the counts).
    Completed,
    /// Stopped without finishing.
    Failed,
    /// A state this SDK does not know, as sent.
    Other(String),
}

impl MassUpdateState {
    /// Reads Zoho's `Status` (any text; unknown ones are [`MassUpdateState::Other`]).
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "SCHEDULED" | "ADDED" | "QUEUED" => MassUpdateState::Scheduled,
            "RUNNING" | "IN PROGRESS" | "IN_PROGRESS" => MassUpdateState::Running,
            "COMPLETED" => MassUpdateState::Completed,
            "FAILED" | "FAILURE" => MassUpdateState::Failed,
            _ => MassUpdateState::Other(s.to_string()),
        }
    }
    /// Whether the job will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self, MassUpdateState::Completed | MassUpdateState::Failed)
    }
}

/// The state and counts of a mass update job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassUpdateStatus {
    /// Where the job is.
    pub state: MassUpdateState,
    /// Records the job covers.
    pub total: u64,
    /// Records changed.
    pub updated: u64,
    /// Records left as they were (already holding the values, or locked).
    pub not_updated: u64,
    /// Records whose change was refused.
    pub failed: u64,
}

#[derive(Deserialize)]
struct StatusItem {
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "Total_Count", default)]
    total: Option<Value>,
    #[serde(rename = "Updated_Count", default)]
    updated: Option<Value>,
    #[serde(rename = "Not_Updated_Count", default)]
    not_updated: Option<Value>,
    #[serde(rename = "Failed_Count", default)]
    failed: Option<Value>,
}

#[derive(Deserialize)]
struct StatusPage {
    data: Vec<StatusItem>,
}

/// Ids a mass update by ids can take: none empty, none twice (Zoho answers once per record,
/// so a repeated id would leave the outcomes out of step with the ids).
fn check_mass_ids(ids: &[RecordId]) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if id.as_str().is_empty() {
            return Err(ConfigError::Invalid {
                field: "ids",
                reason: "a record id is empty".into(),
            }
            .into());
        }
        if !seen.insert(id.as_str()) {
            return Err(ConfigError::Invalid {
                field: "ids",
                reason: format!("record id `{id}` is given twice; each record is updated once"),
            }
            .into());
        }
    }
    Ok(())
}

/// A count Zoho sends as a number or a string of digits; anything else is malformed.
fn count(name: &str, v: &Option<Value>) -> Result<u64, Error> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or_default()),
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => Ok(s.parse().unwrap_or_default()),
        Some(other) => Err(ProtocolError::Malformed {
            what: format!("the mass update status holds `{name}` = {other}, not a count"),
        }
        .into()),
    }
}

impl<M: Module> Records<M> {
    /// Sets the fields of `changes` on the records `ids`, in chunks of 500 (Zoho's limit for a
    /// mass update by ids, applied at once); one outcome per id, in order. The change passes
    /// the same picklist checks as [`update`](Self::update) before anything is sent. A chunk
    /// that fails after others completed gives [`Error::PartialWrite`] with their outcomes.
    ///
    /// Setting the same values twice leaves the records as once, so a lost reply is retried,
    /// as for [`update`](Self::update).
    pub async fn mass_update(
        &self,
        ids: &[RecordId],
        changes: &M::Update,
    ) -> Result<Vec<RecordOutcome>, Error> {
        check_mass_ids(ids)?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let changes = self.encode_change(changes).await?;
        let path = self.path("/actions/mass_update");
        self.batch_by(ids, MASS_UPDATE_CHUNK, |chunk| {
            let ids: Vec<&str> = chunk.iter().map(RecordId::as_str).collect();
            let mut req = ApiRequest::with_body(
                Method::POST,
                path.clone(),
                json!({ "data": [changes], "ids": ids }),
            );
            req.idempotent = true;
            req
        })
        .await
    }

    /// Schedules setting the fields of `changes` on every record of the custom view `cvid`
    /// (at most 50,000); the job runs in the background. Follow it with
    /// [`mass_update_status`](Self::mass_update_status) or
    /// [`mass_update_wait`](Self::mass_update_wait). Not repeated after a lost reply (it
    /// would schedule a second job): that is an [`Error::UnknownOutcome`].
    pub async fn mass_update_view(
        &self,
        cvid: &str,
        changes: &M::Update,
    ) -> Result<MassUpdateJob, Error> {
        if cvid.is_empty() || !cvid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError::Invalid {
                field: "cvid",
                reason: format!("custom view id `{cvid}` is not a number"),
            }
            .into());
        }
        let changes = self.encode_change(changes).await?;
        let req = ApiRequest::with_body(
            Method::POST,
            self.path("/actions/mass_update"),
            json!({ "data": [changes], "cvid": cvid }),
        );
        let resp = self.client.execute(req).await?;
        // The job's id is the only handle on work that has started: an answer that does not
        // give it is an unknown outcome, not an error that invites scheduling again.
        let unknown = |why: String| {
            resp.unknown_outcome(format!(
                "the mass update answered HTTP {} {why}",
                resp.status
            ))
        };
        let body = resp
            .json::<Value>()?
            .ok_or_else(|| unknown("with no body".into()))?;
        // Zoho's documentation shows `data` as a list of one item; its OpenAPI file as one
        // object. Both are read.
        let item = match body.get("data") {
            Some(Value::Array(items)) => items.first().cloned(),
            Some(item @ Value::Object(_)) => Some(item.clone()),
            _ => None,
        }
        .ok_or_else(|| unknown("without an outcome in `data`".into()))?;
        let outcome: RecordOutcome = serde_json::from_value(item)
            .map_err(|e| unknown(format!("with an outcome that does not read: {e}")))?;
        if !outcome.is_success() && outcome.code != "SCHEDULED" {
            return Err(Error::Api {
                status: resp.status,
                code: outcome.code,
                message: outcome.message,
                details: outcome.details,
            });
        }
        match outcome.details.get("job_id") {
            Some(Value::String(s)) if !s.is_empty() => Ok(MassUpdateJob(s.clone())),
            Some(Value::Number(n)) => Ok(MassUpdateJob(n.to_string())),
            other => Err(unknown(format!(
                "with `details.job_id` = {}",
                other.map_or("nothing".to_string(), Value::to_string)
            ))),
        }
    }

    /// The state and counts of a mass update job.
    pub async fn mass_update_status(&self, job: &MassUpdateJob) -> Result<MassUpdateStatus, Error> {
        let req = ApiRequest::get(self.path("/actions/mass_update")).query("job_id", job.as_str());
        let resp = self.client.execute(req).await?;
        let item = resp
            .json::<StatusPage>()?
            .and_then(|p| p.data.into_iter().next())
            .ok_or_else(|| {
                Error::from(ProtocolError::Malformed {
                    what: format!("mass update job {} has no status in its answer", job.0),
                })
            })?;
        Ok(MassUpdateStatus {
            state: MassUpdateState::parse(&item.status),
            total: count("Total_Count", &item.total)?,
            updated: count("Updated_Count", &item.updated)?,
            not_updated: count("Not_Updated_Count", &item.not_updated)?,
            failed: count("Failed_Count", &item.failed)?,
        })
    }

    /// Asks for a job's status until it is final, waiting 500 ms and then twice as long each
    /// time (at most 10 s between asks); an [`Error::Timeout`] after `max_wait`.
    pub async fn mass_update_wait(
        &self,
        job: &MassUpdateJob,
        max_wait: Duration,
    ) -> Result<MassUpdateStatus, Error> {
        let mut backoff = super::backoff::Backoff::new(
            Duration::from_millis(500),
            Duration::from_secs(10),
            max_wait,
        );
        loop {
            let status = self.mass_update_status(job).await?;
            if status.state.is_final() {
                return Ok(status);
            }
            let pause = backoff
                .next(|| format!("mass update job {} is still {:?}", job.0, status.state))?;
            tokio::time::sleep(pause).await;
        }
    }

    /// The change as JSON, checked against the module's picklists.
    async fn encode_change(&self, changes: &M::Update) -> Result<Value, Error> {
        let value = super::to_json(changes, "$.data[0]", "the change")?;
        match &value {
            Value::Object(o) if !o.is_empty() => {}
            _ => {
                return Err(ConfigError::Invalid {
                    field: "changes",
                    reason: format!(
                        "a mass update sets at least one field; the change encodes as {value}"
                    ),
                }
                .into())
            }
        }
        self.client
            .validate_picklists(self.module.api_name(), std::slice::from_ref(&value))
            .await?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_open() {
        assert_eq!(
            MassUpdateState::parse("COMPLETED"),
            MassUpdateState::Completed
        );
        assert_eq!(
            MassUpdateState::parse("scheduled"),
            MassUpdateState::Scheduled
        );
        assert_eq!(
            MassUpdateState::parse("PAUSED"),
            MassUpdateState::Other("PAUSED".into())
        );
        assert!(!MassUpdateState::parse("PAUSED").is_final());
    }

    #[test]
    fn counts_are_numbers_or_digit_strings() {
        assert_eq!(count("x", &Some(json!(3))).unwrap(), 3);
        assert_eq!(count("x", &Some(json!("12"))).unwrap(), 12);
        assert_eq!(count("x", &None).unwrap(), 0);
        for bad in [json!(-1), json!("x"), json!(1.5), json!([])] {
            assert!(matches!(count("x", &Some(bad)), Err(Error::Protocol(_))));
        }
    }
}
