//! Bulk read (`/crm/bulk/v7/read`), typed: an export of a module's records as a stream of the
//! module's record type, written once over [`Module`]. Each page of the export is a job: it is
//! created, its details are polled with backoff until it completes, its ZIP is streamed to a
//! temporary file and its CSV read row by row on a blocking thread; `more_records` starts the
//! job of the next page, until the export ends.

use super::backoff::Backoff;
use super::bulk_csv::{self, ReadEnd};
use super::{Module, Records};
use crate::client::{ApiRequest, Client};
use crate::error::{Error, ProtocolError};
use ::http::Method;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where bulk read jobs are created.
const READ_PATH: &str = "/crm/bulk/v7/read";
/// Records handed from the reading thread ahead of the consumer, at most.
const CHANNEL_ROWS: usize = 256;
/// Pages (jobs) one export follows at most before the server is taken to make no progress.
const MAX_PAGES: u64 = 100_000;

/// A typed bulk read of one module, built by [`Records::bulk_read`] and started by
/// [`run`](Self::run).
#[derive(Debug, Clone)]
pub struct BulkRead<M: Module> {
    records: Records<M>,
    fields: Vec<String>,
    criteria: Option<Value>,
    poll_initial: Duration,
    poll_max: Duration,
    max_wait: Duration,
}

#[derive(Deserialize)]
struct Created {
    data: Vec<CreatedItem>,
}

#[derive(Deserialize)]
struct CreatedItem {
    details: CreatedDetails,
}

#[derive(Deserialize)]
struct CreatedDetails {
    id: Value,
}

#[derive(Deserialize)]
struct Details {
    data: Vec<Value>,
}

/// A completed job's `result`.
#[derive(Deserialize, Debug)]
struct JobResult {
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    count: Option<u64>,
    download_url: String,
    #[serde(default)]
    more_records: bool,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// A job or file id as text (Zoho sends it as a string; a number is taken too; an empty
/// string is none).
pub(super) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn malformed(what: String) -> Error {
    ProtocolError::Malformed { what }.into()
}

impl<M: Module> Records<M> {
    /// A bulk read of this module: every record (or those matching
    /// [`criteria`](BulkRead::criteria)), as a stream of records. Needs the scope
    /// `ZohoCRM.bulk.READ` (or `ZohoCRM.bulk.ALL`) besides the module's, and field metadata
    /// (`ZohoCRM.settings.fields.READ`) to give each column its type.
    pub fn bulk_read(&self) -> BulkRead<M> {
        BulkRead {
            records: self.clone(),
            fields: vec![],
            criteria: None,
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            max_wait: Duration::from_secs(30 * 60),
        }
    }
}

impl<M: Module> BulkRead<M> {
    /// The fields to export (API names); none exports every field of the module. The `Id`
    /// column always comes, as the record's `id`.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Exports only the records matching Zoho's criteria object (`{"field": {"api_name"},
    /// "comparator", "value"}`, or `{"group_operator", "group": [..]}`).
    pub fn criteria(mut self, criteria: Value) -> Self {
        self.criteria = Some(criteria);
        self
    }

    /// How often a job's details are asked for: after `initial`, then twice as long each time,
    /// at most `max` between asks (default 1 s and 30 s).
    pub fn poll(mut self, initial: Duration, max: Duration) -> Self {
        self.poll_initial = initial;
        self.poll_max = max.max(initial);
        self
    }

