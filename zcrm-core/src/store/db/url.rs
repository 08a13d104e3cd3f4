//! Database URLs in messages: the password never shown.

/// Splits `scheme://user:password@host/...?query` into the user-info's end (exclusive) within
/// the URL and its start, when there is one.
pub(super) fn userinfo(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some((start, start + at))
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password") || k == "pass" || k == "pwd"
}

/// A database URL without its password (in the user-info or a `password=` parameter).
pub(crate) fn redact_url(url: &str) -> String {
    let mut out = match userinfo(url) {
        Some((start, at)) => {
            let user = url[start..at].split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..start], &url[at..])
        }
        None => url.to_string(),
    };
    if let Some(q) = out.find('?') {
        let query = out[q + 1..]
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if is_secret_key(k) => format!("{k}=[redacted]"),
                _ => kv.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&");
        out.truncate(q + 1);
        out.push_str(&query);
    }
    out
}

/// The URL's password, as written and percent-decoded, to keep out of messages.
pub(super) fn url_secrets(url: &str) -> Vec<String> {
    let mut raw = vec![];
    if let Some((start, at)) = userinfo(url) {
        if let Some((_, p)) = url[start..at].split_once(':') {
            raw.push(p.to_string());
        }
    }
    if let Some((_, q)) = url.split_once('?') {
        for kv in q.split('&') {
            if let Some((k, v)) = kv.split_once('=') {
                if is_secret_key(k) {
                    raw.push(v.to_string());
                }
            }
        }
    }
    let mut out: Vec<String> = raw
        .iter()
        .flat_map(|p| [p.clone(), percent_decode(p)])
        .filter(|p| !p.is_empty())
        .collect();
    // Longest first, so that a secret containing another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn scrub(mut text: String, secrets: &[String]) -> String {
    for s in secrets {
        text = text.replace(s.as_str(), "[redacted]");
    }
    text
}
