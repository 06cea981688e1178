//! Every run ends, and ends with its report (issue #12): a dead API ends the run within
//! `--circuit-max-wait-secs` in total, and SIGTERM/SIGINT stop it cleanly; either way every row
//! read is in the report or landed, and summary.json is written.

mod common;

use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use strapi_sim::{FaultConfig, Outage, OutageMode};

/// Rows read = rows landed + rows in errors.csv, and errors.csv has each row once.
fn accounted(out: &std::path::Path) -> Value {
    let s = summary(out);
    let rows = error_rows(out);
    let read = s["rows_read"].as_u64().unwrap();
    assert_eq!(s["rows_succeeded"].as_u64().unwrap() + rows.len() as u64, read, "every row read is accounted for");
    let mut numbers: Vec<u64> = rows.iter().map(|r| r.0).collect();
    numbers.dedup();
    assert_eq!(numbers.len(), rows.len(), "a row reported twice");
    s
}

/// Returns once the run is well under way (a condition, polled).
async fn under_way(sim: &strapi_sim::RunningSim) {
    let started = Instant::now();
    while sim.request_count("POST", "participaciones") < 100 {
        assert!(started.elapsed() < Duration::from_secs(60), "the run never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_api_ends_the_run_within_the_circuit_wait_in_total() {
    let file = replicated_sample(2000, 5);
    let sim = sim().await;
    let down = Outage { start_after_ms: 0, duration_ms: 3_600_000, mode: OutageMode::Refuse };
    schedule_faults(&sim, 200, &FaultConfig { outage: Some(down), ..Default::default() }).await;
    let out = tempfile::tempdir().unwrap();
    let max_wait = 3;
    let t = Instant::now();
    // Small fixed batches and a short cooldown: were the wait counted per request, each of the
    // ~40 batches would wait it out again (minutes); counted per outage, the run ends at once.
    let run = ingesta(
        &sim,
        file.path(),
        out.path(),
        &[
            "--circuit-max-wait-secs",
            &max_wait.to_string(),
            "--circuit-cooldown-ms",
            "500",
            "--circuit-failure-threshold",
            "5",
            "--fixed-batch",
            "--batch-size-initial",
            "50",
            "--backoff-max-ms",
            "200",
        ],
    )
    .await;
    let elapsed = t.elapsed();
    assert_success(&run);
    assert!(elapsed < Duration::from_secs(max_wait + 10), "took {elapsed:?}");
    let s = accounted(out.path());
    assert_eq!((s["rows_read"].as_u64(), s["complete"].as_bool()), (Some(2000), Some(true)));
    let failed = s["rows_failed"].as_u64().unwrap();
    assert!(failed > 1900, "only {failed} rows reported");
    let rows = error_rows(out.path());
    assert!(rows.iter().all(|r| !r.2.is_empty() && !r.3.is_empty()), "each with a stage and a reason");
    println!("dead API: {failed} of 2000 rows reported in {:.1} s", elapsed.as_secs_f64());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_run_and_still_writes_its_report() {
    let file = replicated_sample(2000, 5);
    let sim = sim_with(strapi_sim::SimConfig {
        faults: FaultConfig { latency_ms: 20, ..Default::default() },
        ..Default::default()
    })
    .await;
    let out = tempfile::tempdir().unwrap();
    let child = spawn_at(&sim.base_url(), file.path(), out.path(), &[] as &[&str]);
    under_way(&sim).await;
    let pid = child.id().expect("running") as libc::pid_t;
    assert!(pid > 1);
    // SAFETY: a positive pid of our own child, which has not been reaped.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let signalled = Instant::now();
    let done = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("exited within 10 s of SIGTERM")
        .unwrap();
    println!("exited {:.1} s after SIGTERM", signalled.elapsed().as_secs_f64());
    assert!(!done.status.success(), "an interrupted run exits non-zero");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    let s = accounted(out.path());
    assert_eq!(s["complete"], Value::Bool(false));
    assert_eq!(s["stopped"], "interrupted by SIGTERM");
    let read = s["rows_read"].as_u64().unwrap();
    assert!(read < 2000, "stopped before the end: {read}");
    // What landed is what the summary says landed: no row is half-counted.
    assert!(
        count(&sim, "participaciones").await
            >= s["rows_succeeded"].as_u64().unwrap() - s["rows_already_complete"].as_u64().unwrap()
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_mid_run_reports_the_batch_and_writes_the_summary() {
    let file = replicated_sample(2000, 5);
    let sim = sim_with(strapi_sim::SimConfig {
        token: Some("first".into()),
        faults: FaultConfig { latency_ms: 20, ..Default::default() },
        ..Default::default()
    })
    .await;
    let out = tempfile::tempdir().unwrap();
    let run = spawn_at(&sim.base_url(), file.path(), out.path(), &["--token", "first"]);
    under_way(&sim).await;
    // An administrator revokes the token while the run is under way.
    sim.set_token(Some("rotated".into()));
    let done = tokio::time::timeout(Duration::from_secs(60), run.wait_with_output())
        .await
        .expect("the run ends after the refusal")
        .unwrap();
    assert!(!done.status.success(), "a refused token ends the run with an error");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(stderr.contains("rejected the token"), "{stderr}");
    let s = accounted(out.path());
    assert_eq!(s["complete"], Value::Bool(false));
    assert!(s["stopped"].as_str().unwrap().contains("rejected the token"), "{}", s["stopped"]);
    assert!(s["rows_read"].as_u64().unwrap() < 2000, "stopped early");
    let rows = error_rows(out.path());
    assert!(rows.iter().any(|r| r.3.contains("rejected the token")), "the batch's refused rows are reported");
    sim.shutdown().await;
}
