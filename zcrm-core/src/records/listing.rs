//! Listing a module's records (or a record's related list): page by page or as a stream, by page number for the first
//! 2,000 records and by `page_token` after, with every step checked for progress.

use super::{ListParams, Module, Page, Records, PAGE_LIMIT};
use crate::client::{ApiRequest, Client};
use crate::error::{Error, ProtocolError};
use futures_util::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// The most records Zoho serves to one listing (its `page_token` cap). A listing that goes on
/// for more pages than this allows is stopped with [`ProtocolError::TooManyPages`].
pub const LISTING_CAP: usize = 100_000;

/// The most pages a listing of `per_page` records a page may take before the server is
/// considered not to make progress.
pub(super) fn page_bound(per_page: u32) -> u64 {
    (LISTING_CAP / per_page.max(1) as usize) as u64 + 1
}

/// Where a page of a listing starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageCursor {
    /// A page number (1-based), within the first 2,000 records.
    Number(u32),
    /// A `page_token` Zoho handed out (a cursor, not a credential), past the first 2,000.
    Token(String),
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct RecordPage<R> {
    /// The records of the page.
    pub records: Vec<R>,
    /// Whether Zoho says more records follow.
    pub more_records: bool,
    /// Where the next page starts, when there is one: give it to
    /// [`Records::page`] or [`Records::list_from`].
    pub next: Option<PageCursor>,
}

enum Cursor {
    At(PageCursor),
    Done,
}

/// Where a listing stands: the next request, the tokens already used, the records and pages
/// received. Every step either advances or ends with a [`ProtocolError`], so no listing loops.
struct Listing {
    cursor: Cursor,
    used_tokens: HashSet<String>,
    records: u64,
    pages: u64,
}

impl Listing {
    fn at(cursor: PageCursor) -> Self {
        let mut used_tokens = HashSet::new();
        if let PageCursor::Token(t) = &cursor {
            used_tokens.insert(t.clone());
        }
        Listing {
            cursor: Cursor::At(cursor),
            used_tokens,
            records: 0,
            pages: 0,
        }
    }

    /// The cursor after a page of `count` records with `more` and `next_token`, fetched at
    /// `page_no` (by number) or by token.
    fn advance(
        &mut self,
        path: &str,
        per_page: u32,
        page_no: Option<u32>,
        count: usize,
        more: bool,
        next_token: Option<String>,
    ) -> Result<(), ProtocolError> {
        // Nothing changes unless the page is accepted: a refused page can be counted again.
        let records = self.records.saturating_add(count as u64);
        let pages = self.pages + 1;
        let cursor = if !more {
            Cursor::Done
        } else if count == 0 {
            return Err(ProtocolError::EmptyPage {
                path: path.to_string(),
                page: pages,
            });
        } else if pages >= page_bound(per_page) {
            return Err(ProtocolError::TooManyPages {
                path: path.to_string(),
                limit: page_bound(per_page),
            });
        } else {
            match (page_no, next_token) {
                (Some(p), _) if (p as usize) * (per_page as usize) < PAGE_LIMIT => {
                    Cursor::At(PageCursor::Number(p + 1))
                }
                (_, None) => {
                    return Err(ProtocolError::MissingPageToken {
                        path: path.to_string(),
                        records,
                    })
                }
                (_, Some(t)) => {
                    if self.used_tokens.contains(&t) {
                        return Err(ProtocolError::RepeatedPageToken {
                            path: path.to_string(),
                            token: t,
                            records,
                        });
                    }
                    self.used_tokens.insert(t.clone());
                    Cursor::At(PageCursor::Token(t))
                }
            }
        };
        self.records = records;
        self.pages = pages;
        self.cursor = cursor;
        Ok(())
    }

    /// Corrects the count of the page just read, when it held `found` records and not the
    /// `said` the server's paging details gave: an empty page that claims more is an error.
    fn recount(
        &mut self,
        path: &str,
        said: usize,
        found: usize,
        more: bool,
    ) -> Result<(), ProtocolError> {
        self.records = self
            .records
            .saturating_sub(said as u64)
            .saturating_add(found as u64);
        if found == 0 && more {
            return Err(ProtocolError::EmptyPage {
                path: path.to_string(),
                page: self.pages,
            });
        }
        Ok(())
    }
}

