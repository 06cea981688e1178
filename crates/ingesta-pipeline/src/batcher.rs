//! Adaptive batch size (SPEC section 6): grow while throughput grows and latency holds, shrink
//! when latency rises or the API pushes back (429s, errors).
//!
//! The rule is multiplicative in both directions so the size finds its level in a few batches
//! after the API's behaviour changes. Latency that rises right after a growth step is taken as
//! our own load and undone; latency that rises while our size stood still is the API's own
//! change and becomes the new baseline (shrinking would not speed it up: the client's
//! concurrency limit, not the batch size, sets how many requests are in flight).

/// Bounds and starting point of the batch size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizerConfig {
    pub min: usize,
    pub max: usize,
    pub initial: usize,
    /// When false the size stays at `initial` (for benchmarks and fixed-size runs).
    pub adaptive: bool,
}

impl Default for SizerConfig {
    fn default() -> Self {
        Self { min: 10, max: 1000, initial: 50, adaptive: true }
    }
}

/// What one finished batch looked like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchObservation {
    pub rows: usize,
    pub seconds: f64,
    pub mean_latency_ms: f64,
    /// 429 answers during the batch.
    pub throttled: u64,
    /// Failed attempts during the batch (429 included).
    pub errors: u64,
}

/// Decides the next batch size from the last ones.
#[derive(Debug, Clone)]
pub struct BatchSizer {
    cfg: SizerConfig,
    size: usize,
    best_rate: f64,
    baseline_latency_ms: Option<f64>,
    seen_min: usize,
    seen_max: usize,
    /// Whether the last decision made batches larger (a latency rise right after is our doing).
    grew_last: bool,
}

impl BatchSizer {
    pub fn new(cfg: SizerConfig) -> Self {
        let min = cfg.min.max(1);
        let cfg = SizerConfig { min, max: cfg.max.max(min), ..cfg };
        let size = cfg.initial.clamp(cfg.min, cfg.max);
        Self { cfg, size, best_rate: 0.0, baseline_latency_ms: None, seen_min: size, seen_max: size, grew_last: false }
    }

    /// The size of the next batch.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Smallest and largest sizes used so far.
    pub fn range(&self) -> (usize, usize) {
        (self.seen_min, self.seen_max)
    }

