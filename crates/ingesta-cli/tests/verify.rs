//! `ingesta verify` (#12): read-only; after a clean load it finds every entity the file implies
//! exactly once (its expectation equal to an independent count of the CSV, pages past
//! Strapi's 100); after tampering it names the missing key with its row and the doubled key
//! with every id; without a file it lists duplicates anywhere. Real Strapi: tests/real_strapi.rs.

mod common;
#[path = "common/expect.rs"]
mod expect;

use common::*;
use serde_json::{json, Value};
use strapi_sim::SimConfig;

/// Requests that change something, per `GET /__sim/stats`.
fn writes(stats: &Value) -> u64 {
    let requests = stats["requests"].as_object().unwrap();
    requests.iter().filter(|(k, _)| !k.starts_with("GET")).filter_map(|(_, v)| v.as_u64()).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_load_verifies_and_a_missing_or_doubled_entity_is_named() {
    // As real Strapi: no composite unique keys, so a second participation can be created.
    let sim = sim_with(SimConfig { composite_keys: false, ..Default::default() }).await;
    let file = samples().join("participaciones.csv");
    let out = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &file, out.path(), &[]).await);

    let before = writes(&sim_stats(&sim).await);
    let (run, v) = verify_at(&sim.base_url(), Some(&file), &[]).await;
    assert_verified(&run, &v);
    let want = expect::expected_counts(&file);
    for c in v["collections"].as_array().unwrap() {
        let name = c["collection"].as_str().unwrap();
        assert_eq!((c["expected"].as_u64(), c["entries"].as_u64()), (Some(want[name]), Some(want[name])), "{name}");
    }
    assert!(want["asistencias"] > 100, "the sample no longer pages: {want:?}");

    // One attendance record lost, one participation doubled.
    let http = reqwest::Client::new();
    let lost = sim.entries("participante-asistencia-registros")[57].clone();
    let (part_id, session_id) = (lost["participacion"].as_u64().unwrap(), lost["asistencia"].as_u64().unwrap());
    let doc = lost["documentId"].as_str().unwrap();
    let url = format!("{}/api/participante-asistencia-registros/{doc}", sim.base_url());
    assert!(http.delete(url).send().await.unwrap().status().is_success());
    let part = sim.entries("participaciones").into_iter().find(|p| p["id"] == part_id).unwrap();
    let person = sim.entries("participantes").into_iter().find(|p| p["id"] == part["participante"]).unwrap();
    let person = person["id_externo"].as_str().unwrap().to_string();
    let session = sim.entries("asistencias").into_iter().find(|s| s["id"] == session_id).unwrap();
    let session = session["clave_sesion"].as_str().unwrap().to_string();
    let data = json!({ "data": { "participante": part["participante"], "implementacion": part["implementacion"] } });
    let res = http.post(format!("{}/api/participaciones", sim.base_url())).json(&data).send().await.unwrap();
    let double: Value = res.json().await.unwrap();
    let double = double["data"]["id"].as_u64().expect("the second participation was created");
    let writes_done = writes(&sim_stats(&sim).await);
    assert_eq!(writes_done, before + 2, "ingesta verify wrote nothing");

    let (run, v) = verify_at(&sim.base_url(), Some(&file), &[]).await;
    assert!(!run.status.success(), "verify must fail: {v}");
    let missing = &findings(&v, "participante-asistencia-registros")["missing"];
    assert_eq!(missing.as_array().unwrap().len(), 1, "{missing}");
    let (row, key) = (missing[0]["row"].as_u64().unwrap(), missing[0]["key"].as_str().unwrap());
    assert!(
        key.contains(&format!("participant {person} in")) && key.ends_with(&format!("asistencia {session}")),
        "{key}"
    );
    let (mut csv, headers) = expect::open(&file);
    let record = csv.records().nth(row as usize - 1).unwrap().unwrap();
    assert_eq!(record[expect::column(&headers, "ID")].trim(), person, "row {row} is the participant's");
    let doubled = &findings(&v, "participaciones")["duplicated"];
    assert_eq!(
        doubled,
        &json!([{ "key": format!("participant {person} in implementacion {}", part["implementacion"]), "ids": [part_id, double] }])
    );
    let off: u64 = v["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["missing_count"].as_u64().unwrap() + c["duplicated_count"].as_u64().unwrap())
        .sum();
    assert_eq!(off, 2, "nothing else is off: {v}");

    // Without a file: the duplicate, found anywhere in the CMS; a lost record is not its business.
    let (run, v) = verify_at(&sim.base_url(), None, &[]).await;
    assert!(!run.status.success());
    assert_eq!(&findings(&v, "participaciones")["duplicated"][0]["ids"], &json!([part_id, double]));
    assert!(v["collections"].as_array().unwrap().iter().all(|c| c["missing_count"] == 0), "{v}");
    assert_eq!(writes(&sim_stats(&sim).await), writes_done, "ingesta verify wrote nothing");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_human_report_says_what_is_off_and_exits_non_zero() {
    let sim = sim().await;
    let file = samples().join("participaciones.csv");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .arg("verify")
        .arg(&file)
        .args(["--api", &sim.base_url()])
        .env_remove("STRAPI_TOKEN")
        .output()
        .await
        .unwrap();
    // Nothing was loaded: every implied entity is missing, and the first rows are named.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("missing     participantes: row 1: participant "), "{stdout}");
    assert!(stdout.contains("NOT OK: "), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing and 0 duplicated"));
    sim.shutdown().await;
}
