//! Browser sessions, held in memory: each one either waits for the sign-in it started to come
//! back (it holds that sign-in's single-use `state`) or is signed in (it names a stored token).
//!
//! - A session ends after [`IDLE_LIFETIME`] without a request, and [`ABSOLUTE_LIFETIME`] after it
//!   began, whichever comes first.
//! - At most [`MAX_SESSIONS`] exist at once. Making room removes the expired ones first, then the
//!   least recently used sign-in in progress, and only then the least recently used signed-in
//!   session: a flood of `/login` requests cannot grow memory, and pushes out only other sign-ins
//!   in progress.
//! - Signing in never reuses an id: the session that started a sign-in is removed when the
//!   sign-in comes back, and a signed-in session gets a new id ([`SessionStore::sign_in`]). An id
//!   someone planted in a browser before sign-in is therefore worth nothing after it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a session lasts without a request: 30 minutes.
pub const IDLE_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How long a session lasts at most, however busy: 12 hours.
pub const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// How many sessions exist at most (signed in or signing in): 10,000.
pub const MAX_SESSIONS: usize = 10_000;

/// Random bytes in a session id (hex-encoded in the cookie).
const ID_BYTES: usize = 32;

/// The lifetimes and the cap of the sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Lifetime without a request.
    pub idle: Duration,
    /// Lifetime from the session's start.
    pub absolute: Duration,
    /// Most sessions at once (at least 1).
    pub max_sessions: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: IDLE_LIFETIME,
            absolute: ABSOLUTE_LIFETIME,
            max_sessions: MAX_SESSIONS,
        }
    }
}

/// What a session holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// A sign-in was started and has not come back: its single-use `state`.
    SigningIn {
        /// The `state` sent to Zoho's consent page.
        state: String,
    },
    /// Signed in.
    SignedIn {
        /// The id of the user-org's stored token.
        token_id: String,
        /// The user's name, as shown on the pages.
        user: String,
    },
}

/// Where the sessions read the time (a hand-set clock in tests).
pub trait Clock: Send + Sync {
    /// The current instant; never goes backwards.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

struct Entry {
    session: Session,
    started: Instant,
    last_used: Instant,
    /// Position in the use order of its kind (higher = used more recently).
    seq: u64,
}

impl Entry {
    fn expired(&self, now: Instant, limits: &SessionLimits) -> bool {
        now.saturating_duration_since(self.last_used) >= limits.idle
            || now.saturating_duration_since(self.started) >= limits.absolute
    }

    fn signed_in(&self) -> bool {
        matches!(self.session, Session::SignedIn { .. })
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Sign-ins in progress by use order (least recently used first).
    signing_in: BTreeMap<u64, String>,
    /// Signed-in sessions by use order (least recently used first).
    signed_in: BTreeMap<u64, String>,
    next_seq: u64,
}

impl Inner {
    fn order(&mut self, signed_in: bool) -> &mut BTreeMap<u64, String> {
        if signed_in {
            &mut self.signed_in
        } else {
            &mut self.signing_in
        }
    }

    fn remove(&mut self, id: &str) -> Option<Entry> {
        let entry = self.entries.remove(id)?;
        let signed_in = entry.signed_in();
        self.order(signed_in).remove(&entry.seq);
        Some(entry)
    }

    fn seq(&mut self) -> u64 {
        let seq = self.next_seq;
        // u64 cannot run out at one session per nanosecond for 500 years; wrap-free anyway.
        self.next_seq = self.next_seq.saturating_add(1);
        seq
    }

    /// Removes the least recently used sessions of one kind while they are expired.
    fn purge_expired(&mut self, signed_in: bool, now: Instant, limits: &SessionLimits) {
        while let Some((&seq, id)) = self.order(signed_in).first_key_value() {
            let id = id.clone();
            if let Some(e) = self.entries.get(&id) {
                if !e.expired(now, limits) {
                    break;
                }
                self.entries.remove(&id);
            }
            self.order(signed_in).remove(&seq);
        }
    }

    /// Removes the least recently used session of one kind; false when there is none.
    fn evict_oldest(&mut self, signed_in: bool) -> bool {
        match self.order(signed_in).pop_first() {
            Some((_, id)) => {
                self.entries.remove(&id);
                true
            }
            None => false,
        }
    }

