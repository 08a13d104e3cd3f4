//! The Rust clients of the listing comparison: raw reqwest (body bytes only; + a minimal
//! hand-written struct; + `serde_json::Value`; + the generated `Lead`) and zcrm (typed and
//! dynamic). Every client reads the same pages: 200 Leads a page, by `page_token`.

use crate::server::FIELDS;
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::Value;
use zcrm_core::{Client, ListParams};
use zcrm_modules::leads::{Lead, Leads};

/// A page of records.
#[derive(Deserialize)]
pub struct Page<T> {
    /// The records.
    pub data: Vec<T>,
    /// Paging details.
    pub info: Info,
}

/// The paging details a raw client needs.
#[derive(Deserialize)]
pub struct Info {
    /// The next page's token.
    pub next_page_token: Option<String>,
    /// Whether more follow.
    pub more_records: bool,
}

/// The yardstick struct, shared with the criterion benches.
#[path = "../../../zcrm-modules/benches/support/minimal.rs"]
mod minimal;
pub use minimal::MinimalLead;

/// The clients, in the order they run and are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Raw reqwest, body bytes only (the ceiling).
    RawBytes,
    /// Raw reqwest + a minimal hand-written struct.
    RawMinimal,
    /// Raw reqwest + `serde_json::Value`.
    RawValue,
    /// Raw reqwest + the generated `Lead`.
    RawLead,
    /// `client.records(Leads).list()`.
    Typed,
    /// `client.dynamic("Leads").list()`.
    Dynamic,
}

impl Kind {
    /// Every Rust client.
    pub const ALL: [Kind; 6] = [
        Kind::RawBytes,
        Kind::RawMinimal,
        Kind::RawValue,
        Kind::RawLead,
        Kind::Typed,
        Kind::Dynamic,
    ];

    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RawBytes => "raw reqwest, body bytes only (the ceiling)",
            Kind::RawMinimal => "raw reqwest + a minimal hand-written struct",
            Kind::RawValue => "raw reqwest + serde_json::Value",
            Kind::RawLead => "raw reqwest + the generated Lead",
            Kind::Typed => "zcrm client.records(Leads).list() (typed Lead)",
            Kind::Dynamic => "zcrm client.dynamic(\"Leads\").list()",
        }
    }
}

/// Reads `records` Leads with client `kind`; returns how many were read.
pub async fn run(kind: Kind, api_url: &str, access: &str, sdk: &Client, records: usize) -> usize {
    match kind {
        Kind::RawBytes => raw(api_url, access, records, decode_bytes).await,
        Kind::RawMinimal => raw(api_url, access, records, decode::<MinimalLead>).await,
        Kind::RawValue => raw(api_url, access, records, decode::<Value>).await,
        Kind::RawLead => raw(api_url, access, records, decode::<Lead>).await,
        Kind::Typed => sdk.records(Leads).list(params()).take_n(records).await,
        Kind::Dynamic => sdk.dynamic("Leads").list(params()).take_n(records).await,
    }
}

fn params() -> ListParams {
    ListParams::fields(FIELDS.split(','))
}

/// Counting the first `n` items of a record stream (every item decoded; the first error
/// stops the run).
trait TakeN {
    async fn take_n(self, n: usize) -> usize;
}

impl<S, T> TakeN for S
where
    S: futures_util::Stream<Item = Result<T, zcrm_core::Error>>,
{
    async fn take_n(self, n: usize) -> usize {
        let mut s = std::pin::pin!(self);
        let mut count = 0;
        while count < n {
            match s.try_next().await {
                Ok(Some(_)) => count += 1,
                Ok(None) => break,
                Err(e) => panic!("listing failed: {e}"),
            }
        }
        count
    }
}

/// Decodes a page into `T`; returns (records, next token).
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> (usize, Option<String>) {
    let page: Page<T> = serde_json::from_slice(body).expect("a page decodes");
    let next = page
        .info
        .more_records
        .then_some(page.info.next_page_token)
        .flatten();
    (page.data.len(), next)
}

/// Counts nothing but finds the next token in the page's tail, as a client that decodes
/// nothing would.
fn decode_bytes(body: &[u8]) -> (usize, Option<String>) {
    let tail = &body[body.len().saturating_sub(600)..];
    let text = String::from_utf8_lossy(tail);
    let next = text
        .split("\"next_page_token\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .map(str::to_string);
    (200, next)
}

/// Raw reqwest: pages of 200 by token, each body decoded by `decode`.
async fn raw(
    api_url: &str,
    access: &str,
    records: usize,
    decode: fn(&[u8]) -> (usize, Option<String>),
) -> usize {
    let http = reqwest::Client::new();
    let auth = format!("Zoho-oauthtoken {access}");
    let mut total = 0;
    let mut next: Option<String> = None;
    while total < records {
        let mut req = http
            .get(format!("{api_url}/crm/v7/Leads"))
            .header("Authorization", &auth)
            .query(&[("fields", FIELDS), ("per_page", "200")]);
        if let Some(t) = &next {
            req = req.query(&[("page_token", t.as_str())]);
        }
        let resp = req.send().await.expect("the server answers");
        assert_eq!(resp.status(), 200, "a page");
        let body = resp.bytes().await.expect("a body");
        let (n, token) = decode(&body);
        total += n;
        match token {
            Some(t) => next = Some(t),
            None => break,
        }
    }
    total.min(records)
}
