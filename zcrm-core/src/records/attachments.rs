//! A record's attachments (`/{module}/{id}/Attachments`) and photo (`/{module}/{id}/photo`):
//! files uploaded as they are read from disk or a stream, URLs linked, lists, downloads as
//! byte streams, deletes. Written once over [`Module`], as [`Records`] is.

use super::listing::stream_from;
use super::{check_ids, ListParams, Module, RecordId, Records};
use crate::client::{encode_segment, ApiRequest, Client};
use crate::download::Download;
use crate::error::{ConfigError, Error};
use crate::outcome::RecordOutcome;
use crate::upload::{FilePart, Multipart};
use ::http::Method;
use futures_util::stream::Stream;
use futures_util::StreamExt;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Attachment ids one delete call names at most.
pub const DELETE_CHUNK: usize = 100;

/// The fields an attachment listing asks for (Zoho requires `fields`).
const LIST_FIELDS: [&str; 8] = [
    "File_Name",
    "Size",
    "Created_Time",
    "Modified_Time",
    "Owner",
    "Created_By",
    "Modified_By",
    "Parent_Id",
];

/// What an attachment is: an uploaded file or a linked URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttachmentKind {
    /// An uploaded file (`$type: "File"`).
    File,
    /// A linked URL (`$type: "Link URL"`).
    LinkUrl,
    /// A kind this SDK does not know.
    Other(String),
}

impl AttachmentKind {
    /// The kind Zoho names `s`.
    pub fn parse(s: &str) -> AttachmentKind {
        match s {
            "File" => AttachmentKind::File,
            "Link URL" => AttachmentKind::LinkUrl,
            other => AttachmentKind::Other(other.to_string()),
        }
    }
    /// Zoho's name of the kind.
    pub fn as_str(&self) -> &str {
        match self {
            AttachmentKind::File => "File",
            AttachmentKind::LinkUrl => "Link URL",
            AttachmentKind::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for AttachmentKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| AttachmentKind::parse(&s))
    }
}

impl Serialize for AttachmentKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One attachment of a record, as a listing gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The attachment's id (what [`Attachments::download`] and [`Attachments::delete`] take).
    pub id: RecordId,
    /// The file's name (a linked URL's title).
    #[serde(rename = "File_Name", default)]
    pub file_name: Option<String>,
    /// Its size in bytes (Zoho sends it as a string).
    #[serde(rename = "Size", default, deserialize_with = "size")]
    pub size: Option<u64>,
    /// A file or a linked URL.
    #[serde(rename = "$type", default)]
    pub kind: Option<AttachmentKind>,
    /// The URL, for a linked URL.
    #[serde(rename = "$link_url", default)]
    pub link_url: Option<String>,
    /// When it was attached (ISO 8601).
    #[serde(rename = "Created_Time", default)]
    pub created_time: Option<String>,
    /// Every other key of the answer (`Owner`, `Parent_Id`, `$file_id`, ...).
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// A size given as a string of digits or a number; anything else is `None`.
fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    })
}

/// The attachments of one record of `M` (see [`Records::attachments`]).
#[derive(Debug, Clone)]
pub struct Attachments<M: Module> {
    parent: Records<M>,
    id: RecordId,
}

impl<M: Module> Records<M> {
    /// The attachments of record `id`.
    pub fn attachments(&self, id: &RecordId) -> Attachments<M> {
        Attachments {
            parent: self.clone(),
            id: id.clone(),
        }
    }

    /// `/{module}/{id}/photo`.
    fn photo_path(&self, id: &RecordId) -> Result<String, Error> {
        check_ids(std::slice::from_ref(id))?;
        Ok(self.path(&format!("/{}/photo", encode_segment(id.as_str()))))
    }

    /// Sets the photo of record `id` (modules with a photo: Leads, Contacts, Accounts, and
    /// custom modules with one), uploaded as it is read.
    pub async fn upload_photo(&self, id: &RecordId, photo: FilePart) -> Result<(), Error> {
        let req = ApiRequest::new(Method::POST, self.photo_path(id)?)
            .multipart(Multipart::new().file("file", photo))
            .timeout(self.client.config().transfer_timeout());
        single_outcome(&self.client, req).await.map(drop)
    }

    /// The photo of record `id`, as a [`Download`]; `None` when the record has none.
    pub async fn download_photo(&self, id: &RecordId) -> Result<Option<Download>, Error> {
        let req =
            ApiRequest::get(self.photo_path(id)?).timeout(self.client.config().transfer_timeout());
        let d = self.client.execute_download(req).await?;
        Ok((d.status() != 204).then_some(d))
    }

    /// Removes the photo of record `id`.
    pub async fn delete_photo(&self, id: &RecordId) -> Result<(), Error> {
        let req = ApiRequest::new(Method::DELETE, self.photo_path(id)?);
        single_outcome(&self.client, req).await.map(drop)
    }
}

impl<M: Module> Attachments<M> {
    /// `/{module}/{id}/Attachments`.
    fn path(&self) -> Result<String, Error> {
        check_ids(std::slice::from_ref(&self.id))?;
        Ok(self.parent.path(&format!(
            "/{}/Attachments",
            encode_segment(self.id.as_str())
        )))
    }

