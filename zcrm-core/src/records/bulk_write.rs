//! Bulk write (`/crm/bulk/v7/write`), typed: a module's update type (or [`DynamicRecord`]s) in,
//! one outcome per row out, written once over [`Module`]. The rows are encoded as JSON, checked
//! against the module's picklists, written as a CSV inside a ZIP in a temporary file, uploaded
//! to the environment's file-upload host, imported by a job that is polled with backoff, and
//! its result file read back row by row. Past [`MAX_JOB_ROWS`] rows (Zoho's limit per file) the
//! input is imported by several jobs, one after the other.
//!
//! [`DynamicRecord`]: super::DynamicRecord

use super::backoff::Backoff;
use super::bulk_csv;
use super::{to_json, Module, RecordId, Records};
use crate::client::{encode_segment, ApiRequest};
use crate::error::{ConfigError, Error, PartialWrite, ProtocolError};
use crate::outcome::RecordOutcome;
use crate::upload::{FilePart, Multipart};
use ::http::Method;
use serde_json::{json, Map, Value};
use std::io::{Read, Seek, Write};
use std::time::Duration;

/// Where bulk write jobs are created.
const WRITE_PATH: &str = "/crm/bulk/v7/write";
/// Rows one bulk write file may hold (Zoho: 25,000).
pub const MAX_JOB_ROWS: usize = 25_000;
/// Bytes one uploaded bulk write ZIP may have (Zoho: 25 MB).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// What a bulk write does with each row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Operation {
    Insert,
    Update(String),
    Upsert(String),
}

/// A typed bulk write of one module, built by [`Records::bulk_write`] and started by
/// [`run`](Self::run).
#[derive(Debug, Clone)]
pub struct BulkWrite<M: Module> {
    records: Records<M>,
    operation: Operation,
    ignore_empty: bool,
    rows_per_job: usize,
    poll_initial: Duration,
    poll_max: Duration,
    max_wait: Duration,
}

/// What happened to one row of a bulk write, as its result file says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BulkRowStatus {
    /// A record was created.
    Added,
    /// A record was updated.
    Updated,
    /// The row was refused (see the outcome's errors).
    Skipped,
    /// The job stopped before the row.
    Unprocessed,
    /// A status this SDK does not know.
    Other(String),
}

impl BulkRowStatus {
    /// Zoho's name of the status.
    pub fn as_str(&self) -> &str {
        match self {
            BulkRowStatus::Added => "Added",
            BulkRowStatus::Updated => "Updated",
            BulkRowStatus::Skipped => "Skipped",
            BulkRowStatus::Unprocessed => "Unprocessed",
            BulkRowStatus::Other(s) => s,
        }
    }

    /// The status Zoho names `s`.
    pub fn parse(s: &str) -> BulkRowStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "added" => BulkRowStatus::Added,
            "updated" => BulkRowStatus::Updated,
            "skipped" => BulkRowStatus::Skipped,
            "unprocessed" => BulkRowStatus::Unprocessed,
            _ => BulkRowStatus::Other(s.trim().to_string()),
        }
    }
}

/// One error of a skipped row: Zoho's code and the columns (field API names) it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRowError {
    /// `INVALID_DATA`, `MANDATORY_NOT_FOUND`, ...
    pub code: String,
    /// The columns the error is about.
    pub columns: Vec<String>,
}

/// The outcome of one input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRowOutcome {
    /// The row's position in the input, from 0.
    pub row: usize,
    /// Added, updated, skipped, ...
    pub status: BulkRowStatus,
    /// The record written.
    pub record_id: Option<RecordId>,
    /// Why the row was skipped.
    pub errors: Vec<BulkRowError>,
}

impl BulkRowOutcome {
    /// Whether a record was written (added or updated).
    pub fn is_success(&self) -> bool {
        matches!(self.status, BulkRowStatus::Added | BulkRowStatus::Updated)
    }

