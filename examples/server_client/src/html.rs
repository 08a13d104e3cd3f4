//! The app's pages: plain HTML, every value escaped, no script, one stylesheet of the app's own
//! (`/style.css`; the Content-Security-Policy allows no inline style).

/// The stylesheet served at `/style.css`.
pub const STYLE: &str = "body{font-family:sans-serif;max-width:48em;margin:2em auto;color:#222}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.4em .6em;text-align:left}th{background:#f3f3f3}.msg{padding:1em;border-radius:4px;background:#fff3cd}
nav a{margin-right:1em}
";

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page with a title and a body (the body is already HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>{t} - zcrm example</title>
<link rel="stylesheet" href="/style.css"></head>
<body><h1>{t}</h1>{body}</body></html>"#,
        t = esc(title)
    )
}
