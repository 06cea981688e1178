//! Fault injection: what a misbehaving API does to its clients, configurable at start and at run
//! time. Deterministic with `fault_seed`, so a test sees the same faults every run.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every fault is off by default.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultConfig {
    /// Added to every `/api` response.
    pub latency_ms: u64,
    /// Uniform extra latency in `0..=jitter_ms`.
    pub jitter_ms: u64,
    /// Share of requests answered 500 or 503 before touching the store.
    pub error_rate: f64,
    /// Share of POSTs applied to the store but answered 500 (a lost response).
    pub post_commit_error_rate: f64,
    /// Periodic bursts of 429.
    pub burst_429: Option<Burst>,
    /// Server-side limit over all `/api` requests; excess gets 429 with `Retry-After: 1`.
    pub rate_limit_rps: Option<f64>,
    /// One outage window, relative to when the faults were set.
    pub outage: Option<Outage>,
    pub fault_seed: Option<u64>,
}

/// After every `every_n` requests, the next `length` get 429 with `Retry-After: retry_after_secs`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Burst {
    pub every_n: u64,
    pub length: u64,
    pub retry_after_secs: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Outage {
    pub start_after_ms: u64,
    pub duration_ms: u64,
    pub mode: OutageMode,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum OutageMode {
    /// New connections are closed as soon as they are accepted.
    #[serde(rename = "refuse")]
    Refuse,
    /// Requests are answered 503.
    #[serde(rename = "503")]
    Unavailable,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Serve it after `delay`; for a POST, `lose_response` answers 500 after applying it.
    Serve { delay: Duration, lose_response: bool },
    /// Answer `status` (with `Retry-After` when given) after `delay`.
    Fail { status: u16, retry_after: Option<u64>, delay: Duration },
}

struct State {
    cfg: FaultConfig,
    set_at: Instant,
    rng: StdRng,
    served: u64,
    tokens: f64,
    refilled: Instant,
}

pub struct Faults(Mutex<State>);

impl Faults {
    pub fn new(cfg: FaultConfig) -> Self {
        let now = Instant::now();
        let rng = StdRng::seed_from_u64(cfg.fault_seed.unwrap_or(0x5eed));
        let tokens = cfg.rate_limit_rps.unwrap_or(0.0);
        Self(Mutex::new(State { cfg, set_at: now, rng, served: 0, tokens, refilled: now }))
    }

    pub fn get(&self) -> FaultConfig {
        self.lock().cfg.clone()
    }

    /// Replaces the faults; outage windows count from now.
    pub fn set(&self, cfg: FaultConfig) {
        *self.lock() = Faults::new(cfg).0.into_inner().unwrap_or_else(|p| p.into_inner());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn outage(s: &State, now: Instant) -> Option<OutageMode> {
        let o = s.cfg.outage.as_ref()?;
        let start = s.set_at + Duration::from_millis(o.start_after_ms);
        (now >= start && now < start + Duration::from_millis(o.duration_ms)).then_some(o.mode)
    }

    /// Whether new connections are being refused right now.
    pub fn refusing(&self) -> bool {
        Self::outage(&self.lock(), Instant::now()) == Some(OutageMode::Refuse)
    }

    pub fn decide(&self, is_post: bool) -> Decision {
        let mut s = self.lock();
        let now = Instant::now();
        let jitter = s.cfg.jitter_ms;
        let extra = if jitter > 0 { s.rng.random_range(0..=jitter) } else { 0 };
        let delay = Duration::from_millis(s.cfg.latency_ms + extra);
        // Connections opened before a refusing outage still get through; they see 503 instead.
        if Self::outage(&s, now).is_some() {
            return Decision::Fail { status: 503, retry_after: None, delay: Duration::ZERO };
        }
        if let Some(rps) = s.cfg.rate_limit_rps.filter(|r| *r > 0.0) {
            let refill = now.duration_since(s.refilled).as_secs_f64() * rps;
            s.tokens = (s.tokens + refill).min(rps.max(1.0));
            s.refilled = now;
            if s.tokens < 1.0 {
                return Decision::Fail { status: 429, retry_after: Some(1), delay: Duration::ZERO };
            }
            s.tokens -= 1.0;
        }
        let n = s.served;
        s.served += 1;
        if let Some(b) = s.cfg.burst_429.clone() {
            if b.every_n > 0 && n % (b.every_n + b.length) >= b.every_n {
                return Decision::Fail { status: 429, retry_after: Some(b.retry_after_secs), delay };
            }
        }
        if s.cfg.error_rate > 0.0 && s.rng.random::<f64>() < s.cfg.error_rate {
            let status = if s.rng.random::<bool>() { 500 } else { 503 };
            return Decision::Fail { status, retry_after: None, delay };
        }
        let lose_response =
            is_post && s.cfg.post_commit_error_rate > 0.0 && s.rng.random::<f64>() < s.cfg.post_commit_error_rate;
        Decision::Serve { delay, lose_response }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_come_every_n() {
        let f = Faults::new(FaultConfig {
            burst_429: Some(Burst { every_n: 3, length: 2, retry_after_secs: 4 }),
            ..Default::default()
        });
        let kinds: Vec<bool> = (0..10)
            .map(|_| matches!(f.decide(false), Decision::Fail { status: 429, retry_after: Some(4), .. }))
            .collect();
        assert_eq!(kinds, [false, false, false, true, true, false, false, false, true, true]);
    }

    #[test]
    fn error_rate_is_about_right_and_seeded() {
        let cfg = FaultConfig { error_rate: 0.1, fault_seed: Some(7), ..Default::default() };
        let count = |f: &Faults| (0..10_000).filter(|_| matches!(f.decide(false), Decision::Fail { .. })).count();
        let (a, b) = (count(&Faults::new(cfg.clone())), count(&Faults::new(cfg)));
        assert_eq!(a, b, "same seed, same faults");
        assert!((800..1200).contains(&a), "{a}");
    }

    #[test]
    fn outage_window_and_rate_limit() {
        let f = Faults::new(FaultConfig {
            outage: Some(Outage { start_after_ms: 0, duration_ms: 60_000, mode: OutageMode::Refuse }),
            ..Default::default()
        });
        assert!(f.refusing());
        assert!(matches!(f.decide(false), Decision::Fail { status: 503, .. }));
        let limited = Faults::new(FaultConfig { rate_limit_rps: Some(5.0), ..Default::default() });
        let served = (0..50).filter(|_| matches!(limited.decide(false), Decision::Serve { .. })).count();
        assert!((5..=7).contains(&served), "{served}");
    }
}
