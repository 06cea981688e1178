//! The CMS's data model is the contract: a CMS whose model lacks a field we write stops the
//! file before any write, a value the model cannot take fails its row (never a 400), a CMS that
//! will not describe its model is checked against the bundled one with a warning, and
//! `ingesta check --api` tells a data team all this before they upload anything.

mod common;

use common::*;
use serde_json::Value;
use strapi_sim::SimConfig;

/// The bundled model with `field` removed from `file` (a schema file name).
fn model_without(file: &str, field: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(strapi_model::SCHEMA_DIR).unwrap() {
        let path = entry.unwrap().path();
        let mut schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if path.file_name().unwrap() == file {
            schema["attributes"].as_object_mut().unwrap().remove(field).expect("the field exists");
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), serde_json::to_vec(&schema).unwrap()).unwrap();
    }
    dir
}

fn posts(sim: &strapi_sim::RunningSim) -> u64 {
    COLLECTIONS.iter().map(|c| sim.request_count("POST", c) + sim.request_count("PUT", c)).sum()
}

async fn check_api(url: &str) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .args(["check", "--api", url])
        .env_remove("STRAPI_TOKEN")
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cms_without_a_field_we_write_stops_the_file_before_any_write() {
    let model = model_without("participante.json", "sexo");
    let sim = sim_with(SimConfig { schema_dir: Some(model.path().into()), ..Default::default() }).await;
    let out = tempfile::tempdir().unwrap();
    let run = ingesta(&sim, &samples().join("participaciones.csv"), out.path(), &[]).await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "the run must fail");
    assert!(stderr.contains("participantes has no field 'sexo' (we would send text)"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(posts(&sim), 0, "no write reached the CMS");
    assert!(!out.path().join("summary.json").exists());

    let check = check_api(&sim.base_url()).await;
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(!check.status.success());
    assert!(stdout.contains("does NOT fit") && stdout.contains("participantes has no field 'sexo'"), "{stdout}");
    assert!(stdout.contains("participantes.sexo: missing in the CMS"), "{stdout}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check_api_says_the_bundled_model_fits_the_simulator() {
    let sim = sim().await;
    let check = check_api(&sim.base_url()).await;
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{stdout}");
    assert!(stdout.contains("model read from the CMS") && stdout.contains("fits:"), "{stdout}");
    assert!(!stdout.contains("differences"), "{stdout}");
    assert_eq!(posts(&sim), 0, "a check is read-only");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cms_that_hides_its_model_is_checked_against_the_bundled_one_with_a_warning() {
    let sim = sim_with(SimConfig { model_endpoint: false, ..Default::default() }).await;
    let out = tempfile::tempdir().unwrap();
    let run = ingesta(&sim, &samples().join("participaciones.csv"), out.path(), &[]).await;
    assert_success(&run);
    let s = summary(out.path());
    assert_eq!((s["rows_read"].as_u64(), s["rows_failed"].as_u64()), (Some(40), Some(0)));
    let warnings: Vec<&str> = s["warnings"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let fallback: Vec<&&str> = warnings.iter().filter(|w| w.contains("cannot read the CMS's data model")).collect();
    assert_eq!(fallback.len(), 1, "one warning: {warnings:?}");
    assert!(fallback[0].contains("HTTP 404"), "{fallback:?}");
    sim.shutdown().await;
}

fn csv_with(rows: &[(&str, &str)]) -> tempfile::NamedTempFile {
    let mut text = String::from("ID,Programa,Implementación,Ciclo escolar,Periodo de implementación,Edad\n");
    for (id, edad) in rows {
        text.push_str(&format!("{id},Prog,Impl,2024-2025,Otoño,{edad}\n"));
    }
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_the_model_cannot_take_fails_its_row_and_is_never_sent() {
    let sim = sim().await;
    let file = csv_with(&[("A1", "44"), ("A2", "44.5"), ("A3", "cuarenta"), ("A4", "NA")]);
    let out = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, file.path(), out.path(), &[]).await);
    let rows = error_rows(out.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (row, id, stage, error) = &rows[0];
    assert_eq!((*row, id.as_str(), stage.as_str()), (2, "A2", "participantes"));
    assert_eq!(
        error,
        "not sent, the value does not fit the CMS's model: participantes.edad: a fractional number cannot be \
         stored in the CMS's integer field"
    );
    assert_eq!(count(&sim, "participantes").await, 3, "a word is no number (null), NA is null");
    let stats = sim_stats(&sim).await;
    assert_eq!(stats["status"]["400"], Value::Null, "the CMS never answered 400: {stats}");
    sim.shutdown().await;
}
