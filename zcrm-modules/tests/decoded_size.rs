//! Memory held by decoded records: a page of 200 Leads (the decode bench's page) decoded into
//! `Vec<Lead>` holds at most twice the JSON's size (each `Lead` itself plus every heap byte it
//! owns). Counted with a counting global allocator; this file holds this one test only, so no
//! other test allocates meanwhile.

#[path = "../benches/support/page.rs"]
mod page;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use zcrm_modules::leads::Lead;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(serde::Deserialize)]
struct Page {
    data: Vec<Lead>,
}

#[test]
fn a_decoded_lead_holds_at_most_twice_its_json() {
    let body = page::page();
    let before = LIVE.load(Ordering::Relaxed);
    let mut leads = serde_json::from_str::<Page>(&body).unwrap().data;
    // The vector's spare capacity belongs to no record.
    leads.shrink_to_fit();
    let held = LIVE.load(Ordering::Relaxed) - before;
    assert_eq!(leads.len(), page::RECORDS);
    let ratio = held as f64 / body.len() as f64;
    println!(
        "{} Leads of {} bytes each: {held} bytes held for {} bytes of JSON ({ratio:.2}x)",
        leads.len(),
        std::mem::size_of::<Lead>(),
        body.len()
    );
    assert!(ratio <= 2.0, "decoded Leads hold {ratio:.2}x their JSON");
}
