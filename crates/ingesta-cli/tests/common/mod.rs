//! Shared set-up for the end-to-end tests: a seeded local Strapi, the real `ingesta` binary, and
//! counting over HTTP the way a person would check the API.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use strapi_sim::{RunningSim, SimConfig};

pub const COLLECTIONS: [&str; 15] = [
    "programas",
    "implementaciones",
    "modulos",
    "asistencias",
    "trabajos",
    "participantes",
    "participaciones",
    "modulo-progreso-registros",
    "encuesta-completada-registros",
    "participante-asistencia-registros",
    "trabajo-realizado-registros",
    "uso-app-participantes",
    "correo-participantes",
    "ccts",
    "encuestas",
];

pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples")
}

pub async fn sim_with(config: SimConfig) -> RunningSim {
    strapi_sim::spawn(SimConfig { seed_dir: Some(samples()), ..config }, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("local Strapi starts")
}

pub async fn sim() -> RunningSim {
    sim_with(SimConfig::default()).await
}

/// Runs `ingesta run FILE --api URL --out DIR extra…` and returns its output.
pub async fn ingesta(sim: &RunningSim, file: &Path, out: &Path, extra: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .arg("run")
        .arg(file)
        .arg("--api")
        .arg(sim.base_url())
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("STRAPI_TOKEN")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("ingesta runs")
}

pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "ingesta failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `meta.pagination.total` of `GET /api/<c>?pagination[pageSize]=1`: the API's own count.
pub async fn count(sim: &RunningSim, collection: &str) -> u64 {
    let url = format!("{}/api/{collection}?pagination[pageSize]=1", sim.base_url());
    let v: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    v["meta"]["pagination"]["total"].as_u64().unwrap_or_else(|| panic!("no total for {collection}: {v}"))
}

pub async fn counts(sim: &RunningSim) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for c in COLLECTIONS {
        m.insert(c, count(sim, c).await);
    }
    m
}

pub fn summary(out_dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).expect("summary.json written")).unwrap()
}

/// The error report's rows as (row_number, id_externo, stage, error).
pub fn error_rows(out_dir: &Path) -> Vec<(u64, String, String, String)> {
    let mut r = csv::Reader::from_path(out_dir.join("errors.csv")).expect("errors.csv written");
    assert_eq!(r.headers().unwrap(), vec!["row_number", "id_externo", "email", "stage", "error"]);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].parse().unwrap(), rec[1].to_string(), rec[3].to_string(), rec[4].to_string())
        })
        .collect()
}
