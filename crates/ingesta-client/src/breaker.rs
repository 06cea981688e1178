//! Circuit breaker: opens after N consecutive failures, rejects while open, then lets exactly
//! one probe through; the probe's success closes it, its failure re-opens it.
//!
//! Hand-written rather than `recloser`: that crate counts a failure *rate* over a window and its
//! half-open state admits every concurrent caller, where we need consecutive failures and a
//! single probe so that a recovering API is not hit by the whole backlog at once.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The breaker's state, as reported in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

/// `since`: when the circuit first opened after the API last answered well (the outage's start).
#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant, since: Instant },
    HalfOpen { since: Instant },
}

/// What a caller may do now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send; report the outcome.
    Go,
    /// Send as the single probe; report the outcome.
    Probe,
    /// Do not send; try again at this instant.
    WaitUntil(Instant),
}

#[derive(Debug)]
pub(crate) struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Self {
        Self { threshold: threshold.max(1), cooldown, state: Mutex::new(State::Closed { failures: 0 }) }
    }

    pub(crate) fn admit(&self, now: Instant) -> Admission {
        let mut s = self.state.lock().expect("breaker lock");
        match *s {
            State::Closed { .. } => Admission::Go,
            State::Open { until, since } if now >= until => {
                *s = State::HalfOpen { since };
                Admission::Probe
            }
            State::Open { until, .. } => Admission::WaitUntil(until),
            // The probe is out: everyone else waits one more cooldown slice for its verdict.
            State::HalfOpen { .. } => Admission::WaitUntil(now + self.cooldown.min(Duration::from_millis(50))),
        }
    }

    /// Records an attempt's outcome. Returns true when this call opened the circuit.
    pub(crate) fn record(&self, success: bool, now: Instant) -> bool {
        let mut s = self.state.lock().expect("breaker lock");
        match (&*s, success) {
            (_, true) => {
                *s = State::Closed { failures: 0 };
                false
            }
            (State::Closed { failures }, false) if failures + 1 < self.threshold => {
                *s = State::Closed { failures: failures + 1 };
                false
            }
            (State::Open { .. }, false) => false,
            (State::HalfOpen { since }, false) => {
                *s = State::Open { until: now + self.cooldown, since: *since };
                true
            }
            (State::Closed { .. }, false) => {
                *s = State::Open { until: now + self.cooldown, since: now };
                true
            }
        }
    }

    /// The instant the circuit first opened since the API last answered well, if it is down.
    pub(crate) fn down_since(&self) -> Option<Instant> {
        match *self.state.lock().expect("breaker lock") {
            State::Closed { .. } => None,
            State::Open { since, .. } | State::HalfOpen { since } => Some(since),
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        match *self.state.lock().expect("breaker lock") {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_then_single_probe() {
        let b = Breaker::new(3, Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(!b.record(false, t0));
        assert!(!b.record(false, t0));
        assert_eq!(b.admit(t0), Admission::Go);
        assert!(b.record(false, t0), "third consecutive failure opens");
        assert!(matches!(b.admit(t0), Admission::WaitUntil(_)));
        let later = t0 + Duration::from_secs(2);
        assert_eq!(b.admit(later), Admission::Probe);
        assert!(matches!(b.admit(later), Admission::WaitUntil(_)), "only one probe");
        b.record(true, later);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.admit(later), Admission::Go);
    }

    #[test]
    fn a_success_resets_the_count_and_a_failed_probe_reopens() {
        let b = Breaker::new(2, Duration::from_secs(1));
        let t0 = Instant::now();
        b.record(false, t0);
        b.record(true, t0);
        assert!(!b.record(false, t0), "failures must be consecutive");
        assert!(b.record(false, t0));
        let later = t0 + Duration::from_secs(2);
        assert_eq!(b.admit(later), Admission::Probe);
        assert!(b.record(false, later), "failed probe re-opens");
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.down_since(), Some(t0), "the outage is counted from its first opening");
        b.record(true, later + Duration::from_secs(2));
        assert_eq!(b.down_since(), None);
    }
}
