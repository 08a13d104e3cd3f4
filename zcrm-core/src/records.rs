//! Records of any module, written once over the [`Module`] trait: typed modules (generated in
//! `zcrm-modules`) and [`Dynamic`] modules (any name, string-keyed records) use the same code.

use crate::client::{ApiRequest, Client};
use crate::error::Error;
use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::fmt;

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
        match self.0.get("id")? {
            Value::String(s) => Some(RecordId(s.clone())),
            Value::Number(n) => Some(RecordId(n.to_string())),
            _ => None,
        }
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

/// A record id (a string of digits on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub String);

impl RecordId {
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
        match self.details.get("id")? {
            Value::String(s) => Some(RecordId(s.clone())),
            Value::Number(n) => Some(RecordId(n.to_string())),
            _ => None,
        }
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
struct Page<T> {
    data: Vec<T>,
    #[serde(default)]
    info: Info,
}

#[derive(Deserialize, Default)]
struct Info {
    #[serde(default)]
    more_records: bool,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct Outcomes {
    data: Vec<RecordOutcome>,
}

/// Operations on the records of one module.
#[derive(Debug, Clone)]
pub struct Records<M: Module> {
    client: Client,
    module: M,
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

enum Cursor {
    Page(u32),
    Token(String),
    Done,
}

impl<M: Module> Records<M> {
    fn path(&self, suffix: &str) -> String {
        format!("/{}{suffix}", self.module.api_name())
    }

    /// Every record, as a stream: pages of `per_page`, by `page` for the first 2,000 records and
    /// by `page_token` after, each record once.
    pub fn list(
        &self,
        params: ListParams,
    ) -> impl Stream<Item = Result<M::Record, Error>> + Send + 'static {
        let client = self.client.clone();
        let path = self.path("");
        let per_page = params.per_page.unwrap_or(200).clamp(1, 200);
        let pages = stream::try_unfold(Cursor::Page(1), move |cursor| {
            let client = client.clone();
            let path = path.clone();
            let params = params.clone();
            async move {
                let mut req = ApiRequest::get(path)
                    .query("fields", params.fields.join(","))
                    .query("per_page", per_page.to_string());
                if let Some(s) = &params.sort_by {
                    req = req.query("sort_by", s.clone());
                }
                if let Some(s) = &params.sort_order {
                    req = req.query("sort_order", s.clone());
                }
                let page_no = match &cursor {
                    Cursor::Done => return Ok::<_, Error>(None),
                    Cursor::Page(p) => {
                        req = req.query("page", p.to_string());
                        Some(*p)
                    }
                    Cursor::Token(t) => {
                        req = req.query("page_token", t.clone());
                        None
                    }
                };
                let Some(page) = client.execute(req).await?.json::<Page<M::Record>>()? else {
                    return Ok(None);
                };
                let next = match (page.info.more_records, page_no) {
                    (false, _) => Cursor::Done,
                    (true, Some(p)) if (p as usize) * (per_page as usize) < PAGE_LIMIT => {
                        Cursor::Page(p + 1)
                    }
                    (true, _) => match page.info.next_page_token {
                        Some(t) => Cursor::Token(t),
                        None => Cursor::Done,
                    },
                };
                Ok(Some((stream::iter(page.data.into_iter().map(Ok)), next)))
            }
        });
        pages.try_flatten()
    }

    /// One record; `None` when Zoho answers that it does not exist.
    pub async fn get(&self, id: &RecordId, fields: &[&str]) -> Result<Option<M::Record>, Error> {
        let mut req = ApiRequest::get(self.path(&format!("/{id}")));
        if !fields.is_empty() {
            req = req.query("fields", fields.join(","));
        }
        match self.client.execute(req).await {
            Ok(resp) => Ok(resp
                .json::<Page<M::Record>>()?
                .and_then(|p| p.data.into_iter().next())),
            Err(Error::Api {
                status: 400, code, ..
            }) if code == "INVALID_DATA" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends records in chunks of 100; one outcome per record, in order. A chunk whose records
    /// all failed (HTTP 400 with one item per record) yields their outcomes, not an error.
    async fn write(
        &self,
        method: Method,
        suffix: &str,
        records: &[M::Update],
        extra: &Map<String, Value>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        let encoded = records
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<Value>, _>>()
            .map_err(|e| Error::Decode {
                path: "$.data".into(),
                message: format!("cannot encode the records: {e}"),
                snippet: String::new(),
            })?;
        // Every record is checked before the first is sent.
        self.client
            .validate_picklists(self.module.api_name(), &encoded)
            .await?;
        let mut out = Vec::with_capacity(records.len());
        for chunk in encoded.chunks(WRITE_CHUNK) {
            let mut body = extra.clone();
            body.insert("data".into(), Value::Array(chunk.to_vec()));
            let req = ApiRequest::with_body(method.clone(), self.path(suffix), Value::Object(body));
            out.extend(self.outcomes(req, chunk.len()).await?);
        }
        Ok(out)
    }

    /// Sends one chunk of a batch call and returns its per-record outcomes (also when every
    /// record of the chunk failed and Zoho answered 400 with one item per record).
    async fn outcomes(
        &self,
        mut req: ApiRequest,
        records: usize,
    ) -> Result<Vec<RecordOutcome>, Error> {
        req.expected_items = Some(records);
        Ok(self
            .client
            .execute(req)
            .await?
            .json::<Outcomes>()?
            .map(|o| o.data)
            .unwrap_or_default())
    }

    /// Creates records (in chunks of 100); one outcome per record, in order.
    pub async fn create(&self, records: &[M::Update]) -> Result<Vec<RecordOutcome>, Error> {
        self.write(Method::POST, "", records, &Map::new()).await
    }

    /// Updates records (each carries its `id`), in chunks of 100.
    pub async fn update(&self, records: &[M::Update]) -> Result<Vec<RecordOutcome>, Error> {
        self.write(Method::PUT, "", records, &Map::new()).await
    }

    /// Inserts or updates records matched by `duplicate_check_fields` (Zoho's default order
    /// when empty), in chunks of 100.
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

    /// Deletes records by id (in chunks of 100); one outcome per id.
    pub async fn delete(&self, ids: &[RecordId]) -> Result<Vec<RecordOutcome>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(WRITE_CHUNK) {
            let list: Vec<&str> = chunk.iter().map(RecordId::as_str).collect();
            let mut req = ApiRequest::get(self.path("")).query("ids", list.join(","));
            req.method = Method::DELETE;
            out.extend(self.outcomes(req, chunk.len()).await?);
        }
        Ok(out)
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

    /// Deleted records (`all`, `recycle` or `permanent`), every page.
    pub async fn deleted(&self, kind: &str) -> Result<Vec<DeletedRecord>, Error> {
        let mut out = vec![];
        for page in 1u32.. {
            let req = ApiRequest::get(self.path("/deleted"))
                .query("type", kind)
                .query("page", page.to_string())
                .query("per_page", "200");
            match self
                .client
                .execute(req)
                .await?
                .json::<Page<DeletedRecord>>()?
            {
                Some(p) => {
                    out.extend(p.data);
                    if !p.info.more_records {
                        break;
                    }
                }
                None => break,
            }
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
        let v: Option<Value> = self.client.execute(req).await?.json()?;
        Ok(v.and_then(|v| {
            v.get("count")
                .and_then(|c| c.as_u64().or_else(|| c.as_str()?.parse().ok()))
        })
        .unwrap_or(0))
    }
}
