//! Counters the summary, the metrics and the batch sizer read. Cumulative and lock-free; readers
//! take differences between snapshots.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub errors: AtomicU64,
    pub throttled: AtomicU64,
    pub circuit_rejections: AtomicU64,
    pub circuit_opened: AtomicU64,
    pub latency_us_total: AtomicU64,
    pub verifications: AtomicU64,
    pub verified_landed: AtomicU64,
    pub timeouts: AtomicU64,
}

/// A snapshot of the client's counters since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientStats {
    /// Attempts sent to the API (retries included).
    pub requests: u64,
    pub retries: u64,
    /// Attempts that failed (any status ≥ 400 except a handled duplicate, or no answer).
    pub errors: u64,
    /// Attempts answered 429.
    pub throttled: u64,
    /// Attempts held back because the circuit was open.
    pub circuit_rejections: u64,
    /// Times the circuit opened.
    pub circuit_opened: u64,
    /// Sum of attempt latencies, microseconds.
    pub latency_us_total: u64,
    /// Look-ups of a create whose outcome was unknown, before repeating it.
    #[serde(default)]
    pub verifications: u64,
    /// Of those, the ones that found the entry: the lost attempt had landed, no second POST.
    #[serde(default)]
    pub verified_landed: u64,
    /// Attempts that got no answer within the request timeout.
    #[serde(default)]
    pub timeouts: u64,
}

impl ClientStats {
    /// Mean attempt latency in milliseconds.
    pub fn mean_latency_ms(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.latency_us_total as f64 / self.requests as f64 / 1000.0
        }
    }

    /// Counters accumulated between `earlier` and `self`.
    pub fn since(&self, earlier: &ClientStats) -> ClientStats {
        ClientStats {
            requests: self.requests - earlier.requests,
            retries: self.retries - earlier.retries,
            errors: self.errors - earlier.errors,
            throttled: self.throttled - earlier.throttled,
            circuit_rejections: self.circuit_rejections - earlier.circuit_rejections,
            circuit_opened: self.circuit_opened - earlier.circuit_opened,
            latency_us_total: self.latency_us_total - earlier.latency_us_total,
            verifications: self.verifications - earlier.verifications,
            verified_landed: self.verified_landed - earlier.verified_landed,
            timeouts: self.timeouts - earlier.timeouts,
        }
    }
}

impl Counters {
    pub(crate) fn snapshot(&self) -> ClientStats {
        ClientStats {
            requests: self.requests.load(Relaxed),
            retries: self.retries.load(Relaxed),
            errors: self.errors.load(Relaxed),
            throttled: self.throttled.load(Relaxed),
            circuit_rejections: self.circuit_rejections.load(Relaxed),
            circuit_opened: self.circuit_opened.load(Relaxed),
            latency_us_total: self.latency_us_total.load(Relaxed),
            verifications: self.verifications.load(Relaxed),
            verified_landed: self.verified_landed.load(Relaxed),
            timeouts: self.timeouts.load(Relaxed),
        }
    }
}