    /// The outcome as a single write's: `SUCCESS` with the id and `action` (`insert` or
    /// `update`), or the first error's code with every error under `details.errors`.
    pub fn to_record_outcome(&self) -> RecordOutcome {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({"code": e.code, "columns": e.columns}))
            .collect();
        let success = self.is_success();
        RecordOutcome {
            code: if success {
                "SUCCESS".into()
            } else {
                self.errors
                    .first()
                    .map_or_else(|| self.status.as_str().to_uppercase(), |e| e.code.clone())
            },
            message: String::new(),
            status: if success { "success" } else { "error" }.into(),
            details: match &self.record_id {
                Some(id) => json!({"id": id.as_str(), "row": self.row, "errors": errors}),
                None => json!({"row": self.row, "errors": errors}),
            },
            action: match self.status {
                BulkRowStatus::Added => Some("insert".into()),
                BulkRowStatus::Updated => Some("update".into()),
                _ => None,
            },
            duplicate_field: None,
        }
    }
}

/// What a bulk write came to: one outcome per input row, in input order, and the jobs that
/// imported them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkWriteReport {
    /// The ids of the jobs, in order (one per [`MAX_JOB_ROWS`] rows).
    pub jobs: Vec<String>,
    /// One outcome per input row.
    pub rows: Vec<BulkRowOutcome>,
}

impl<M: Module> Records<M> {
    /// A bulk write (import) into this module: inserts by default, or updates and upserts
    /// matched by a field. Needs the scopes `ZohoCRM.bulk.CREATE` (or `.ALL`) and
    /// `ZohoFiles.files.ALL` besides the module's, field metadata for the picklist checks, and
    /// the org's id for the upload (from the signed-in user, or `ZohoCRM.org.READ`).
    pub fn bulk_write(&self) -> BulkWrite<M> {
        BulkWrite {
            records: self.clone(),
            operation: Operation::Insert,
            ignore_empty: true,
            rows_per_job: MAX_JOB_ROWS,
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            max_wait: Duration::from_secs(30 * 60),
        }
    }
}

impl<M: Module> BulkWrite<M> {
    /// Every row creates a record (the default).
    pub fn insert(mut self) -> Self {
        self.operation = Operation::Insert;
        self
    }

    /// Every row updates the record whose field `find_by` (`id`, or a unique field such as
    /// `Email`) has the row's value; rows must carry that field.
    pub fn update_by(mut self, find_by: impl Into<String>) -> Self {
        self.operation = Operation::Update(find_by.into());
        self
    }

    /// Every row updates the record whose field `find_by` has the row's value, or creates one
    /// when none has.
    pub fn upsert_by(mut self, find_by: impl Into<String>) -> Self {
        self.operation = Operation::Upsert(find_by.into());
        self
    }

    /// Whether an empty cell leaves its field as it is (`true`, the default) or clears it.
    /// With `true` a row cannot clear a field (a null is refused before sending); with
    /// `false` every row must name the same fields, since a missing one would be cleared.
    pub fn ignore_empty(mut self, on: bool) -> Self {
        self.ignore_empty = on;
        self
    }

    /// Rows per job (1 to [`MAX_JOB_ROWS`], the default); more rows make more jobs.
    pub fn rows_per_job(mut self, rows: usize) -> Self {
        self.rows_per_job = rows.clamp(1, MAX_JOB_ROWS);
        self
    }

    /// How often a job's details are asked for: after `initial`, then twice as long each time,
    /// at most `max` between asks (default 1 s and 30 s).
    pub fn poll(mut self, initial: Duration, max: Duration) -> Self {
        self.poll_initial = initial;
        self.poll_max = max.max(initial);
        self
    }

