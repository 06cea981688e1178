//! Which answers are retried (SPEC section 5): 400, 401, 403, 404 and 422 are sent exactly once,
//! 401/403 say what to do about the token, while 503 and 429 are tried again. Against a real
//! HTTP server on loopback that answers scripted statuses and counts what reaches it.

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use ingesta_client::{ApiError, ClientConfig, Filter, StrapiClient};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// A server answering request `n` (from 0) with `answer(n)`, a status and an error message, in
/// Strapi's envelope (an error, or an empty list on success); `requests` counts what reached it.
struct FixedStatus {
    base_url: String,
    requests: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl FixedStatus {
    async fn start(status: u16) -> Self {
        Self::scripted(move |_| (status, "injected")).await
    }

    async fn scripted(answer: impl Fn(u64) -> (u16, &'static str) + Clone + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicU64::new(0));
        let counter = requests.clone();
        let respond = move || {
            let (status, message) = answer(counter.fetch_add(1, SeqCst));
            let body = if status == 200 {
                json!({ "data": [], "meta": { "pagination": { "page": 1, "pageSize": 1, "pageCount": 0, "total": 0 } } })
            } else {
                json!({ "data": null, "error": { "status": status, "name": "ValidationError", "message": message } })
            };
            // Retry-After: 0 keeps the 429 case fast; the client must still retry it.
            let status = StatusCode::from_u16(status).unwrap();
            (status, [(header::RETRY_AFTER, "0")], axum::Json(body)).into_response()
        };
        let app = axum::Router::new().fallback(move || std::future::ready(respond()));
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base_url, requests, task }
    }

    fn requests(&self) -> u64 {
        self.requests.load(SeqCst)
    }
}

impl Drop for FixedStatus {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const MAX_RETRIES: usize = 3;

fn client(server: &FixedStatus) -> StrapiClient {
    StrapiClient::new(ClientConfig {
        token: ingesta_client::Token::new("not-a-valid-token"),
        max_retries: MAX_RETRIES,
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        request_timeout: Duration::from_secs(5),
        // High enough that the breaker never interferes with counting retries.
        circuit_failure_threshold: 100,
        verify_pause: Duration::from_millis(1),
        ..ClientConfig::new(&server.base_url)
    })
    .unwrap()
}

/// Makes one look-up, one create and one update; returns their errors and the requests each cost.
async fn three_calls(status: u16) -> Vec<(ApiError, u64)> {
    let server = FixedStatus::start(status).await;
    let c = client(&server);
    let mut out = Vec::new();
    let before = server.requests();
    let e = c.find_one("programas", &[Filter::eq("nombre", "P")]).await.expect_err("an error status");
    out.push((e, server.requests() - before));
    let before = server.requests();
    let e = c
        .create("programas", json!({ "nombre": "P" }), false, &[Filter::eq("nombre", "P")])
        .await
        .expect_err("an error status");
    out.push((e, server.requests() - before));
    let existing = ingesta_client::Entry::from_json(&json!({ "id": 1, "documentId": "abc" })).unwrap();
    let before = server.requests();
    let e = c.update("asistencias", &existing, json!({ "modalidad": "Virtual" })).await.expect_err("an error status");
    out.push((e, server.requests() - before));
    assert_eq!(c.stats().requests, server.requests(), "client and server agree on the count");
    out
}

#[tokio::test]
async fn client_errors_are_sent_exactly_once() {
    for status in [400, 401, 403, 404, 422] {
        for (i, (error, requests)) in three_calls(status).await.into_iter().enumerate() {
            assert_eq!(requests, 1, "HTTP {status}, call {i}: {requests} requests for one call ({error})");
            assert!(!error.is_retryable(), "HTTP {status}: {error:?}");
        }
    }
}

#[tokio::test]
async fn a_rejected_token_says_so_and_what_to_do() {
    for status in [401, 403] {
        for (error, requests) in three_calls(status).await {
            assert_eq!(requests, 1);
            assert!(matches!(error, ApiError::Unauthorized { status: s } if s == status), "{error:?}");
            let text = error.to_string();
            assert!(text.contains("token") && text.contains("STRAPI_TOKEN"), "{text}");
        }
    }
    // Other client errors are plain rejections naming their status, never about the token.
    for status in [400, 404, 422] {
        for (error, _) in three_calls(status).await {
            assert!(matches!(error, ApiError::Rejected { status: s, .. } if s == status), "{error:?}");
            assert!(!error.to_string().contains("token"), "{error}");
        }
    }
}

#[tokio::test]
async fn server_errors_and_throttling_are_retried_up_to_the_limit() {
    for status in [503, 500, 429] {
        for (i, (error, requests)) in three_calls(status).await.into_iter().enumerate() {
            assert!(error.is_retryable(), "HTTP {status}: {error:?}");
            assert!(requests > 1, "HTTP {status}, call {i}: not retried");
            // A create answered 5xx may have landed: before any second POST it is looked up, and
            // that look-up (retried in turn) fails here too, so the POST is never repeated.
            let want = if i == 1 && status != 429 { 1 + (MAX_RETRIES as u64 + 1) } else { MAX_RETRIES as u64 + 1 };
            assert_eq!(requests, want, "HTTP {status}, call {i}: first attempt plus every retry");
        }
    }
}

#[tokio::test]
async fn an_outage_longer_than_the_retries_is_waited_out_at_the_circuit() {
    // Twenty 503s in a row: four times what the retry schedule allows one call.
    let outage = 20;
    let server = FixedStatus::scripted(move |n| if n < outage { (503, "down") } else { (200, "") }).await;
    let c = StrapiClient::new(ClientConfig {
        circuit_failure_threshold: 3,
        circuit_cooldown: Duration::from_millis(5),
        ..client(&server).config().clone()
    })
    .unwrap();
    let found = c.find_one("programas", &[Filter::eq("nombre", "P")]).await;
    assert!(matches!(found, Ok(None)), "the call outlived the outage: {found:?}");
    assert_eq!(server.requests(), outage + 1);
    let stats = c.stats();
    assert_eq!(stats.retries, outage, "every failed attempt was tried again");
    assert!(stats.circuit_opened >= 1);
}

#[tokio::test]
async fn a_duplicate_refused_after_a_failed_attempt_says_the_first_attempt_may_have_landed() {
    const UNIQUE: &str = "This attribute must be unique";
    // A first POST answered 500 (it may have been stored), the look-up finds nothing (a
    // replica behind, say), then the retry meets the unique key.
    let server = FixedStatus::scripted(|n| match n {
        0 => (500, "lost"),
        1 => (200, ""),
        _ => (400, UNIQUE),
    })
    .await;
    let e = client(&server)
        .create("programas", json!({ "nombre": "P" }), false, &[Filter::eq("nombre", "P")])
        .await
        .expect_err("a duplicate");
    assert!(matches!(e, ApiError::Unique { after_retry: true, .. }), "{e:?}");
    assert_eq!(server.requests(), 3, "POST, the look-up, POST");
    // Refused at the first attempt: an entry that was there before.
    let server = FixedStatus::scripted(|_| (400, UNIQUE)).await;
    let e = client(&server)
        .create("programas", json!({ "nombre": "P" }), false, &[Filter::eq("nombre", "P")])
        .await
        .expect_err("a duplicate");
    assert!(matches!(e, ApiError::Unique { after_retry: false, .. }), "{e:?}");
    assert_eq!(server.requests(), 1);
}
