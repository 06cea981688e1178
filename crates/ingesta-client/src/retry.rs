//! Backoff policy: `backon`'s exponential schedule, with the delay replaced by full jitter
//! (uniform in `[0, delay]`) or by the server's `Retry-After` when it gave one.

use crate::config::ClientConfig;
use crate::error::ApiError;
use backon::{BackoffBuilder, ExponentialBuilder};
use rand::Rng;
use std::time::Duration;

pub(crate) fn schedule(cfg: &ClientConfig) -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(cfg.backoff_base)
        .with_max_delay(cfg.backoff_max)
        .with_max_times(cfg.max_retries)
        .build()
}

/// The delay before the next attempt after `err`, given the schedule's next step.
pub(crate) fn delay(err: &ApiError, step: Duration) -> Duration {
    match err {
        ApiError::RateLimited { retry_after: Some(d) } => *d,
        _ => full_jitter(step),
    }
}

fn full_jitter(step: Duration) -> Duration {
    let ms = step.as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(0..=ms))
}

/// `Retry-After` in seconds; the HTTP-date form is rare from Strapi and falls back to backoff.
pub(crate) fn parse_retry_after(value: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let secs: f64 = value?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(300.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_grows_and_stops() {
        let mut cfg = ClientConfig::new("http://x");
        cfg.max_retries = 4;
        cfg.backoff_base = Duration::from_millis(100);
        cfg.backoff_max = Duration::from_millis(300);
        let steps: Vec<u128> = schedule(&cfg).map(|d| d.as_millis()).collect();
        assert_eq!(steps, [100, 200, 300, 300]);
    }

    #[test]
    fn retry_after_wins_over_backoff_and_jitter_stays_in_range() {
        let ra = ApiError::RateLimited { retry_after: Some(Duration::from_secs(3)) };
        assert_eq!(delay(&ra, Duration::from_millis(10)), Duration::from_secs(3));
        let e = ApiError::Server { status: 503, message: String::new() };
        for _ in 0..100 {
            assert!(delay(&e, Duration::from_millis(50)) <= Duration::from_millis(50));
        }
        let hv = reqwest::header::HeaderValue::from_static("2");
        assert_eq!(parse_retry_after(Some(&hv)), Some(Duration::from_secs(2)));
        let bad = reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(parse_retry_after(Some(&bad)), None);
    }
}
