//! How many requests may be in flight: a limit that adapts to the API, between 1 and the
//! configured ceiling.
//!
//! The limit grows while the API answers as fast as it does unloaded, and shrinks when it slows
//! down or pushes back. Latency is judged per kind of request (method and collection): a Strapi
//! load mixes look-ups that take a few milliseconds with creates that take tens, so one baseline
//! for all would read a change of mix as overload. Decisions are taken once per window of
//! `limit` answers (about one round trip at the current limit), counted rather than timed, so the
//! same answers always give the same limits.
//!
//! Like TCP, it starts by doubling each window until the first sign of load, then grows by one
//! per window; a window slower than `TOLERANCE` × baseline shrinks it by `LATENCY_BACKOFF`, a
//! window with 429s, 503s or timeouts shrinks it by their share of its answers (at most by half):
//! an API that refuses most of what exceeds its capacity is backed off from fast, while the
//! odd 503 of an unreliable one costs a few per cent, not half the throughput each time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A window whose answers took this many times their baseline on average is overload: queueing
/// on the server as long as its work. Below it more in flight still adds throughput.
const TOLERANCE: f64 = 2.0;
const LATENCY_BACKOFF: f64 = 0.9;
const MAX_PUSHBACK_BACKOFF: f64 = 0.5;
/// The fewest answers a decision rests on: at a limit of 1 or 2 a single slow answer is noise.
const MIN_WINDOW: usize = 8;
/// How far one answer moves its kind's baseline towards its own latency.
///
/// A kind's baseline is its latency at the lightest load it has been seen at (requests of ours in
/// flight when it was sent). An answer sent at a lighter load lowers it to its own latency if
/// that is lower; one sent at the same load moves it by this step, up or down (so at a limit of
/// 1 an API that got slower for good is learnt, and the limit grows again); one sent at a heavier
/// load may only lower it. A baseline that rose with loaded answers would learn our own queueing
/// as normal and let the limit creep up until requests time out.
const BASELINE_STEP: f64 = 0.2;
/// How fast `State::recent_ratio` follows the answers.
const RECENT_STEP: f64 = 0.1;
/// Where an adaptive limit starts: low enough not to flood a small server with the first window.
const INITIAL: usize = 4;

/// What an answer says about the API's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Answered (success or a refusal of the request itself): its latency counts.
    Answered,
    /// 429, 503, 504 or a timeout: the API is pushing back.
    Overloaded,
    /// Says nothing about load (connection refused, a look-up pause): not counted.
    Neutral,
}

/// The limit and its range so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LimitState {
    pub current: usize,
    pub min: usize,
    pub max: usize,
    pub ceiling: usize,
    pub adaptive: bool,
}

pub(crate) struct Limiter {
    permits: Semaphore,
    state: Mutex<State>,
}

struct State {
    adaptive: bool,
    ceiling: usize,
    limit: usize,
    estimate: f64,
    slow_start: bool,
    in_flight: usize,
    /// Permits still to be withdrawn as requests finish, after a decrease below what is in use.
    owed: usize,
    baselines: HashMap<String, Baseline>,
    /// Recent answers' latency as a multiple of their baselines. A kind first seen under load
    /// (the rows' creates come after the parents' look-ups, when the limit has grown) takes its
    /// first latency divided by this as its baseline: it is slowed down as much as the kinds
    /// already known, not unloaded.
    recent_ratio: f64,
    window: Window,
    min: usize,
    max: usize,
}

/// A kind's latency at the lightest load it was seen at.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Baseline {
    secs: f64,
    load: usize,
}

impl Baseline {
    /// Judges an answer sent with `load` requests in flight against the baseline, then learns
    /// from it; returns its latency as a multiple of the baseline.
    fn judge(&mut self, rtt: f64, load: usize) -> f64 {
        let ratio = rtt / self.secs;
        if load < self.load {
            *self = Baseline { secs: self.secs.min(rtt), load };
        } else if load == self.load || rtt < self.secs {
            self.secs += (rtt - self.secs) * BASELINE_STEP;
        }
        ratio
    }
}

#[derive(Default)]
struct Window {
    answers: usize,
    ratio_sum: f64,
    pushed_back: usize,
    /// Some request waited for the limit: more in flight was wanted.
    saturated: bool,
}

