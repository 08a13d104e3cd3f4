//! Records of any module, written once over the [`Module`] trait: typed modules (generated in
//! `zcrm-modules`) and [`Dynamic`] modules (any name, string-keyed records) use the same code.

use crate::client::{encode_segment, ApiRequest, Client};
use crate::error::{ConfigError, Error, PartialWrite, ProtocolError};
use crate::outcome::RecordOutcome;
pub use crate::record_id::RecordId;
use ::http::Method;
use futures_util::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub(crate) mod attachments;
mod backoff;
mod bulk_csv;
mod bulk_read;
mod bulk_write;
mod convert;
mod listing;
mod mass_update;
mod paging;
mod related;

pub use attachments::{Attachment, AttachmentKind, Attachments, DELETE_CHUNK};
pub use bulk_read::BulkRead;
pub use bulk_write::{
    BulkRowError, BulkRowOutcome, BulkRowStatus, BulkWrite, BulkWriteReport, MAX_FILE_BYTES,
    MAX_JOB_ROWS,
};
pub use convert::{AttachmentsTo, Conversion, Converted};
use listing::page_bound;
pub use listing::{PageCursor, RecordPage, LISTING_CAP};
pub use mass_update::{MassUpdateJob, MassUpdateState, MassUpdateStatus, MASS_UPDATE_CHUNK};
pub use related::Related;

/// Records a write call carries at most; longer inputs are sent in chunks of this size.
pub const WRITE_CHUNK: usize = 100;
/// Records reachable with `page` alone; past this the list switches to `page_token`.
pub const PAGE_LIMIT: usize = 2000;
/// A CRM module: its API name and the types of its records.
pub trait Module: Send + Sync + Clone + 'static {
    /// A record as read.
    type Record: DeserializeOwned + Send + 'static;
    /// A record as written (create, update, upsert).
    type Update: Serialize + Send + Sync;
    /// The module's API name (`Leads`).
    fn api_name(&self) -> &str;
}

/// Any module by name; records are string-keyed maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dynamic(pub String);

impl Module for Dynamic {
    type Record = DynamicRecord;
    type Update = DynamicRecord;
    fn api_name(&self) -> &str {
        &self.0
    }
}

/// A record as a map of field API names to JSON values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DynamicRecord(pub Map<String, Value>);

impl DynamicRecord {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }
    /// The record id.
    pub fn id(&self) -> Option<RecordId> {
        RecordId::from_json(self.0.get("id")?)
    }
    /// A field's value.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field)
    }
    /// A text field's value.
    pub fn get_str(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(Value::as_str)
    }
    /// Sets a field.
    pub fn set(mut self, field: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(field.into(), value.into());
        self
    }
    /// Sets a field in place.
    pub fn insert(&mut self, field: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(field.into(), value.into());
    }
}

/// Options of a list.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// Fields to return (required by Zoho; at most 50).
    pub fields: Vec<String>,
    /// Records per page (at most 200; default 200).
    pub per_page: Option<u32>,
    /// `id`, `Created_Time` or `Modified_Time`.
    pub sort_by: Option<String>,
    /// `asc` or `desc`.
    pub sort_order: Option<String>,
    /// Request each page only once the stream has reached it. By default a stream reads one
    /// page ahead (faster; a stream dropped early may have asked for one page it never used).
    pub no_read_ahead: bool,
}

impl ListParams {
    /// Lists these fields.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Self {
        ListParams {
            fields: fields.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
}

/// What to search by.
#[derive(Debug, Clone)]
pub enum SearchQuery {
    /// `(Field:operator:value)` criteria.
    Criteria(String),
    /// Any email field equal to this.
    Email(String),
    /// Any phone field containing this.
    Phone(String),
    /// Full-text word.
    Word(String),
}

/// A deleted record (recycle bin or permanently deleted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletedRecord {
    /// The record id.
    pub id: RecordId,
    /// The record's name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `recycle` or `permanent`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// When it was deleted.
    #[serde(default)]
    pub deleted_time: Option<String>,
    /// Who deleted it.
    #[serde(default)]
    pub deleted_by: Option<Value>,
    /// Who created it.
    #[serde(default)]
    pub created_by: Option<Value>,
}

#[derive(Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) data: Vec<T>,
    #[serde(default)]
    pub(crate) info: Info,
}

#[derive(Deserialize, Default)]
pub(crate) struct Info {
    #[serde(default)]
    pub(crate) more_records: bool,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
    /// The number of records on the page, as the server counts them (anything but a
    /// non-negative integer is taken as absent).
    #[serde(default, deserialize_with = "lenient_count")]
    pub(crate) count: Option<usize>,
}