    /// How long one job may take to complete before the export ends with
    /// [`Error::Timeout`] (default 30 minutes; `Duration::MAX` waits without a deadline).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Runs the export: the records in the order of the export, each page's job created as
    /// the previous page ends. An error that ends the export (a job refused, as
    /// [`Error::Api`]; a job that failed, as [`Error::Api`] with code `FAILURE`; a job not done
    /// within [`max_wait`](Self::max_wait), as [`Error::Timeout`]; an export that is not a ZIP
    /// holding a CSV with an `Id` column, as [`Error::Protocol`]) is the stream's last item. A
    /// row that does not decode is an [`Error::Decode`] naming the job, the row and the column,
    /// and the rows after it still come.
    ///
    /// Nothing is sent before the stream is first polled. Dropping the stream stops the
    /// export: the reading thread ends at its next row, and no further job is created.
    pub fn run(self) -> impl Stream<Item = Result<M::Record, Error>> + Send + 'static {
        enum State<M: Module> {
            Start(Box<BulkRead<M>>),
            Running(mpsc::Receiver<Result<M::Record, Error>>),
        }
        stream::unfold(State::Start(Box::new(self)), |state| async move {
            let mut rx = match state {
                State::Start(read) => {
                    let (tx, rx) = mpsc::channel(CHANNEL_ROWS);
                    tokio::spawn(async move {
                        if let Err(e) = read.export(&tx).await {
                            let _ = tx.send(Err(e)).await;
                        }
                    });
                    rx
                }
                State::Running(rx) => rx,
            };
            let item = rx.recv().await?;
            Some((item, State::Running(rx)))
        })
    }

    /// Follows the export page by page, sending each record to `tx`; stops early when the
    /// receiver is gone.
    async fn export(&self, tx: &mpsc::Sender<Result<M::Record, Error>>) -> Result<(), Error> {
        let client = &self.records.client;
        let module = self.records.module.api_name().to_string();
        let fields = client.module_fields(&module).await?;
        let mut next = json!({"page": 1});
        let mut tokens = std::collections::HashSet::new();
        let mut records = 0u64;
        for pages in 1..=MAX_PAGES {
            if tx.is_closed() {
                return Ok(());
            }
            let job = self.create(&module, &next).await?;
            let result = self.wait(&job, tx).await?;
            let Some(result) = result else {
                return Ok(());
            };
            let file = download_zip(client, &job, &result.download_url).await?;
            let (meta, sender, job_id) = (fields.clone(), tx.clone(), job.clone());
            let read = tokio::task::spawn_blocking(move || {
                bulk_csv::read_export(file, &job_id, Some(meta.as_ref()), |row| {
                    sender.blocking_send(row).is_ok()
                })
            })
            .await
            .map_err(|e| Error::transport(format!("the bulk read reader stopped: {e}")))??;
            let rows = match read {
                ReadEnd::Stopped => return Ok(()),
                ReadEnd::Done(rows) => rows,
            };
            records += rows;
            if !result.more_records {
                return Ok(());
            }
            if rows == 0 {
                return Err(ProtocolError::EmptyPage {
                    path: READ_PATH.into(),
                    page: pages,
                }
                .into());
            }
            next = match result.next_page_token {
                Some(token) if !token.is_empty() => {
                    if !tokens.insert(token.clone()) {
                        return Err(ProtocolError::RepeatedPageToken {
                            path: READ_PATH.into(),
                            token,
                            records,
                        }
                        .into());
                    }
                    json!({"page_token": token})
                }
                _ => json!({"page": result.page.unwrap_or(pages) + 1}),
            };
            tracing::debug!(job = %job, rows, count = ?result.count, "bulk read page done; the export goes on");
        }
        Err(ProtocolError::TooManyPages {
            path: READ_PATH.into(),
            limit: MAX_PAGES,
        }
        .into())
    }

    /// Creates the job of one page (`page` or `page_token` in `at`); its id.
    async fn create(&self, module: &str, at: &Value) -> Result<String, Error> {
        let mut query = json!({"module": {"api_name": module}});
        if !self.fields.is_empty() {
            query["fields"] = json!(self.fields);
        }
        if let Some(c) = &self.criteria {
            query["criteria"] = c.clone();
        }
        if let Some(at) = at.as_object() {
            for (k, v) in at {
                query[k] = v.clone();
            }
        }
        let mut req = ApiRequest::with_body(
            Method::POST,
            READ_PATH,
            json!({"query": query, "file_type": "csv"}),
        );
        // A read job changes nothing: creating a second one after a lost reply is harmless.
        req.idempotent = true;
        let created = self.records.client.execute(req).await?.json::<Created>()?;
        created
            .and_then(|c| c.data.into_iter().next())
            .and_then(|i| id_text(&i.details.id))
            .ok_or_else(|| {
                malformed(
                    "the bulk read job was created but its answer carries no `data[0].details.id`"
                        .into(),
                )
            })
    }

