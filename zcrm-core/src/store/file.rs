//! A token file in the official SDKs' CSV format, so a Python and a Rust program can share one.
//!
//! Columns, in order: `id,user_name,client_id,client_secret,refresh_token,access_token,
//! grant_token,expiry_time,redirect_uri,api_domain`; an empty field is a missing value; rows end
//! in `\r\n` and fields are quoted only when they must be, as Python's `csv` module writes them.
//! A file with the older nine-column header (no `api_domain`) is read and upgraded on the next
//! write.
//!
//! Writes are atomic (a temporary file renamed over the old one, so a reader never sees half a
//! file), serialised across threads and processes by an advisory lock on `<file>.lock`, and the
//! file is created with mode 0600. The temporary file (`.<file>.<pid>.tmp`) is created afresh with
//! mode 0600; one left behind by a writer that was killed holds a full copy of the tokens, so
//! every write removes such leftovers first (under the lock, no other writer can own one).

use super::{lock_file, parse_expiry, upsert_row, RefreshLock, TokenStore};
use crate::error::StoreError;
use crate::secret::{AccessToken, ClientSecret, GrantToken, RefreshToken};
use crate::token::StoredToken;
use async_trait::async_trait;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The header the official SDK writes.
pub const HEADER: [&str; 10] = [
    "id",
    "user_name",
    "client_id",
    "client_secret",
    "refresh_token",
    "access_token",
    "grant_token",
    "expiry_time",
    "redirect_uri",
    "api_domain",
];

/// Default file name, in the working directory, as the official SDK uses.
pub const DEFAULT_FILE: &str = "sdk_tokens.txt";

