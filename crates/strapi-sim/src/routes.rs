//! Strapi's REST routes, `/api/<collection>[/<documentId or id>]`, with its response and error
//! shapes. Every request passes the same gate: counting, faults, route check, token.

use crate::faults::Decision;
use crate::query::{self, Pagination, Populate};
use crate::render;
use crate::store::{Store, StoreError};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::sync::Arc;

type Sim = Arc<Shared>;

/// The `/api` routes.
pub fn router() -> Router<Sim> {
    Router::new()
        .route("/api/{collection}", get(list).post(create))
        .route("/api/{collection}/{key}", get(one).put(update).delete(remove))
}

/// Strapi's error envelope.
pub fn error(status: StatusCode, message: &str, details: Value) -> Response {
    let name = match status.as_u16() {
        400 => "ValidationError",
        401 => "UnauthorizedError",
        403 => "ForbiddenError",
        404 => "NotFoundError",
        429 => "RateLimitError",
        503 => "ServiceUnavailableError",
        _ => "InternalServerError",
    };
    let body = json!({
        "data": null,
        "error": { "status": status.as_u16(), "name": name, "message": message, "details": details },
    });
    (status, Json(body)).into_response()
}

/// Strapi's 404, also for paths the server does not know.
pub fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", json!({}))
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message, json!({}))
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Validation { message, details } => error(StatusCode::BAD_REQUEST, &message, details),
        StoreError::NotFound => not_found(),
    }
}

fn injected(status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match status.as_u16() {
        429 => "Too many requests, please try again later.",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut r = error(status, message, json!({}));
    if let Some(secs) = retry_after {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

/// The gate every collection request goes through before `op` runs against the store.
async fn gate(
    sim: &Shared,
    method: Method,
    collection: &str,
    headers: &HeaderMap,
    op: impl FnOnce() -> Response,
) -> Response {
    served(sim, method, collection, || {
        if crate::schema::find(sim.collections, collection).is_none() {
            not_found()
        } else if !authorized(sim, headers) {
            error(StatusCode::UNAUTHORIZED, "Missing or invalid credentials", json!({}))
        } else {
            op()
        }
    })
    .await
}

/// Counting, faults and latency, shared by every `/api` endpoint (`label` names it in the stats).
pub(crate) async fn served(sim: &Shared, method: Method, label: &str, op: impl FnOnce() -> Response) -> Response {
    let collection = label;
    // The configured latency is the time from arrival to answer, as a client measures an API's
    // latency; the store's own work happens inside it rather than on top of it.
    let arrived = tokio::time::Instant::now();
    sim.stats.request(&method, collection);
    let decision = sim.faults.decide(method == Method::POST);
    let (Decision::Serve { delay, .. } | Decision::Fail { delay, .. }) = &decision;
    let answer_at = arrived + *delay;
    let response = match decision {
        Decision::Fail { status, retry_after, .. } => injected(status, retry_after),
        Decision::Serve { lose_response, .. } => {
            let r = op();
            if lose_response && r.status().is_success() {
                // Applied to the store, but the client never learns it.
                injected(500, None)
            } else {
                r
            }
        }
    };
    tokio::time::sleep_until(answer_at).await;
    sim.stats.status(response.status());
    tracing::debug!(%method, collection, status = response.status().as_u16(), "api request");
    response
}

/// Strapi 5 addresses an entry by its documentId only (`/api/programas/1` is a 404), Strapi 4
/// by its numeric id only.
fn addressable(sim: &Shared, key: &str) -> bool {
    key.parse::<u64>().is_ok() == (sim.version == 4)
}

fn authorized(sim: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) = sim.token() else { return true };
    let sent = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    sent.and_then(|v| v.strip_prefix("Bearer ")).is_some_and(|t| t.trim() == token)
}

const MISSING_DATA: &str = "Missing \"data\" payload in the request body";

/// The `data` object of a write body.
fn payload(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut o)) => match o.remove("data") {
            Some(Value::Object(data)) => Ok(data),
            _ => Err(MISSING_DATA.into()),
        },
        _ => Err(MISSING_DATA.into()),
    }
}