    /// Feeds one batch's measurements; returns the new size and why it changed, if it did.
    pub fn observe(&mut self, o: BatchObservation) -> Option<(usize, &'static str)> {
        if !self.cfg.adaptive || o.rows == 0 || o.seconds <= 0.0 {
            return None;
        }
        let rate = o.rows as f64 / o.seconds;
        let base = *self.baseline_latency_ms.get_or_insert(o.mean_latency_ms);
        // Slow decay towards the present: a lasting change of API speed becomes the new baseline.
        self.baseline_latency_ms = Some((base * 0.8 + o.mean_latency_ms * 0.2).min(o.mean_latency_ms.max(base * 0.5)));
        let latency_rose = o.mean_latency_ms > base * 1.5 + 1.0;
        let (factor, reason) = if o.throttled > 0 {
            (0.5, "API throttled (429)")
        } else if o.errors > 0 {
            (0.7, "API errors")
        } else if latency_rose && self.grew_last {
            (0.75, "latency rising after growth")
        } else if latency_rose {
            // The API slowed down while our load stayed put: shrinking would not make it faster
            // (the client's concurrency limit, not the batch, sets the load), so the slower API
            // becomes the new normal and growth is judged against it from here on.
            self.baseline_latency_ms = Some(o.mean_latency_ms);
            self.best_rate = rate;
            self.grew_last = false;
            return None;
        } else if rate > self.best_rate * 1.1 {
            (2.0, "throughput growing, latency steady")
        } else if rate >= self.best_rate * 0.95 {
            (1.25, "throughput holding, latency steady")
        } else {
            (1.0, "")
        };
        self.best_rate = if factor < 1.0 { rate } else { self.best_rate.max(rate) };
        let next = ((self.size as f64 * factor).round() as usize).clamp(self.cfg.min, self.cfg.max);
        self.grew_last = next > self.size;
        if next == self.size {
            return None;
        }
        self.size = next;
        self.seen_min = self.seen_min.min(next);
        self.seen_max = self.seen_max.max(next);
        Some((next, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(rows: usize, seconds: f64, latency: f64) -> BatchObservation {
        BatchObservation { rows, seconds, mean_latency_ms: latency, throttled: 0, errors: 0 }
    }

    fn sizer() -> BatchSizer {
        BatchSizer::new(SizerConfig { min: 10, max: 400, initial: 50, adaptive: true })
    }

    #[test]
    fn grows_while_throughput_grows_up_to_max() {
        let mut s = sizer();
        let mut size = s.size();
        for _ in 0..20 {
            // Latency steady, throughput proportional to size: keep growing.
            s.observe(obs(size, size as f64 / (size as f64 * 10.0), 20.0));
            size = s.size();
        }
        assert_eq!(size, 400);
        assert_eq!(s.range(), (50, 400));
    }

    #[test]
    fn shrinks_on_throttling_errors_and_latency_but_not_below_min() {
        let mut s = sizer();
        assert_eq!(s.observe(obs(50, 1.0, 20.0)).map(|x| x.0), Some(100));
        let throttled = BatchObservation { throttled: 3, errors: 3, ..obs(100, 1.0, 20.0) };
        assert_eq!(s.observe(throttled), Some((50, "API throttled (429)")));
        let erring = BatchObservation { errors: 1, ..obs(50, 1.0, 20.0) };
        assert_eq!(s.observe(erring).map(|x| x.0), Some(35));
        assert_eq!(s.observe(obs(35, 0.5, 20.0)), Some((70, "throughput growing, latency steady")));
        assert_eq!(s.observe(obs(70, 1.0, 80.0)), Some((53, "latency rising after growth")));
        for _ in 0..20 {
            s.observe(BatchObservation { throttled: 1, ..obs(10, 1.0, 20.0) });
        }
        assert_eq!(s.size(), 10);
    }

    #[test]
    fn a_slower_api_becomes_the_baseline_instead_of_a_reason_to_shrink() {
        // At its largest size our load stands still, so a latency rise is the API's own doing.
        let mut pinned = BatchSizer::new(SizerConfig { min: 10, max: 100, initial: 100, adaptive: true });
        assert_eq!(pinned.observe(obs(100, 1.0, 10.0)), None, "already at max");
        assert_eq!(pinned.observe(obs(100, 8.0, 80.0)), None, "not shrunk: the API slowed by itself");
        assert_eq!(pinned.size(), 100);
        // Judged against the slower API from now on: steady at 80 ms is no reason to shrink.
        assert_eq!(pinned.observe(obs(100, 8.0, 82.0)), None);
        assert_eq!(pinned.size(), 100);
        // A rise right after a growth step is our load: undone.
        let mut s = sizer();
        assert_eq!(s.observe(obs(50, 1.0, 10.0)).map(|x| x.0), Some(100));
        assert_eq!(s.observe(obs(100, 1.0, 40.0)), Some((75, "latency rising after growth")));
        // The API stays slow while we hold back: new baseline, no further shrinking.
        assert_eq!(s.observe(obs(75, 1.0, 40.0)), None);
        assert_eq!(s.observe(obs(75, 1.0, 41.0)).map(|x| x.0), Some(94), "growth resumes");
    }

    #[test]
    fn fixed_mode_never_changes() {
        let mut s = BatchSizer::new(SizerConfig { adaptive: false, ..SizerConfig::default() });
        assert_eq!(s.observe(BatchObservation { throttled: 9, ..obs(50, 1.0, 999.0) }), None);
        assert_eq!(s.size(), 50);
    }
}
