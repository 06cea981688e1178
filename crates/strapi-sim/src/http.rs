//! The HTTP face: Strapi's `/api/<collection>` routes, and `/__sim/*` for tests and operators.

use crate::faults::{Decision, FaultConfig, Faults};
use crate::query::{self, Pagination};
use crate::render;
use crate::store::{Store, StoreError};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Requests seen, by `"METHOD collection"` and by status.
#[derive(Default)]
pub struct Stats {
    pub requests: BTreeMap<String, u64>,
    pub status: BTreeMap<u16, u64>,
}

pub struct Shared {
    pub store: Mutex<Store>,
    pub faults: Faults,
    pub stats: Mutex<Stats>,
    pub token: Option<String>,
    pub version: u8,
}

type Sim = Arc<Shared>;

pub fn router(shared: Sim) -> Router {
    Router::new()
        .route("/api/{collection}", get(list).post(create))
        .route("/api/{collection}/{key}", get(one).put(update).delete(remove))
        .route("/__sim/health", get(|| async { "ok" }))
        .route("/__sim/stats", get(stats))
        .route("/__sim/stats/reset", post(reset_stats))
        .route("/__sim/faults", get(get_faults).put(put_faults))
        .with_state(shared)
}

fn error(status: StatusCode, message: &str, details: Value) -> Response {
    let name = match status.as_u16() {
        400 => "ValidationError",
        401 => "UnauthorizedError",
        404 => "NotFoundError",
        429 => "RateLimitError",
        503 => "ServiceUnavailableError",
        _ => "InternalServerError",
    };
    let body = json!({ "data": null, "error": { "status": status.as_u16(), "name": name, "message": message, "details": details } });
    (status, Json(body)).into_response()
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Validation { message, details } => error(StatusCode::BAD_REQUEST, &message, details),
        StoreError::NotFound => error(StatusCode::NOT_FOUND, "Not Found", json!({})),
    }
}

/// Everything every `/api` request goes through: counting, auth, faults, latency; then `op`.
async fn guarded(
    sim: &Sim,
    method: Method,
    collection: &str,
    headers: &HeaderMap,
    op: impl FnOnce() -> Response,
) -> Response {
    sim.stats
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .requests
        .entry(format!("{method} {collection}"))
        .and_modify(|n| *n += 1)
        .or_insert(1);
    let response = async {
        if let Some(token) = &sim.token {
            let ok =
                headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(format!("Bearer {token}").as_str());
            if !ok {
                return error(StatusCode::UNAUTHORIZED, "Missing or invalid credentials", json!({}));
            }
        }
        match sim.faults.decide(method == Method::POST) {
            Decision::Fail { status, retry_after, delay } => {
                tokio::time::sleep(delay).await;
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut r = error(status, "Injected fault", json!({}));
                if let Some(secs) = retry_after {
                    r.headers_mut().insert("retry-after", HeaderValue::from(secs));
                }
                r
            }
            Decision::Serve { delay, lose_response } => {
                tokio::time::sleep(delay).await;
                if !sim.store.lock().unwrap_or_else(|p| p.into_inner()).exists(collection) {
                    return error(StatusCode::NOT_FOUND, "Not Found", json!({}));
                }
                let r = op();
                if lose_response && r.status().is_success() {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "Injected fault after commit", json!({}));
                }
                r
            }
        }
    }
    .await;
    *sim.stats.lock().unwrap_or_else(|p| p.into_inner()).status.entry(response.status().as_u16()).or_insert(0) += 1;
    response
}

fn data_of(body: &Value) -> Option<&serde_json::Map<String, Value>> {
    body.get("data").and_then(Value::as_object)
}

const MISSING_DATA: &str = "Missing \"data\" payload in the request body";