    fn insert(&mut self, session: Session, now: Instant, limits: &SessionLimits) -> String {
        self.purge_expired(false, now, limits);
        self.purge_expired(true, now, limits);
        while self.entries.len() >= limits.max_sessions.max(1) {
            if !self.evict_oldest(false) && !self.evict_oldest(true) {
                break;
            }
        }
        let id = loop {
            let id = random_hex(ID_BYTES);
            if !self.entries.contains_key(&id) {
                break id;
            }
        };
        let seq = self.seq();
        let signed_in = matches!(session, Session::SignedIn { .. });
        self.order(signed_in).insert(seq, id.clone());
        self.entries.insert(
            id.clone(),
            Entry {
                session,
                started: now,
                last_used: now,
                seq,
            },
        );
        id
    }
}

/// The app's sessions.
pub struct SessionStore {
    limits: SessionLimits,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl SessionStore {
    /// An empty store with these limits, on the system clock.
    pub fn new(limits: SessionLimits) -> Self {
        Self::with_clock(limits, Arc::new(SystemClock))
    }

    /// An empty store with these limits, reading the time from `clock`.
    pub fn with_clock(limits: SessionLimits, clock: Arc<dyn Clock>) -> Self {
        SessionStore {
            limits,
            clock,
            inner: Mutex::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> SessionLimits {
        self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a sign-in: removes the session `previous` names (if any) and returns the id of a
    /// new session holding a new random `state`, with that state.
    pub fn start_sign_in(&self, previous: Option<&str>) -> (String, String) {
        let state = random_hex(16);
        let mut inner = self.lock();
        let now = self.clock.now();
        if let Some(p) = previous {
            inner.remove(p);
        }
        let id = inner.insert(
            Session::SigningIn {
                state: state.clone(),
            },
            now,
            &self.limits,
        );
        (id, state)
    }

    /// The sign-in coming back to the session `id`: when that session is a live sign-in in
    /// progress, removes it and returns its `state` (single use). A signed-in session is left
    /// as it is (a stray callback does not sign anyone out).
    pub fn finish_sign_in(&self, id: &str) -> Option<String> {
        let mut inner = self.lock();
        let now = self.clock.now();
        let entry = inner.entries.get(id)?;
        if entry.signed_in() {
            return None;
        }
        let live = !entry.expired(now, &self.limits);
        match inner.remove(id)?.session {
            Session::SigningIn { state } if live => Some(state),
            _ => None,
        }
    }

    /// A new signed-in session (a new id, never one that existed before); returns its id.
    pub fn sign_in(&self, token_id: String, user: String) -> String {
        let mut inner = self.lock();
        let now = self.clock.now();
        inner.insert(Session::SignedIn { token_id, user }, now, &self.limits)
    }

    /// The live session `id` names, counting this as a use; an expired one is removed.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut inner = self.lock();
        let now = self.clock.now();
        let entry = inner.entries.get(id)?;
        if entry.expired(now, &self.limits) {
            inner.remove(id);
            return None;
        }
        let (old_seq, signed_in) = (entry.seq, entry.signed_in());
        let seq = inner.seq();
        let order = inner.order(signed_in);
        order.remove(&old_seq);
        order.insert(seq, id.to_string());
        let entry = inner.entries.get_mut(id)?;
        entry.seq = seq;
        entry.last_used = now;
        Some(entry.session.clone())
    }

    /// Ends the session `id` names.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many sessions are held (expired ones not yet removed included).
    #[cfg(test)]
    fn count(&self) -> usize {
        self.lock().entries.len()
    }
}

/// `bytes` random bytes from the thread's CSPRNG, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock moved by hand.
    struct HandClock(Mutex<Instant>);

    impl HandClock {
        fn advance(&self, d: Duration) {
            let mut t = self.0.lock().unwrap();
            *t += d;
        }
    }

    impl Clock for HandClock {
        fn now(&self) -> Instant {
            *self.0.lock().unwrap()
        }
    }

    fn store(idle: u64, absolute: u64, max: usize) -> (SessionStore, Arc<HandClock>) {
        let clock = Arc::new(HandClock(Mutex::new(Instant::now())));
        let limits = SessionLimits {
            idle: Duration::from_secs(idle),
            absolute: Duration::from_secs(absolute),
            max_sessions: max,
        };
        (SessionStore::with_clock(limits, clock.clone()), clock)
    }

    fn signed_in(s: &SessionStore, n: usize) -> String {
        s.sign_in(format!("t{n}"), format!("user{n}"))
    }

    #[test]
    fn defaults_are_the_documented_constants() {
        let l = SessionLimits::default();
        assert_eq!(l.idle, Duration::from_secs(1800));
        assert_eq!(l.absolute, Duration::from_secs(43_200));
        assert_eq!(l.max_sessions, 10_000);
    }

    #[test]
    fn ids_are_long_random_and_distinct() {
        let (s, _) = store(60, 600, 100);
        let a = signed_in(&s, 1);
        let b = signed_in(&s, 1);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn a_sign_in_never_keeps_the_id_that_started_it() {
        let (s, _) = store(60, 600, 100);
        let (planted, _) = s.start_sign_in(None);
        let (id, state) = s.start_sign_in(Some(&planted));
        assert_ne!(id, planted);
        assert_eq!(s.get(&planted), None, "starting a sign-in drops the old id");
        assert_eq!(s.finish_sign_in(&id), Some(state));
        assert_eq!(
            s.get(&id),
            None,
            "the sign-in's own id ends when it comes back"
        );
        assert_eq!(s.finish_sign_in(&id), None, "the state is single use");
        let new = s.sign_in("t".into(), "u".into());
        assert_ne!(new, id);
        assert_eq!(
            s.get(&new),
            Some(Session::SignedIn {
                token_id: "t".into(),
                user: "u".into()
            })
        );
        assert_eq!(s.count(), 1);
    }

    #[test]
    fn a_stray_callback_leaves_a_signed_in_session_alone() {
        let (s, _) = store(60, 600, 100);
        let id = signed_in(&s, 1);
        assert_eq!(s.finish_sign_in(&id), None);
        assert!(s.get(&id).is_some());
    }

    #[test]
    fn idle_sessions_expire_and_use_keeps_them_alive() {
        let (s, clock) = store(60, 600, 100);
        let busy = signed_in(&s, 1);
        let idle = signed_in(&s, 2);
        let (pending, _) = s.start_sign_in(None);
        for _ in 0..5 {
            clock.advance(Duration::from_secs(59));
            assert!(s.get(&busy).is_some(), "used within the idle lifetime");
        }
        assert_eq!(s.get(&idle), None);
        assert_eq!(
            s.finish_sign_in(&pending),
            None,
            "an expired sign-in is refused"
        );
        assert_eq!(s.count(), 1, "expired sessions are removed when seen");
    }

    #[test]
    fn idle_lifetime_is_exact_at_the_boundary() {
        let (s, clock) = store(60, 600, 100);
        let a = signed_in(&s, 1);
        clock.advance(Duration::from_secs(59));
        assert!(s.get(&a).is_some());
        clock.advance(Duration::from_secs(60));
        assert_eq!(s.get(&a), None);
    }

    #[test]
    fn sessions_end_at_the_absolute_lifetime_however_busy() {
        let (s, clock) = store(60, 300, 100);
        let a = signed_in(&s, 1);
        for _ in 0..9 {
            clock.advance(Duration::from_secs(30));
            assert!(s.get(&a).is_some());
        }
        clock.advance(Duration::from_secs(30));
        assert_eq!(s.get(&a), None, "300 s after it began");
    }

    #[test]
    fn the_cap_holds_under_a_flood_of_sign_ins() {
        let (s, _) = store(60, 600, 50);
        let kept = signed_in(&s, 1);
        let (first, _) = s.start_sign_in(None);
        let mut last = String::new();
        for _ in 0..20_000 {
            last = s.start_sign_in(None).0;
            assert!(s.count() <= 50);
        }
        assert_eq!(s.count(), 50);
        assert_eq!(
            s.finish_sign_in(&first),
            None,
            "the oldest sign-in was pushed out"
        );
        assert!(s.finish_sign_in(&last).is_some(), "the newest is there");
        assert!(s.get(&kept).is_some(), "signed-in sessions go last");
    }

    #[test]
    fn making_room_takes_expired_sessions_first_then_the_least_recently_used() {
        let (s, clock) = store(60, 600, 3);
        let a = signed_in(&s, 1);
        let b = signed_in(&s, 2);
        let c = signed_in(&s, 3);
        clock.advance(Duration::from_secs(30));
        assert!(s.get(&a).is_some());
        assert!(s.get(&c).is_some());
        clock.advance(Duration::from_secs(30));
        // b (unused for 60 s) has expired: it goes, a and c stay.
        let d = signed_in(&s, 4);
        assert_eq!(s.count(), 3);
        assert!(s.get(&a).is_some() && s.get(&c).is_some() && s.get(&d).is_some());
        assert_eq!(s.get(&b), None);
        // Nothing expired: the least recently used (a, then c) goes.
        assert!(s.get(&c).is_some());
        assert!(s.get(&d).is_some());
        let e = signed_in(&s, 5);
        assert_eq!(s.get(&a), None);
        assert!(s.get(&c).is_some() && s.get(&d).is_some() && s.get(&e).is_some());
    }

    #[test]
    fn sign_ins_in_progress_make_room_before_signed_in_sessions() {
        let (s, _) = store(60, 600, 3);
        let (p, _) = s.start_sign_in(None);
        let a = signed_in(&s, 1);
        let b = signed_in(&s, 2);
        let c = signed_in(&s, 3);
        assert_eq!(s.finish_sign_in(&p), None);
        assert!(s.get(&a).is_some() && s.get(&b).is_some() && s.get(&c).is_some());
        let d = signed_in(&s, 4);
        assert_eq!(
            s.get(&a),
            None,
            "with no sign-in in progress, the oldest signed-in goes"
        );
        assert!(s.get(&d).is_some());
    }

    #[test]
    fn a_cap_of_zero_still_keeps_one_session() {
        let (s, _) = store(60, 600, 0);
        let a = signed_in(&s, 1);
        assert!(s.get(&a).is_some());
        let b = signed_in(&s, 2);
        assert_eq!(s.get(&a), None);
        assert!(s.get(&b).is_some());
    }
}
