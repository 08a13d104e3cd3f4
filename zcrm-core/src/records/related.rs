//! A record's related lists, typed by the related module: `Accounts/{id}/Contacts` lists the
//! related module's records (`Contact`s), `Leads/{id}/Notes` lists `Note`s. Written once over
//! [`Module`], as [`Records`] is.

use super::listing::{page_at, stream_from};
use super::{check_ids, to_json, ListParams, Module, PageCursor, RecordId, RecordPage, Records};
use crate::client::{encode_segment, ApiRequest};
use crate::error::Error;
use crate::outcome::RecordOutcome;
use ::http::Method;
use futures_util::stream::Stream;
use serde_json::json;

/// The related list `related` of one record of `M` (see [`Records::related`]).
#[derive(Debug, Clone)]
pub struct Related<M: Module, R: Module> {
    parent: Records<M>,
    id: RecordId,
    related: R,
}

impl<M: Module> Records<M> {
    /// The related list of record `id` holding records of `related` (its API name is the
    /// related list's: `Contacts` of an account, `Notes` of any record).
    pub fn related<R: Module>(&self, id: &RecordId, related: R) -> Related<M, R> {
        Related {
            parent: self.clone(),
            id: id.clone(),
            related,
        }
    }
}

impl<M: Module, R: Module> Related<M, R> {
    /// `/{module}/{id}/{related_list}`.
    fn path(&self) -> String {
        self.parent.path(&format!(
            "/{}/{}",
            encode_segment(self.id.as_str()),
            encode_segment(self.related.api_name())
        ))
    }

    /// One page of the related records at `cursor`, with where the next one starts. Zoho
    /// requires `fields` for related lists.
    pub async fn page(
        &self,
        params: &ListParams,
        cursor: &PageCursor,
    ) -> Result<RecordPage<R::Record>, Error> {
        page_at(&self.parent.client, self.path(), params, cursor).await
    }

    /// Every related record, as a stream (paged as [`Records::list`]). Past 2,000 records a
    /// listing needs the `next_page_token` Zoho hands out; a related list that goes on without
    /// one ends with an [`Error::Protocol`] rather than repeating pages.
    pub fn list(
        &self,
        params: ListParams,
    ) -> impl Stream<Item = Result<R::Record, Error>> + Send + 'static {
        stream_from(
            self.parent.client.clone(),
            self.path(),
            params,
            PageCursor::Number(1),
        )
    }

    /// Adds new records to a list that takes them (`POST`: notes to a record's `Notes`), in
    /// chunks of 100; one outcome per record. The records pass the same picklist checks as
    /// [`Records::create`]; a record that fails them is an error and nothing is sent. (Lists
    /// of existing records, such as an account's `Contacts`, take [`link`](Self::link).)
    pub async fn add(&self, records: &[R::Update]) -> Result<Vec<RecordOutcome>, Error> {
        let records = records
            .iter()
            .map(|r| to_json(r, "$.data", "a record"))
            .collect::<Result<Vec<_>, _>>()?;
        let client = &self.parent.client;
        client
            .validate_picklists(self.related.api_name(), &records)
            .await?;
        let path = self.path();
        self.parent
            .batch(&records, |chunk| {
                let mut req = ApiRequest::get(path.clone());
                req.method = Method::POST;
                req.idempotent = false;
                req.body = Some(json!({ "data": chunk }));
                req
            })
            .await
    }

    /// Links existing records of `R` to the record (`PUT` with their ids), in chunks of 100;
    /// one outcome per id.
    pub async fn link(&self, ids: &[RecordId]) -> Result<Vec<RecordOutcome>, Error> {
        check_ids(ids)?;
        let path = self.path();
        self.parent
            .batch(ids, |chunk| {
                let data: Vec<_> = chunk
                    .iter()
                    .map(|id| json!({ "id": id.as_str() }))
                    .collect();
                let mut req = ApiRequest::get(path.clone());
                req.method = Method::PUT;
                req.body = Some(json!({ "data": data }));
                req
            })
            .await
    }

    /// Unlinks records of `R` from the record (`DELETE` with their ids; the records stay), in
    /// chunks of 100; one outcome per id.
    pub async fn delink(&self, ids: &[RecordId]) -> Result<Vec<RecordOutcome>, Error> {
        check_ids(ids)?;
        let path = self.path();
        self.parent
            .batch(ids, |chunk| {
                let list: Vec<&str> = chunk.iter().map(RecordId::as_str).collect();
                let mut req = ApiRequest::get(path.clone()).query("ids", list.join(","));
                req.method = Method::DELETE;
                // A second unlink answers that the records are not linked: not retried.
                req.idempotent = false;
                req
            })
            .await
    }
}
