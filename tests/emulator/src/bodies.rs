//! Buffers for large response bodies, used again once a response has been sent: a list page
//! is written into memory that is already mapped, not into fresh pages the kernel must
//! supply and clear for every response.

use axum::body::Bytes;
use std::sync::{Arc, Mutex};

/// Buffers kept for reuse at most.
const KEPT: usize = 8;

/// A buffer larger than this (a page of unusually large records) is freed, not kept.
const LARGEST_KEPT: usize = 4 << 20;

/// A shared store of response-body buffers.
#[derive(Clone, Default)]
pub struct Bodies(Arc<Mutex<Vec<Vec<u8>>>>);

impl Bodies {
    /// An empty buffer with room for at least `room` bytes.
    pub fn take(&self, room: usize) -> Vec<u8> {
        let mut buf = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        buf.clear();
        buf.reserve(room);
        buf
    }

    /// `buf` as a response body; the buffer comes back here when the body is dropped.
    pub fn body(&self, buf: Vec<u8>) -> Bytes {
        Bytes::from_owner(Pooled {
            buf,
            home: self.clone(),
        })
    }
}

/// A body whose buffer goes back to its [`Bodies`] when dropped.
struct Pooled {
    buf: Vec<u8>,
    home: Bodies,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let mut kept = self.home.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < KEPT && self.buf.capacity() <= LARGEST_KEPT {
            kept.push(std::mem::take(&mut self.buf));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_comes_back_after_its_body_is_dropped() {
        let bodies = Bodies::default();
        let mut buf = bodies.take(1000);
        buf.extend_from_slice(b"{\"data\":[]}");
        let at = buf.as_ptr();
        let body = bodies.body(buf);
        assert_eq!(&body[..], b"{\"data\":[]}");
        let copy = body.clone();
        drop(body);
        // Still in use by a clone: not back yet.
        assert!(bodies.0.lock().unwrap().is_empty());
        drop(copy);
        assert_eq!(bodies.0.lock().unwrap().len(), 1);
        let again = bodies.take(10);
        assert_eq!(again.as_ptr(), at);
        assert!(again.is_empty() && again.capacity() >= 1000);
    }

    #[test]
    fn a_very_large_buffer_is_not_kept() {
        let bodies = Bodies::default();
        drop(bodies.body(bodies.take(LARGEST_KEPT + 1)));
        assert!(bodies.0.lock().unwrap().is_empty());
    }

    #[test]
    fn no_more_than_a_few_are_kept() {
        let bodies = Bodies::default();
        let all: Vec<Bytes> = (0..3 * KEPT)
            .map(|_| bodies.body(bodies.take(10)))
            .collect();
        drop(all);
        assert_eq!(bodies.0.lock().unwrap().len(), KEPT);
    }
}