/// The request for one page at `at`.
fn page_request(path: &str, params: &ListParams, per_page: u32, at: &PageCursor) -> ApiRequest {
    let mut req = ApiRequest::get(path)
        .query("fields", params.fields.join(","))
        .query("per_page", per_page.to_string());
    if let Some(s) = &params.sort_by {
        req = req.query("sort_by", s.clone());
    }
    if let Some(s) = &params.sort_order {
        req = req.query("sort_order", s.clone());
    }
    match at {
        PageCursor::Number(p) => req.query("page", p.to_string()),
        PageCursor::Token(t) => req.query("page_token", t.clone()),
    }
}

impl<M: Module> Records<M> {
    /// One page of the listing at `cursor` (start with `PageCursor::Number(1)`), with where the
    /// next one starts. A page that breaks the protocol (`more_records` with no records, or
    /// past 2,000 records without a `next_page_token`) is an [`Error::Protocol`].
    pub async fn page(
        &self,
        params: &ListParams,
        cursor: &PageCursor,
    ) -> Result<RecordPage<M::Record>, Error> {
        page_at(&self.client, self.path(""), params, cursor).await
    }

    /// Every record, as a stream: pages of `per_page`, by `page` for the first 2,000 records and
    /// by `page_token` after, each record once.
    ///
    /// A server that does not make progress ends the stream with an [`Error::Protocol`]: a
    /// `page_token` sent again, `more_records` on an empty page, `more_records` past 2,000
    /// records without a `next_page_token`, or more pages than Zoho's 100,000-record cap allows.
    pub fn list(
        &self,
        params: ListParams,
    ) -> impl Stream<Item = Result<M::Record, Error>> + Send + 'static {
        self.list_from(params, PageCursor::Number(1))
    }

    /// As [`list`](Self::list), starting at `cursor`: resumes a listing (an export that
    /// stopped) from the [`RecordPage::next`] it had reached.
    ///
    /// The listing reads one page ahead: once a page has arrived and its paging details are
    /// checked, the next page is requested while this one is decoded and consumed. Dropping the
    /// stream cancels that request.
    pub fn list_from(
        &self,
        params: ListParams,
        cursor: PageCursor,
    ) -> impl Stream<Item = Result<M::Record, Error>> + Send + 'static {
        stream_from(self.client.clone(), self.path(""), params, cursor)
    }
}

/// One page of the listing at `path` (a module's records, or a record's related list).
pub(crate) async fn page_at<R: DeserializeOwned + Send + 'static>(
    client: &Client,
    path: String,
    params: &ListParams,
    cursor: &PageCursor,
) -> Result<RecordPage<R>, Error> {
    let per_page = params.per_page.unwrap_or(200).clamp(1, 200);
    let req = page_request(&path, params, per_page, cursor);
    let Some(page) = client.execute(req).await?.json::<Page<R>>()? else {
        return Ok(RecordPage {
            records: vec![],
            more_records: false,
            next: None,
        });
    };
    let mut state = Listing::at(cursor.clone());
    let page_no = match cursor {
        PageCursor::Number(p) => Some(*p),
        PageCursor::Token(_) => None,
    };
    let more = page.info.more_records;
    state.advance(
        &path,
        per_page,
        page_no,
        page.data.len(),
        more,
        page.info.next_page_token,
    )?;
    Ok(RecordPage {
        records: page.data,
        more_records: more,
        next: match state.cursor {
            Cursor::At(c) => Some(c),
            Cursor::Done => None,
        },
    })
}

