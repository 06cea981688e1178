//! The whole job over real HTTP against the local Strapi: the shipped 40-row sample lands
//! exactly as the CSV says, links are right, and reruns double nothing.

mod common;
#[path = "common/expect.rs"]
mod expect;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn sample_lands_exactly_as_computed_from_the_csv() {
    let sim = sim().await;
    let out = tempfile::tempdir().unwrap();
    let file = samples().join("participaciones.csv");
    let run = ingesta(&sim, &file, out.path(), &[]).await;
    assert_success(&run);
    let s = summary(out.path());
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_failed"].as_u64(), s["complete"].as_bool()),
        (Some(40), Some(0), Some(true))
    );
    // Fewest round trips: one POST per entity created, and a look-up only where the answer is
    // unknown — each program, implementation and participant once, each distinct CCT key once,
    // and never a child collection on a fresh load.
    let created: u64 = s["created"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    let posts: u64 = COLLECTIONS.iter().map(|c| sim.request_count("POST", c)).sum();
    assert_eq!(posts, created);
    let want = expect::expected_counts(&file);
    assert_eq!(sim.request_count("GET", "programas"), want["programas"]);
    assert_eq!(sim.request_count("GET", "implementaciones"), want["implementaciones"]);
    assert_eq!(sim.request_count("GET", "participantes"), want["participantes"]);
    assert_eq!(sim.request_count("GET", "ccts"), expect::distinct_cct_keys(&file));
    for c in &COLLECTIONS[2..13] {
        if *c != "participantes" {
            assert_eq!(sim.request_count("GET", c), 0, "no look-up of {c} on a fresh load");
        }
    }
    let per_row = s["api"]["requests_per_row"].as_f64().unwrap();
    let gets = s["api"]["requests"].as_u64().unwrap() - posts - sim.request_count("PUT", "asistencias");
    println!("requests per row {per_row:.2}: {posts} POSTs for {created} entities, {gets} GETs, 40 rows");
    // Counted last: counting is itself a GET per collection.
    assert_eq!(counts(&sim).await, expect::expected_counts(&file));
    assert!(error_rows(out.path()).is_empty());
    sim.shutdown().await;
}

async fn get(sim: &strapi_sim::RunningSim, path_and_query: &str) -> Value {
    reqwest::get(format!("{}{path_and_query}", sim.base_url())).await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn links_point_at_the_right_entries() {
    let sim = sim().await;
    let out = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &samples().join("participaciones.csv"), out.path(), &[]).await);
    // P0000040 has CCT 31DPR0039K (in the table); P0000001 has NA.
    let p = get(&sim, "/api/participantes?filters[id_externo][$eq]=P0000040&populate=cct").await;
    assert_eq!(p["data"][0]["cct"]["clave"], "31DPR0039K");
    let p1 = get(&sim, "/api/participantes?filters[id_externo][$eq]=P0000001&populate=cct").await;
    assert_eq!(p1["data"][0]["cct"], Value::Null);
    assert_eq!(p1["data"][0]["edad"], 44.0);
    // Its participation links participant and implementation; the implementation its program.
    let pid = p1["data"][0]["id"].as_u64().unwrap();
    let pn =
        get(&sim, &format!("/api/participaciones?filters[participante][id][$eq]={pid}&populate[0]=implementacion"))
            .await;
    assert_eq!(pn["data"][0]["implementacion"]["nombre"], "Aprendizajes Fundamentales 3");
    assert_eq!(pn["data"][0]["participa_director"], true);
    let mail = get(&sim, &format!("/api/correo-participantes?filters[participante][id][$eq]={pid}")).await;
    assert_eq!(mail["data"][0]["correo"], "maría.0@example.org");
    assert_eq!(mail["data"][0]["principal"], true);
    // First non-NA modality wins: row 1 says Virtual for asist_1 of its implementation.
    let imp = get(
        &sim,
        "/api/implementaciones?filters[nombre][$eq]=Aprendizajes%20Fundamentales%203&filters[periodo][$eq]=Oto%C3%B1o",
    )
    .await;
    let imp_id = imp["data"][0]["id"].as_u64().unwrap();
    assert_eq!(imp["data"][0]["ciclo_escolar"], "2023-2024");
    let s = get(
        &sim,
        &format!("/api/asistencias?filters[implementacion][id][$eq]={imp_id}&filters[clave_sesion][$eq]=asist_1"),
    )
    .await;
    assert_eq!(s["data"][0]["modalidad"], "Virtual");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_creates_nothing() {
    let sim = sim().await;
    let file = samples().join("participaciones.csv");
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_success(&ingesta(&sim, &file, first.path(), &[]).await);
    let after_first = counts(&sim).await;
    assert_success(&ingesta(&sim, &file, second.path(), &[]).await);
    assert_eq!(counts(&sim).await, after_first);
    let s = summary(second.path());
    let created: u64 = s["created"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(created, 0, "{}", s["created"]);
    assert_eq!(s["rows_already_complete"].as_u64(), Some(40));
    assert_eq!(s["rows_failed"].as_u64(), Some(0));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_completes_what_an_interrupted_run_left_undone() {
    let sim = sim().await;
    let file = samples().join("participaciones.csv");
    let out = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &file, out.path(), &[]).await);
    let full = counts(&sim).await;
    // Take away some of what a crash could have left unwritten: children, an email, app use.
    let client = reqwest::Client::new();
    let mut removed = 0;
    for c in [
        "participante-asistencia-registros",
        "modulo-progreso-registros",
        "correo-participantes",
        "uso-app-participantes",
    ] {
        let page = get(&sim, &format!("/api/{c}?pagination[pageSize]=3")).await;
        for e in page["data"].as_array().unwrap() {
            let url = format!("{}/api/{c}/{}", sim.base_url(), e["documentId"].as_str().unwrap());
            assert!(client.delete(url).send().await.unwrap().status().is_success());
            removed += 1;
        }
    }
    assert_ne!(counts(&sim).await, full);
    let again = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &file, again.path(), &[]).await);
    assert_eq!(counts(&sim).await, full);
    let s = summary(again.path());
    let created: u64 = s["created"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(created, removed, "exactly the missing entries are recreated");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn strapi_4_response_shapes_give_the_same_result() {
    let sim = sim_with(strapi_sim::SimConfig { strapi_version: 4, ..Default::default() }).await;
    let out = tempfile::tempdir().unwrap();
    let file = samples().join("participaciones.csv");
    assert_success(&ingesta(&sim, &file, out.path(), &[]).await);
    assert_success(&ingesta(&sim, &file, tempfile::tempdir().unwrap().path(), &[]).await);
    let want = expect::expected_counts(&file);
    let got = counts(&sim).await;
    assert_eq!(got, want);
    sim.shutdown().await;
}
