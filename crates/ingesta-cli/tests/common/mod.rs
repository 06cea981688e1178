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
    ingesta_at(&sim.base_url(), file, out, extra).await
}

/// [`ingesta`] against any API base URL (pass `--token` in `extra` when it needs one).
pub async fn ingesta_at<S: AsRef<std::ffi::OsStr>>(url: &str, file: &Path, out: &Path, extra: &[S]) -> Output {
    spawn_at(url, file, out, extra).wait_with_output().await.expect("ingesta runs")
}

/// `ingesta run FILE --api URL --out DIR extra…` as a child process, its output captured, for a
/// test that signals it while it runs (killed if dropped unwaited).
pub fn spawn_at<S: AsRef<std::ffi::OsStr>>(url: &str, file: &Path, out: &Path, extra: &[S]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .arg("run")
        .arg(file)
        .arg("--api")
        .arg(url)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("STRAPI_TOKEN")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("ingesta starts")
}

/// Runs `ingesta verify [FILE] --api URL --json extra…`: how it exited, and its findings.
pub async fn verify_at(url: &str, file: Option<&Path>, extra: &[&str]) -> (Output, serde_json::Value) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .arg("verify")
        .args(file)
        .args(["--api", url, "--json"])
        .args(extra)
        .env_remove("STRAPI_TOKEN")
        .env_remove("STRAPI_BASE_URL")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("ingesta runs");
    let findings = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, findings)
}

/// A verification's findings for one collection.
pub fn findings<'a>(v: &'a serde_json::Value, collection: &str) -> &'a serde_json::Value {
    v["collections"].as_array().unwrap().iter().find(|c| c["collection"] == collection).unwrap()
}

/// `ingesta verify` found every implied entity exactly once and says so.
pub fn assert_verified(out: &Output, v: &serde_json::Value) {
    assert_success(out);
    for c in v["collections"].as_array().unwrap() {
        assert_eq!((c["missing_count"].as_u64(), c["duplicated_count"].as_u64()), (Some(0), Some(0)), "{c}");
    }
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

/// A `rows`-row file made of copies of the shipped 40-row sample: copy `c` gives every
/// participant id the suffix `-c` and every implementation name the suffix ` G{c % groups}`, so
/// the file has `rows` distinct-enough rows spread over `groups` times the sample's implementations
/// (each shared by many concurrent rows). Synthetic people only, like the sample.
pub fn replicated_sample(rows: usize, groups: usize) -> tempfile::NamedTempFile {
    let mut r = csv::Reader::from_path(samples().join("participaciones.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (id, imp) = (col("ID"), col("Implementación"));
    let sample: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let mut w = csv::Writer::from_path(f.path()).unwrap();
    w.write_record(&headers).unwrap();
    for i in 0..rows {
        let copy = i / sample.len();
        let rec: Vec<String> = sample[i % sample.len()]
            .iter()
            .enumerate()
            .map(|(c, v)| match c {
                c if c == id => format!("{v}-{copy}"),
                c if c == imp => format!("{v} G{}", copy % groups.max(1)),
                _ => v.to_string(),
            })
            .collect();
        w.write_record(&rec).unwrap();
    }
    w.flush().unwrap();
    f
}

/// Schedules a switch of the simulator's faults after `after_requests` more `/api` requests
/// (`PUT /__sim/faults/next`): a point in the run fixed by request count, not by time.
pub async fn schedule_faults(sim: &RunningSim, after_requests: u64, faults: &strapi_sim::FaultConfig) {
    let body = serde_json::json!({ "after_requests": after_requests, "faults": faults });
    let res = reqwest::Client::new().put(format!("{}/__sim/faults/next", sim.base_url())).json(&body).send().await;
    let res = res.expect("admin endpoint answers");
    assert!(res.status().is_success(), "scheduling faults failed: {}", res.text().await.unwrap_or_default());
}

/// The switch still waiting (`null` once it fired).
pub async fn scheduled_faults(sim: &RunningSim) -> serde_json::Value {
    reqwest::get(format!("{}/__sim/faults/next", sim.base_url())).await.unwrap().json().await.unwrap()
}

/// `GET /__sim/stats`: requests per `"METHOD collection"` and answers per status.
pub async fn sim_stats(sim: &RunningSim) -> serde_json::Value {
    reqwest::get(format!("{}/__sim/stats", sim.base_url())).await.unwrap().json().await.unwrap()
}

/// Every `/api` request the simulator counted (faulted ones included).
pub fn total_requests(stats: &serde_json::Value) -> u64 {
    stats["requests"].as_object().map_or(0, |m| m.values().filter_map(serde_json::Value::as_u64).sum())
}