    /// How long one job may take to complete (default 30 minutes; `Duration::MAX` waits
    /// without a deadline). A job past it is an [`Error::Timeout`] naming the job, which may
    /// still complete at Zoho.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Imports `rows`: one outcome per row, in order. The rows of each job are checked before
    /// anything of that job is sent (a value a CSV cell cannot carry, a null while
    /// `ignore_empty` is on, a picklist value the field does not allow: an error naming the
    /// row and field). A job refused is [`Error::Api`]; a job Zoho failed is [`Error::Api`]
    /// with code `FAILURE`. Once a job is created, anything that goes wrong (its failure at
    /// Zoho, a wait past `max_wait`, a result that cannot be read) is an
    /// [`Error::UnknownOutcome`] naming the job: its rows may have been written. When a later
    /// job fails after earlier ones completed, the error is [`Error::PartialWrite`]: the
    /// outcomes of the completed rows (as [`RecordOutcome`]s: code `SUCCESS` with the record
    /// id, or the row's first error code), the rows of the job that failed, and as total the
    /// rows read from the input so far (the rest of the input was not read).
    ///
    /// [`RecordOutcome`]: crate::RecordOutcome
    pub async fn run<I>(self, rows: I) -> Result<BulkWriteReport, Error>
    where
        I: IntoIterator<Item = M::Update>,
    {
        let module = self.records.module.api_name().to_string();
        let mut report = BulkWriteReport {
            jobs: vec![],
            rows: vec![],
        };
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let start = report.rows.len();
            let chunk: Vec<M::Update> = rows.by_ref().take(self.rows_per_job).collect();
            let len = chunk.len();
            let encoded = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| to_json(r, &format!("$.rows[{}]", start + i), "a row"))
                .collect::<Result<Vec<Value>, _>>();
            drop(chunk);
            let done = match encoded {
                Ok(values) => self.job(&module, start, values).await,
                Err(e) => Err(e),
            };
            match done {
                Ok((job, outcomes)) => {
                    report.jobs.push(job);
                    report.rows.extend(outcomes);
                }
                Err(error) if report.jobs.is_empty() => return Err(error),
                Err(error) => {
                    return Err(Error::PartialWrite(Box::new(PartialWrite {
                        outcomes: report
                            .rows
                            .iter()
                            .map(BulkRowOutcome::to_record_outcome)
                            .collect(),
                        failed: start..start + len,
                        total: start + len,
                        error,
                    })))
                }
            }
        }
        Ok(report)
    }

    /// Imports one chunk of rows (starting at input row `start`) as one job.
    async fn job(
        &self,
        module: &str,
        start: usize,
        rows: Vec<Value>,
    ) -> Result<(String, Vec<BulkRowOutcome>), Error> {
        let client = &self.records.client;
        let columns = self.columns(&rows, start)?;
        client.validate_picklists(module, &rows).await?;
        let sent = rows.len();
        let (zip_path, zip_len) = {
            let columns = columns.clone();
            let name = format!("{module}.csv");
            tokio::task::spawn_blocking(move || write_zip(&name, &columns, &rows, start))
                .await
                .map_err(|e| {
                    Error::transport(format!("the bulk write file writer stopped: {e}"))
                })??
        };
        if zip_len > MAX_FILE_BYTES {
            return Err(ConfigError::Invalid {
                field: "rows_per_job",
                reason: format!(
                    "the file of rows {start}..{} is {zip_len} bytes compressed, more than Zoho's {MAX_FILE_BYTES}; lower rows_per_job",
                    start + sent
                ),
            }
            .into());
        }
        let file_id = self.upload(module, &zip_path).await?;
        drop(zip_path);
        let job = self.create(module, &file_id, &columns).await?;
        // From here the job exists and may have written the rows: whatever goes wrong is an
        // unknown outcome naming the job, never an error that invites sending them again.
        let outcomes = self
            .outcomes(&job, start, sent)
            .await
            .map_err(|e| Error::UnknownOutcome {
                reason: format!(
                    "bulk write job {job} was created, so its rows may have been written (look the job up by its id before sending them again), but then: {}",
                    e.report()
                ),
                status: None,
                snippet: String::new(),
            })?;
        Ok((job, outcomes))
    }

    /// Waits for job `job` and reads its result: one outcome per row of the `sent` rows from
    /// input row `start`.
    async fn outcomes(
        &self,
        job: &str,
        start: usize,
        sent: usize,
    ) -> Result<Vec<BulkRowOutcome>, Error> {
        let client = &self.records.client;
        let download_url = self.wait(job).await?;
        let file = super::bulk_read::download_zip(client, job, &download_url).await?;
        let job_id = job.to_string();
        let outcomes = tokio::task::spawn_blocking(move || read_result(file, &job_id, start))
            .await
            .map_err(|e| {
                Error::transport(format!("the bulk write result reader stopped: {e}"))
            })??;
        if outcomes.len() != sent {
            return Err(ProtocolError::OutcomeCount {
                sent,
                received: outcomes.len(),
            }
            .into());
        }
        Ok(outcomes)
    }

    /// The columns of the file: every key of the rows, in first-seen order (with the
    /// `find_by` field), checked against `ignore_empty`.
    fn columns(&self, rows: &[Value], start: usize) -> Result<Vec<String>, Error> {
        let mut columns: Vec<String> = vec![];
        for (i, row) in rows.iter().enumerate() {
            let obj = row.as_object().ok_or_else(|| {
                invalid_row(start + i, None, "encodes as something else than an object")
            })?;
            if obj.values().all(blank) {
                return Err(invalid_row(
                    start + i,
                    None,
                    "sets no field (every value is empty), and Zoho skips such a line",
                ));
            }
            for (k, v) in obj {
                if blank(v) && self.ignore_empty {
                    return Err(invalid_row(start + i, Some(k), "is empty (null, blank text or an empty list), but with ignore_empty on an empty cell leaves the field as it is; use ignore_empty(false) to clear fields"));
                }
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        if !self.ignore_empty {
            for (i, row) in rows.iter().enumerate() {
                let n = row.as_object().map_or(0, Map::len);
                if n != columns.len() {
                    let missing = columns.iter().find(|c| row.get(c.as_str()).is_none());
                    return Err(invalid_row(start + i, missing.map(String::as_str), "is not set, but with ignore_empty off its empty cell would clear the field; give every row the same fields"));
                }
            }
        }
        if let Operation::Update(by) | Operation::Upsert(by) = &self.operation {
            if by.is_empty() {
                return Err(ConfigError::Empty {
                    field: "find_by",
                    hint: "the API name of a unique field (`id`, `Email`, ...)",
                }
                .into());
            }
            if let Some(i) = rows
                .iter()
                .position(|r| r.get(by.as_str()).is_none_or(Value::is_null))
            {
                return Err(invalid_row(
                    start + i,
                    Some(by),
                    "is the find_by field, which every row of an update or upsert must carry",
                ));
            }
        }
        if columns.is_empty() {
            return Err(invalid_row(start, None, "sets no field"));
        }
        Ok(columns)
    }

    /// Uploads the ZIP to the file-upload host; its file id.
    async fn upload(&self, module: &str, zip: &tempfile::TempPath) -> Result<String, Error> {
        let client = &self.records.client;
        let zgid = client.org_zgid().await?;
        let part = FilePart::path(zip.to_path_buf())
            .with_file_name(format!("{module}.zip"))
            .content_type("application/zip");
        let req = ApiRequest::new(Method::POST, "/crm/v7/upload")
            .to_upload_host()
            .header("feature", "bulk-write")
            .header("X-CRM-ORG", zgid)
            .multipart(Multipart::new().file("file", part))
            .timeout(client.config().transfer_timeout());
        let resp = client.execute(req).await?;
        let v: Value = resp.json()?.unwrap_or(Value::Null);
        v.pointer("/details/file_id")
            .and_then(super::bulk_read::id_text)
            .ok_or_else(|| {
                resp.unknown_outcome("the upload's reply names no `details.file_id`".into())
            })
    }

    /// Creates the job; its id. Never repeated: a second job would write the rows twice.
    async fn create(
        &self,
        module: &str,
        file_id: &str,
        columns: &[String],
    ) -> Result<String, Error> {
        let mappings: Vec<Value> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| json!({"api_name": c, "index": i}))
            .collect();
        let mut resource = json!({"type": "data", "module": {"api_name": module},
            "file_id": file_id, "field_mappings": mappings});
        let operation = match &self.operation {
            Operation::Insert => "insert",
            Operation::Update(by) => {
                resource["find_by"] = json!(by);
                "update"
            }
            Operation::Upsert(by) => {
                resource["find_by"] = json!(by);
                "upsert"
            }
        };
        let body = json!({"character_encoding": "UTF-8", "operation": operation,
            "ignore_empty": self.ignore_empty, "resource": [resource]});
        let req = ApiRequest::with_body(Method::POST, WRITE_PATH, body);
        let resp = self.records.client.execute(req).await?;
        let v: Value = resp.json()?.unwrap_or(Value::Null);
        let details = v.get("details").or_else(|| v.pointer("/data/0/details"));
        details
            .and_then(|d| d.get("id"))
            .and_then(super::bulk_read::id_text)
            .ok_or_else(|| resp.unknown_outcome("the job's reply names no `details.id`".into()))
    }

    /// Polls the job until it completes; its result's `download_url`.
    async fn wait(&self, job: &str) -> Result<String, Error> {
        let mut backoff = Backoff::new(self.poll_initial, self.poll_max, self.max_wait);
        let path = format!("{WRITE_PATH}/{}", encode_segment(job));
        loop {
            let resp = self.records.client.execute(ApiRequest::get(&path)).await?;
            let details: Value = resp.json()?.unwrap_or(Value::Null);
            let details = match details.pointer("/data/0") {
                Some(d) => d.clone(),
                None => details,
            };
            let status = details
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match status.as_str() {
                "COMPLETED" => {
                    return details
                        .pointer("/result/download_url")
                        .and_then(Value::as_str)
                        .filter(|u| !u.is_empty())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            ProtocolError::Malformed {
                                what: format!(
                                "bulk write job {job} completed but names no `result.download_url`"
                            ),
                            }
                            .into()
                        })
                }
                "FAILED" | "FAILURE" => {
                    return Err(Error::Api {
                        status: resp.status,
                        code: "FAILURE".into(),
                        message: format!("bulk write job {job} failed at Zoho"),
                        details,
                    })
                }
                _ => {}
            }
            let pause = backoff.next(|| {
                format!("bulk write job {job} is still `{status}` (it may still complete at Zoho)")
            })?;
            tokio::time::sleep(pause).await;
        }
    }
}

