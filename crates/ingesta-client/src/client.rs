//! The client itself: one attempt = slot under the adaptive limit → rate limit → circuit → HTTP;
//! failed attempts are retried per [`crate::retry`].

use crate::breaker::{Admission, Breaker, BreakerState};
use crate::config::ClientConfig;
use crate::entry::{decode, Entry};
use crate::error::ApiError;
use crate::limit::{LimitState, Limiter, Signal};
use crate::query::{query_string, Filter};
use crate::retry;
use crate::stats::{ClientStats, Counters};
use crate::Token;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::num::NonZeroU32;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Strapi's largest page; fewer pages means fewer round trips.
const PAGE_SIZE: u64 = 100;

/// A resilient Strapi REST client. Cheap to share behind an `Arc`.
pub struct StrapiClient {
    http: reqwest::Client,
    base: String,
    cfg: ClientConfig,
    in_flight: Limiter,
    rate: Option<DefaultDirectRateLimiter>,
    breaker: Breaker,
    counters: Counters,
    deadline: Mutex<Option<Instant>>,
    /// The bearer token; replaceable, so a rotated token needs no new client (or container).
    token: Mutex<Option<Token>>,
}

impl StrapiClient {
    /// Builds the client; fails on a URL a person must fix.
    pub fn new(cfg: ClientConfig) -> Result<Self, ApiError> {
        let url = crate::url::checked(&cfg.base_url, cfg.token.is_some())?;
        let bad = |reason: &str| ApiError::BadUrl { url: url.to_string(), reason: reason.to_string() };
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(cfg.max_concurrency)
            .connect_timeout(cfg.request_timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        let rate = cfg.rate_limit_rps.and_then(NonZeroU32::new).map(|rps| RateLimiter::direct(Quota::per_second(rps)));
        Ok(Self {
            http,
            base: cfg.base_url.trim_end_matches('/').to_string(),
            in_flight: Limiter::new(cfg.max_concurrency, cfg.adaptive_concurrency),
            rate,
            breaker: Breaker::new(cfg.circuit_failure_threshold, cfg.circuit_cooldown),
            counters: Counters::default(),
            deadline: Mutex::new(None),
            token: Mutex::new(cfg.token.clone()),
            cfg,
        })
    }

    /// Uses `token` from the next request on; `false` when it is the token already in use.
    pub fn replace_token(&self, token: Option<Token>) -> bool {
        let mut current = self.token.lock().expect("token lock");
        let same = match (current.as_ref(), token.as_ref()) {
            (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
            (a, b) => a.is_none() && b.is_none(),
        };
        if !same {
            *current = token;
        }
        !same
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// Until this instant, requests wait out an open circuit and back off; after it they fail at
    /// once. Without a deadline only `max_circuit_wait` bounds the wait.
    pub fn set_deadline(&self, deadline: Option<Instant>) {
        *self.deadline.lock().expect("deadline lock") = deadline;
    }

    fn deadline(&self) -> Option<Instant> {
        *self.deadline.lock().expect("deadline lock")
    }

    /// Counters since the client was built.
    pub fn stats(&self) -> ClientStats {
        self.counters.snapshot()
    }

    /// The limit of requests in flight now, and its range since the last
    /// [`StrapiClient::reset_concurrency_range`].
    pub fn concurrency(&self) -> LimitState {
        self.in_flight.state()
    }

    /// Starts the limit's range afresh: a warm Lambda's next run reports its own.
    pub fn reset_concurrency_range(&self) {
        self.in_flight.reset_range()
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// The first entry matching all `filters`, if any.
    pub async fn find_one(&self, collection: &str, filters: &[Filter]) -> Result<Option<Entry>, ApiError> {
        let url = format!("{}/api/{collection}?{}", self.base, query_string(filters, &[("limit", 1)]));
        let body = self.send(Method::GET, &url, None).await?;
        entries(&body)?.into_iter().next().map_or(Ok(None), |e| Ok(Some(e)))
    }

    /// Every entry matching `filters`, page by page, with the `populate` relations nested (Strapi
    /// leaves relations out of responses unless asked).
    pub async fn find_all(
        &self,
        collection: &str,
        filters: &[Filter],
        populate: &[&str],
    ) -> Result<Vec<Entry>, ApiError> {
        let mut out = Vec::new();
        for page in 1.. {
            let mut q = query_string(filters, &[("page", page), ("pageSize", PAGE_SIZE)]);
            for (i, rel) in populate.iter().enumerate() {
                q.push_str(&format!("&populate[{i}]={rel}"));
            }
            let body = self.send(Method::GET, &format!("{}/api/{collection}?{q}", self.base), None).await?;
            let batch = entries(&body)?;
            let got = batch.len() as u64;
            out.extend(batch);
            let page_count = body.pointer("/meta/pagination/pageCount").and_then(Value::as_u64);
            if got < PAGE_SIZE || page_count.is_some_and(|pc| page >= pc) {
                break;
            }
        }
        Ok(out)
    }

    /// `POST /api/<collection>` with `{"data": data}`. `publish` asks Strapi 5 for a published
    /// entry (`status=published`), needed where the collection has draft & publish on.
    ///
    /// `key` is the entry's natural key. An attempt whose outcome is unknown (a timeout, a lost
    /// connection, a 5xx: the server may have committed it) is never simply repeated: after
    /// `verify_pause`, so that a request still running on the server can commit, the entry is
    /// looked up by `key`, and only when it is absent is the POST sent again. Strapi enforces no
    /// composite keys, so this look-up, not the server, is what keeps a retry from doubling an
    /// entry.
    pub async fn create(
        &self,
        collection: &str,
        data: Value,
        publish: bool,
        key: &[Filter],
    ) -> Result<Created, ApiError> {
        let status = if publish { "?status=published" } else { "" };
        let url = format!("{}/api/{collection}{status}", self.base);
        // Without a key there is nothing to look up by: an unknown outcome is simply retried.
        let verify = (!key.is_empty()).then_some(Verify { collection, key });
        match self.send_verified(Method::POST, &url, Some(&json!({ "data": data })), verify).await? {
            Answer::Body(body) => {
                let entry = Entry::from_json(body.get("data").ok_or_else(|| decode("no data in create response"))?)?;
                Ok(Created { entry, found_after_unknown_outcome: false })
            }
            Answer::Found(entry) => Ok(Created { entry, found_after_unknown_outcome: true }),
        }
    }

    /// `GET <base><path>` as JSON, through the same limits as every other request: for
    /// endpoints other than collections (the content-type builder's model).
    pub async fn get(&self, path: &str) -> Result<Value, ApiError> {
        self.send(Method::GET, &format!("{}{path}", self.base), None).await
    }

    /// `POST <base><path>` with `body` as JSON, for endpoints other than collections (the
    /// ingesta plugin's batches). Retried like every request (timeouts, connection errors, 429,
    /// 5xx; never another 4xx) and without a look-up in between: only for writes that are safe
    /// to repeat, such as a batch carrying its idempotency key.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        self.send(Method::POST, &format!("{}{path}", self.base), Some(body)).await
    }

    /// `PUT /api/<collection>/<id>` with `{"data": data}`.
    pub async fn update(&self, collection: &str, entry: &Entry, data: Value) -> Result<Entry, ApiError> {
        let url = format!("{}/api/{collection}/{}", self.base, entry.path_id());
        let body = self.send(Method::PUT, &url, Some(&json!({ "data": data }))).await?;
        Entry::from_json(body.get("data").ok_or_else(|| decode("no data in update response"))?)
    }

    async fn send(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        match self.send_verified(method, url, body, None).await? {
            Answer::Body(v) => Ok(v),
            Answer::Found(_) => unreachable!("nothing is verified without a key"),
        }
    }

    /// Sends with retries; with `verify`, an attempt whose outcome is unknown is looked up by
    /// its key before the next attempt (see [`StrapiClient::create`]).
    async fn send_verified(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        verify: Option<Verify<'_>>,
    ) -> Result<Answer, ApiError> {
        let mut steps = retry::schedule(&self.cfg);
        let mut failed_before = false;
        let mut unknown_outcome = false;
        loop {
            if let (true, Some(v)) = (unknown_outcome, &verify) {
                // The unanswered request may still be running on the server: it keeps its slot
                // during the pause, so that stale requests do not pile up there behind our back
                // and commit after the look-up below has found nothing.
                let slot = self.in_flight.acquire().await;
                tokio::time::sleep(self.cfg.verify_pause).await;
                drop(slot);
                self.counters.verifications.fetch_add(1, Relaxed);
                // If the look-up itself fails, the row fails: guessing "absent" could double it.
                // Boxed: the look-up goes through this same function (without a key).
                if let Some(entry) = Box::pin(self.find_one(v.collection, v.key)).await? {
                    self.counters.verified_landed.fetch_add(1, Relaxed);
                    return Ok(Answer::Found(entry));
                }
            }
            let err = match self.attempt(&method, url, body).await {
                Ok(v) => return Ok(Answer::Body(v)),
                Err(ApiError::Unique { message, .. }) => {
                    return Err(ApiError::Unique { message, after_retry: failed_before });
                }
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            failed_before = true;
            unknown_outcome = err.outcome_unknown();
            // Once the circuit is open it paces the next attempt, and the time budget (not the
            // retry count) bounds the wait: an outage longer than the backoff schedule must not
            // fail rows the API will take once it is back.
            if self.breaker.state() != BreakerState::Closed {
                self.counters.retries.fetch_add(1, Relaxed);
                continue;
            }
            let Some(step) = steps.next() else { return Err(err) };
            let wait = retry::delay(&err, step);
            if self.deadline().is_some_and(|d| Instant::now() + wait > d) {
                return Err(err);
            }
            self.counters.retries.fetch_add(1, Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, method: &Method, url: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        let slot = self.in_flight.acquire().await;
        if let Some(rate) = &self.rate {
            rate.until_ready().await;
        }
        self.pass_circuit().await?;
        let started = Instant::now();
        let result = self.exchange(method, url, body).await;
        let rtt = started.elapsed();
        self.in_flight.observe(&request_kind(method, url), rtt, load_signal(&result), slot.load());
        let c = &self.counters;
        c.requests.fetch_add(1, Relaxed);
        c.latency_us_total.fetch_add(rtt.as_micros() as u64, Relaxed);
        match &result {
            Err(ApiError::Unique { .. }) | Ok(_) => {}
            Err(ApiError::RateLimited { .. }) => {
                c.throttled.fetch_add(1, Relaxed);
                c.errors.fetch_add(1, Relaxed);
            }
            Err(ApiError::Timeout { .. }) => {
                c.timeouts.fetch_add(1, Relaxed);
                c.errors.fetch_add(1, Relaxed);
            }
            Err(_) => {
                c.errors.fetch_add(1, Relaxed);
            }
        }
        let healthy = !matches!(&result, Err(e) if e.trips_breaker());
        if self.breaker.record(healthy, Instant::now()) {
            c.circuit_opened.fetch_add(1, Relaxed);
            tracing::warn!(threshold = self.cfg.circuit_failure_threshold, "API circuit opened");
        }
        result
    }

    /// Waits while the circuit is open, as long as the deadline and `max_circuit_wait` allow.
    /// The wait is counted from when the API went down, not from each request's arrival: a dead
    /// API ends the run after `max_circuit_wait` in total, instead of once per batch.
    async fn pass_circuit(&self) -> Result<(), ApiError> {
        let mut counted = false;
        loop {
            let down = self.breaker.down_since().unwrap_or_else(Instant::now);
            let give_up = down + self.cfg.max_circuit_wait;
            let limit = self.deadline().map_or(give_up, |d| d.min(give_up));
            let until = match self.breaker.admit(Instant::now()) {
                Admission::Go | Admission::Probe => return Ok(()),
                Admission::WaitUntil(t) => t,
            };
            if !counted {
                self.counters.circuit_rejections.fetch_add(1, Relaxed);
                counted = true;
            }
            if until > limit {
                return Err(ApiError::CircuitOpen);
            }
            tokio::time::sleep_until(until.into()).await;
        }
    }

    async fn exchange(&self, method: &Method, url: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        let mut req = self.http.request(method.clone(), url).timeout(self.cfg.request_timeout);
        if let Some(token) = self.token.lock().expect("token lock").as_ref() {
            req = req.bearer_auth(token.expose_secret());
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        let retry_after = retry::parse_retry_after(resp.headers().get(reqwest::header::RETRY_AFTER));
        let bytes = resp.bytes().await.map_err(|e| self.transport(e))?;
        let json: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        if status.is_success() {
            return Ok(json);
        }
        let message = json
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map(crate::error::without_values)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ApiError::Unauthorized { status: status.as_u16() },
            StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited { retry_after },
            StatusCode::BAD_REQUEST if message.to_lowercase().contains("unique") => {
                ApiError::Unique { message, after_retry: false }
            }
            s if s.is_server_error() => ApiError::Server { status: s.as_u16(), message },
            s => ApiError::Rejected { status: s.as_u16(), message },
        })
    }

    fn transport(&self, e: reqwest::Error) -> ApiError {
        if e.is_timeout() {
            return ApiError::Timeout { secs: self.cfg.request_timeout.as_secs_f64() };
        }
        // The innermost cause ("Connection refused") is what a person can act on.
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason = s.to_string();
            source = s.source();
        }
        ApiError::Transport { reason, sent: !e.is_connect() }
    }
}

/// Method and collection: requests alike enough to share a latency baseline (an entry's id is
/// left out, or every update would be a kind of its own).
fn request_kind(method: &Method, url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    let collection = path.split("/api/").nth(1).and_then(|p| p.split('/').next()).unwrap_or(path);
    format!("{method} {collection}")
}

/// What an attempt's outcome says about the API's load.
fn load_signal(result: &Result<Value, ApiError>) -> Signal {
    match result {
        Ok(_) | Err(ApiError::Unique { .. } | ApiError::Rejected { .. } | ApiError::Unauthorized { .. }) => {
            Signal::Answered
        }
        Err(ApiError::RateLimited { .. } | ApiError::Timeout { .. } | ApiError::Server { status: 503 | 504, .. }) => {
            Signal::Overloaded
        }
        Err(_) => Signal::Neutral,
    }
}

/// What a create returned.
#[derive(Debug, Clone)]
pub struct Created {
    pub entry: Entry,
    /// An earlier attempt's outcome was unknown and the look-up found the entry: that attempt
    /// (or, rarely, a concurrent writer) created it.
    pub found_after_unknown_outcome: bool,
}

/// Where to look for a write whose outcome is unknown.
struct Verify<'a> {
    collection: &'a str,
    key: &'a [Filter],
}

enum Answer {
    Body(Value),
    Found(Entry),
}

fn entries(body: &Value) -> Result<Vec<Entry>, ApiError> {
    match body.get("data") {
        Some(Value::Array(items)) => items.iter().map(Entry::from_json).collect(),
        _ => Err(decode("expected a data array in the list response")),
    }
}