/// Tokens in a CSV file shared with the official SDKs.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store at `path`; the file is created (with the header, mode 0600) on first write.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    /// A store at `./sdk_tokens.txt`, the official SDK's default.
    pub fn in_current_dir() -> Result<Self, StoreError> {
        let dir = std::env::current_dir().map_err(|e| StoreError::Io {
            target: ".".into(),
            reason: e.to_string(),
        })?;
        Ok(Self::new(dir.join(DEFAULT_FILE)))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Io {
            target: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }

    fn read_rows(&self) -> Result<Vec<StoredToken>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(self.io(e)),
        };
        decode(&self.path, &bytes)
    }

    /// Runs `f` on the rows under the lock and writes the result atomically.
    fn modify<T>(&self, f: impl FnOnce(&mut Vec<StoredToken>) -> T) -> Result<T, StoreError> {
        let lock = self.lock()?;
        let mut rows = self.read_rows()?;
        let out = f(&mut rows);
        self.write_rows(&rows)?;
        drop(lock);
        Ok(out)
    }

    fn lock(&self) -> Result<File, StoreError> {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let lock_path = self.path.with_file_name(name);
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(&lock_path).map_err(|e| {
            self.io(format!(
                "cannot open lock file {}: {e}",
                lock_path.display()
            ))
        })?;
        file.lock()
            .map_err(|e| self.io(format!("cannot lock {}: {e}", lock_path.display())))?;
        Ok(file)
    }

    fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// Whether `name` is a temporary file of this store's writers: `.<file>.<digits>.tmp`.
    fn is_temp_name(&self, name: &str) -> bool {
        let file = self.path.file_name().unwrap_or_default().to_string_lossy();
        name.strip_prefix('.')
            .and_then(|n| n.strip_prefix(file.as_ref()))
            .and_then(|n| n.strip_prefix('.'))
            .and_then(|n| n.strip_suffix(".tmp"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    }

    /// Removes temporary files that writers left behind (killed before their rename). Called
    /// under the lock, when no live writer has one.
    fn remove_stale_temp_files(&self) -> Result<(), StoreError> {
        let entries = match std::fs::read_dir(self.dir()) {
            Ok(e) => e,
            Err(e) => return Err(self.io(format!("cannot list {}: {e}", self.dir().display()))),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if self.is_temp_name(&name.to_string_lossy()) {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(self.io(format!(
                            "cannot remove the leftover temporary file {}: {e}",
                            entry.path().display()
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    fn write_rows(&self, rows: &[StoredToken]) -> Result<(), StoreError> {
        let mut out = String::new();
        write_row(&mut out, &HEADER.map(String::from));
        for r in rows {
            write_row(&mut out, &to_fields(r));
        }
        self.remove_stale_temp_files()?;
        let tmp = self.dir().join(format!(
            ".{}.{}.tmp",
            self.path.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        // A new file (never one found in place, whose mode could be wider), 0600 from creation.
        let mut opts = OpenOptions::new();
        opts.create_new(true).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let result = (|| {
            let mut f = opts.open(&tmp)?;
            f.write_all(out.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.io(format!("cannot write: {e}")));
        }
        Ok(())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&FileStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(|e| self.io(e))?
    }
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn to_fields(t: &StoredToken) -> Vec<String> {
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    vec![
        s(&t.id),
        s(&t.user_name),
        s(&t.client_id),
        t.client_secret
            .as_ref()
            .map(|x| x.expose().to_string())
            .unwrap_or_default(),
        t.refresh_token
            .as_ref()
            .map(|x| x.expose().to_string())
            .unwrap_or_default(),
        t.access_token
            .as_ref()
            .map(|x| x.expose().to_string())
            .unwrap_or_default(),
        t.grant_token
            .as_ref()
            .map(|x| x.expose().to_string())
            .unwrap_or_default(),
        t.expiry_time.map(|x| x.to_string()).unwrap_or_default(),
        s(&t.redirect_url),
        s(&t.api_domain),
    ]
}

fn from_fields(f: &[String], line: usize) -> Result<StoredToken, (usize, String)> {
    let expiry_time = match f[7].as_str() {
        "" => None,
        // The official SDK writes epoch milliseconds, sometimes as a float string.
        s => Some(parse_expiry(s).ok_or_else(|| {
            let shown: String = s.chars().take(40).collect();
            (
                line,
                format!(
                    "expiry_time `{shown}` is not epoch milliseconds (a number between {} and {})",
                    i64::MIN,
                    i64::MAX
                ),
            )
        })?),
    };
    Ok(StoredToken {
        id: opt(&f[0]),
        user_name: opt(&f[1]),
        client_id: opt(&f[2]),
        client_secret: opt(&f[3]).map(ClientSecret::new),
        refresh_token: opt(&f[4]).map(RefreshToken::new),
        access_token: opt(&f[5]).map(AccessToken::new),
        grant_token: opt(&f[6]).map(GrantToken::new),
        expiry_time,
        redirect_url: opt(&f[8]),
        api_domain: f.get(9).and_then(|s| opt(s)),
    })
}

/// Parses a token file's bytes; a [`StoreError::Corrupt`] names the line at fault.
fn decode(path: &Path, bytes: &[u8]) -> Result<Vec<StoredToken>, StoreError> {
    let corrupt = |(line, reason)| StoreError::Corrupt {
        target: path.display().to_string(),
        line,
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = line_breaks(good) + 1;
        corrupt((
            line,
            format!("not UTF-8 text (byte {} of the file)", e.valid_up_to() + 1),
        ))
    })?;
    parse(text).map_err(corrupt)
}

/// Parses the file: header check, then one token per non-empty row.
fn parse(text: &str) -> Result<Vec<StoredToken>, (usize, String)> {
    let records = read_csv(text)?;
    let mut it = records.into_iter();
    let Some((header_line, header)) = it.next() else {
        return Ok(vec![]);
    };
    let legacy = header.len() == 9 && header[..] == HEADER[..9];
    if header[..] != HEADER[..] && !legacy {
        return Err((
            header_line,
            format!("the header must be `{}`", HEADER.join(",")),
        ));
    }
    let mut out = vec![];
    for (line, mut fields) in it {
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if legacy && fields.len() == 9 {
            fields.push(String::new());
        }
        if fields.len() != 10 {
            return Err((line, format!("expected 10 fields, found {}", fields.len())));
        }
        out.push(from_fields(&fields, line)?);
    }
    Ok(out)
}

/// A CSV row: the line it starts on, and its fields.
type Row = (usize, Vec<String>);

/// Line breaks in `bytes`: `\n`, `\r\n` and a `\r` alone each count once.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Whether the row starting at `row` leaves a quoted field open at the end of the text
/// (quotes open only at the start of a field; `""` inside one is a quote).
fn quote_left_open(row: &[u8]) -> bool {
    let (mut quoted, mut field_start) = (false, true);
    let mut i = 0;
    while i < row.len() {
        let b = row[i];
        if quoted {
            if b == b'"' {
                if row.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else {
            match b {
                b'"' if field_start => quoted = true,
                b',' | b'\n' | b'\r' => {
                    field_start = true;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            field_start = false;
        }
        i += 1;
    }
    quoted
}

/// Reads CSV (RFC 4180 quoting; `\n`, `\r\n` or `\r` line ends; quotes count only at the start
/// of a field, as in Python's `csv.reader`; a UTF-8 byte order mark is skipped) into (line
/// number where the row starts, fields), with the `csv` crate. Empty lines are skipped. A
/// quoted field still open at the end of the text is an error (it would hold every row after
/// it), as is anything the reader reports.
fn read_csv(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let bytes = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = vec![];
    let mut record = csv::StringRecord::new();
    // Line numbers from the records' byte offsets (the reader's own line count is not the
    // line a record starts on), counting line breaks as the offsets move on.
    let (mut line, mut counted, mut last_start) = (1, 0, None);
    loop {
        // Where the next record starts: after the empty lines the read skips (and a byte
        // order mark at the very start).
        let mut before = (reader.position().byte() as usize).min(bytes.len());
        if before == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
            before = 3;
            counted = 3;
        }
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err((line, format!("not readable as CSV: {e}"))),
        }
        let start = bytes[before..]
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .map_or(bytes.len(), |skip| before + skip);
        if start > counted {
            line += line_breaks(&bytes[counted..start]);
            counted = start;
        }
        last_start = Some((line, start));
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    if let Some((line, start)) = last_start {
        if quote_left_open(&bytes[start..]) {
            return Err((
                line,
                "a quoted field is not closed before the end of the file".into(),
            ));
        }
    }
    Ok(rows)
}

/// Appends one row as Python's `csv.writer` would (minimal quoting, `\r\n`), with the `csv`
/// crate.
fn write_row(out: &mut String, fields: &[String]) {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(vec![]);
    // A writer into memory has no I/O that could fail, and every field is UTF-8 text.
    w.write_record(fields)
        .expect("writing a CSV row into memory does not fail");
    let bytes = w
        .into_inner()
        .expect("flushing a CSV row into memory does not fail");
    out.push_str(&String::from_utf8_lossy(&bytes));
}

#[async_trait]
impl TokenStore for FileStore {
    async fn find_by_user(&self, user_name: &str) -> Result<Option<StoredToken>, StoreError> {
        let user = user_name.to_string();
        self.blocking(move |s| {
            Ok(s.read_rows()?
                .into_iter()
                .find(|r| r.user_name.as_deref() == Some(user.as_str())))
        })
        .await
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        let id = id.to_string();
        self.blocking(move |s| {
            Ok(s.read_rows()?
                .into_iter()
                .find(|r| r.id.as_deref() == Some(id.as_str())))
        })
        .await
    }

    async fn save(&self, token: &StoredToken) -> Result<StoredToken, StoreError> {
        let token = token.clone();
        self.blocking(move |s| s.modify(|rows| upsert_row(rows, &token)))
            .await
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.blocking(move |s| {
            s.modify(|rows| {
                let before = rows.len();
                rows.retain(|r| r.id.as_deref() != Some(id.as_str()));
                rows.len() != before
            })
        })
        .await
    }

    async fn list(&self) -> Result<Vec<StoredToken>, StoreError> {
        self.blocking(|s| s.read_rows()).await
    }

    async fn delete_all(&self) -> Result<(), StoreError> {
        self.blocking(|s| s.modify(|rows| rows.clear())).await
    }

    /// Locks `<file>.refresh.lock` (one lock for all tokens of the file), waiting at most 60 s for
    /// another holder ([`StoreError::Lock`] past that).
    async fn lock_refresh(&self, _key: &str) -> Result<RefreshLock, StoreError> {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".refresh.lock");
        lock_file(self.path.with_file_name(name), super::FILE_LOCK_WAIT).await
    }
}

#[cfg(test)]
mod tests;
