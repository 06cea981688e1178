//! Client settings. Every knob has a default that suits a single Strapi node.

use crate::Token;
use std::time::Duration;

/// How the client talks to the API and how hard it may push it.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL without `/api`, e.g. `http://127.0.0.1:1337`.
    pub base_url: String,
    /// Bearer token; `None` sends no `Authorization` header.
    pub token: Option<Token>,
    /// Requests in flight at most: the ceiling of the adaptive limit, or the limit itself when
    /// `adaptive_concurrency` is off.
    pub max_concurrency: usize,
    /// Adapt the limit of requests in flight to the API's latency and push-back (see
    /// [`crate::LimitState`]); off, it stays at `max_concurrency`.
    pub adaptive_concurrency: bool,
    /// Requests per second at most; `None` for no limit.
    pub rate_limit_rps: Option<u32>,
    /// Timeout of one attempt, connection included.
    pub request_timeout: Duration,
    /// Retries after the first attempt for retryable failures.
    pub max_retries: usize,
    /// First backoff delay; doubles per retry up to `backoff_max`, then full jitter is applied.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Consecutive failed attempts that open the circuit.
    pub circuit_failure_threshold: u32,
    /// How long the circuit stays open before one probe may pass.
    pub circuit_cooldown: Duration,
    /// Longest a request waits for an open circuit to close (the run's deadline may cut it
    /// shorter); then it fails with [`crate::ApiError::CircuitOpen`].
    pub max_circuit_wait: Duration,
    /// Pause before looking up a create whose outcome is unknown, so that a request still
    /// running on the server can commit first.
    pub verify_pause: Duration,
}

impl ClientConfig {
    /// Defaults for everything but the URL.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            token: None,
            max_concurrency: 256,
            adaptive_concurrency: true,
            rate_limit_rps: None,
            request_timeout: Duration::from_secs(10),
            max_retries: 5,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            circuit_failure_threshold: 10,
            circuit_cooldown: Duration::from_secs(2),
            max_circuit_wait: Duration::from_secs(300),
            verify_pause: Duration::from_millis(1000),
        }
    }
}
