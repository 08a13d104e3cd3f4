//! Files for file and image fields (`/crm/v7/files`): upload one, get the id a
//! `fileupload`/`imageupload` field takes (`File_Id__s`), download one by that id.

use super::{ApiRequest, Client};
use crate::download::Download;
use crate::error::{Error, ProtocolError};
use crate::records::attachments::single_outcome;
use crate::upload::{FilePart, Multipart};
use ::http::Method;

/// A file stored by [`Client::upload_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The id a file or image field takes: `{"File_Id__s": id}` in the field's list.
    pub id: String,
    /// The file's name as stored.
    pub name: String,
}

impl Client {
    /// Uploads a file for a file or image field (read as it is sent, never whole into memory)
    /// and returns its id; set it on a record as `[{"File_Id__s": id}]`. An upload is never
    /// repeated once it may have reached the server.
    pub async fn upload_file(&self, file: FilePart) -> Result<UploadedFile, Error> {
        let req = ApiRequest::new(Method::POST, "/files")
            .multipart(Multipart::new().file("file", file))
            .timeout(self.config().transfer_timeout());
        let o = single_outcome(self, req).await?;
        let text = |k: &str| {
            o.details
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        match (text("id"), text("name")) {
            (Some(id), name) if !id.is_empty() => Ok(UploadedFile {
                id,
                name: name.unwrap_or_default(),
            }),
            _ => Err(ProtocolError::Malformed {
                what: "the file was uploaded, but the answer names no id at `$.data[0].details.id`"
                    .into(),
            }
            .into()),
        }
    }

    /// The file `id` (a file or image field's `File_Id__s`) as a [`Download`].
    pub async fn download_file(&self, id: &str) -> Result<Download, Error> {
        if id.is_empty() {
            return Err(crate::error::ConfigError::Empty {
                field: "file id",
                hint: "the `File_Id__s` of a file or image field, or the id upload_file returned",
            }
            .into());
        }
        let req = ApiRequest::get("/files")
            .query("id", id)
            .timeout(self.config().transfer_timeout());
        self.execute_download(req).await
    }
}
