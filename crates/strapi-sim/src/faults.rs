//! Fault injection on `/api` routes: latency, errors, lost responses, 429 bursts, a server-side
//! rate limit and an outage window. Set at start or at run time; reproducible with `fault_seed`.
//! A switch to other faults can be scheduled after a number of requests ([`Scheduled`]), so a test
//! or benchmark can change the server's behaviour at a known point of a run without timing it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to inject. Every fault is off by default; JSON field names match the binary's flags.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Added to every `/api` response.
    pub latency_ms: u64,
    /// Extra latency drawn uniformly from `0..=jitter_ms`.
    pub jitter_ms: u64,
    /// Share of requests answered 500 or 503 (at random) before touching the store.
    pub error_rate: f64,
    /// Share of POSTs applied to the store but answered 500: a lost response.
    pub post_commit_error_rate: f64,
    /// Periodic bursts of 429.
    pub burst_429: Option<Burst>,
    /// Token bucket over all `/api` requests; the excess gets 429 with `Retry-After: 1`.
    pub rate_limit_rps: Option<f64>,
    /// One outage window, timed from when the faults were set.
    pub outage: Option<Outage>,
    /// Seed of the random draws (jitter, errors); random when unset.
    pub fault_seed: Option<u64>,
    /// Requests served per second at most, one after another, like a CPU-bound server: a
    /// request waits for those ahead of it, so latency grows with the queue instead of being
    /// refused. Each takes `1/capacity_rps` of service on top of `latency_ms`.
    pub capacity_rps: Option<f64>,
}

/// After every `every_n` requests, the next `length` are answered 429.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// Requests served normally between bursts (at least 1).
    pub every_n: u64,
    /// Requests answered 429 in each burst.
    pub length: u64,
    /// Sent as the `Retry-After` header.
    pub retry_after_secs: u64,
}

/// A window during which the server is down.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// Delay from when the faults were set to the start of the outage.
    pub start_after_ms: u64,
    /// How long the outage lasts.
    pub duration_ms: u64,
    /// How the outage shows to clients.
    pub mode: OutageMode,
}

/// How an outage shows.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum OutageMode {
    /// Connections are closed unanswered: clients see connection errors.
    #[serde(rename = "refuse")]
    Refuse,
    /// Requests are answered 503.
    #[serde(rename = "503")]
    Unavailable,
}

impl FaultConfig {
    /// Refuses settings that cannot mean anything.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [("error_rate", self.error_rate), ("post_commit_error_rate", self.post_commit_error_rate)] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if self.rate_limit_rps.is_some_and(|r| r.is_nan() || r <= 0.0) {
            return Err("rate_limit_rps must be positive".into());
        }
        if self.capacity_rps.is_some_and(|r| r.is_nan() || r <= 0.0) {
            return Err("capacity_rps must be positive".into());
        }
        if self.burst_429.as_ref().is_some_and(|b| b.every_n == 0) {
            return Err("burst_429.every_n must be at least 1".into());
        }
        Ok(())
    }
}

/// Faults to put in force once `after_requests` more `/api` requests have arrived: those requests
/// see the current faults, the next one the new faults (whose clocks and counters start then, so
/// an outage with `start_after_ms: 0` begins at that request).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scheduled {
    /// Requests still served under the current faults.
    pub after_requests: u64,
    /// What replaces them.
    pub faults: FaultConfig,
}

/// What to do with one `/api` request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Serve it after `delay`; `lose_response` applies a POST and then answers 500.
    Serve { delay: Duration, lose_response: bool },
    /// Answer `status` (with `Retry-After` when given) after `delay`, leaving the store alone.
    Fail { status: u16, retry_after: Option<u64>, delay: Duration },
}

struct State {
    cfg: FaultConfig,
    set_at: Instant,
    rng: StdRng,
    /// Requests that reached the burst counter since the faults were set.
    counted: u64,
    tokens: f64,
    refilled: Instant,
    /// When the single server of `capacity_rps` is free again.
    server_free_at: Instant,
}

impl State {
    fn new(cfg: FaultConfig) -> Self {
        let now = Instant::now();
        let rng = match cfg.fault_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        let tokens = cfg.rate_limit_rps.map_or(0.0, |r| r.max(1.0));
        Self { cfg, set_at: now, rng, counted: 0, tokens, refilled: now, server_free_at: now }
    }

    fn outage(&self, now: Instant) -> Option<OutageMode> {
        let o = self.cfg.outage.as_ref()?;
        let start = self.set_at + Duration::from_millis(o.start_after_ms);
        (now >= start && now < start + Duration::from_millis(o.duration_ms)).then_some(o.mode)
    }
}

