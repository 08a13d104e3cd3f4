//! Streamed downloads: a GET whose successful body goes to a temporary file, chunk by chunk,
//! never into memory whole (bulk read exports). Sent as every other request is: under the
//! concurrency limit, with the access token, redirects refused, retried when safe, and one
//! token refresh on a stale-token 401.

use super::{check_path, Client, API_VERSION};
use crate::error::{Error, ProtocolError};
use crate::http::{self, BodyError};
use std::io::Seek;

/// Writes a response body to `file`, chunk by chunk; the bytes written, or why it stopped.
async fn body_to_file(
    mut resp: reqwest::Response,
    file: &mut tokio::fs::File,
) -> Result<u64, Error> {
    use tokio::io::AsyncWriteExt;
    let mut written = 0u64;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                file.write_all(&chunk).await.map_err(io_error)?;
                written += chunk.len() as u64;
            }
            Ok(None) => {
                file.flush().await.map_err(io_error)?;
                return Ok(written);
            }
            Err(e) => return Err(http::transport_error(e)),
        }
    }
}

/// A local file error while a download is written.
fn io_error(e: std::io::Error) -> Error {
    Error::Transport(format!(
        "writing the download to a temporary file failed: {e}"
    ))
}

impl Client {
    /// GETs `path` (below `/crm/v7`, or a full path starting with `/crm/`) and writes its
    /// successful body to an anonymous temporary file (deleted when dropped), returned
    /// rewound to its start. An error answer is read (within `max_response_bytes`) and
    /// returned as [`Error::Api`], as for [`execute`](Self::execute); a download cut off is
    /// fetched again from the start, within the retry policy.
    pub async fn download_to_temp_file(&self, path: &str) -> Result<std::fs::File, Error> {
        check_path(path)?;
        let inner = &self.inner;
        let url = if path.starts_with("/crm/") {
            format!("{}{path}", inner.api_base)
        } else {
            format!("{}/crm/{API_VERSION}{path}", inner.api_base)
        };
        let limit = inner.config.max_response_bytes();
        let mut retrier = http::Retrier::new(inner.config.retry(), &inner.budget);
        let mut replayed = false;
        loop {
            retrier.start();
            let (error, retry_after) = {
                let limiter = self.limiter();
                let _permit = self.permit(&limiter).await?;
                let token = inner.auth.access_token().await?;
                let sent = inner
                    .http
                    .get(&url)
                    .header(
                        "Authorization",
                        format!("Zoho-oauthtoken {}", token.expose()),
                    )
                    .send()
                    .await;
                match sent {
                    Err(e) => (http::send_error(e, true), None),
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let retry_after = http::retry_after(&resp);
                        if (200..300).contains(&status) {
                            let std_file = tempfile::tempfile().map_err(io_error)?;
                            let mut file = tokio::fs::File::from_std(std_file);
                            match body_to_file(resp, &mut file).await {
                                Ok(_) => {
                                    retrier.succeeded();
                                    let mut f = file.into_std().await;
                                    f.rewind().map_err(io_error)?;
                                    return Ok(f);
                                }
                                Err(e) => (e, retry_after),
                            }
                        } else if status < 400 {
                            return Err(ProtocolError::UnexpectedStatus { status }.into());
                        } else {
                            match http::read_body(resp, limit).await {
                                Err(BodyError::TooLarge) => {
                                    (Error::ResponseTooLarge { limit, status }, None)
                                }
                                Err(BodyError::Transport(e, _)) => {
                                    (http::transport_error(e), retry_after)
                                }
                                Ok(body) => {
                                    let err = http::api_error(status, &body);
                                    let stale = matches!(
                                        err.api_code(),
                                        Some("INVALID_TOKEN" | "HTTP_ERROR")
                                    );
                                    if status == 401 && stale && !replayed {
                                        replayed = true;
                                        inner.auth.invalidate(&token);
                                        retrier.unstart();
                                        continue;
                                    }
                                    (err, retry_after)
                                }
                            }
                        }
                    }
                }
            };
            let Some(wait) = retrier.wait_after(error.is_retryable(), retry_after) else {
                return Err(error);
            };
            tracing::warn!(error = %error, wait_ms = wait.as_millis() as u64, "retrying the download");
            tokio::time::sleep(wait).await;
        }
    }
}
