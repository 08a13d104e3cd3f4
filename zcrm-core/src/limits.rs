//! Concurrency limits. Zoho counts simultaneous calls per org (5 to 25 by edition; more answer
//! 429), so clients of the same org should share one limit: give them the same [`OrgLimits`]
//! (`ClientBuilder::org_limits`). Without it each client has its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// A limit on simultaneous requests that can grow (when the org's edition becomes known).
#[derive(Debug)]
pub(crate) struct Limit {
    sem: Semaphore,
    size: AtomicUsize,
}

impl Limit {
    pub(crate) fn new(n: usize) -> Arc<Limit> {
        Arc::new(Limit {
            sem: Semaphore::new(n),
            size: AtomicUsize::new(n),
        })
    }
    pub(crate) fn size(&self) -> usize {
        self.size.load(Ordering::SeqCst)
    }
    /// Raises the limit to `n` (never lowers it).
    pub(crate) fn raise_to(&self, n: usize) {
        let cur = self.size.fetch_max(n, Ordering::SeqCst);
        if n > cur {
            self.sem.add_permits(n - cur);
        }
    }
    pub(crate) fn try_acquire(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.sem.try_acquire().ok()
    }
    /// Gives back one slot whose permit was forgotten (a streamed body that held it).
    pub(crate) fn release_one(&self) {
        self.sem.add_permits(1);
    }
    pub(crate) async fn acquire(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.sem.acquire().await.ok()
    }
}

/// One concurrency limit per org, shared by every client built with it. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct OrgLimits {
    orgs: Arc<Mutex<HashMap<String, Arc<Limit>>>>,
}

impl OrgLimits {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The limit of an org (`api host|zgid`), created with `n` permits.
    pub(crate) fn get(&self, key: &str, n: usize) -> Arc<Limit> {
        self.orgs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_string())
            .or_insert_with(|| Limit::new(n))
            .clone()
    }
}