/// The live fault settings and their counters.
pub struct Faults {
    state: Mutex<State>,
    /// A switch waiting for its request count; locked before `state` when both are needed.
    scheduled: Mutex<Option<Scheduled>>,
    /// Spares the socket layer a lock on every read when no refusing outage is configured.
    may_refuse: AtomicBool,
}

impl Faults {
    pub fn new(cfg: FaultConfig) -> Self {
        let faults = Self {
            state: Mutex::new(State::new(FaultConfig::default())),
            scheduled: Mutex::new(None),
            may_refuse: AtomicBool::new(false),
        };
        faults.set(cfg);
        faults
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self) -> FaultConfig {
        self.lock().cfg.clone()
    }

    fn lock_scheduled(&self) -> std::sync::MutexGuard<'_, Option<Scheduled>> {
        self.scheduled.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the faults and restarts their clocks and counters; cancels a scheduled switch.
    pub fn set(&self, cfg: FaultConfig) {
        let mut scheduled = self.lock_scheduled();
        *scheduled = None;
        self.install(cfg);
    }

    /// Schedules a switch (replacing any earlier one); the current faults stay until it fires.
    pub fn schedule(&self, next: Scheduled) {
        *self.lock_scheduled() = Some(next);
    }

    /// The switch still waiting, with the requests left before it fires.
    pub fn scheduled(&self) -> Option<Scheduled> {
        self.lock_scheduled().clone()
    }

    fn install(&self, cfg: FaultConfig) {
        let refuse = cfg.outage.as_ref().is_some_and(|o| o.mode == OutageMode::Refuse);
        *self.lock() = State::new(cfg);
        self.may_refuse.store(refuse, Ordering::Release);
    }

    /// Counts one request towards a scheduled switch, and fires it when it is due.
    fn tick_scheduled(&self) {
        let mut scheduled = self.lock_scheduled();
        match scheduled.as_mut() {
            None => {}
            Some(s) if s.after_requests > 0 => s.after_requests -= 1,
            Some(_) => {
                let due = scheduled.take().expect("matched Some");
                self.install(due.faults);
            }
        }
    }

    /// Whether connections are being dropped right now.
    pub fn refusing(&self) -> bool {
        self.may_refuse.load(Ordering::Acquire) && self.lock().outage(Instant::now()) == Some(OutageMode::Refuse)
    }