    /// Polls a job until it completes; its result, or `None` when the receiver went away.
    async fn wait(
        &self,
        job: &str,
        tx: &mpsc::Sender<Result<M::Record, Error>>,
    ) -> Result<Option<JobResult>, Error> {
        let mut backoff = Backoff::new(self.poll_initial, self.poll_max, self.max_wait);
        let path = format!("{READ_PATH}/{}", crate::client::encode_segment(job));
        loop {
            let resp = self.records.client.execute(ApiRequest::get(&path)).await?;
            let details = resp
                .json::<Details>()?
                .and_then(|d| d.data.into_iter().next())
                .ok_or_else(|| {
                    malformed(format!(
                        "the details of bulk read job {job} carry no `data[0]`"
                    ))
                })?;
            let state = details.get("state").and_then(Value::as_str).unwrap_or("");
            match state {
                "COMPLETED" => {
                    let result = details.get("result").cloned().unwrap_or(Value::Null);
                    return serde_json::from_value::<JobResult>(result)
                        .map(Some)
                        .map_err(|e| {
                            malformed(format!(
                                "bulk read job {job} completed but its `result` does not read: {e}"
                            ))
                        });
                }
                "FAILURE" | "FAILED" => {
                    return Err(Error::Api {
                        status: resp.status,
                        code: "FAILURE".into(),
                        message: format!("bulk read job {job} failed at Zoho"),
                        details,
                    })
                }
                _ => {}
            }
            let pause = backoff.next(|| format!("bulk read job {job} is still `{state}`"))?;
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = tx.closed() => return Ok(None),
            }
        }
    }
}

/// Attempts at a job's file that downloads but does not open as a ZIP holding a CSV.
const ZIP_ATTEMPTS: u32 = 3;

