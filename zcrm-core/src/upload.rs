//! Request bodies that are files: `multipart/form-data` whose file parts stream from a path,
//! from bytes already in memory, or from any [`AsyncRead`], never read whole into memory.
//!
//! ```no_run
//! # async fn demo(client: zcrm_core::Client) -> Result<(), zcrm_core::Error> {
//! use zcrm_core::upload::{FilePart, Multipart};
//! use zcrm_core::{ApiRequest, Method};
//!
//! let form = Multipart::new().file("file", FilePart::path("contract.pdf"));
//! let req = ApiRequest::new(Method::POST, "/Leads/5725767000000524157/Attachments").multipart(form);
//! client.execute(req).await?;
//! # Ok(()) }
//! ```
//!
//! A part from a path or from bytes can be sent again (after a 429 or a stale-token 401, the
//! answers that say the server did not take the request); a part from a reader is read once,
//! so such a request is never repeated and those answers are returned as errors.

use crate::error::{ConfigError, Error};
use bytes::Bytes;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncRead;

/// Bytes read from a file or a reader per chunk sent.
const CHUNK: usize = 64 * 1024;

/// A boxed reader an upload streams from.
type Reader = Pin<Box<dyn AsyncRead + Send + 'static>>;

#[derive(Clone)]
enum Source {
    Path(PathBuf),
    Bytes(Bytes),
    /// Taken by the first send (of this part or of any clone of it).
    Reader(Arc<Mutex<Option<Reader>>>, Option<u64>),
}

/// One file of a [`Multipart`] body: its name as the server will store it, its media type, and
/// where its bytes come from. A clone of a part read from a reader shares the reader: the
/// first send of either takes it.
#[derive(Clone)]
pub struct FilePart {
    file_name: String,
    content_type: String,
    source: Source,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Source::Path(p) => format!("path {}", p.display()),
            Source::Bytes(b) => format!("{} bytes in memory", b.len()),
            Source::Reader(_, len) => match len {
                Some(n) => format!("a reader of {n} bytes"),
                None => "a reader".into(),
            },
        };
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("source", &source)
            .finish()
    }
}

impl FilePart {
    /// The file at `path`, read as it is sent; its name is the path's last component. The file
    /// is opened when the request is sent (an error then is [`Error::Io`]).
    pub fn path(path: impl Into<PathBuf>) -> FilePart {
        let path = path.into();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        FilePart {
            file_name,
            content_type: octet_stream(),
            source: Source::Path(path),
        }
    }

    /// Bytes already in memory, sent as a file named `file_name`.
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> FilePart {
        FilePart {
            file_name: file_name.into(),
            content_type: octet_stream(),
            source: Source::Bytes(bytes.into()),
        }
    }

    /// A file named `file_name` read from `reader` as it is sent. With `len` the body has a
    /// `Content-Length` (and a reader that ends early or runs long fails the request); without
    /// it the body is sent chunked. A request with a reader part is sent once at most.
    pub fn reader(
        file_name: impl Into<String>,
        reader: impl AsyncRead + Send + 'static,
        len: Option<u64>,
    ) -> FilePart {
        FilePart {
            file_name: file_name.into(),
            content_type: octet_stream(),
            source: Source::Reader(Arc::new(Mutex::new(Some(Box::pin(reader)))), len),
        }
    }

    /// Sets the media type (`application/octet-stream` unless set).
    pub fn content_type(mut self, content_type: impl Into<String>) -> FilePart {
        self.content_type = content_type.into();
        self
    }

    /// The file name the server will store.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Overrides the file name (a path's is its last component).
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> FilePart {
        self.file_name = file_name.into();
        self
    }

