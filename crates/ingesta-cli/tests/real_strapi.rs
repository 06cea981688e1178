//! The whole job against a real Strapi 5 (the pinned app of `scripts/strapi.sh`, with the CMS's
//! model from `crates/strapi-model/schema`): what lands must equal, collection by collection and
//! link by link, what the CSV says; a rerun creates nothing; bad rows are reported.
//!
//! The same checks run on both databases (SQLite, and PostgreSQL as Strapi recommends for
//! production) and both write paths (REST, and the bulk path of ingesta's Strapi plugin). Each
//! test starts its own Strapi on an empty database (~10-20 s). They take turns: Strapi is
//! CPU-bound and two at once on two cores only slow each other into timeouts.

mod common;
#[path = "common/expect.rs"]
mod expect;
#[path = "common/landed.rs"]
mod landed;
#[path = "common/relations.rs"]
mod relations;

use common::*;
use ingesta_testkit::strapi::{Database, RealStrapi, TOKEN};
use relations::Api;
use serde_json::Value;
use std::path::Path;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Settings for a Strapi that spends ~10 ms of CPU per request on two shared cores: more than
/// a few requests in flight only queue.
const GENTLE: [&str; 4] = ["--concurrency", "6", "--token", TOKEN];

async fn load(strapi: &RealStrapi, file: &Path, out: &Path, path: &str) -> Value {
    let ccts = samples().join("ccts.csv");
    let mut args = GENTLE.to_vec();
    args.extend(["--ccts", ccts.to_str().unwrap(), "--write-path", path]);
    let run = ingesta_at(&strapi.url, file, out, &args).await;
    assert_success(&run);
    let s = summary(out);
    assert_eq!(s["write_path"].as_str(), Some(path), "the path asked for is the path taken");
    s
}

fn created_total(s: &Value) -> u64 {
    s["created"].as_object().unwrap().values().filter_map(Value::as_u64).sum()
}

/// Loads `file` into a new Strapi and checks counts and every link against the CSV.
async fn loads_exactly(strapi: &RealStrapi, file: &Path, rows: u64, path: &str) -> Api {
    let out = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let s = load(strapi, file, out.path(), path).await;
    println!(
        "{rows} rows on real Strapi ({:?}, {path}): {:.1} s, api {}",
        strapi.database_kind(),
        t.elapsed().as_secs_f64(),
        s["api"]
    );
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_failed"].as_u64(), s["complete"].as_bool()),
        (Some(rows), Some(0), Some(true)),
        "errors: {:?}",
        error_rows(out.path()).iter().take(5).collect::<Vec<_>>()
    );
    landed::assert_landed(&strapi.url, TOKEN, file).await;
    Api::new(&strapi.url, Some(TOKEN))
}

/// The sample lands exactly, a rerun creates nothing, and the edge file's bad rows are reported.
async fn sample_rerun_and_edge_rows(database: Database, path: &str) -> RealStrapi {
    let strapi = RealStrapi::start_on(&samples(), database).await;
    let file = samples().join("participaciones.csv");
    let api = loads_exactly(&strapi, &file, 40, path).await;
    let before = api.counts().await;

    let again = tempfile::tempdir().unwrap();
    let s = load(&strapi, &file, again.path(), path).await;
    assert_eq!(created_total(&s), 0, "a rerun creates nothing: {}", s["created"]);
    assert_eq!(s["rows_failed"].as_u64(), Some(0));
    assert_eq!(s["rows_already_complete"].as_u64(), Some(40));
    assert_eq!(api.counts().await, before);

    let edge = tempfile::tempdir().unwrap();
    let s = load(&strapi, &samples().join("participaciones_edge.csv"), edge.path(), path).await;
    let rows: Vec<(u64, String)> = error_rows(edge.path()).into_iter().map(|r| (r.0, r.2)).collect();
    assert_eq!(rows, [(1, "validation".into()), (2, "validation".into()), (4, "read".into())]);
    assert_eq!((s["rows_read"].as_u64(), s["rows_succeeded"].as_u64()), (Some(5), Some(2)));
    let (out, v) = verify_at(&strapi.url, Some(&samples().join("participaciones_edge.csv")), &["--token", TOKEN]).await;
    assert_verified(&out, &v);
    assert_eq!((v["rows"]["read"].as_u64(), v["rows"]["valid"].as_u64()), (Some(5), Some(2)));
    strapi
}

