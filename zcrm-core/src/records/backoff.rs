//! Waiting for a server-side job (bulk read and write, mass update by view): pauses that
//! double from an initial one up to a maximum, within an overall deadline.

use crate::error::Error;
use std::time::Duration;
use tokio::time::Instant;

/// The shortest pause: a zero would never grow, asking about the job in a tight loop.
pub(crate) const MIN_PAUSE: Duration = Duration::from_millis(5);

/// The pauses between asks about one job, and its deadline.
#[derive(Debug)]
pub(crate) struct Backoff {
    /// `None` waits without a deadline (a `max_wait` too long to add, `Duration::MAX`).
    deadline: Option<Instant>,
    pause: Duration,
    max_pause: Duration,
    max_wait: Duration,
}

impl Backoff {
    /// Pauses from `initial` (at least [`MIN_PAUSE`]), doubling up to `max_pause`, for at
    /// most `max_wait` from now.
    pub(crate) fn new(initial: Duration, max_pause: Duration, max_wait: Duration) -> Backoff {
        let initial = initial.max(MIN_PAUSE);
        Backoff {
            deadline: Instant::now().checked_add(max_wait),
            pause: initial,
            max_pause: max_pause.max(initial),
            max_wait,
        }
    }

    /// The next pause (cut to the time left), or [`Error::Timeout`] once the deadline has
    /// passed; `still` says what is still waited for ("bulk write job 4 is still `QUEUED`"),
    /// and the error adds how long was waited.
    pub(crate) fn next(&mut self, still: impl FnOnce() -> String) -> Result<Duration, Error> {
        let pause = self.pause;
        self.pause = self.pause.saturating_mul(2).min(self.max_pause);
        match self.deadline {
            None => Ok(pause),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    Err(Error::Timeout(format!(
                        "{} after {:?}",
                        still(),
                        self.max_wait
                    )))
                } else {
                    Ok(pause.min(d - now))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pauses_double_up_to_the_maximum_and_stop_at_the_deadline() {
        let mut b = Backoff::new(
            Duration::from_secs(1),
            Duration::from_secs(4),
            Duration::from_secs(10),
        );
        let mut pauses = vec![];
        loop {
            match b.next(|| "job 7 is still `QUEUED`".into()) {
                Ok(p) => {
                    pauses.push(p.as_secs());
                    tokio::time::sleep(p).await;
                }
                Err(e) => {
                    assert_eq!(e.kind(), crate::ErrorKind::Timeout);
                    assert!(
                        e.to_string().contains("job 7 is still `QUEUED` after 10s"),
                        "{e}"
                    );
                    break;
                }
            }
        }
        assert_eq!(pauses, [1, 2, 4, 3]);
    }

    #[test]
    fn no_deadline_when_the_wait_cannot_be_added() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::MAX, Duration::MAX);
        for _ in 0..200 {
            assert!(b.next(String::new).is_ok());
        }
    }
}
