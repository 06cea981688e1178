//! CCT look-up modes end to end: a preloaded table and on-demand look-ups leave the API in the
//! same state, and a table that cannot be used costs a warning, never the run.

mod common;
#[path = "common/expect.rs"]
mod expect;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Participants keyed by `id_externo`, without what differs between two servers (ids assigned in
/// arrival order, timestamps). The `cct` link stays: the seeded CCT ids are the same in both.
fn participants(sim: &strapi_sim::RunningSim) -> BTreeMap<String, Value> {
    sim.entries("participantes")
        .into_iter()
        .map(|mut e| {
            let o = e.as_object_mut().unwrap();
            for volatile in ["id", "documentId", "createdAt", "updatedAt", "publishedAt"] {
                o.remove(volatile);
            }
            (o["id_externo"].as_str().unwrap().to_string(), e)
        })
        .collect()
}

async fn run(file: &Path, extra: &[&str]) -> (strapi_sim::RunningSim, Value, String) {
    let sim = sim().await;
    let out = tempfile::tempdir().unwrap();
    let run = ingesta(&sim, file, out.path(), extra).await;
    assert_success(&run);
    (sim, summary(out.path()), String::from_utf8_lossy(&run.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn preload_and_on_demand_leave_the_same_api_state() {
    let file = samples().join("participaciones.csv");
    let table = samples().join("ccts.csv");
    let table = table.to_str().unwrap();
    let (pre, pre_summary, _) = run(&file, &["--cct-mode", "preload", "--ccts", table]).await;
    let (ond, ond_summary, _) = run(&file, &["--cct-mode", "ondemand", "--ccts", table]).await;
    assert_eq!(pre_summary["cct"]["mode"], "preload");
    assert_eq!(ond_summary["cct"]["mode"], "ondemand");
    assert_eq!(pre.request_count("GET", "ccts"), 0, "a preloaded table needs no CCT request");
    assert_eq!(ond.request_count("GET", "ccts"), expect::distinct_cct_keys(&file), "one GET per distinct key");
    let linked = participants(&pre).values().filter(|p| !p["cct"].is_null()).count();
    assert!(linked > 0, "some participants link a CCT");
    assert_eq!(participants(&pre), participants(&ond));
    assert_eq!(counts(&pre).await, counts(&ond).await);
    assert_eq!(counts(&pre).await, expect::expected_counts(&file));
    assert_eq!(pre_summary["cct"]["found"], ond_summary["cct"]["found"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_preloads_the_sample_table_and_reports_why() {
    let file = samples().join("participaciones.csv");
    let (sim, s, log) = run(&file, &["--ccts", samples().join("ccts.csv").to_str().unwrap()]).await;
    let choice = &s["cct"]["choice"];
    assert_eq!(s["cct"]["mode"], "preload", "{choice}");
    assert_eq!((choice["requested"].as_str(), choice["table_rows"].as_u64()), (Some("auto"), Some(60)));
    assert!(choice["reason"].as_str().unwrap().contains("fits the budget"), "{choice}");
    assert!(log.contains("CCT look-up chosen") && log.contains("estimate_mb"), "{log}");
    assert_eq!(s["cct"]["hit_rate"], 1.0);
    assert_eq!(sim.request_count("GET", "ccts"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_table_falls_back_to_on_demand_with_a_warning() {
    let file = samples().join("participaciones.csv");
    let dir = tempfile::tempdir().unwrap();
    let malformed = dir.path().join("ccts.csv");
    std::fs::write(&malformed, "school;key\n1;31DPR0000A\n").unwrap();
    let missing = dir.path().join("absent.csv");
    for (table, why) in [(&malformed, "needs columns id and clave"), (&missing, "does not exist")] {
        let (sim, s, log) = run(&file, &["--cct-mode", "preload", "--ccts", table.to_str().unwrap()]).await;
        assert_eq!(s["cct"]["mode"], "ondemand");
        let warning = s["warnings"][0].as_str().unwrap_or_default();
        assert!(warning.contains(why) && warning.contains("on demand"), "{}", s["warnings"]);
        assert!(log.contains("WARN") && log.contains(why), "{log}");
        assert_eq!(s["rows_failed"], 0);
        assert_eq!(counts(&sim).await, expect::expected_counts(&file));
    }
}