async fn list(State(sim): State<Sim>, Path(c): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    guarded(&sim.clone(), Method::GET, &c, &headers, || {
        let q = match query::parse(q.as_deref().unwrap_or("")) {
            Ok(q) => q,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message, json!({})),
        };
        let store = sim.store.lock().unwrap_or_else(|p| p.into_inner());
        let ids = store.query(&c, &q.filters);
        let total = ids.len();
        let (skip, take, meta) = match q.pagination {
            Pagination::Offset { start, limit } => {
                (start, limit, json!({ "start": start, "limit": limit, "total": total }))
            }
            Pagination::Page { page, page_size } => {
                let page_count = total.div_ceil(page_size);
                (
                    (page - 1) * page_size,
                    page_size,
                    json!({ "page": page, "pageSize": page_size, "pageCount": page_count, "total": total }),
                )
            }
        };
        let data: Vec<Value> = ids
            .iter()
            .skip(skip)
            .take(take)
            .filter_map(|id| store.by_id(&c, *id))
            .map(|e| render::entry(&store, &c, e, &q.populate, sim.version))
            .collect();
        Json(json!({ "data": data, "meta": { "pagination": meta } })).into_response()
    })
    .await
}

async fn one(
    State(sim): State<Sim>,
    Path((c, key)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    guarded(&sim.clone(), Method::GET, &c, &headers, || {
        let populate = query::parse(q.as_deref().unwrap_or("")).map(|q| q.populate).unwrap_or_default();
        let store = sim.store.lock().unwrap_or_else(|p| p.into_inner());
        match store.get(&c, &key) {
            Some(e) => Json(json!({ "data": render::entry(&store, &c, e, &populate, sim.version), "meta": {} }))
                .into_response(),
            None => error(StatusCode::NOT_FOUND, "Not Found", json!({})),
        }
    })
    .await
}

async fn create(
    State(sim): State<Sim>,
    Path(c): Path<String>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    guarded(&sim.clone(), Method::POST, &c, &headers, || {
        let Some(data) = body.as_ref().and_then(|b| data_of(&b.0)) else {
            return error(StatusCode::BAD_REQUEST, MISSING_DATA, json!({}));
        };
        let mut store = sim.store.lock().unwrap_or_else(|p| p.into_inner());
        match store.create(&c, data, None) {
            Ok(e) => {
                let rendered = render::entry(&store, &c, &e, &query::Populate::Nothing, sim.version);
                (StatusCode::CREATED, Json(json!({ "data": rendered, "meta": {} }))).into_response()
            }
            Err(e) => store_error(e),
        }
    })
    .await
}

async fn update(
    State(sim): State<Sim>,
    Path((c, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    guarded(&sim.clone(), Method::PUT, &c, &headers, || {
        let Some(data) = body.as_ref().and_then(|b| data_of(&b.0)) else {
            return error(StatusCode::BAD_REQUEST, MISSING_DATA, json!({}));
        };
        let mut store = sim.store.lock().unwrap_or_else(|p| p.into_inner());
        match store.update(&c, &key, data) {
            Ok(e) => Json(
                json!({ "data": render::entry(&store, &c, &e, &query::Populate::Nothing, sim.version), "meta": {} }),
            )
            .into_response(),
            Err(e) => store_error(e),
        }
    })
    .await
}

async fn remove(State(sim): State<Sim>, Path((c, key)): Path<(String, String)>, headers: HeaderMap) -> Response {
    guarded(&sim.clone(), Method::DELETE, &c, &headers, || {
        match sim.store.lock().unwrap_or_else(|p| p.into_inner()).delete(&c, &key) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => store_error(e),
        }
    })
    .await
}

async fn stats(State(sim): State<Sim>) -> Json<Value> {
    let s = sim.stats.lock().unwrap_or_else(|p| p.into_inner());
    Json(json!({ "requests": s.requests, "status": s.status }))
}

async fn reset_stats(State(sim): State<Sim>) -> StatusCode {
    *sim.stats.lock().unwrap_or_else(|p| p.into_inner()) = Stats::default();
    StatusCode::NO_CONTENT
}

async fn get_faults(State(sim): State<Sim>) -> Json<FaultConfig> {
    Json(sim.faults.get())
}

async fn put_faults(State(sim): State<Sim>, Json(cfg): Json<FaultConfig>) -> Json<FaultConfig> {
    sim.faults.set(cfg);
    Json(sim.faults.get())
}
