//! Resilience (issues #3, #12): an unreliable API without composite unique keys (as real Strapi)
//! costs no row and duplicates nothing; an API that stays down trips the circuit, later requests
//! fail fast, and every row is reported with a reason within the time budget.

mod common;
#[path = "common/expect.rs"]
mod expect;

use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use strapi_sim::{Burst, FaultConfig, Outage, OutageMode, SimConfig};

const ROWS: usize = 2000;

/// 10% of requests answered 500/503 before the store, 5% of POSTs applied but answered 500 (a lost
/// response: only the look-up before the retry finds it), and a burst of five 429s every 1000
/// requests.
fn unreliable(seed: u64) -> FaultConfig {
    FaultConfig {
        error_rate: 0.10,
        post_commit_error_rate: 0.05,
        burst_429: Some(Burst { every_n: 1000, length: 5, retry_after_secs: 1 }),
        fault_seed: Some(seed),
        ..Default::default()
    }
}

fn status_count(stats: &Value, status: u16) -> u64 {
    stats["status"][status.to_string()].as_u64().unwrap_or(0)
}

fn api(summary: &Value, field: &str) -> u64 {
    summary["api"][field].as_u64().unwrap_or_else(|| panic!("no api.{field} in the summary"))
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_429s_lost_responses_and_an_outage_lose_no_row_and_duplicate_nothing() {
    let file = replicated_sample(ROWS, 5);
    let want = expect::expected_counts(file.path());
    // Retry budget for the test's pace: short backoffs, more of them than the default, and a
    // circuit that probes twice a second during the outage.
    let settings = [
        "--max-retries",
        "8",
        "--backoff-base-ms",
        "20",
        "--backoff-max-ms",
        "400",
        "--circuit-failure-threshold",
        "10",
        "--circuit-cooldown-ms",
        "500",
        "--request-timeout-ms",
        "5000",
        // The simulator commits before it answers: no request is still running when we look.
        "--verify-pause-ms",
        "20",
    ];

    // The reference: the same file on a healthy API.
    let clean = sim().await;
    let clean_out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    assert_success(&ingesta(&clean, file.path(), clean_out.path(), &settings).await);
    let clean_secs = t.elapsed().as_secs_f64();
    let clean_counts = counts(&clean).await;
    assert_eq!(clean_counts, want, "a clean run lands what the CSV says");
    let clean_requests = api(&summary(clean_out.path()), "requests");
    println!("clean run: {clean_secs:.1} s, {clean_requests} requests");
    clean.shutdown().await;

    // The faulty run: unreliable from the start; a third of the way in (by the clean run's
    // request count) the server also refuses every connection for five seconds.
    // Like real Strapi: unique single fields only, no composite keys.
    let sim = sim_with(SimConfig { faults: unreliable(7), ..Default::default() }).await;
    let outage = Outage { start_after_ms: 0, duration_ms: 5_000, mode: OutageMode::Refuse };
    schedule_faults(&sim, clean_requests / 3, &FaultConfig { outage: Some(outage), ..unreliable(8) }).await;
    let out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    assert_success(&ingesta(&sim, file.path(), out.path(), &settings).await);
    let faulty_secs = t.elapsed().as_secs_f64();
    assert_eq!(scheduled_faults(&sim).await, Value::Null, "the outage was switched on during the run");
    let stats = sim_stats(&sim).await;
    sim.set_faults(FaultConfig::default());

    let s = summary(out.path());
    println!("faulty run: {faulty_secs:.1} s, api {}", serde_json::to_string(&s["api"]).unwrap());
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_failed"].as_u64(), s["complete"].as_bool()),
        (Some(ROWS as u64), Some(0), Some(true)),
        "every row landed; failed: {:?}",
        error_rows(out.path()).iter().take(10).collect::<Vec<_>>()
    );
    // Exactly the clean run's entries: no retry created anything twice.
    assert_eq!(counts(&sim).await, clean_counts);

    // The faults really happened and were ridden out.
    let (retries, throttled, opened) = (api(&s, "retries"), api(&s, "throttled"), api(&s, "circuit_opened"));
    assert!(status_count(&stats, 500) + status_count(&stats, 503) > 0, "no 5xx served: {stats}");
    assert!(throttled > 0, "no 429 seen");
    assert!(opened >= 1, "the outage never opened the circuit");
    // Lost answers were looked up before any retry, and found: no second POST was sent for them.
    let (verifications, found) = (api(&s, "verifications"), api(&s, "verified_landed"));
    assert!(found > 0, "no lost answer was found by its look-up: {}", s["api"]);
    assert!(verifications >= found);
    let duplicates_refused = status_count(&stats, 400);
    // The summary counts what the run created, lost answers included, as the clean run did.
    let created: u64 = s["created"].as_object().unwrap().values().filter_map(Value::as_u64).sum();
    let clean_created: u64 =
        summary(clean_out.path())["created"].as_object().unwrap().values().filter_map(Value::as_u64).sum();
    assert_eq!(s["created"], summary(clean_out.path())["created"], "created per collection, faulty vs clean");
    println!(
        "clean: {clean_secs:.1} s, {clean_requests} requests; faulty: {faulty_secs:.1} s, {} requests, {retries} \
         retries, {throttled} throttled, circuit opened {opened}x, {} rejected by it, {verifications} look-ups \
         of unknown outcomes ({found} had landed), {duplicates_refused} duplicates refused; summary 'created' \
         {created} vs {clean_created} on the clean run",
        api(&s, "requests"),
        api(&s, "circuit_rejections"),
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_down_for_good_opens_the_circuit_and_every_row_fails_fast_with_a_reason() {
    let file = replicated_sample(ROWS, 5);
    let (threshold, max_retries, budget_secs) = (5, 3, 30);
    let sim = sim().await;
    // Down right after the run's first two requests (the model and the reference read), and
    // for good.
    let down = Outage { start_after_ms: 0, duration_ms: 3_600_000, mode: OutageMode::Unavailable };
    schedule_faults(&sim, 2, &FaultConfig { outage: Some(down), ..Default::default() }).await;
    let out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let run = ingesta(
        &sim,
        file.path(),
        out.path(),
        &[
            "--circuit-failure-threshold",
            &threshold.to_string(),
            "--max-retries",
            &max_retries.to_string(),
            "--backoff-base-ms",
            "10",
            "--backoff-max-ms",
            "50",
            // A request may wait one second for the circuit, less than the cooldown: once it
            // opens, requests fail at once instead of each waiting out a probe.
            "--circuit-cooldown-ms",
            "2000",
            "--circuit-max-wait-secs",
            "1",
            "--time-budget-secs",
            &budget_secs.to_string(),
            "--safety-margin-secs",
            "5",
        ],
    )
    .await;
    let elapsed = t.elapsed();
    assert_success(&run);
    let stats = sim_stats(&sim).await;

    let s = summary(out.path());
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_failed"].as_u64(), s["complete"].as_bool()),
        (Some(ROWS as u64), Some(ROWS as u64), Some(true)),
        "every row read and reported, no checkpoint left: {}",
        s["checkpoint"]
    );
    assert!(elapsed < Duration::from_secs(budget_secs), "took {elapsed:?}");
    let rows = error_rows(out.path());
    assert_eq!(rows.len(), ROWS);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), (1..=ROWS as u64).collect::<Vec<_>>());
    for (row, _, stage, error) in &rows {
        assert!(!stage.is_empty(), "row {row} has no stage");
        assert!(
            error.contains("circuit open") || error.contains("the API failed (HTTP 503)"),
            "row {row}: unclear reason {error:?}"
        );
    }
    let by_circuit = rows.iter().filter(|r| r.3.contains("circuit open")).count();
    assert!(by_circuit >= ROWS - 10, "only {by_circuit} rows were failed fast by the open circuit");

    // The breaker opened after `threshold` consecutive failures and then held requests back:
    // the API saw a handful of probes, not rows × attempts.
    let requests = api(&s, "requests");
    assert_eq!(total_requests(&stats), requests, "the client's count matches the server's");
    assert!(api(&s, "circuit_opened") >= 1);
    // Rows whose parents are set up together share that set-up's refusal (single flight), so
    // there are fewer rejections than rows; each is an attempt the circuit held back.
    assert!(api(&s, "circuit_rejections") >= 1);
    let without_breaker = ROWS as u64 * (max_retries + 1);
    assert!(requests <= ROWS as u64 / 20, "{requests} requests reached the API (no breaker: {without_breaker})");
    assert_eq!(status_count(&stats, 503), requests - 2, "all but the model and reference reads met the outage");
    println!(
        "down for good: {ROWS} rows failed in {:.1} s with {requests} requests ({} circuit rejections, \
         opened {}x; without a breaker at least {without_breaker})",
        elapsed.as_secs_f64(),
        api(&s, "circuit_rejections"),
        api(&s, "circuit_opened"),
    );
    sim.shutdown().await;
}