fn populate_of(raw: Option<&str>) -> Result<Populate, String> {
    query::parse(raw.unwrap_or("")).map(|q| q.populate)
}

/// A write's `data` and the `populate` of its answer.
fn write_request(body: &[u8], raw: Option<&str>) -> Result<(Map<String, Value>, Populate), String> {
    Ok((payload(body)?, populate_of(raw)?))
}

/// One entry as `{"data": …, "meta": {}}`.
fn single(store: &Store, version: u8, collection: &str, id: u64, populate: &Populate, status: StatusCode) -> Response {
    let c = store.collection(collection).expect("gate checked the collection");
    match c.get(id) {
        Some(e) => {
            let data = render::entry(store, c, e, populate, version);
            (status, Json(json!({ "data": data, "meta": {} }))).into_response()
        }
        None => not_found(),
    }
}

async fn list(State(sim): State<Sim>, Path(c): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    gate(&sim, Method::GET, &c, &headers, || {
        let q = match query::parse(q.as_deref().unwrap_or("")) {
            Ok(q) => q,
            Err(message) => return bad_request(&message),
        };
        let (skip, take) = q.pagination.window();
        let store = sim.read();
        let page = match store.query(&c, &q.filters, skip, take) {
            Ok(page) => page,
            Err(e) => return store_error(e),
        };
        let coll = store.collection(&c).expect("query found it");
        let data: Vec<Value> = page
            .ids
            .iter()
            .filter_map(|id| coll.get(*id))
            .map(|e| render::entry(&store, coll, e, &q.populate, sim.version))
            .collect();
        let total = page.total;
        let meta = match q.pagination {
            Pagination::Offset { start, limit } => json!({ "start": start, "limit": limit, "total": total }),
            Pagination::Page { page, page_size } => json!({
                "page": page, "pageSize": page_size, "pageCount": total.div_ceil(page_size), "total": total,
            }),
        };
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
    gate(&sim, Method::GET, &c, &headers, || {
        if !addressable(&sim, &key) {
            return not_found();
        }
        let populate = match populate_of(q.as_deref()) {
            Ok(p) => p,
            Err(message) => return bad_request(&message),
        };
        let store = sim.read();
        match store.collection(&c).and_then(|coll| store.resolve(coll, &key)) {
            Some(id) => single(&store, sim.version, &c, id, &populate, StatusCode::OK),
            None => not_found(),
        }
    })
    .await
}

async fn create(
    State(sim): State<Sim>,
    Path(c): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    gate(&sim, Method::POST, &c, &headers, || {
        let (data, populate) = match write_request(&body, q.as_deref()) {
            Ok(parsed) => parsed,
            Err(message) => return bad_request(&message),
        };
        let mut store = sim.write();
        match store.create(&c, &data, None) {
            Ok(id) => single(&store, sim.version, &c, id, &populate, StatusCode::CREATED),
            Err(e) => store_error(e),
        }
    })
    .await
}

async fn update(
    State(sim): State<Sim>,
    Path((c, key)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    gate(&sim, Method::PUT, &c, &headers, || {
        if !addressable(&sim, &key) {
            return not_found();
        }
        let (data, populate) = match write_request(&body, q.as_deref()) {
            Ok(parsed) => parsed,
            Err(message) => return bad_request(&message),
        };
        let mut store = sim.write();
        match store.update(&c, &key, &data) {
            Ok(id) => single(&store, sim.version, &c, id, &populate, StatusCode::OK),
            Err(e) => store_error(e),
        }
    })
    .await
}

async fn remove(State(sim): State<Sim>, Path((c, key)): Path<(String, String)>, headers: HeaderMap) -> Response {
    gate(&sim, Method::DELETE, &c, &headers, || {
        if !addressable(&sim, &key) {
            return not_found();
        }
        let deleted = sim.write().delete(&c, &key);
        match deleted {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => store_error(e),
        }
    })
    .await
}