/// A page's `count` when it is a non-negative integer; anything else is ignored, as before
/// the count was read.
fn lenient_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.as_ref()
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok()))
}

#[derive(Deserialize)]
struct Outcomes {
    data: Vec<RecordOutcome>,
}

/// Operations on the records of one module.
#[derive(Debug, Clone)]
pub struct Records<M: Module> {
    pub(crate) client: Client,
    pub(crate) module: M,
}

impl Client {
    /// The records of a module.
    pub fn records<M: Module>(&self, module: M) -> Records<M> {
        Records {
            client: self.clone(),
            module,
        }
    }

    /// The records of any module by API name, as string-keyed maps.
    pub fn dynamic(&self, module: impl Into<String>) -> Records<Dynamic> {
        self.records(Dynamic(module.into()))
    }

    /// Runs a COQL query; rows as dynamic records (empty when nothing matches).
    pub async fn coql(&self, select_query: &str) -> Result<(Vec<DynamicRecord>, bool), Error> {
        let mut req = ApiRequest::with_body(
            Method::POST,
            "/coql",
            json!({ "select_query": select_query }),
        );
        req.idempotent = true;
        match self.execute(req).await?.json::<Page<DynamicRecord>>()? {
            Some(p) => Ok((p.data, p.info.more_records)),
            None => Ok((vec![], false)),
        }
    }
}

impl<M: Module> Records<M> {
    pub(crate) fn path(&self, suffix: &str) -> String {
        format!("/{}{suffix}", encode_segment(self.module.api_name()))
    }