/// Whether a value makes an empty cell: null, blank text, an empty list.
fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn invalid_row(row: usize, field: Option<&str>, what: &str) -> Error {
    ConfigError::Invalid {
        field: "rows",
        reason: match field {
            Some(f) => format!("row {row}: field `{f}` {what}"),
            None => format!("row {row} {what}"),
        },
    }
    .into()
}

/// A JSON value as a CSV cell: text, numbers and booleans as written, a lookup or user by its
/// `id`, a list of texts (multi-select) joined with `;`. Anything else (subforms, files,
/// nested objects, a `;` inside a list item) cannot travel in a cell.
pub(crate) fn cell_text(v: &Value) -> Result<String, &'static str> {
    Ok(match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => {
            match o.get("id") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(
                    "is an object without an `id`; a cell holds a lookup or user by its id only",
                ),
            }
        }
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for i in items {
                match i {
                    Value::String(s) if s.contains(';') => {
                        return Err(
                            "is a list with a value holding `;`, which separates a cell's values",
                        )
                    }
                    Value::String(s) => parts.push(s.clone()),
                    Value::Number(n) => parts.push(n.to_string()),
                    _ => return Err(
                        "is a list of objects (a subform or files), which bulk write does not take",
                    ),
                }
            }
            parts.join(";")
        }
    })
}

