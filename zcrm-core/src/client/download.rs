//! Streamed downloads: a request whose successful body is handed back unread
//! ([`Client::execute_download`]), or written to a temporary file chunk by chunk, never into
//! memory whole (bulk read exports). Sent as every other request is: under the concurrency
//! limit, with the access token, redirects refused, retried when safe, and one token refresh
//! on a stale-token 401.

use super::{check_path, request_span, ApiRequest, Client, Reply};
use crate::download::Download;
use crate::error::{Error, ProtocolError};
use crate::http;
use std::io::Seek;
use tracing::Instrument;

/// Writes a response body to `file`, chunk by chunk; the bytes written, or why it stopped.
async fn body_to_file(download: &mut Download, file: &mut tokio::fs::File) -> Result<u64, Error> {
    use tokio::io::AsyncWriteExt;
    let mut written = 0u64;
    while let Some(chunk) = download.chunk().await? {
        file.write_all(&chunk).await.map_err(io_error)?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(io_error)?;
    Ok(written)
}

/// A local file error while a download is written.
fn io_error(source: std::io::Error) -> Error {
    Error::Io {
        what: "writing the download to a temporary file in",
        path: std::env::temp_dir().display().to_string(),
        source,
    }
}

impl Client {
    /// Sends `req` and returns its successful body unread, as a [`Download`] to stream, save
    /// or collect. It is sent as [`execute`](Self::execute) sends (retries, token refresh,
    /// concurrency limit, whose slot the download holds until it is read or dropped); an error
    /// answer is [`Error::Api`]. A body cut off mid-way is an error of the download's reads,
    /// not fetched again.
    pub async fn execute_download(&self, req: ApiRequest) -> Result<Download, Error> {
        let span = request_span(&req);
        match self.send(req, true).instrument(span).await? {
            Reply::Streamed(resp, slot) => Ok(Download::new(resp, slot)),
            Reply::Buffered(r) => Err(ProtocolError::UnexpectedStatus { status: r.status }.into()),
        }
    }

    /// GETs `path` (below `/crm/v7`, or a full path starting with `/crm/`) and writes its
    /// successful body to an anonymous temporary file (deleted when dropped), returned
    /// rewound to its start. An error answer is [`Error::Api`], as for
    /// [`execute`](Self::execute); a download cut off is fetched again from the start, within
    /// the retry policy.
    pub async fn download_to_temp_file(&self, path: &str) -> Result<std::fs::File, Error> {
        self.download_request_to_temp_file(ApiRequest::get(path))
            .await
    }

    /// [`download_to_temp_file`](Self::download_to_temp_file) of a prepared GET (another host).
    pub(crate) async fn download_request_to_temp_file(
        &self,
        get: ApiRequest,
    ) -> Result<std::fs::File, Error> {
        check_path(&get.path)?;
        let inner = &self.inner;
        let mut retrier = http::Retrier::new(inner.config.retry(), &inner.budget);
        loop {
            retrier.start();
            let req = get.clone().timeout(inner.config.transfer_timeout());
            let mut download = self.execute_download(req).await?;
            let std_file = tempfile::tempfile().map_err(io_error)?;
            let mut file = tokio::fs::File::from_std(std_file);
            let error = match body_to_file(&mut download, &mut file).await {
                Ok(_) => {
                    retrier.succeeded();
                    let mut f = file.into_std().await;
                    f.rewind().map_err(io_error)?;
                    return Ok(f);
                }
                Err(e) => e,
            };
            // The slot goes back while waiting to fetch again.
            drop(download);
            let Some(wait) = retrier.wait_after(error.is_retryable(), None) else {
                return Err(error);
            };
            tracing::warn!(error = %error.report(), wait_ms = wait.as_millis() as u64, "the download was cut off; fetching it again");
            tokio::time::sleep(wait).await;
        }
    }
}