/// One request's place under the limit; returned when dropped.
pub(crate) struct Slot<'a> {
    limiter: &'a Limiter,
    load: usize,
}

impl Slot<'_> {
    /// Requests of ours in flight, this one included, when it took its slot.
    pub(crate) fn load(&self) -> usize {
        self.load
    }
}

impl Limiter {
    pub(crate) fn new(ceiling: usize, adaptive: bool) -> Self {
        let ceiling = ceiling.max(1);
        let limit = if adaptive { INITIAL.min(ceiling) } else { ceiling };
        Self {
            permits: Semaphore::new(limit),
            state: Mutex::new(State {
                adaptive,
                ceiling,
                limit,
                estimate: limit as f64,
                slow_start: true,
                in_flight: 0,
                owed: 0,
                baselines: HashMap::new(),
                recent_ratio: 1.0,
                window: Window::default(),
                min: limit,
                max: limit,
            }),
        }
    }

    pub(crate) async fn acquire(&self) -> Slot<'_> {
        let permit = match self.permits.try_acquire() {
            Ok(p) => p,
            Err(_) => {
                self.lock().window.saturated = true;
                self.permits.acquire().await.expect("semaphore never closed")
            }
        };
        // Permits are handed back by `Slot::drop`, which may withhold them after a decrease.
        permit.forget();
        let mut s = self.lock();
        s.in_flight += 1;
        if s.in_flight >= s.limit {
            s.window.saturated = true;
        }
        Slot { limiter: self, load: s.in_flight }
    }

    pub(crate) fn state(&self) -> LimitState {
        let s = self.lock();
        LimitState { current: s.limit, min: s.min, max: s.max, ceiling: s.ceiling, adaptive: s.adaptive }
    }

    /// Starts the range afresh (a warm Lambda's next run reports its own).
    pub(crate) fn reset_range(&self) {
        let mut s = self.lock();
        (s.min, s.max) = (s.limit, s.limit);
    }

    /// Feeds one answer of `kind` that took `rtt`, sent with `load` requests of ours in flight
    /// ([`Slot::load`]).
    pub(crate) fn observe(&self, kind: &str, rtt: Duration, signal: Signal, load: usize) {
        let mut s = self.lock();
        if !s.adaptive || signal == Signal::Neutral {
            return;
        }
        let rtt = rtt.as_secs_f64().max(1e-6);
        s.window.answers += 1;
        match signal {
            Signal::Overloaded => s.window.pushed_back += 1,
            _ => {
                let recent = s.recent_ratio.max(1.0);
                let ratio = match s.baselines.get_mut(kind) {
                    Some(b) => b.judge(rtt, load),
                    None => {
                        s.baselines.insert(kind.to_string(), Baseline { secs: rtt / recent, load });
                        recent
                    }
                };
                s.recent_ratio += (ratio - s.recent_ratio) * RECENT_STEP;
                s.window.ratio_sum += ratio;
            }
        }
        if s.window.answers >= s.limit.max(MIN_WINDOW) {
            let window = std::mem::take(&mut s.window);
            let next = s.decide(&window);
            self.set_limit(&mut s, next);
        }
    }

    fn set_limit(&self, s: &mut State, next: usize) {
        if next > s.limit {
            let grow = next - s.limit;
            let cancelled = grow.min(s.owed);
            s.owed -= cancelled;
            self.permits.add_permits(grow - cancelled);
        } else if next < s.limit {
            let shrink = s.limit - next;
            let idle = self.permits.forget_permits(shrink);
            s.owed += shrink - idle;
        }
        s.limit = next;
        s.min = s.min.min(next);
        s.max = s.max.max(next);
    }

    fn release(&self) {
        let mut s = self.lock();
        s.in_flight -= 1;
        if s.owed > 0 {
            s.owed -= 1;
        } else {
            self.permits.add_permits(1);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("limiter lock")
    }
}

