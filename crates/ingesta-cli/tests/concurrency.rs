//! Parents are created once however many concurrent rows need them.

mod common;

use common::*;
use std::io::Write;

/// `n` rows from the sample's first data row, each with its own participant id, all in one
/// program and implementation.
fn shared_implementation_file(n: usize) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(samples().join("participaciones.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    writeln!(f, "{header}").unwrap();
    for i in 0..n {
        writeln!(f, "{}", row.replacen("P0000001", &format!("C{i:07}"), 1)).unwrap();
    }
    f
}

async fn hundred_rows_one_parent(extra: &[&str]) {
    let sim = sim().await;
    let f = shared_implementation_file(100);
    let out = tempfile::tempdir().unwrap();
    let mut args =
        vec!["--concurrency", "32", "--batch-size-initial", "100", "--batch-size-max", "100", "--fixed-batch"];
    args.extend_from_slice(extra);
    assert_success(&ingesta(&sim, f.path(), out.path(), &args).await);
    assert_eq!(count(&sim, "programas").await, 1);
    assert_eq!(count(&sim, "implementaciones").await, 1);
    assert_eq!(count(&sim, "modulos").await, 3);
    assert_eq!(count(&sim, "asistencias").await, 4);
    assert_eq!(count(&sim, "participantes").await, 100);
    assert_eq!(count(&sim, "participaciones").await, 100);
    assert_eq!(sim.request_count("POST", "programas"), 1, "single-flight: one create, no lost race");
    assert_eq!(sim.request_count("POST", "implementaciones"), 1);
    assert_eq!(summary(out.path())["rows_failed"].as_u64(), Some(0));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hundred_concurrent_rows_create_one_program_and_one_implementation() {
    hundred_rows_one_parent(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn omit_get_makes_no_parent_lookups_and_no_duplicates() {
    hundred_rows_one_parent(&["--omit-get"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn omit_get_skips_parent_lookups_but_never_participant_lookups() {
    let sim = sim().await;
    let out = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &samples().join("participaciones.csv"), out.path(), &["--omit-get"]).await);
    assert_eq!(sim.request_count("GET", "programas"), 0);
    assert_eq!(sim.request_count("GET", "implementaciones"), 0);
    assert!(sim.request_count("GET", "participantes") > 0);
    sim.shutdown().await;
}