/// The listing at `path` as a stream, from `cursor` (see [`Records::list_from`]).
pub(crate) fn stream_from<R: DeserializeOwned + Send + 'static>(
    client: Client,
    path: String,
    params: ListParams,
    cursor: PageCursor,
) -> impl Stream<Item = Result<R, Error>> + Send + 'static {
    let fetch_path = path.clone();
    let per_page = params.per_page.unwrap_or(200).clamp(1, 200);
    let read_ahead = !params.no_read_ahead;
    let params = std::sync::Arc::new(params);
    let fetch = move |at: &PageCursor| {
        let client = client.clone();
        let req = page_request(&fetch_path, &params, per_page, at);
        async move { client.execute(req).await }
    };
    let start = (Listing::at(cursor), None::<ReadAhead>);
    let pages = stream::try_unfold(start, move |(mut state, ahead)| {
        let path = path.clone();
        let fetch = fetch.clone();
        async move {
            let page_no = match &state.cursor {
                Cursor::Done => return Ok::<_, Error>(None),
                Cursor::At(PageCursor::Number(p)) => Some(*p),
                Cursor::At(PageCursor::Token(_)) => None,
            };
            let Cursor::At(at) = &state.cursor else {
                return Ok(None);
            };
            let resp = match ahead {
                Some(ahead) => ahead.wait().await?,
                None => fetch(at).await?,
            };
            // The paging details first (the records are not decoded), so that the next
            // page is on its way while this one is decoded.
            let Some((count, info)) = super::paging::paging(&resp, per_page)? else {
                return Ok(None);
            };
            let more = info.more_records;
            let token = info.next_page_token;
            let mut count = count;
            if state
                .advance(&path, per_page, page_no, count, more, token.clone())
                .is_err()
            {
                // Refused as the details count the page: count its records themselves,
                // so that the error (if it stands) says how many there were.
                count = super::paging::count(&resp)?;
                state.advance(&path, per_page, page_no, count, more, token)?;
            }
            let ahead = match &state.cursor {
                Cursor::At(next) if read_ahead => {
                    let ahead = ReadAhead::start(fetch(next));
                    // Lets the request go out before this page is decoded (a task just
                    // spawned runs once this one yields).
                    tokio::task::yield_now().await;
                    Some(ahead)
                }
                _ => None,
            };
            let page = resp.json::<Page<R>>()?.map(|p| p.data).unwrap_or_default();
            // The records decoded count, whatever the server said it sent.
            state.recount(&path, count, page.len(), more)?;
            Ok(Some((
                stream::iter(page.into_iter().map(Ok)),
                (state, ahead),
            )))
        }
    });
    pages.try_flatten()
}

/// The next page, requested while the current one is consumed; cancelled when dropped.
struct ReadAhead(tokio::task::JoinHandle<Result<crate::client::ApiResponse, Error>>);

impl ReadAhead {
    fn start(
        fetch: impl std::future::Future<Output = Result<crate::client::ApiResponse, Error>>
            + Send
            + 'static,
    ) -> Self {
        ReadAhead(tokio::spawn(fetch))
    }

    async fn wait(mut self) -> Result<crate::client::ApiResponse, Error> {
        match (&mut self.0).await {
            Ok(r) => r,
            Err(e) => Err(Error::transport(format!(
                "the read-ahead request did not finish: {e}"
            ))),
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One answer of a scripted server: records on the page, `more_records`, and the token it
    /// hands out (`None`, one of a few reused ones, or a fresh one).
    fn answer() -> impl Strategy<Value = (usize, bool, Option<Option<u8>>)> {
        (
            prop_oneof![Just(0usize), 1usize..=200],
            prop::bool::weighted(0.9),
            proptest::option::of(proptest::option::of(0u8..4)),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Whatever a server answers, page after page (the script repeats forever), a listing
        /// ends (done or a protocol error) within the page bound.
        #[test]
        fn every_listing_ends(script in prop::collection::vec(answer(), 1..8), per_page in 50u32..=200) {
            let mut state = Listing { cursor: Cursor::At(PageCursor::Number(1)), used_tokens: HashSet::new(), records: 0, pages: 0 };
            let mut fresh = 0u64;
            let bound = page_bound(per_page);
            let mut steps = 0u64;
            let ended = loop {
                let page_no = match &state.cursor {
                    Cursor::Done => break true,
                    Cursor::At(PageCursor::Number(p)) => Some(*p),
                    Cursor::At(PageCursor::Token(_)) => None,
                };
                let (count, more, token) = script[(steps as usize) % script.len()];
                let token = token.map(|t| match t {
                    Some(reused) => format!("reused-{reused}"),
                    None => { fresh += 1; format!("fresh-{fresh}") }
                });
                steps += 1;
                if state.advance("/Leads", per_page, page_no, count.min(per_page as usize), more, token).is_err() {
                    break true;
                }
                if steps > bound + 1 {
                    break false;
                }
            };
            prop_assert!(ended, "no end after {} pages", steps);
        }
    }

    #[test]
    fn an_honest_server_is_listed_to_the_end() {
        // 2,500 records, 200 a page: 10 numbered pages, then tokens.
        let mut state = Listing {
            cursor: Cursor::At(PageCursor::Number(1)),
            used_tokens: HashSet::new(),
            records: 0,
            pages: 0,
        };
        let mut served = 0;
        while !matches!(state.cursor, Cursor::Done) {
            let page_no = match &state.cursor {
                Cursor::At(PageCursor::Number(p)) => Some(*p),
                _ => None,
            };
            let n = (2500 - served).min(200);
            served += n;
            let more = served < 2500;
            state
                .advance("/Leads", 200, page_no, n, more, Some(format!("t{served}")))
                .unwrap();
        }
        assert_eq!((state.records, state.pages), (2500, 13));
    }
}