/// A 500-row file of many implementations, each shared by many rows in flight, lands exactly.
async fn generated_500_rows(database: Database, path: &str) {
    let strapi = RealStrapi::start_on(&samples(), database).await;
    let file = replicated_sample(500, 4);
    loads_exactly(&strapi, file.path(), 500, path).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_rest_the_sample_lands_exactly_a_rerun_creates_nothing_and_bad_rows_are_reported() {
    let _turn = ONE_AT_A_TIME.lock().await;
    sample_rerun_and_edge_rows(Database::Sqlite, "rest").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_bulk_the_sample_lands_exactly_a_rerun_creates_nothing_and_bad_rows_are_reported() {
    let _turn = ONE_AT_A_TIME.lock().await;
    sample_rerun_and_edge_rows(Database::Sqlite, "bulk").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_bulk_the_sample_lands_exactly_a_rerun_creates_nothing_and_bad_rows_are_reported() {
    let _turn = ONE_AT_A_TIME.lock().await;
    sample_rerun_and_edge_rows(Database::Postgres, "bulk").await;
}

/// REST on PostgreSQL; then the bulk path over what REST wrote: every entity is found and
/// adopted into the plugin's ledger, none is written twice.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_rest_the_sample_lands_exactly_and_the_bulk_path_adopts_what_rest_wrote() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = sample_rerun_and_edge_rows(Database::Postgres, "rest").await;
    let api = Api::new(&strapi.url, Some(TOKEN));
    let before = api.counts().await;
    let file = samples().join("participaciones.csv");
    let out = tempfile::tempdir().unwrap();
    let s = load(&strapi, &file, out.path(), "bulk").await;
    assert_eq!(created_total(&s), 0, "bulk over REST's entities creates nothing: {}", s["created"]);
    assert_eq!(api.counts().await, before);
    let (out, v) = verify_at(&strapi.url, None, &["--token", TOKEN]).await;
    assert_verified(&out, &v);
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_rest_a_generated_500_row_file_lands_exactly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    generated_500_rows(Database::Sqlite, "rest").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_bulk_a_generated_500_row_file_lands_exactly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    generated_500_rows(Database::Sqlite, "bulk").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_bulk_a_generated_500_row_file_lands_exactly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    generated_500_rows(Database::Postgres, "bulk").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_rest_forced_timeouts_then_a_clean_rerun_leave_every_entity_exactly_once() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start_on(&samples(), Database::Sqlite).await;
    let file = samples().join("participaciones.csv");
    let ccts = samples().join("ccts.csv");
    // Timeouts shorter than Strapi's own latency under this load: many POSTs time out on our side
    // and commit on the server anyway. Each is looked up before it is sent again.
    let out = tempfile::tempdir().unwrap();
    let hurried = [
        "--write-path",
        "rest",
        "--concurrency",
        "6",
        "--token",
        TOKEN,
        "--ccts",
        ccts.to_str().unwrap(),
        "--request-timeout-ms",
        "50",
        "--max-retries",
        "10",
        "--backoff-base-ms",
        "50",
        "--circuit-failure-threshold",
        "1000",
    ];
    assert_success(&ingesta_at(&strapi.url, &file, out.path(), &hurried).await);
    let s = summary(out.path());
    println!("hurried run: api {}, rows_failed {}", s["api"], s["rows_failed"]);
    assert!(s["api"]["verifications"].as_u64().unwrap() > 0, "no timeout was forced: {}", s["api"]);

    let again = tempfile::tempdir().unwrap();
    let s = load(&strapi, &file, again.path(), "rest").await;
    assert_eq!(s["rows_failed"].as_u64(), Some(0), "{:?}", error_rows(again.path()));
    let api = Api::new(&strapi.url, Some(TOKEN));
    let got = relations::actual(&api).await;
    assert!(got.duplicates.is_empty(), "natural keys held twice: {:?}", got.duplicates);
    assert_eq!(api.counts().await, expect::expected_counts(&file));
    assert_eq!(got, relations::expected(&file, &ccts));
    let (out, v) = verify_at(&strapi.url, None, &["--token", TOKEN]).await;
    assert_verified(&out, &v);
}