/// Writes the rows as `name` (a CSV with a header of `columns`) inside a ZIP in a temporary
/// file; its path and size.
fn write_zip(
    name: &str,
    columns: &[String],
    rows: &[Value],
    start: usize,
) -> Result<(tempfile::TempPath, u64), Error> {
    let io = |source: std::io::Error| Error::Io {
        what: "writing the bulk write file to a temporary file in",
        path: std::env::temp_dir().display().to_string(),
        source,
    };
    let zip_error = |e: zip::result::ZipError| io(std::io::Error::other(e));
    let file = tempfile::NamedTempFile::new().map_err(io)?;
    let (file, path) = file.into_parts();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(name, options).map_err(zip_error)?;
    {
        let mut w = csv::Writer::from_writer(&mut zip);
        let csv_error = |e: csv::Error| io(std::io::Error::other(e));
        w.write_record(columns).map_err(csv_error)?;
        let mut cells = Vec::with_capacity(columns.len());
        for (i, row) in rows.iter().enumerate() {
            cells.clear();
            for c in columns {
                let v = row.get(c.as_str()).unwrap_or(&Value::Null);
                cells.push(cell_text(v).map_err(|why| invalid_row(start + i, Some(c), why))?);
            }
            w.write_record(&cells).map_err(csv_error)?;
        }
        w.flush().map_err(io)?;
    }
    let mut out = zip.finish().map_err(zip_error)?;
    out.flush().map_err(io)?;
    let len = out.get_ref().metadata().map_err(io)?.len();
    Ok((path, len))
}