impl State {
    fn decide(&mut self, w: &Window) -> usize {
        let timed = (w.answers - w.pushed_back) as f64;
        let slow = timed > 0.0 && w.ratio_sum / timed > TOLERANCE;
        if w.pushed_back > 0 {
            let share = w.pushed_back as f64 / w.answers as f64;
            self.estimate *= (1.0 - share).max(MAX_PUSHBACK_BACKOFF);
            self.slow_start = false;
        } else if slow {
            // The doubling that caused it overshot by up to half.
            self.estimate *= if self.slow_start { 0.5 } else { LATENCY_BACKOFF };
            self.slow_start = false;
        } else if w.saturated {
            self.estimate = if self.slow_start { self.estimate * 2.0 } else { self.estimate + 1.0 };
        }
        self.estimate = self.estimate.clamp(1.0, self.ceiling as f64);
        self.estimate as usize
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.limiter.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Answers `n` requests of `kind`, each holding the limit while it is answered.
    async fn answer(l: &Limiter, n: usize, kind: &str, rtt: Duration, signal: Signal) {
        for _ in 0..n {
            let slot = l.acquire().await;
            l.observe(kind, rtt, signal, slot.load());
        }
    }

    /// Fills the limit (so that the window counts as saturated), then answers one.
    async fn saturated_window(l: &Limiter, rtt: Duration) {
        let limit = l.state().current.max(MIN_WINDOW);
        let mut slots = Vec::new();
        for _ in 0..l.state().current {
            slots.push(l.acquire().await);
        }
        for _ in 0..limit {
            l.observe("GET a", rtt, Signal::Answered, slots.len());
        }
    }

    #[tokio::test]
    async fn doubles_while_latency_holds_and_stops_at_the_ceiling() {
        let l = Limiter::new(100, true);
        assert_eq!(l.state().current, INITIAL);
        let mut seen = vec![];
        for _ in 0..6 {
            saturated_window(&l, 20 * MS).await;
            seen.push(l.state().current);
        }
        assert_eq!(seen, [8, 16, 32, 64, 100, 100]);
        assert_eq!((l.state().min, l.state().max), (4, 100));
    }

    #[tokio::test]
    async fn does_not_grow_when_nothing_waited_for_the_limit() {
        let l = Limiter::new(100, true);
        answer(&l, 50, "GET a", 20 * MS, Signal::Answered).await;
        assert_eq!(l.state().current, INITIAL);
    }

    #[tokio::test]
    async fn backs_off_when_latency_doubles_then_grows_by_one() {
        let l = Limiter::new(256, true);
        for _ in 0..4 {
            saturated_window(&l, 10 * MS).await;
        }
        assert_eq!(l.state().current, 64);
        saturated_window(&l, 30 * MS).await;
        assert_eq!(l.state().current, 32, "the first slow window halves the overshoot of slow start");
        saturated_window(&l, 10 * MS).await;
        assert_eq!(l.state().current, 33, "after slow start, growth is additive");
        saturated_window(&l, 30 * MS).await;
        assert_eq!(l.state().current, 29, "then a slow window takes 10 % off");
    }

    #[tokio::test]
    async fn a_slower_kind_of_request_is_not_overload() {
        let l = Limiter::new(256, true);
        saturated_window(&l, 2 * MS).await;
        let before = l.state().current;
        // Creates take 20 times a look-up from their first answer on: their own baseline.
        let mut slots = Vec::new();
        for _ in 0..before {
            slots.push(l.acquire().await);
        }
        for _ in 0..before.max(MIN_WINDOW) {
            l.observe("POST b", 40 * MS, Signal::Answered, slots.len());
        }
        assert_eq!(l.state().current, before * 2);
    }

    #[tokio::test]
    async fn push_back_shrinks_by_its_share_at_most_half_and_never_below_one() {
        let l = Limiter::new(256, true);
        for _ in 0..4 {
            saturated_window(&l, 10 * MS).await;
        }
        assert_eq!(l.state().current, 64);
        answer(&l, 60, "GET a", 10 * MS, Signal::Answered).await;
        answer(&l, 4, "GET a", 10 * MS, Signal::Overloaded).await;
        assert_eq!(l.state().current, 60, "4 of 64 answers refused: 1/16 off");
        answer(&l, 60, "GET a", 10 * MS, Signal::Overloaded).await;
        assert_eq!(l.state().current, 30, "all refused: half");
        for _ in 0..10 {
            answer(&l, MIN_WINDOW, "GET a", 10 * MS, Signal::Overloaded).await;
        }
        assert_eq!((l.state().current, l.state().min), (1, 1));
        answer(&l, MIN_WINDOW, "GET a", 10 * MS, Signal::Neutral).await;
        assert_eq!(l.state().current, 1, "neutral answers decide nothing");
    }

    #[tokio::test]
    async fn a_decrease_below_what_is_in_flight_takes_effect_as_requests_finish() {
        let l = Limiter::new(256, true);
        for _ in 0..3 {
            saturated_window(&l, 10 * MS).await;
        }
        assert_eq!(l.state().current, 32);
        let held: Vec<_> = futures_lite_join(&l, 32).await;
        for _ in 0..32 {
            l.observe("GET a", 10 * MS, Signal::Overloaded, 32);
        }
        assert_eq!(l.state().current, 16);
        drop(held);
        // Exactly 16 may be in flight now: the 17th waits.
        let again: Vec<_> = futures_lite_join(&l, 16).await;
        assert!(l.permits.try_acquire().is_err());
        drop(again);
        assert_eq!(l.permits.available_permits(), 16);
    }

    async fn futures_lite_join(l: &Limiter, n: usize) -> Vec<Slot<'_>> {
        let mut slots = Vec::new();
        for _ in 0..n {
            slots.push(l.acquire().await);
        }
        slots
    }

