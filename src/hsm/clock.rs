//! The device's one clock: the system clock or the fixed clock of `--deterministic`, moved by
//! an offset the control API sets (`POST /_emulator/clock`), so tests step over JWT lifetimes,
//! certificate validity and SKA timelocks instead of sleeping.

use crate::domain::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};

/// The fixed clock of deterministic mode: 2026-01-01T00:00:00Z.
pub const FIXED_CLOCK: Timestamp = Timestamp(1_767_225_600);

/// Where the time comes from, before the offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    System,
    Fixed(Timestamp),
}

/// The time every part of the device reads: a base plus an offset in seconds.
#[derive(Debug)]
pub struct Clock {
    base: Base,
    offset: AtomicI64,
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Self {
        Self {
            base: Base::System,
            offset: AtomicI64::new(0),
        }
    }

    /// A clock that stands still at `at` until moved.
    pub fn fixed(at: Timestamp) -> Self {
        Self {
            base: Base::Fixed(at),
            offset: AtomicI64::new(0),
        }
    }

    fn base(&self) -> Timestamp {
        match self.base {
            Base::System => Timestamp::now(),
            Base::Fixed(at) => at,
        }
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        shift(self.base(), self.offset.load(Ordering::Relaxed))
    }

    /// The current time in milliseconds since the Unix epoch: the base with its milliseconds
    /// (a fixed clock's are 0) plus the offset, which counts whole seconds. Auto-decisions of
    /// scripted approvers (`hsm::approvers`) count in it.
    pub fn now_ms(&self) -> u64 {
        let base_ms = match self.base {
            Base::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| {
                    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
                }),
            Base::Fixed(at) => at.0.saturating_mul(1000),
        };
        base_ms.saturating_add_signed(self.offset.load(Ordering::Relaxed).saturating_mul(1000))
    }

    /// Seconds the clock is ahead of (positive) or behind its base.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// Whether the clock stands still between moves (deterministic mode).
    pub fn is_fixed(&self) -> bool {
        matches!(self.base, Base::Fixed(_))
    }

    /// Moves the clock by `seconds` (negative moves it back); the result saturates.
    pub fn advance(&self, seconds: i64) -> Timestamp {
        let mut current = self.offset.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(seconds);
            match self.offset.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return shift(self.base(), next),
                Err(seen) => current = seen,
            }
        }
    }

    /// Makes the clock read `at` now (a system clock then runs on from there).
    pub fn set(&self, at: Timestamp) -> Timestamp {
        let base = self.base();
        let offset = i64::try_from(i128::from(at.0) - i128::from(base.0)).unwrap_or(if at > base {
            i64::MAX
        } else {
            i64::MIN
        });
        self.offset.store(offset, Ordering::Relaxed);
        shift(base, offset)
    }

    /// Back to the base time (`/_emulator/reset`).
    pub fn reset(&self) {
        self.offset.store(0, Ordering::Relaxed);
    }
}

fn shift(base: Timestamp, offset: i64) -> Timestamp {
    Timestamp(base.0.saturating_add_signed(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = Clock::fixed(FIXED_CLOCK);
        assert_eq!(clock.now(), FIXED_CLOCK);
        assert_eq!(clock.advance(90), Timestamp(FIXED_CLOCK.0 + 90));
        assert_eq!(clock.now(), Timestamp(FIXED_CLOCK.0 + 90));
        assert_eq!(clock.advance(-30), Timestamp(FIXED_CLOCK.0 + 60));
        assert_eq!(clock.set(Timestamp(1_000)), Timestamp(1_000));
        assert_eq!(clock.offset(), 1_000 - FIXED_CLOCK.0 as i64);
        clock.reset();
        assert_eq!(clock.now(), FIXED_CLOCK);
    }

    #[test]
    fn milliseconds_follow_the_seconds_and_the_offset() {
        let clock = Clock::fixed(FIXED_CLOCK);
        assert_eq!(clock.now_ms(), FIXED_CLOCK.0 * 1000);
        clock.advance(2);
        assert_eq!(clock.now_ms(), (FIXED_CLOCK.0 + 2) * 1000);
        let system = Clock::system();
        let (seconds, ms) = (system.now().0, system.now_ms());
        assert!(
            ms / 1000 >= seconds && ms / 1000 <= seconds + 1,
            "{seconds} {ms}"
        );
    }

    #[test]
    fn a_system_clock_runs_on_from_where_it_was_set() {
        let clock = Clock::system();
        let later = Timestamp(Timestamp::now().0 + 86_400 * 365);
        clock.set(later);
        let read = clock.now();
        assert!(read >= later && read.0 <= later.0 + 5, "{read:?}");
        assert!(!clock.is_fixed());
    }

    #[test]
    fn moving_before_the_epoch_saturates() {
        let clock = Clock::fixed(Timestamp(10));
        assert_eq!(clock.advance(-100), Timestamp(0));
        let clock = Clock::fixed(Timestamp(u64::MAX - 10));
        assert_eq!(clock.advance(100), Timestamp(u64::MAX));
    }
}