    /// The local path, for a part read from a file.
    pub fn local_path(&self) -> Option<&Path> {
        match &self.source {
            Source::Path(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the part can be sent again (a path or bytes; a reader cannot once taken).
    fn replayable(&self) -> bool {
        match &self.source {
            Source::Path(_) | Source::Bytes(_) => true,
            Source::Reader(r, _) => r.lock().unwrap_or_else(|e| e.into_inner()).is_some(),
        }
    }

    /// Checks the name and media type: they go into the part's headers, so they must be
    /// non-empty single-line text without quotes.
    fn check(&self) -> Result<(), Error> {
        let bad = |field: &'static str, reason: String| -> Result<(), Error> {
            Err(ConfigError::Invalid { field, reason }.into())
        };
        let name = &self.file_name;
        if name.trim().is_empty() {
            return bad(
                "file_name",
                "an uploaded file needs a non-empty name (FilePart::with_file_name)".into(),
            );
        }
        if name.chars().any(|c| c.is_control() || c == '"') {
            return bad(
                "file_name",
                format!("`{}` holds a control character or a double quote, which a part's header cannot carry", name.escape_debug()),
            );
        }
        if self
            .content_type
            .parse::<reqwest::header::HeaderValue>()
            .is_err()
            || !self.content_type.contains('/')
        {
            return bad(
                "content_type",
                format!(
                    "`{}` is not a media type such as `application/pdf`",
                    self.content_type.escape_debug()
                ),
            );
        }
        Ok(())
    }

    /// Checks a path part's file: it must be a regular file that can be read.
    async fn check_file(&self) -> Result<(), Error> {
        if let Source::Path(p) = &self.source {
            let meta = tokio::fs::metadata(p).await.map_err(|e| read_error(p, e))?;
            if !meta.is_file() {
                return Err(read_error(
                    p,
                    std::io::Error::other(
                        "not a regular file (a directory, a pipe or a device cannot be uploaded)",
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The part to send, or `None` when its reader was taken by an earlier send.
    async fn to_part(&self) -> Result<Option<reqwest::multipart::Part>, Error> {
        self.check()?;
        self.check_file().await?;
        let (body, len) = match &self.source {
            Source::Path(p) => {
                let file = tokio::fs::File::open(p)
                    .await
                    .map_err(|e| read_error(p, e))?;
                let len = file.metadata().await.map_err(|e| read_error(p, e))?.len();
                let stream = tokio_util::io::ReaderStream::with_capacity(file, CHUNK);
                (
                    reqwest::Body::wrap_stream(exact(stream, Some(len))),
                    Some(len),
                )
            }
            Source::Bytes(b) => (reqwest::Body::from(b.clone()), Some(b.len() as u64)),
            Source::Reader(r, len) => {
                let Some(reader) = r.lock().unwrap_or_else(|e| e.into_inner()).take() else {
                    return Ok(None);
                };
                let stream = tokio_util::io::ReaderStream::with_capacity(reader, CHUNK);
                (reqwest::Body::wrap_stream(exact(stream, *len)), *len)
            }
        };
        let part = match len {
            Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
            None => reqwest::multipart::Part::stream(body),
        };
        let part = part
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
            .map_err(|_| ConfigError::Invalid {
                field: "content_type",
                reason: format!("`{}` is not a media type", self.content_type.escape_debug()),
            })?;
        Ok(Some(part))
    }
}

/// A stream of chunks that fails unless it yields exactly `len` bytes (when given): a body
/// longer than its `Content-Length` would be cut short silently, and a shorter one would
/// leave the server waiting, so a file that changes size while it is sent (or a reader that
/// gives more or less than it said) fails the request instead.
fn exact<S>(
    stream: S,
    len: Option<u64>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static
where
    S: futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    use futures_util::StreamExt;
    let mut sent = 0u64;
    let mut done = false;
    stream
        .map(Some)
        .chain(futures_util::stream::once(async { None }))
        .filter_map(move |item| {
            let out = match (item, len) {
                _ if done => None,
                (Some(Ok(chunk)), Some(n)) => {
                    sent += chunk.len() as u64;
                    if sent > n {
                        done = true;
                        Some(Err(size_changed(n, "more")))
                    } else {
                        Some(Ok(chunk))
                    }
                }
                (Some(other), _) => Some(other),
                (None, Some(n)) if sent < n => {
                    done = true;
                    Some(Err(size_changed(n, "fewer")))
                }
                (None, _) => None,
            };
            std::future::ready(out)
        })
}

fn size_changed(declared: u64, what: &str) -> std::io::Error {
    std::io::Error::other(format!(
        "the upload gave {what} bytes than the {declared} it declared (a file changed while it was sent, or a reader's length was wrong); the request was abandoned"
    ))
}

fn octet_stream() -> String {
    "application/octet-stream".into()
}

fn read_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        what: "reading the file to upload",
        path: path.display().to_string(),
        source,
    }
}

/// A `multipart/form-data` body: named file parts and text fields, in order.
#[derive(Debug, Default, Clone)]
pub struct Multipart {
    files: Vec<(String, FilePart)>,
    texts: Vec<(String, String)>,
}

impl Multipart {
    /// An empty body.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a file part named `name` (Zoho's upload endpoints name it `file`).
    pub fn file(mut self, name: impl Into<String>, part: FilePart) -> Multipart {
        self.files.push((name.into(), part));
        self
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Multipart {
        self.texts.push((name.into(), value.into()));
        self
    }

    /// The file parts, in order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &FilePart)> {
        self.files.iter().map(|(n, p)| (n.as_str(), p))
    }

    /// Checks every part before anything is sent: names, media types, and that each path
    /// is a regular file.
    pub(crate) async fn check(&self) -> Result<(), Error> {
        for (_, part) in &self.files {
            part.check()?;
            part.check_file().await?;
        }
        Ok(())
    }

    /// Whether the body can be sent again (no part reads from a reader already taken).
    pub(crate) fn replayable(&self) -> bool {
        self.files.iter().all(|(_, p)| p.replayable())
    }

    /// The form to send, or `None` when a reader part was taken by an earlier send.
    pub(crate) async fn form(&self) -> Result<Option<reqwest::multipart::Form>, Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in &self.texts {
            form = form.text(name.clone(), value.clone());
        }
        for (name, part) in &self.files {
            match part.to_part().await? {
                Some(p) => form = form.part(name.clone(), p),
                None => return Ok(None),
            }
        }
        Ok(Some(form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_is_sent_once_and_a_path_many_times() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"hello").unwrap();
        let form = Multipart::new()
            .file("file", FilePart::path(&path))
            .file("more", FilePart::bytes("b.bin", vec![1u8, 2, 3]));
        assert!(form.form().await.unwrap().is_some());
        assert!(form.form().await.unwrap().is_some());
        assert!(form.replayable());
        assert_eq!(form.files().next().unwrap().1.file_name(), "a.txt");

        let once = Multipart::new().file("file", FilePart::reader("r.txt", &b"abc"[..], Some(3)));
        assert!(once.replayable());
        assert!(once.form().await.unwrap().is_some());
        assert!(!once.replayable());
        assert!(once.form().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn bad_names_types_and_paths_are_typed_errors() {
        for name in ["", "  ", "a\"b", "a\r\nX-Injected: 1", "tab\t"] {
            let e = Multipart::new()
                .file("file", FilePart::bytes(name, vec![]))
                .form()
                .await
                .unwrap_err();
            assert!(e.to_string().contains("file_name"), "{e}");
        }
        let e = Multipart::new()
            .file("file", FilePart::bytes("a", vec![]).content_type("pdf"))
            .form()
            .await
            .unwrap_err();
        assert!(e.to_string().contains("content_type"), "{e}");
        let e = Multipart::new()
            .file("file", FilePart::path("/nonexistent/zcrm/file.pdf"))
            .form()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io);
        assert!(e.to_string().contains("/nonexistent/zcrm/file.pdf"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = Multipart::new()
            .file("file", FilePart::path(dir.path()))
            .check()
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    async fn drain(
        s: impl futures_util::Stream<Item = std::io::Result<Bytes>>,
    ) -> Result<usize, String> {
        use futures_util::StreamExt;
        let mut n = 0;
        let mut s = std::pin::pin!(s);
        while let Some(c) = s.next().await {
            n += c.map_err(|e| e.to_string())?.len();
        }
        Ok(n)
    }

    #[tokio::test]
    async fn a_body_of_another_length_than_declared_fails() {
        let chunks = || {
            futures_util::stream::iter(vec![
                Ok(Bytes::from_static(b"abc")),
                Ok(Bytes::from_static(b"de")),
            ])
        };
        assert_eq!(drain(exact(chunks(), Some(5))).await, Ok(5));
        assert_eq!(drain(exact(chunks(), None)).await, Ok(5));
        let long = drain(exact(chunks(), Some(4))).await.unwrap_err();
        assert!(long.contains("more bytes than the 4"), "{long}");
        let short = drain(exact(chunks(), Some(9))).await.unwrap_err();
        assert!(short.contains("fewer bytes than the 9"), "{short}");
    }

    #[test]
    fn debug_names_the_source_not_the_bytes() {
        let d = format!("{:?}", FilePart::bytes("x.bin", vec![7u8; 10]));
        assert!(
            d.contains("10 bytes in memory") && !d.contains("7, 7"),
            "{d}"
        );
    }
}