    fn baseline(l: &Limiter, kind: &str) -> Baseline {
        l.lock().baselines[kind]
    }

    #[test]
    fn a_baseline_is_the_latency_at_the_lightest_load_seen() {
        let mut b = Baseline { secs: 0.125, load: 64 };
        // Heavier and slower: it holds at the lighter load's figure...
        assert_eq!(b.judge(0.375, 128), 3.0);
        assert_eq!(b, Baseline { secs: 0.125, load: 64 });
        // ...a faster answer lowers it a step, at any load...
        b.judge(0.0625, 128);
        assert_eq!(b, Baseline { secs: 0.1125, load: 64 });
        // ...and a lighter load becomes its load, at the lower of the two latencies.
        b.judge(0.020, 4);
        assert_eq!(b, Baseline { secs: 0.020, load: 4 });
        b.judge(0.500, 2);
        assert_eq!(b, Baseline { secs: 0.020, load: 2 });
        b.judge(0.030, 2);
        assert!((b.secs - 0.022).abs() < 1e-9, "same load: a step towards it, up too");
    }

    #[tokio::test]
    async fn an_api_slower_for_good_is_learnt_at_a_limit_of_one() {
        let l = Limiter::new(256, true);
        saturated_window(&l, 10 * MS).await;
        assert_eq!(l.state().current, 8);
        // Loaded answers three times slower: the limit falls, and the baseline holds.
        saturated_window(&l, 30 * MS).await;
        assert_eq!(l.state().current, 4);
        assert_eq!(baseline(&l, "GET a").secs, 0.010);
        // One request at a time it still takes 30 ms: the baseline learns it, the limit grows.
        answer(&l, 40, "GET a", 30 * MS, Signal::Answered).await;
        assert!((baseline(&l, "GET a").secs - 0.030).abs() < 0.001);
        assert_eq!(baseline(&l, "GET a").load, 1);
        saturated_window(&l, 30 * MS).await;
        assert_eq!(l.state().current, 5);
    }

    #[tokio::test]
    async fn a_kind_first_seen_under_load_is_judged_as_slowed_as_the_known_ones() {
        let l = Limiter::new(256, true);
        answer(&l, 20, "GET a", 10 * MS, Signal::Answered).await;
        // Under load the known kind takes 3x its baseline; a new kind appears at 60 ms.
        for _ in 0..30 {
            l.observe("GET a", 30 * MS, Signal::Answered, 8);
        }
        l.observe("POST b", 60 * MS, Signal::Answered, 8);
        let b = baseline(&l, "POST b").secs;
        assert!(b > 0.019 && b < 0.025, "about 60 ms / 3 (the recent slowdown), got {b}");
    }

    #[tokio::test]
    async fn a_fixed_limit_never_moves() {
        let l = Limiter::new(32, false);
        answer(&l, 100, "GET a", 10 * MS, Signal::Overloaded).await;
        assert_eq!(l.state(), LimitState { current: 32, min: 32, max: 32, ceiling: 32, adaptive: false });
    }
}
