//! A watchdog for the served cluster: a plain thread (not a task, so a runtime whose workers
//! are all blocked cannot silence it) that reports a bank which stopped answering instead of
//! letting every client time out in silence.
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// How often the watchdog looks.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Beaten by whoever proves the bank still answers (the serve loop, after each tick and read).
pub struct Watchdog {
    started: Instant,
    /// Milliseconds since `started` of the last beat.
    last_beat_ms: Arc<AtomicU64>,
}

impl Watchdog {
    /// Starts watching: if no beat arrives for `limit`, `on_stall` runs once with the time
    /// since the last beat (it usually reports and exits the process).
    pub fn start(limit: Duration, on_stall: impl FnOnce(Duration) + Send + 'static) -> Self {
        let started = Instant::now();
        let last_beat_ms = Arc::new(AtomicU64::new(0));
        let beats = last_beat_ms.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(LOOK_EVERY);
            let now_ms = started.elapsed().as_millis() as u64;
            if let Some(silent) = stalled_for(beats.load(Ordering::Acquire), now_ms, limit) {
                on_stall(silent);
                return;
            }
        });
        Self {
            started,
            last_beat_ms,
        }
    }

    /// The bank answered just now.
    pub fn beat(&self) {
        let now_ms = self.started.elapsed().as_millis() as u64;
        self.last_beat_ms.fetch_max(now_ms, Ordering::AcqRel);
    }
}

/// How long the bank has been silent, if longer than `limit` (times in ms on one clock).
pub fn stalled_for(last_beat_ms: u64, now_ms: u64, limit: Duration) -> Option<Duration> {
    let silent = Duration::from_millis(now_ms.saturating_sub(last_beat_ms));
    (silent > limit).then_some(silent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_silence_longer_than_the_limit_is_a_stall() {
        let limit = Duration::from_secs(30);
        assert_eq!(stalled_for(1_000, 31_000, limit), None);
        assert_eq!(
            stalled_for(1_000, 31_001, limit),
            Some(Duration::from_millis(30_001))
        );
        assert_eq!(stalled_for(5_000, 1_000, limit), None);
    }

    #[test]
    fn test_a_watchdog_never_beaten_reports_once() {
        let (tx, rx) = std::sync::mpsc::channel();
        let _dog = Watchdog::start(Duration::from_millis(10), move |silent| {
            tx.send(silent).unwrap();
        });
        let silent = rx.recv().unwrap();
        assert!(silent > Duration::from_millis(10));
        // The thread returned after reporting: the sender is gone.
        assert_eq!(rx.recv(), Err(std::sync::mpsc::RecvError));
    }
}
