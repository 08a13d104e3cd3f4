//! Decoding one page in memory, side by side: the generated `Lead`, `serde_json::Value` and a
//! minimal hand-written struct, timed in interleaved rounds; and the memory a decoded `Lead`
//! holds against its JSON, counted by the allocator.

use crate::clients::{MinimalLead, Page};
use crate::stats::Series;
use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;
use zcrm_modules::leads::Lead;

/// The system allocator, counting the bytes live at any time.
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc_zeroed(l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}

/// Bytes live now (all threads).
fn live() -> isize {
    LIVE.load(Ordering::SeqCst)
}

/// What the decode comparison found.
pub struct DecodeFigures {
    /// Pages per second into the generated `Lead`, per round.
    pub lead: Series,
    /// Pages per second into `Value`, per round.
    pub value: Series,
    /// Pages per second into the minimal struct, per round.
    pub minimal: Series,
    /// Bytes a page's `Vec<Lead>` holds (stack and heap), per byte of the page's JSON.
    pub lead_size_ratio: f64,
    /// The same for `Vec<Value>`.
    pub value_size_ratio: f64,
    /// The page's length.
    pub page_bytes: usize,
}

/// Bytes held by what `decode` returns (its vector trimmed to its length), measured while the
/// other threads are idle.
fn held<T>(decode: impl Fn() -> Vec<T>) -> usize {
    let before = live();
    let mut v = decode();
    v.shrink_to_fit();
    let after = live();
    drop(black_box(v));
    (after - before).max(0) as usize
}

/// Times `rounds` interleaved rounds of `per_round` decodes of `body` into each type.
pub fn compare(body: &[u8], rounds: usize, per_round: usize) -> DecodeFigures {
    fn time<T: serde::de::DeserializeOwned>(body: &[u8], n: usize) -> f64 {
        let start = Instant::now();
        for _ in 0..n {
            let p: Page<T> = serde_json::from_slice(black_box(body)).expect("the page decodes");
            black_box(p);
        }
        n as f64 / start.elapsed().as_secs_f64()
    }
    // Warm-up.
    time::<Lead>(body, per_round);
    time::<Value>(body, per_round);
    time::<MinimalLead>(body, per_round);
    let (mut lead, mut value, mut minimal) =
        (Series::default(), Series::default(), Series::default());
    for _ in 0..rounds {
        lead.push(time::<Lead>(body, per_round));
        value.push(time::<Value>(body, per_round));
        minimal.push(time::<MinimalLead>(body, per_round));
    }
    let lead_bytes = held(|| {
        serde_json::from_slice::<Page<Lead>>(body)
            .expect("the page decodes")
            .data
    });
    let value_bytes = held(|| {
        serde_json::from_slice::<Page<Value>>(body)
            .expect("the page decodes")
            .data
    });
    DecodeFigures {
        lead,
        value,
        minimal,
        lead_size_ratio: lead_bytes as f64 / body.len() as f64,
        value_size_ratio: value_bytes as f64 / body.len() as f64,
        page_bytes: body.len(),
    }
}
