//! `/__sim/*`: request statistics, fault settings and a health check for tests, scripts and
//! operators. Never authenticated and never faulted, so a test can always steer the server.
//!
//! `PUT /__sim/faults/next` with `{"after_requests": N, "faults": {…}}` schedules a switch of
//! faults after N more `/api` requests (say, an outage half-way through a run); `GET` shows what
//! is still waiting (or `null`), and `PUT /__sim/faults` cancels it.

use crate::faults::{FaultConfig, Scheduled};
use crate::routes::error;
use crate::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Counts {
    /// `"METHOD collection"` → requests.
    requests: HashMap<String, u64>,
    status: BTreeMap<u16, u64>,
}

/// What the `/api` routes have seen since start or the last reset.
#[derive(Default)]
pub struct Stats(Mutex<Counts>);

impl Stats {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a request on arrival, whatever its fate.
    pub fn request(&self, method: &Method, collection: &str) {
        let key = format!("{method} {collection}");
        *self.lock().requests.entry(key).or_insert(0) += 1;
    }

    /// Counts an answer by status.
    pub fn status(&self, status: StatusCode) {
        *self.lock().status.entry(status.as_u16()).or_insert(0) += 1;
    }

    pub fn requests(&self, method: &str, collection: &str) -> u64 {
        let key = format!("{} {collection}", method.to_ascii_uppercase());
        self.lock().requests.get(&key).copied().unwrap_or(0)
    }

    fn snapshot(&self) -> Value {
        let c = self.lock();
        let requests: BTreeMap<&String, &u64> = c.requests.iter().collect();
        json!({ "requests": requests, "status": c.status })
    }

    fn reset(&self) {
        *self.lock() = Counts::default();
    }
}

type Sim = Arc<Shared>;

pub fn router() -> Router<Sim> {
    Router::new()
        .route("/__sim/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/__sim/stats", get(|State(sim): State<Sim>| async move { Json(sim.stats.snapshot()) }))
        .route(
            "/__sim/stats/reset",
            post(|State(sim): State<Sim>| async move {
                sim.stats.reset();
                StatusCode::NO_CONTENT
            }),
        )
        .route("/__sim/faults", get(|State(sim): State<Sim>| async move { Json(sim.faults.get()) }).put(put_faults))
        .route(
            "/__sim/faults/next",
            get(|State(sim): State<Sim>| async move { Json(sim.faults.scheduled()) }).put(put_scheduled),
        )
}

/// Replaces the faults; windows and counters restart now.
async fn put_faults(State(sim): State<Sim>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<FaultConfig>(&body).map_err(|e| e.to_string());
    match parsed.and_then(|cfg| cfg.validate().map(|()| cfg)) {
        Ok(cfg) => {
            sim.faults.set(cfg);
            Json(sim.faults.get()).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, &message, json!({})),
    }
}

/// Schedules a switch of faults after a number of requests.
async fn put_scheduled(State(sim): State<Sim>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Scheduled>(&body).map_err(|e| e.to_string());
    match parsed.and_then(|next| next.faults.validate().map(|()| next)) {
        Ok(next) => {
            sim.faults.schedule(next);
            Json(sim.faults.scheduled()).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, &message, json!({})),
    }
}
