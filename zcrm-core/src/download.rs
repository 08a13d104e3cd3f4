//! Response bodies that are files: a [`Download`] is read chunk by chunk as it arrives (into a
//! stream, a file, or memory when small), never buffered whole by the SDK.

use crate::client::Slot;
use crate::error::Error;
use crate::http;
use bytes::Bytes;
use futures_util::stream::Stream;
use std::path::Path;

/// A file the server is sending: its name and media type, and its body still to be read. It
/// holds one of the client's concurrency slots until its body has been read to the end (or
/// failed) or it is dropped; so collecting more downloads unread than the client's
/// concurrency limit waits for ever: read or drop each one before asking for more.
pub struct Download {
    status: u16,
    file_name: Option<String>,
    content_type: Option<String>,
    content_length: Option<u64>,
    body: reqwest::Response,
    slot: Option<Slot>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl Download {
    pub(crate) fn new(body: reqwest::Response, slot: Slot) -> Download {
        let header = |name: &str| {
            body.headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Download {
            status: body.status().as_u16(),
            file_name: header("content-disposition")
                .as_deref()
                .and_then(disposition_file_name),
            content_type: header("content-type"),
            content_length: body.content_length(),
            body,
            slot: Some(slot),
        }
    }

    /// The HTTP status (200).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The file name `Content-Disposition` gives, reduced to a plain name: no directory part,
    /// no control characters, never `.` or `..` (so it is safe to join to a directory).
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The media type (`Content-Type`).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The length announced (`Content-Length`), when there is one.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next chunk of the body; `None` at its end. A connection that fails mid-body is an
    /// [`Error::Transport`] (or [`Error::Timeout`]).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let next = self.body.chunk().await.map_err(http::transport_error);
        if !matches!(next, Ok(Some(_))) {
            // The body is over: its concurrency slot goes back now, not when dropped.
            self.slot = None;
        }
        next
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> + Send + 'static {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut d = state?;
            match d.chunk().await {
                Ok(Some(c)) => Some((Ok(c), Some(d))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }

    /// Writes the body to `path`, returning the bytes written. It is written to a temporary
    /// file beside `path` and renamed over it once complete, so `path` never holds part of a
    /// file: a failed download leaves it as it was. A file that replaces another keeps the
    /// other's permissions; a new one is readable by its owner only. (A symbolic link at
    /// `path` is replaced, not followed.)
    pub async fn save_to(mut self, path: impl AsRef<Path>) -> Result<u64, Error> {
        use tokio::io::AsyncWriteExt;
        let path = path.as_ref();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let write_error = |source: std::io::Error| Error::Io {
            what: "writing the download to",
            path: path.display().to_string(),
            source,
        };
        let temp = tempfile::NamedTempFile::new_in(&dir).map_err(write_error)?;
        if let Ok(meta) = tokio::fs::metadata(path).await {
            if meta.is_file() {
                tokio::fs::set_permissions(temp.path(), meta.permissions())
                    .await
                    .map_err(write_error)?;
            }
        }
        let (std_file, temp_path) = temp.into_parts();
        let mut file = tokio::fs::File::from_std(std_file);
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            file.write_all(&chunk).await.map_err(write_error)?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(write_error)?;
        file.sync_all().await.map_err(write_error)?;
        drop(file);
        let path_owned = path.to_path_buf();
        tokio::task::spawn_blocking(move || temp_path.persist(&path_owned))
            .await
            .map_err(|e| write_error(std::io::Error::other(e)))?
            .map_err(|e| write_error(e.error))?;
        Ok(written)
    }

    /// Reads the whole body into memory, refusing one longer than `limit` bytes
    /// ([`Error::ResponseTooLarge`]).
    pub async fn bytes(mut self, limit: u64) -> Result<Bytes, Error> {
        if self.content_length.is_some_and(|n| n > limit) {
            return Err(Error::ResponseTooLarge {
                limit,
                status: self.status,
            });
        }
        let mut buf = bytes::BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if (buf.len() + chunk.len()) as u64 > limit {
                return Err(Error::ResponseTooLarge {
                    limit,
                    status: self.status,
                });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

/// The file name of a `Content-Disposition` value (`filename*=UTF-8''...` preferred over
/// `filename="..."`), reduced to a plain name (see [`Download::file_name`]).
pub(crate) fn disposition_file_name(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in split_params(value) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        if k == "filename*" {
            // charset'language'percent-encoded
            let mut it = v.splitn(3, '\'');
            if let (Some(charset), Some(_), Some(encoded)) = (it.next(), it.next(), it.next()) {
                if charset.eq_ignore_ascii_case("utf-8") {
                    extended = String::from_utf8(percent_decode(encoded)).ok();
                }
            }
        } else if k == "filename" {
            let unquoted = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .map(|x| x.replace("\\\"", "\"").replace("\\\\", "\\"))
                .unwrap_or_else(|| v.to_string());
            plain = Some(unquoted);
        }
    }
    extended.or(plain).and_then(|n| safe_file_name(&n))
}

/// Splits header parameters at `;` outside quotes.
fn split_params(value: &str) -> Vec<&str> {
    let mut out = vec![];
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| (x as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The last path component of `name`, made safe to join to a directory on any system: no
/// control characters, `:` (a Windows drive or stream) and `<>|?*"` replaced by `_`, no
/// trailing dots or spaces, and Windows' device names (`CON`, `NUL.txt`, ...) prefixed with
/// `_`; `None` when nothing usable is left (empty, `.`, `..`).
fn safe_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, ':' | '<' | '>' | '|' | '?' | '*' | '"') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_end_matches(['.', ' ']).to_string();
    if matches!(clean.as_str(), "" | "." | "..") {
        return None;
    }
    let stem = clean
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    Some(if device { format!("_{clean}") } else { clean })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn file_names_from_content_disposition() {
        let cases = [
            ("attachment; filename=\"report.pdf\"", Some("report.pdf")),
            ("attachment; filename=plain.txt", Some("plain.txt")),
            (
                "attachment; filename=\"a.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt",
                Some("€ rates.txt"),
            ),
            (
                "attachment; filename=\"semi;colon.txt\"",
                Some("semi;colon.txt"),
            ),
            ("attachment; filename=\"../../etc/passwd\"", Some("passwd")),
            (
                "attachment; filename=\"C:\\\\temp\\\\x.doc\"",
                Some("x.doc"),
            ),
            ("attachment; filename=\"..\"", None),
            ("attachment; filename=\"\"", None),
            ("attachment", None),
            ("inline; filename=\"a\u{7}b\"", Some("ab")),
            ("attachment; filename=\"C:evil.exe\"", Some("C_evil.exe")),
            ("attachment; filename=\"x.pdf:ads\"", Some("x.pdf_ads")),
            ("attachment; filename=\"NUL.txt\"", Some("_NUL.txt")),
            ("attachment; filename=\"com1\"", Some("_com1")),
            ("attachment; filename=\"report. . \"", Some("report")),
            (
                "attachment; filename=\"ok.txt\"; filename*=broken",
                Some("ok.txt"),
            ),
            ("attachment; filename=\"é.pdf\"", Some("é.pdf")),
        ];
        for (header, want) in cases {
            assert_eq!(disposition_file_name(header).as_deref(), want, "{header}");
        }
    }

    proptest! {
        /// Any header value gives no name or a plain one: no separator, no control character,
        /// never `.` or `..`.
        #[test]
        fn any_header_gives_a_safe_name(v in ".*") {
            if let Some(n) = disposition_file_name(&v) {
                prop_assert!(!n.contains(['/', '\\', ':']) && !n.chars().any(char::is_control));
                prop_assert!(n != "." && n != ".." && !n.is_empty());
                prop_assert!(!n.ends_with(['.', ' ']));
            }
        }
    }
}