/// Reads a result ZIP: one outcome per row, numbered from `start`.
fn read_result<R: Read + Seek>(
    file: R,
    job: &str,
    start: usize,
) -> Result<Vec<BulkRowOutcome>, Error> {
    let bad = |what: String| -> Error { ProtocolError::Malformed { what }.into() };
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        bad(format!(
            "the result of bulk write job {job} is not a ZIP: {e}"
        ))
    })?;
    let index = bulk_csv::csv_entry(&mut zip, job)?;
    let entry = zip.by_index(index).map_err(|e| {
        bad(format!(
            "the result of bulk write job {job} does not read: {e}"
        ))
    })?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(entry);
    let header = reader
        .headers()
        .map_err(|e| {
            bad(format!(
                "the result CSV of bulk write job {job} does not read: {e}"
            ))
        })?
        .clone();
    // Zoho appends its columns after the input's: the last of each name is Zoho's (a custom
    // field named `STATUS` comes before it).
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let col = |name: &str| names.iter().rposition(|h| *h == name);
    let (Some(status), Some(record_id)) = (col("STATUS"), col("RECORD_ID")) else {
        return Err(bad(format!(
            "the result CSV of bulk write job {job} has no STATUS and RECORD_ID columns"
        )));
    };
    let errors = col("ERRORS");
    let mut out = vec![];
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            bad(format!(
                "row {} of bulk write job {job}'s result does not read: {e}",
                i + 1
            ))
        })?;
        let id = rec.get(record_id).unwrap_or("").trim();
        out.push(BulkRowOutcome {
            row: start + i,
            status: BulkRowStatus::parse(rec.get(status).unwrap_or("")),
            record_id: (!id.is_empty()).then(|| RecordId::from(id)),
            errors: errors
                .and_then(|e| rec.get(e))
                .map(parse_errors)
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// An `ERRORS` cell: `CODE-col,col:CODE-col`.
pub(crate) fn parse_errors(cell: &str) -> Vec<BulkRowError> {
    cell.split(':')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(|g| match g.split_once('-') {
            Some((code, cols)) => BulkRowError {
                code: code.trim().to_string(),
                columns: cols
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            None => BulkRowError {
                code: g.to_string(),
                columns: vec![],
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cells_carry_what_a_csv_can() {
        assert_eq!(cell_text(&json!("a,b\"c")).unwrap(), "a,b\"c");
        let exact: Value = serde_json::from_str("12.50").unwrap();
        assert_eq!(cell_text(&exact).unwrap(), "12.50");
        assert_eq!(cell_text(&json!(true)).unwrap(), "true");
        assert_eq!(cell_text(&json!({"id": "42", "name": "x"})).unwrap(), "42");
        assert_eq!(cell_text(&json!(["A", "B"])).unwrap(), "A;B");
        assert_eq!(cell_text(&Value::Null).unwrap(), "");
        assert!(cell_text(&json!({"name": "x"})).is_err());
        assert!(cell_text(&json!(["a;b"])).is_err());
        assert!(cell_text(&json!([{"File_Id__s": "1"}])).is_err());
    }

    #[test]
    fn errors_cells_split_by_code_and_column() {
        assert_eq!(
            parse_errors("INVALID_DATA-Email,Phone:MANDATORY_NOT_FOUND-Last_Name"),
            vec![
                BulkRowError {
                    code: "INVALID_DATA".into(),
                    columns: vec!["Email".into(), "Phone".into()]
                },
                BulkRowError {
                    code: "MANDATORY_NOT_FOUND".into(),
                    columns: vec!["Last_Name".into()]
                },
            ]
        );
        assert!(parse_errors("").is_empty());
    }

    #[test]
    fn a_written_file_reads_back_as_a_result() {
        let columns = vec!["Last_Name".to_string(), "Tags".to_string()];
        let rows = vec![
            json!({"Last_Name": "A, \"quoted\"", "Tags": ["x", "y"]}),
            json!({"Last_Name": "B\nline"}),
        ];
        let (path, len) = write_zip("Leads.csv", &columns, &rows, 0).unwrap();
        assert!(len > 0);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_index(0).unwrap().read_to_string(&mut text).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let got: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(got, [["A, \"quoted\"", "x;y"], ["B\nline", ""]]);
    }

    fn result_zip(csv: &str) -> std::io::Cursor<Vec<u8>> {
        let mut buf = std::io::Cursor::new(vec![]);
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("Leads-x.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(csv.as_bytes()).unwrap();
        z.finish().unwrap();
        buf.set_position(0);
        buf
    }

    #[test]
    fn results_read_row_by_row() {
        let csv = "Last_Name,STATUS,RECORD_ID,ERRORS\nA,Added,11,\nB,Skipped,,INVALID_DATA-Email\nC,Updated,12,\n";
        let out = read_result(result_zip(csv), "7", 100).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].row, 100);
        assert_eq!(out[0].status, BulkRowStatus::Added);
        assert_eq!(out[0].record_id, Some(RecordId::from("11")));
        assert_eq!(out[1].status, BulkRowStatus::Skipped);
        assert_eq!(out[1].errors[0].code, "INVALID_DATA");
        assert!(out[2].is_success());
        let e = read_result(result_zip("Last_Name\nA\n"), "7", 0).unwrap_err();
        assert!(e.to_string().contains("STATUS"), "{e}");
        // A field of the input named STATUS comes before Zoho's own column.
        let shadow = "STATUS,STATUS,RECORD_ID,ERRORS\nmine,added,13,\n";
        let out = read_result(result_zip(shadow), "7", 0).unwrap();
        assert_eq!(
            out[0].status,
            BulkRowStatus::Added,
            "Zoho's column, any case"
        );
        assert_eq!(out[0].record_id, Some(RecordId::from("13")));
    }

    proptest! {
        /// Any bytes as a result file, and any CSV text inside a ZIP, give outcomes or a typed
        /// error, never a panic.
        #[test]
        fn any_result_file_is_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..300), text in ".{0,300}") {
            let _ = read_result(std::io::Cursor::new(bytes), "1", 0);
            let _ = read_result(result_zip(&format!("STATUS,RECORD_ID,ERRORS\n{text}")), "1", 0);
        }

        /// Any error cell parses.
        #[test]
        fn any_errors_cell_parses(cell in ".{0,200}") {
            let _ = parse_errors(&cell);
        }
    }
}