/// Downloads a bulk job's file (its `download_url`) to a temporary file and checks that it
/// opens as a ZIP holding a CSV; a file that does not (cut short where HTTP cannot tell) is
/// fetched again, [`ZIP_ATTEMPTS`] times in all, before any row of it is read.
pub(crate) async fn download_zip(
    client: &Client,
    job: &str,
    url: &str,
) -> Result<std::fs::File, Error> {
    let get = download_request(client, job, url)?;
    let mut attempt = 1;
    loop {
        let mut file = client.download_request_to_temp_file(get.clone()).await?;
        let job_id = job.to_string();
        let checked = tokio::task::spawn_blocking(move || {
            bulk_csv::check_zip(&mut file, &job_id).map(|()| file)
        })
        .await
        .map_err(|e| Error::transport(format!("the bulk file check stopped: {e}")))?;
        match checked {
            Ok(file) => return Ok(file),
            Err(e @ Error::Protocol(_)) if attempt < ZIP_ATTEMPTS => {
                tracing::warn!(job, attempt, error = %e, "the bulk file does not open; fetching it again");
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Hosts of Zoho's own domains, to which a bulk job's `download_url` may point (its result
/// files are served from `download-accl.zoho.{tld}` and similar hosts): the access token goes
/// only to these, to the API domain and to the file-upload host.
const ZOHO_DOMAINS: [&str; 17] = [
    ".zoho.com",
    ".zoho.eu",
    ".zoho.in",
    ".zoho.com.au",
    ".zoho.jp",
    ".zoho.com.cn",
    ".zohocloud.ca",
    ".zoho.sa",
    ".zoho.uk",
    ".zohoapis.com",
    ".zohoapis.eu",
    ".zohoapis.in",
    ".zohoapis.com.au",
    ".zohoapis.jp",
    ".zohoapis.com.cn",
    ".zohoapis.ca",
    ".zohoapis.sa",
];

/// The request for a job's `download_url`: a path on the API domain (relative, as Zoho sends
/// read results, or absolute on the API domain), or a URL on the file-upload host or another
/// `https` host of Zoho's own domains (bulk write results). Any other host is refused, so that
/// the access token never goes there.
pub(crate) fn download_request(client: &Client, job: &str, url: &str) -> Result<ApiRequest, Error> {
    match download_target(client.api_base(), &client.upload_base(), url) {
        Ok((None, path)) => Ok(ApiRequest::get(path)),
        Ok((Some(base), path)) => Ok(ApiRequest::get(path).on_zoho_host(base)),
        Err(why) => Err(malformed(format!(
            "bulk job {job} names a download at `{url}`, {why}; the access token is not sent there"
        ))),
    }
}

/// Where a `download_url` points: `(None, path)` on the API domain, `(Some(base), path)` on
/// the upload host or a Zoho host; or why it is refused.
fn download_target(
    api: &str,
    upload: &str,
    url: &str,
) -> Result<(Option<String>, String), &'static str> {
    const ELSEWHERE: &str = "not on the API domain, the upload host or an https host of Zoho";
    if url.starts_with('/') || url.strip_prefix(api).is_some_and(|p| p.starts_with('/')) {
        let path = url.strip_prefix(api).unwrap_or(url);
        if !path.starts_with("/crm/") {
            return Err("outside /crm/ on the API domain");
        }
        return Ok((None, path.to_string()));
    }
    if let Some(path) = url.strip_prefix(upload).filter(|p| p.starts_with('/')) {
        return Ok((Some(upload.to_string()), path.to_string()));
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(ELSEWHERE);
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut parts = host.splitn(2, ':');
    let name = parts.next().unwrap_or("").to_ascii_lowercase();
    let port_ok = parts
        .next()
        .is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let valid = !name.is_empty()
        && port_ok
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !valid || !path.starts_with('/') || !ZOHO_DOMAINS.iter().any(|d| name.ends_with(d)) {
        return Err(ELSEWHERE);
    }
    Ok((Some(format!("https://{host}")), path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::download_target;

    #[test]
    fn downloads_go_only_to_zoho() {
        let (api, up) = ("https://www.zohoapis.eu", "https://content.zohoapis.eu");
        let ok = |url: &str| download_target(api, up, url).unwrap();
        assert_eq!(
            ok("/crm/bulk/v7/read/1/result"),
            (None, "/crm/bulk/v7/read/1/result".into())
        );
        assert_eq!(
            ok("https://www.zohoapis.eu/crm/bulk/v7/read/1/result").0,
            None
        );
        assert_eq!(
            ok("https://download-accl.zoho.eu/v2/crm/6001/bulk-write/9/9.zip"),
            (
                Some("https://download-accl.zoho.eu".into()),
                "/v2/crm/6001/bulk-write/9/9.zip".into()
            )
        );
        assert_eq!(ok("https://content.zohoapis.eu/x/y.zip").0, Some(up.into()));
        for bad in [
            "http://download-accl.zoho.eu/x.zip",
            "https://download.zoho.eu.evil.example/x.zip",
            "https://evilzoho.com/x.zip",
            "https://user@download-accl.zoho.com/x.zip",
            "https://download-accl.zoho.com:x/y.zip",
            "https://download-accl.zoho.com",
            "https://www.zohoapis.eu.evil.example/crm/x",
            "/other/path",
            "ftp://zoho.com/x",
            "",
        ] {
            assert!(
                download_target(api, up, bad).is_err(),
                "{bad} must be refused"
            );
        }
    }
}
