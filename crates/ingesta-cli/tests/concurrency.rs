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

/// The first `GET /api/<collection>?<filter>` entry's `field`.
async fn field_of(sim: &strapi_sim::RunningSim, collection: &str, filter: &str, field: &str) -> serde_json::Value {
    let url = format!("{}/api/{collection}?{filter}", sim.base_url());
    let v: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    v["data"][0][field].clone()
}

/// Rows flow without a barrier between batches, many at once and finishing in any order (the
/// API's latency jitters); what "first" means must still be the file's order: a participant's
/// values are those of its first row, a session's modality the first one given, and the report
/// lists failed rows in row order.
#[tokio::test(flavor = "multi_thread")]
async fn without_batch_barriers_first_still_means_first_in_the_file() {
    let text = std::fs::read_to_string(samples().join("participaciones.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.split(',').position(|h| h == name).unwrap();
    let (id, age, modality, implementation) = (col("ID"), col("Edad"), col("Modalidad asist_1"), col("Implementación"));
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    writeln!(f, "{header}").unwrap();
    for i in 0..90usize {
        let mut cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        // Three participants, each on every third row; each row a different age.
        cells[id] = format!("Q{:07}", i % 3);
        cells[age] = (20 + i).to_string();
        // The first row gives no modality, the second the one to keep, later rows another.
        cells[modality] = match i {
            0 => "NA",
            1 => "Presencial",
            _ => "Virtual",
        }
        .to_string();
        if i % 29 == 28 {
            cells[implementation] = "NA".into();
        }
        writeln!(f, "{}", cells.join(",")).unwrap();
    }
    let faults = strapi_sim::FaultConfig { jitter_ms: 15, fault_seed: Some(5), ..Default::default() };
    let sim = sim_with(strapi_sim::SimConfig { faults, ..Default::default() }).await;
    let out = tempfile::tempdir().unwrap();
    let args = ["--batch-size-initial", "4", "--fixed-batch"];
    assert_success(&ingesta(&sim, f.path(), out.path(), &args).await);
    for p in 0..3u64 {
        let age = field_of(&sim, "participantes", &format!("filters[id_externo][$eq]=Q{p:07}"), "edad").await;
        assert_eq!(age, serde_json::json!(20 + p), "participant {p} keeps its first row's age");
    }
    assert_eq!(field_of(&sim, "asistencias", "filters[clave_sesion][$eq]=asist_1", "modalidad").await, "Presencial");
    let failed: Vec<u64> = error_rows(out.path()).iter().map(|r| r.0).collect();
    assert_eq!(failed, [29, 58, 87]);
    sim.shutdown().await;
}