    /// One record; `None` when Zoho answers that it does not exist (204, or `INVALID_DATA`
    /// about this id). Any other error, including other `INVALID_DATA` answers (a bad field
    /// name), is returned.
    pub async fn get(&self, id: &RecordId, fields: &[&str]) -> Result<Option<M::Record>, Error> {
        let mut req = ApiRequest::get(self.path(&format!("/{}", encode_segment(id.as_str()))));
        if !fields.is_empty() {
            req = req.query("fields", fields.join(","));
        }
        match self.client.execute(req).await {
            Ok(resp) => Ok(resp
                .json::<Page<M::Record>>()?
                .and_then(|p| p.data.into_iter().next())),
            Err(Error::Api {
                status: 400,
                code,
                message,
                details,
            }) if code == "INVALID_DATA" && names_missing_id(&message, &details, id) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends `items` in chunks of 100 (each chunk one request built by `request`) and collects
    /// one outcome per item, in order. When a chunk fails after others completed, or while
    /// others wait to be sent, the error is [`Error::PartialWrite`] with every outcome received.
    async fn batch<T>(
        &self,
        items: &[T],
        request: impl Fn(&[T]) -> ApiRequest,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.batch_by(items, WRITE_CHUNK, request).await
    }

    /// [`batch`](Self::batch) in chunks of `size`.
    pub(crate) async fn batch_by<T>(
        &self,
        items: &[T],
        size: usize,
        request: impl Fn(&[T]) -> ApiRequest,
    ) -> Result<Vec<RecordOutcome>, Error> {
        let total = items.len();
        let mut out = Vec::with_capacity(total);
        for chunk in items.chunks(size) {
            let start = out.len();
            match self.outcomes(request(chunk), chunk.len()).await {
                Ok(o) => out.extend(o),
                Err(error) if start == 0 && chunk.len() == total => return Err(error),
                Err(error) => {
                    return Err(Error::PartialWrite(Box::new(PartialWrite {
                        outcomes: out,
                        failed: start..start + chunk.len(),
                        total,
                        error,
                    })))
                }
            }
        }
        Ok(out)
    }

    /// Encodes, validates and sends records in chunks of 100; one outcome per record, in order.
    async fn write(
        &self,
        method: Method,
        suffix: &str,
        records: &[M::Update],
        extra: &Map<String, Value>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        let encoded = records
            .iter()
            .map(|r| to_json(r, "$.data", "a record"))
            .collect::<Result<Vec<Value>, _>>()?;
        // Every record is checked before the first is sent.
        self.client
            .validate_picklists(self.module.api_name(), &encoded)
            .await?;
        let path = self.path(suffix);
        self.batch(&encoded, |chunk| {
            let mut body = extra.clone();
            body.insert("data".into(), Value::Array(chunk.to_vec()));
            ApiRequest::with_body(method.clone(), path.clone(), Value::Object(body))
        })
        .await
    }

    /// Sends one chunk of a batch call and returns its per-record outcomes (also when every
    /// record of the chunk failed and Zoho answered 400 with one item per record). An answer
    /// with another number of outcomes than records sent is an error: an
    /// [`Error::UnknownOutcome`] for a create or upsert (some may have been written), an
    /// [`Error::Protocol`] otherwise.
    async fn outcomes(
        &self,
        mut req: ApiRequest,
        records: usize,
    ) -> Result<Vec<RecordOutcome>, Error> {
        req.expected_items = Some(records);
        let idempotent = req.idempotent;
        let resp = self.client.execute(req).await?;
        let data = resp.json::<Outcomes>()?.map(|o| o.data).unwrap_or_default();
        if data.len() == records {
            return Ok(data);
        }
        Err(if idempotent {
            ProtocolError::OutcomeCount {
                sent: records,
                received: data.len(),
            }
            .into()
        } else {
            resp.unknown_outcome(format!(
                "its reply (HTTP {}) carries {} outcomes for {records} records",
                resp.status,
                data.len()
            ))
        })
    }

    /// Creates records (in chunks of 100); one outcome per record, in order.
    ///
    /// Errors worth handling: [`Error::UnknownOutcome`] when a reply was lost or cut off (the
    /// records may have been created; creates are never repeated by the SDK), and
    /// [`Error::PartialWrite`] when a later chunk failed, carrying the outcomes of the chunks
    /// already written.
    pub async fn create(&self, records: &[M::Update]) -> Result<Vec<RecordOutcome>, Error> {
        self.write(Method::POST, "", records, &Map::new()).await
    }

    /// Updates records (each carries its `id`), in chunks of 100. A chunk that fails after
    /// others completed gives [`Error::PartialWrite`] with their outcomes.
    pub async fn update(&self, records: &[M::Update]) -> Result<Vec<RecordOutcome>, Error> {
        self.write(Method::PUT, "", records, &Map::new()).await
    }

    /// Inserts or updates records matched by `duplicate_check_fields` (Zoho's default order
    /// when empty), in chunks of 100. As [`create`](Self::create), a lost reply is
    /// [`Error::UnknownOutcome`] and a later failed chunk [`Error::PartialWrite`].
    pub async fn upsert(
        &self,
        records: &[M::Update],
        duplicate_check_fields: &[&str],
    ) -> Result<Vec<RecordOutcome>, Error> {
        let mut extra = Map::new();
        if !duplicate_check_fields.is_empty() {
            extra.insert(
                "duplicate_check_fields".into(),
                json!(duplicate_check_fields),
            );
        }
        self.write(Method::POST, "/upsert", records, &extra).await
    }

    /// Deletes records by id (in chunks of 100); one outcome per id. A chunk that fails after
    /// others completed gives [`Error::PartialWrite`] with their outcomes.
    ///
    /// A delete whose reply was lost is not sent again (a second answer would report the
    /// records the first one deleted as "record not deleted"): it is an
    /// [`Error::UnknownOutcome`]; look the records up before deleting again.
    ///
    /// The ids travel as one comma-separated parameter: an empty id or one holding a `,` is an
    /// [`Error::Config`] and nothing is sent (it would name other records).
    pub async fn delete(&self, ids: &[RecordId]) -> Result<Vec<RecordOutcome>, Error> {
        check_ids(ids)?;
        let path = self.path("");
        self.batch(ids, |chunk| {
            let list: Vec<&str> = chunk.iter().map(RecordId::as_str).collect();
            let mut req = ApiRequest::get(path.clone()).query("ids", list.join(","));
            req.method = Method::DELETE;
            req.idempotent = false;
            req
        })
        .await
    }

    /// Searches (at most 2,000 results, Zoho's cap), as a stream.
    pub fn search(
        &self,
        query: SearchQuery,
        fields: &[&str],
    ) -> impl Stream<Item = Result<M::Record, Error>> + Send + 'static {
        let client = self.client.clone();
        let path = self.path("/search");
        let (key, value) = match query {
            SearchQuery::Criteria(c) => ("criteria", c),
            SearchQuery::Email(e) => ("email", e),
            SearchQuery::Phone(p) => ("phone", p),
            SearchQuery::Word(w) => ("word", w),
        };
        let fields = fields.join(",");
        stream::try_unfold(Some(1u32), move |page| {
            let (client, path, value, fields) =
                (client.clone(), path.clone(), value.clone(), fields.clone());
            async move {
                let Some(p) = page else {
                    return Ok::<_, Error>(None);
                };
                let mut req = ApiRequest::get(path)
                    .query(key, value)
                    .query("page", p.to_string())
                    .query("per_page", "200");
                if !fields.is_empty() {
                    req = req.query("fields", fields);
                }
                let Some(page) = client.execute(req).await?.json::<Page<M::Record>>()? else {
                    return Ok(None);
                };
                let next =
                    (page.info.more_records && (p as usize) * 200 < PAGE_LIMIT).then_some(p + 1);
                Ok(Some((stream::iter(page.data.into_iter().map(Ok)), next)))
            }
        })
        .try_flatten()
    }

    /// Deleted records (`all`, `recycle` or `permanent`), every page. A server that keeps
    /// answering `more_records` without progress (an empty page, the same page again, more
    /// pages than Zoho's cap) ends it with an [`Error::Protocol`].
    pub async fn deleted(&self, kind: &str) -> Result<Vec<DeletedRecord>, Error> {
        let path = self.path("/deleted");
        let mut out: Vec<DeletedRecord> = vec![];
        let mut previous: Vec<RecordId> = vec![];
        for page in 1u32.. {
            if u64::from(page) > page_bound(200) {
                return Err(ProtocolError::TooManyPages {
                    path,
                    limit: page_bound(200),
                }
                .into());
            }
            let req = ApiRequest::get(path.clone())
                .query("type", kind)
                .query("page", page.to_string())
                .query("per_page", "200");
            let Some(p) = self
                .client
                .execute(req)
                .await?
                .json::<Page<DeletedRecord>>()?
            else {
                break;
            };
            let ids: Vec<RecordId> = p.data.iter().map(|d| d.id.clone()).collect();
            if p.info.more_records && (ids.is_empty() || ids == previous) {
                return Err(ProtocolError::EmptyPage {
                    path,
                    page: u64::from(page),
                }
                .into());
            }
            out.extend(p.data);
            if !p.info.more_records {
                break;
            }
            previous = ids;
        }
        Ok(out)
    }

    /// How many records match (all records without a query).
    pub async fn count(&self, query: Option<SearchQuery>) -> Result<u64, Error> {
        let mut req = ApiRequest::get(self.path("/actions/count"));
        match query {
            Some(SearchQuery::Criteria(c)) => req = req.query("criteria", c),
            Some(SearchQuery::Email(e)) => req = req.query("email", e),
            Some(SearchQuery::Phone(p)) => req = req.query("phone", p),
            Some(SearchQuery::Word(w)) => req = req.query("word", w),
            None => {}
        }
        let Some(v) = self.client.execute(req).await?.json::<Value>()? else {
            // 204: nothing matches.
            return Ok(0);
        };
        let count = v.get("count");
        count
            .and_then(|c| c.as_u64().or_else(|| c.as_str()?.parse().ok()))
            .ok_or_else(|| {
                ProtocolError::Malformed {
                    what: format!(
                        "`$.count` of the count answer is {}; a whole number of records is expected",
                        count.map_or("missing".to_string(), |c| crate::http::snippet(c.to_string().as_bytes()))
                    ),
                }
                .into()
            })
    }
}

/// Whether an `INVALID_DATA` answer to a single-record GET says that the record `id` does not
/// exist (Zoho names the id in `details.id`, or says "the id given seems to be invalid" without
/// naming another parameter).
fn names_missing_id(message: &str, details: &Value, id: &RecordId) -> bool {
    match details.get("id") {
        Some(Value::String(s)) => s == id.as_str(),
        Some(Value::Number(n)) => n.to_string() == id.as_str(),
        Some(_) => false,
        None => {
            message.contains("id given seems to be invalid")
                && details.get("param_name").is_none()
                && details.get("api_name").is_none()
        }
    }
}

/// Ids travel as one comma-separated list: an empty id or one holding a `,` would name other
/// records, so it is an [`Error::Config`] and nothing is sent.
/// `value` as JSON for a request body; `what` (at `path`) names it when it cannot be encoded.
pub(crate) fn to_json<T: Serialize + ?Sized>(
    value: &T,
    path: &str,
    what: &str,
) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Decode {
        path: path.into(),
        message: format!("{what} could not be encoded: {e}"),
        snippet: String::new(),
    })
}

pub(crate) fn check_ids(ids: &[RecordId]) -> Result<(), Error> {
    match ids
        .iter()
        .find(|id| id.as_str().is_empty() || id.as_str().contains(','))
    {
        Some(bad) => Err(ConfigError::Invalid {
            field: "ids",
            reason: format!("record id `{bad}` is empty or holds a `,`; ids are sent as one comma-separated list, so it would name other records"),
        }
        .into()),
        None => Ok(()),
    }
}