    /// Decides the fate of one request, in this order: outage, rate limit, 429 burst, error rate,
    /// lost response. Every answer, failed or not, carries the configured latency.
    pub fn decide(&self, is_post: bool) -> Decision {
        self.tick_scheduled();
        let mut guard = self.lock();
        let s = &mut *guard;
        let now = Instant::now();
        let jitter = if s.cfg.jitter_ms > 0 { s.rng.random_range(0..=s.cfg.jitter_ms) } else { 0 };
        let delay = Duration::from_millis(s.cfg.latency_ms + jitter);
        let fail = |status, retry_after| Decision::Fail { status, retry_after, delay };
        // A refusing outage also lands here for requests read just before it began.
        if s.outage(now).is_some() {
            return fail(503, None);
        }
        if let Some(rps) = s.cfg.rate_limit_rps {
            let refill = now.duration_since(s.refilled).as_secs_f64() * rps;
            s.tokens = (s.tokens + refill).min(rps.max(1.0));
            s.refilled = now;
            if s.tokens < 1.0 {
                return fail(429, Some(1));
            }
            s.tokens -= 1.0;
        }
        let n = s.counted;
        s.counted += 1;
        if let Some(b) = &s.cfg.burst_429 {
            if n % (b.every_n + b.length) >= b.every_n {
                return fail(429, Some(b.retry_after_secs));
            }
        }
        if s.cfg.error_rate > 0.0 && s.rng.random_bool(s.cfg.error_rate) {
            let status = if s.rng.random_bool(0.5) { 500 } else { 503 };
            return fail(status, None);
        }
        let rate = s.cfg.post_commit_error_rate;
        let lose_response = is_post && rate > 0.0 && s.rng.random_bool(rate);
        let queued = match s.cfg.capacity_rps {
            Some(cap) => {
                let done = s.server_free_at.max(now) + Duration::from_secs_f64(1.0 / cap);
                s.server_free_at = done;
                done - now
            }
            None => Duration::ZERO,
        };
        Decision::Serve { delay: delay + queued, lose_response }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delay(d: &Decision) -> Duration {
        match d {
            Decision::Serve { delay, .. } | Decision::Fail { delay, .. } => *delay,
        }
    }

    #[test]
    fn at_capacity_each_request_waits_for_those_ahead_of_it() {
        let f = Faults::new(FaultConfig { latency_ms: 10, capacity_rps: Some(100.0), ..Default::default() });
        let delays: Vec<Duration> = (0..5).map(|_| delay(&f.decide(false))).collect();
        // 10 ms service each, queued one after another, plus the fixed 10 ms: 20, 30, 40, ... ms
        // (less the little time the loop itself takes).
        for (i, d) in delays.iter().enumerate() {
            let want = Duration::from_millis(10 + 10 * (i as u64 + 1));
            assert!(*d <= want && *d + Duration::from_millis(5) > want, "request {i}: {d:?}, want ~{want:?}");
        }
    }

    fn failed(d: &Decision) -> Option<(u16, Option<u64>)> {
        match d {
            Decision::Fail { status, retry_after, .. } => Some((*status, *retry_after)),
            Decision::Serve { .. } => None,
        }
    }

    #[test]
    fn bursts_come_after_every_n() {
        let f = Faults::new(FaultConfig {
            burst_429: Some(Burst { every_n: 3, length: 2, retry_after_secs: 4 }),
            ..Default::default()
        });
        let got: Vec<_> = (0..10).map(|_| failed(&f.decide(false))).collect();
        let (ok, limited) = (None, Some((429, Some(4))));
        assert_eq!(got, [ok, ok, ok, limited, limited, ok, ok, ok, limited, limited]);
    }

    #[test]
    fn error_rate_is_about_right_and_seeded() {
        let cfg = FaultConfig { error_rate: 0.1, fault_seed: Some(7), ..Default::default() };
        let draws = |f: Faults| (0..10_000).map(|_| failed(&f.decide(false))).collect::<Vec<_>>();
        let (a, b) = (draws(Faults::new(cfg.clone())), draws(Faults::new(cfg)));
        assert_eq!(a, b, "same seed, same faults");
        let errors = a.iter().flatten().count();
        assert!((800..1200).contains(&errors), "{errors}");
        assert!(a.contains(&Some((500, None))) && a.contains(&Some((503, None))));
    }

    #[test]
    fn rate_limit_and_refusing_outage() {
        let limited = Faults::new(FaultConfig { rate_limit_rps: Some(5.0), ..Default::default() });
        let served = (0..50).filter(|_| failed(&limited.decide(false)).is_none()).count();
        assert!((5..=6).contains(&served), "{served}");
        let down = Faults::new(FaultConfig {
            outage: Some(Outage { start_after_ms: 0, duration_ms: 60_000, mode: OutageMode::Refuse }),
            ..Default::default()
        });
        assert!(down.refusing());
        assert_eq!(failed(&down.decide(false)), Some((503, None)));
        down.set(FaultConfig::default());
        assert!(!down.refusing());
    }

    #[test]
    fn a_scheduled_switch_fires_after_its_request_count() {
        let f = Faults::new(FaultConfig::default());
        let down = FaultConfig { error_rate: 1.0, fault_seed: Some(1), ..Default::default() };
        f.schedule(Scheduled { after_requests: 3, faults: down.clone() });
        let got: Vec<bool> = (0..5).map(|_| failed(&f.decide(false)).is_some()).collect();
        assert_eq!(got, [false, false, false, true, true], "three served as before, then the new faults");
        assert_eq!(f.get(), down);
        assert_eq!(f.scheduled(), None, "fired once");
        f.schedule(Scheduled { after_requests: 1, faults: FaultConfig::default() });
        f.set(down.clone());
        for _ in 0..3 {
            f.decide(false);
        }
        assert_eq!(f.get(), down, "setting faults cancels the scheduled switch");
        let outage = Outage { start_after_ms: 0, duration_ms: 60_000, mode: OutageMode::Refuse };
        f.set(FaultConfig::default());
        f.schedule(Scheduled { after_requests: 0, faults: FaultConfig { outage: Some(outage), ..Default::default() } });
        assert!(!f.refusing(), "not before its request");
        assert_eq!(failed(&f.decide(false)), Some((503, None)), "the outage starts at the switch");
        assert!(f.refusing());
    }

    #[test]
    fn validation_and_json_names() {
        assert!(FaultConfig { error_rate: 1.5, ..Default::default() }.validate().is_err());
        assert!(FaultConfig { rate_limit_rps: Some(0.0), ..Default::default() }.validate().is_err());
        let cfg: FaultConfig = serde_json::from_str(
            r#"{"latency_ms":5,"outage":{"start_after_ms":1,"duration_ms":2,"mode":"503"},
                "burst_429":{"every_n":2,"length":1,"retry_after_secs":3}}"#,
        )
        .unwrap();
        assert_eq!(cfg.outage.as_ref().map(|o| o.mode), Some(OutageMode::Unavailable));
        assert!(cfg.validate().is_ok());
        assert!(serde_json::from_str::<FaultConfig>(r#"{"latency":5}"#).is_err(), "typos are refused");
    }
}
