//! Each fault kind, observed from a client, and steering faults and stats at run time.

mod common;

use common::{start, start_default};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};
use strapi_sim::{Burst, FaultConfig, Outage, OutageMode, SimConfig};

fn faults(f: FaultConfig) -> SimConfig {
    SimConfig { faults: f, ..Default::default() }
}

/// Status of a GET, or `None` when the connection failed.
async fn try_get(http: &reqwest::Client, url: &str) -> Option<StatusCode> {
    http.get(url).send().await.ok().map(|r| r.status())
}

/// Polls until `want` holds or 5 s pass; returns when it first held.
async fn until(http: &reqwest::Client, url: &str, want: impl Fn(Option<StatusCode>) -> bool) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if want(try_get(http, url).await) {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "condition never held");
        // Polling pace only; the assertions rest on what the polls observe.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn latency_and_jitter_delay_responses() {
    let s = start(faults(FaultConfig { latency_ms: 250, ..Default::default() })).await;
    let t = Instant::now();
    assert_eq!(s.get("/api/programas").await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(250), "{:?}", t.elapsed());
    let t = Instant::now();
    s.get("/__sim/health").await;
    assert!(t.elapsed() < Duration::from_millis(250), "admin routes are never delayed");

    s.sim.set_faults(FaultConfig { jitter_ms: 200, fault_seed: Some(3), ..Default::default() });
    let mut slowest = Duration::ZERO;
    for _ in 0..8 {
        let t = Instant::now();
        s.get("/api/programas").await;
        slowest = slowest.max(t.elapsed());
    }
    assert!(slowest >= Duration::from_millis(30), "jitter drew nothing above 30 ms: {slowest:?}");
}