    fn client(&self) -> &Client {
        &self.parent.client
    }

    /// Uploads a file (read from its path, bytes or stream as it is sent, never whole into
    /// memory) and returns the new attachment's id. An upload is never repeated once it may
    /// have reached the server: a lost reply is [`Error::UnknownOutcome`].
    pub async fn upload(&self, file: FilePart) -> Result<RecordId, Error> {
        let req = ApiRequest::new(Method::POST, self.path()?)
            .multipart(Multipart::new().file("file", file))
            .timeout(self.client().config().transfer_timeout());
        attachment_id(single_outcome(self.client(), req).await?)
    }

    /// Attaches a link to `url` (`http` or `https`), titled `title` when given; returns the
    /// new attachment's id.
    pub async fn link(&self, url: &str, title: Option<&str>) -> Result<RecordId, Error> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 9 {
            return Err(ConfigError::Invalid {
                field: "attachmentUrl",
                reason: format!(
                    "`{}` is not an http or https URL with a host (`https://example.com/file.pdf`)",
                    url.escape_debug()
                ),
            }
            .into());
        }
        let mut req = ApiRequest::new(Method::POST, self.path()?).query("attachmentUrl", url);
        if let Some(t) = title {
            req = req.query("title", t);
        }
        attachment_id(single_outcome(self.client(), req).await?)
    }

    /// Every attachment of the record, newest first, as a stream (paged by 200).
    pub fn list(&self) -> impl Stream<Item = Result<Attachment, Error>> + Send + 'static {
        let path = self.path();
        let client = self.client().clone();
        let params = ListParams::fields(LIST_FIELDS);
        futures_util::stream::once(async move { path })
            .map(move |path| match path {
                Ok(p) => stream_from::<Attachment>(
                    client.clone(),
                    p,
                    params.clone(),
                    crate::PageCursor::Number(1),
                )
                .left_stream(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).right_stream(),
            })
            .flatten()
    }

    /// The attachment `attachment_id` as a [`Download`]: its file name, media type, and bytes
    /// to stream or save. (A linked URL downloads as the URL's text.)
    pub async fn download(&self, attachment_id: &RecordId) -> Result<Download, Error> {
        check_ids(std::slice::from_ref(attachment_id))?;
        let path = format!(
            "{}/{}",
            self.path()?,
            encode_segment(attachment_id.as_str())
        );
        let req = ApiRequest::get(path).timeout(self.client().config().transfer_timeout());
        self.client().execute_download(req).await
    }

    /// Deletes the attachment `attachment_id`.
    pub async fn delete(&self, attachment_id: &RecordId) -> Result<(), Error> {
        check_ids(std::slice::from_ref(attachment_id))?;
        let path = format!(
            "{}/{}",
            self.path()?,
            encode_segment(attachment_id.as_str())
        );
        let mut req = ApiRequest::new(Method::DELETE, path);
        req.idempotent = false;
        single_outcome(self.client(), req).await.map(drop)
    }

    /// Deletes attachments by id, in chunks of 100; one outcome per id, in order (an unknown id
    /// is an `INVALID_DATA` outcome, not an error).
    pub async fn delete_many(&self, ids: &[RecordId]) -> Result<Vec<RecordOutcome>, Error> {
        check_ids(ids)?;
        let path = self.path()?;
        self.parent
            .batch_by(ids, DELETE_CHUNK, |chunk| {
                let list: Vec<&str> = chunk.iter().map(RecordId::as_str).collect();
                let mut req =
                    ApiRequest::new(Method::DELETE, path.clone()).query("ids", list.join(","));
                req.idempotent = false;
                req
            })
            .await
    }
}

/// The one outcome of a call on a single item: `{"data":[outcome]}` or the outcome itself;
/// an error outcome is [`Error::Api`] (with the answer's status).
pub(crate) async fn single_outcome(
    client: &Client,
    req: ApiRequest,
) -> Result<RecordOutcome, Error> {
    let resp = client.execute(req).await?;
    let value: Value = match resp.json::<Value>()? {
        Some(v) => v,
        None => {
            return Err(resp.unknown_outcome(format!("its reply (HTTP {}) is empty", resp.status)))
        }
    };
    let item = match value.get("data") {
        Some(Value::Array(items)) => items.first().cloned(),
        Some(obj @ Value::Object(_)) => Some(obj.clone()),
        _ => Some(value.clone()),
    };
    let outcome = item.and_then(|i| serde_json::from_value::<RecordOutcome>(i).ok());
    match outcome {
        Some(o) if o.is_success() => Ok(o),
        Some(o) => Err(Error::Api {
            status: resp.status,
            code: o.code,
            message: o.message,
            details: o.details,
        }),
        None => {
            Err(resp.unknown_outcome(format!("its reply (HTTP {}) holds no outcome", resp.status)))
        }
    }
}

/// The new attachment's id of a successful upload or link outcome.
fn attachment_id(o: RecordOutcome) -> Result<RecordId, Error> {
    o.id().ok_or_else(|| {
        crate::error::ProtocolError::Malformed {
            what: "the attachment was added, but the answer names no id at `$.data[0].details.id`"
                .into(),
        }
        .into()
    })
}
