//! The whole job against a real Strapi 5 (the pinned app of `scripts/strapi.sh`, with the CMS's
//! model from `crates/strapi-model/schema`): what lands must equal, collection by collection and
//! link by link, what the CSV says; a rerun creates nothing; bad rows are reported.
//!
//! Each test starts its own Strapi on an empty SQLite file (~15-20 s). They take turns: Strapi
//! is CPU-bound and two at once on two cores only slow each other into timeouts.

mod common;
#[path = "common/expect.rs"]
mod expect;
#[path = "common/relations.rs"]
mod relations;

use common::*;
use ingesta_testkit::strapi::{RealStrapi, TOKEN};
use relations::Api;
use serde_json::Value;
use std::path::Path;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Settings for a Strapi that spends ~10 ms of CPU per request on two shared cores: more than
/// a few requests in flight only queue.
const GENTLE: [&str; 4] = ["--concurrency", "6", "--token", TOKEN];

async fn load(strapi: &RealStrapi, file: &Path, out: &Path) -> Value {
    let ccts = samples().join("ccts.csv");
    let mut args = GENTLE.to_vec();
    args.extend(["--ccts", ccts.to_str().unwrap()]);
    let run = ingesta_at(&strapi.url, file, out, &args).await;
    assert_success(&run);
    summary(out)
}

fn created_total(s: &Value) -> u64 {
    s["created"].as_object().unwrap().values().filter_map(Value::as_u64).sum()
}

/// Loads `file` into a new Strapi and checks counts and every link against the CSV.
async fn loads_exactly(strapi: &RealStrapi, file: &Path, rows: u64) -> Api {
    let out = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let s = load(strapi, file, out.path()).await;
    println!("{rows} rows on real Strapi: {:.1} s, api {}", t.elapsed().as_secs_f64(), s["api"]);
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_failed"].as_u64(), s["complete"].as_bool()),
        (Some(rows), Some(0), Some(true)),
        "errors: {:?}",
        error_rows(out.path()).iter().take(5).collect::<Vec<_>>()
    );
    let api = Api::new(&strapi.url, Some(TOKEN));
    assert_eq!(api.counts().await, expect::expected_counts(file), "every collection, counted by Strapi");
    let want = relations::expected(file, &samples().join("ccts.csv"));
    let got = relations::actual(&api).await;
    assert!(got.duplicates.is_empty(), "natural keys held twice: {:?}", got.duplicates);
    assert_eq!(got.participant_cct, want.participant_cct, "each participant's cct");
    assert_eq!(got.implementations, want.implementations, "each implementation's program and surveys");
    assert_eq!(got.participations, want.participations, "each participation's participant and implementation");
    for k in 0..4 {
        assert_eq!(got.children[k], want.children[k], "child kind {k}: participation and module/survey/session/work");
    }
    assert_eq!(got.app_use, want.app_use);
    assert_eq!(got.emails, want.emails, "addresses, and which one is principal");
    let (out, v) = verify_at(&strapi.url, Some(file), &["--token", TOKEN]).await;
    assert_verified(&out, &v);
    let counts = expect::expected_counts(file);
    for c in v["collections"].as_array().unwrap() {
        let name = c["collection"].as_str().unwrap();
        assert_eq!(c["expected"].as_u64(), Some(counts[name]), "ingesta verify's expectation of {name}");
    }
    api
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_lands_exactly_a_rerun_creates_nothing_and_bad_rows_are_reported() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start(&samples()).await;
    let file = samples().join("participaciones.csv");
    let api = loads_exactly(&strapi, &file, 40).await;
    let before = api.counts().await;

    let again = tempfile::tempdir().unwrap();
    let s = load(&strapi, &file, again.path()).await;
    assert_eq!(created_total(&s), 0, "a rerun creates nothing: {}", s["created"]);
    assert_eq!(s["rows_failed"].as_u64(), Some(0));
    assert_eq!(api.counts().await, before);

    let edge = tempfile::tempdir().unwrap();
    let s = load(&strapi, &samples().join("participaciones_edge.csv"), edge.path()).await;
    let rows: Vec<(u64, String)> = error_rows(edge.path()).into_iter().map(|r| (r.0, r.2)).collect();
    assert_eq!(rows, [(1, "validation".into()), (2, "validation".into()), (4, "read".into())]);
    assert_eq!((s["rows_read"].as_u64(), s["rows_succeeded"].as_u64()), (Some(5), Some(2)));
    let (out, v) = verify_at(&strapi.url, Some(&samples().join("participaciones_edge.csv")), &["--token", TOKEN]).await;
    assert_verified(&out, &v);
    assert_eq!((v["rows"]["read"].as_u64(), v["rows"]["valid"].as_u64()), (Some(5), Some(2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_500_row_file_lands_exactly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start(&samples()).await;
    let file = replicated_sample(500, 4);
    loads_exactly(&strapi, file.path(), 500).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forced_timeouts_then_a_clean_rerun_leave_every_entity_exactly_once() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start(&samples()).await;
    let file = samples().join("participaciones.csv");
    let ccts = samples().join("ccts.csv");
    // Timeouts shorter than Strapi's own latency under this load: many POSTs time out on our side
    // and commit on the server anyway. Each is looked up before it is sent again.
    let out = tempfile::tempdir().unwrap();
    let hurried = [
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
    let s = load(&strapi, &file, again.path()).await;
    assert_eq!(s["rows_failed"].as_u64(), Some(0), "{:?}", error_rows(again.path()));
    let api = Api::new(&strapi.url, Some(TOKEN));
    let got = relations::actual(&api).await;
    assert!(got.duplicates.is_empty(), "natural keys held twice: {:?}", got.duplicates);
    assert_eq!(api.counts().await, expect::expected_counts(&file));
    assert_eq!(got, relations::expected(&file, &ccts));
    let (out, v) = verify_at(&strapi.url, None, &["--token", TOKEN]).await;
    assert_verified(&out, &v);
}
