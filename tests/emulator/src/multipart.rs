//! A small `multipart/form-data` reader: enough for file uploads (attachments, bulk-write files).

use axum::http::HeaderMap;

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The form field name (`name=` of `Content-Disposition`).
    pub name: String,
    /// The file name, for a file part.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, if given.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub data: Vec<u8>,
}

/// Whether the request says its body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("multipart/form-data")
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts of a multipart body, or `None` when the body is not well-formed multipart.
pub fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Vec<Part>> {
    let raw_ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())?;
    let boundary = param(raw_ct, "boundary")?;
    let delim = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delim, 0)? + delim.len();
    let mut parts = vec![];
    loop {
        if body[at..].starts_with(b"--") {
            return Some(parts);
        }
        let start = at + 2; // past CRLF
        let next = find(body, &delim, start)?;
        let seg = body.get(start..next.saturating_sub(2))?;
        let split = find(seg, b"\r\n\r\n", 0)?;
        let head = std::str::from_utf8(&seg[..split]).ok()?;
        let data = seg[split + 4..].to_vec();
        let mut part = Part {
            name: String::new(),
            file_name: None,
            content_type: None,
            data,
        };
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = param(v, "name").unwrap_or_default();
                part.file_name = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_string());
            }
        }
        parts.push(part);
        at = next + delim.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_file_parts() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            "multipart/form-data; boundary=XyZ".parse().unwrap(),
        );
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--\r\n";
        let parts = parse(&h, body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "file");
        assert_eq!(parts[0].file_name.as_deref(), Some("a.txt"));
        assert_eq!(parts[0].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[0].data, b"hello\r\n");
        assert_eq!(parts[1].data, b"1");
        assert!(is_multipart(&h));
        assert!(parse(&h, b"garbage").is_none());
    }
}