#[tokio::test]
async fn error_rate_fails_before_the_store() {
    let s = start(faults(FaultConfig { error_rate: 1.0, ..Default::default() })).await;
    let a = s.post("programas", json!({"nombre": "P"})).await;
    assert!(a.status == StatusCode::INTERNAL_SERVER_ERROR || a.status == StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.body["data"], serde_json::Value::Null);
    assert_eq!(a.body["error"]["status"], a.status.as_u16());
    assert_eq!(s.sim.count("programas"), 0, "nothing stored");

    s.sim.set_faults(FaultConfig { error_rate: 0.5, fault_seed: Some(11), ..Default::default() });
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..60 {
        *seen.entry(s.get("/api/programas").await.status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(seen.keys().copied().collect::<Vec<_>>(), [200, 500, 503], "{seen:?}");
}

#[tokio::test]
async fn lost_responses_are_stored_anyway() {
    let s = start(faults(FaultConfig { post_commit_error_rate: 1.0, ..Default::default() })).await;
    let a = s.post("programas", json!({"nombre": "P"})).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(s.sim.count("programas"), 1, "applied despite the 500");
    assert_eq!(s.get("/api/programas").await.status, StatusCode::OK, "GETs are not affected");
    s.sim.set_faults(FaultConfig::default());
    let retry = s.post("programas", json!({"nombre": "P"})).await;
    assert_eq!(retry.status, StatusCode::BAD_REQUEST, "a blind retry hits the unique key");
    let found = s.get("/api/programas?filters[nombre][$eq]=P").await.body;
    assert_eq!(found["meta"]["pagination"]["total"], 1);
}

#[tokio::test]
async fn bursts_of_429_with_retry_after() {
    let burst = Burst { every_n: 2, length: 1, retry_after_secs: 7 };
    let s = start(faults(FaultConfig { burst_429: Some(burst), ..Default::default() })).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let a = s.get("/api/programas").await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(a.headers["retry-after"], "7");
            assert_eq!(a.body["error"]["status"], 429);
        }
        statuses.push(a.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    assert_eq!(s.sim.request_count("GET", "programas"), 6, "throttled requests are counted");
}

#[tokio::test]
async fn server_side_rate_limit() {
    let s = start(faults(FaultConfig { rate_limit_rps: Some(5.0), ..Default::default() })).await;
    let gets = (0..20).map(|_| s.get("/api/programas"));
    let answers = futures::future::join_all(gets).await;
    let limited: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).collect();
    let ok = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert!((5..=10).contains(&ok), "{ok} served");
    assert_eq!(limited.len() + ok, 20);
    assert!(limited.iter().all(|a| a.headers["retry-after"] == "1"));
}

#[tokio::test]
async fn outage_503_window() {
    let s = start_default().await;
    let url = s.url("/api/programas");
    let set = Instant::now();
    s.sim.set_faults(FaultConfig {
        outage: Some(Outage { start_after_ms: 400, duration_ms: 200, mode: OutageMode::Unavailable }),
        ..Default::default()
    });
    assert_eq!(try_get(&s.http, &url).await, Some(StatusCode::OK), "not down yet");
    let down = until(&s.http, &url, |st| st == Some(StatusCode::SERVICE_UNAVAILABLE)).await;
    let up = until(&s.http, &url, |st| st == Some(StatusCode::OK)).await;
    assert!(down - set >= Duration::from_millis(400), "went down after {:?}", down - set);
    assert!(up - set >= Duration::from_millis(600), "came back after {:?}", up - set);
}

#[tokio::test]
async fn outage_refuse_drops_new_and_kept_alive_connections() {
    let s = start_default().await;
    let url = s.url("/api/programas");
    // This client now holds a kept-alive connection opened before the outage.
    assert_eq!(try_get(&s.http, &url).await, Some(StatusCode::OK));
    let before = s.sim.request_count("GET", "programas");
    let set = Instant::now();
    s.sim.set_faults(FaultConfig {
        outage: Some(Outage { start_after_ms: 0, duration_ms: 500, mode: OutageMode::Refuse }),
        ..Default::default()
    });
    let err = s.http.get(&url).send().await.expect_err("kept-alive connection cut");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    assert_eq!(try_get(&reqwest::Client::new(), &url).await, None, "new connection refused");
    assert_eq!(s.sim.request_count("GET", "programas"), before, "no request got through");
    let up = until(&s.http, &url, |st| st == Some(StatusCode::OK)).await;
    assert!(up - set >= Duration::from_millis(500), "came back after {:?}", up - set);
}

#[tokio::test]
async fn admin_endpoints_steer_faults_and_report_stats() {
    let s = start_default().await;
    s.post("programas", json!({"nombre": "P"})).await;
    s.post("programas", json!({"nombre": "P"})).await;
    s.get("/api/programas").await;
    let stats = s.get("/__sim/stats").await.body;
    assert_eq!(stats["requests"], json!({"GET programas": 1, "POST programas": 2}));
    assert_eq!(stats["status"], json!({"200": 1, "201": 1, "400": 1}));
    assert_eq!(s.call(Method::POST, "/__sim/stats/reset", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(s.get("/__sim/stats").await.body, json!({"requests": {}, "status": {}}));
    assert_eq!(s.sim.request_count("POST", "programas"), 0);

    let cfg = json!({"burst_429": {"every_n": 1, "length": 1, "retry_after_secs": 2}, "fault_seed": 5});
    let put = s.call(Method::PUT, "/__sim/faults", Some(cfg)).await;
    assert_eq!(put.status, StatusCode::OK);
    assert_eq!(s.get("/__sim/faults").await.body["burst_429"]["every_n"], 1);
    let statuses = [s.get("/api/programas").await.status, s.get("/api/programas").await.status];
    assert_eq!(statuses, [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    for bad in [json!({"error_rate": 2.0}), json!({"latency": 5})] {
        assert_eq!(s.call(Method::PUT, "/__sim/faults", Some(bad)).await.status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(s.get("/__sim/faults").await.body["burst_429"]["length"], 1, "a refused PUT changes nothing");
    assert_eq!(s.call(Method::PUT, "/__sim/faults", Some(json!({}))).await.status, StatusCode::OK);
    assert_eq!(s.get("/__sim/faults").await.body, serde_json::to_value(FaultConfig::default()).unwrap());
}
