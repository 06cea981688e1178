//! The bulk path's promise where REST cannot keep it: on a real Strapi 5 on PostgreSQL (many
//! connections, Strapi's `unique` only an application check), whoever writes and whatever dies,
//! every natural key is held once and no row is half written. Also how the path is chosen when
//! the plugin or the token's right to it is missing.
//!
//! Points in a run are found by polling the database (a condition), never by waiting a while.

mod common;
#[path = "common/expect.rs"]
mod expect;
#[path = "common/landed.rs"]
mod landed;
#[path = "common/relations.rs"]
mod relations;

use common::*;
use ingesta_testkit::strapi::{Database, RealStrapi, TOKEN};
use landed::{assert_landed, prefix};
use relations::Api;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::process::Child;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Rows per batch (fixed): each batch is one request and one transaction, far below the plugin's
/// limits, so that a file is many transactions.
const BATCH: usize = 25;

fn bulk_args(ccts: &Path, token: &str) -> Vec<String> {
    let batch = BATCH.to_string();
    [
        "--write-path",
        "bulk",
        "--token",
        token,
        "--ccts",
        ccts.to_str().unwrap(),
        "--fixed-batch",
        "--batch-size-initial",
        &batch,
        "--batch-size-min",
        &batch,
        "--batch-size-max",
        &batch,
    ]
    .map(String::from)
    .to_vec()
}

/// Polls `sql` (one number) on the server's database until `until` holds; returns the number.
async fn poll(strapi: &RealStrapi, sql: &str, until: impl Fn(u64) -> bool) -> u64 {
    let started = Instant::now();
    loop {
        let n: u64 = strapi.pg_query(sql).parse().unwrap_or(0);
        if until(n) {
            return n;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "never reached ({sql}: {n})");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn kill_9(child: &Child) {
    let pid = child.id().expect("still running") as libc::pid_t;
    assert!(pid > 1);
    // SAFETY: a positive pid of our own child, not yet reaped.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

fn created_total(s: &Value) -> u64 {
    s["created"].as_object().unwrap().values().filter_map(Value::as_u64).sum()
}

/// Runs ingesta, which must fail before writing anything; returns what it printed.
async fn refused_before_writing(strapi: &RealStrapi, file: &Path, args: &[String]) -> String {
    let api = Api::new(&strapi.url, Some(TOKEN));
    let before = api.counts().await;
    let out = tempfile::tempdir().unwrap();
    let refused = ingesta_at(&strapi.url, file, out.path(), args).await;
    assert!(!refused.status.success());
    assert_eq!(api.counts().await, before, "nothing written");
    String::from_utf8_lossy(&refused.stderr).into_owned()
}

/// The committed batches' rows (each row is one participation).
const PARTICIPATIONS: &str = "select count(*) from participaciones";

#[tokio::test(flavor = "multi_thread")]
async fn two_bulk_runs_of_one_file_started_together_hold_every_key_once() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start_on(&samples(), Database::Postgres).await;
    let file = replicated_sample(400, 4);
    let args = bulk_args(&samples().join("ccts.csv"), TOKEN);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = spawn_at(&strapi.url, file.path(), a.path(), &args);
    let second = spawn_at(&strapi.url, file.path(), b.path(), &args);
    let (first, second) = tokio::join!(first.wait_with_output(), second.wait_with_output());
    assert_success(&first.unwrap());
    assert_success(&second.unwrap());
    let (sa, sb) = (summary(a.path()), summary(b.path()));
    for s in [&sa, &sb] {
        assert_eq!((s["write_path"].as_str(), s["rows_failed"].as_u64()), (Some("bulk"), Some(0)), "{s}");
    }
    // Each entity was created by exactly one of the two runs. (The one ahead usually creates
    // everything: the other waits on the ledger's index, then finds each key taken.)
    let expected = expect::expected_counts(file.path());
    let created = |s: &Value, c: &str| s["created"][c].as_u64().unwrap_or(0);
    for c in sa["created"].as_object().unwrap().keys().chain(sb["created"].as_object().unwrap().keys()) {
        assert_eq!(created(&sa, c) + created(&sb, c), expected[c.as_str()], "{c} created by the two runs together");
    }
    println!("created {} by one run, {} by the other", created_total(&sa), created_total(&sb));
    assert!(created_total(&sa) + created_total(&sb) > 0, "nothing created");
    assert_landed(&strapi.url, TOKEN, file.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_9_of_ingesta_mid_run_then_a_rerun_gives_the_exact_counts() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start_on(&samples(), Database::Postgres).await;
    let file = replicated_sample(400, 4);
    let args = bulk_args(&samples().join("ccts.csv"), TOKEN);
    let out = tempfile::tempdir().unwrap();
    let run = spawn_at(&strapi.url, file.path(), out.path(), &args);
    let landed = poll(&strapi, PARTICIPATIONS, |n| n >= 2 * BATCH as u64).await;
    kill_9(&run);
    let killed = run.wait_with_output().await.unwrap();
    assert!(!killed.status.success());
    println!("killed ingesta with {landed} rows committed");
    assert!(landed < 400, "the run had finished before the kill");

    let again = tempfile::tempdir().unwrap();
    let rerun = ingesta_at(&strapi.url, file.path(), again.path(), &args).await;
    assert_success(&rerun);
    let s = summary(again.path());
    assert_eq!((s["rows_failed"].as_u64(), s["complete"].as_bool()), (Some(0), Some(true)), "{s}");
    assert!(s["rows_already_complete"].as_u64().unwrap() >= landed, "{s}");
    assert_landed(&strapi.url, TOKEN, file.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn strapi_killed_mid_batch_leaves_whole_batches_only_and_a_rerun_completes_them() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let mut strapi = RealStrapi::start_on(&samples(), Database::Postgres).await;
    let file = replicated_sample(400, 4);
    let args = bulk_args(&samples().join("ccts.csv"), TOKEN);
    let out = tempfile::tempdir().unwrap();
    let run = spawn_at(&strapi.url, file.path(), out.path(), &args);
    poll(&strapi, PARTICIPATIONS, |n| n >= BATCH as u64).await;
    // A write transaction of Strapi's open now: the batch being written.
    let open = "select count(*) from pg_stat_activity where datname = current_database() \
                and backend_xid is not null and pid <> pg_backend_pid()";
    poll(&strapi, open, |n| n > 0).await;
    strapi.kill_now();
    // Nothing more may be written once the server is back.
    kill_9(&run);
    run.wait_with_output().await.unwrap();
    let committed = strapi.pg_query(PARTICIPATIONS).parse::<usize>().unwrap();
    let keys = strapi.pg_query("select count(*) from ingesta_keys where collection = 'participaciones'");
    println!("Strapi killed with {committed} rows committed");
    assert_eq!(committed % BATCH, 0, "a batch written in part: {committed} rows");
    assert!(committed < 400, "the run had finished before the kill");
    assert_eq!(keys.parse::<usize>().unwrap(), committed, "the ledger and the entities committed together");
    strapi.restart().await;
    // Exactly the first batches, every entity and link of theirs, nothing of the next one.
    let first = prefix(file.path(), committed);
    assert_landed(&strapi.url, TOKEN, first.path()).await;

    let again = tempfile::tempdir().unwrap();
    assert_success(&ingesta_at(&strapi.url, file.path(), again.path(), &args).await);
    assert_eq!(summary(again.path())["rows_already_complete"].as_u64(), Some(committed as u64));
    assert_landed(&strapi.url, TOKEN, file.path()).await;
}

/// A CMS without the plugin: `auto` says why it writes over REST; `bulk` stops before any write.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_plugin_auto_falls_back_to_rest_and_bulk_stops_before_writing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start_without_plugin(&samples(), Database::Postgres).await;
    let file = samples().join("participaciones.csv");
    let ccts = samples().join("ccts.csv");
    let mut args = bulk_args(&ccts, TOKEN);
    let stderr = refused_before_writing(&strapi, &file, &args).await;
    assert!(stderr.contains("WRITE_PATH (--write-path) is bulk, but the API has no ingesta plugin"), "{stderr}");

    args[1] = "auto".into();
    let out = tempfile::tempdir().unwrap();
    let run = ingesta_at(&strapi.url, &file, out.path(), &args).await;
    assert_success(&run);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let chosen: Vec<&str> = stderr.lines().filter(|l| l.contains("write path chosen")).collect();
    assert_eq!(chosen.len(), 1, "{stderr}");
    assert!(chosen[0].contains("write_path=\"rest\""), "{}", chosen[0]);
    assert!(chosen[0].contains("no ingesta plugin"), "{}", chosen[0]);
    assert_eq!(summary(out.path())["write_path"], "rest");
    assert_landed(&strapi.url, TOKEN, &file).await;
}

/// A token with only the plugin's rights (and the reads ingesta needs) loads through it; a
/// read-only token is refused before any write.
#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_only_token_loads_and_a_read_only_token_is_refused_before_writing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let strapi = RealStrapi::start_on(&samples(), Database::Postgres).await;
    let file = samples().join("participaciones.csv");
    let ccts = samples().join("ccts.csv");
    let read_only = format!("{TOKEN}-read-only");
    let stderr = refused_before_writing(&strapi, &file, &bulk_args(&ccts, &read_only)).await;
    assert!(stderr.contains("the token may not use the ingesta plugin"), "{stderr}");
    assert!(!stderr.contains(&read_only), "the token itself is never printed: {stderr}");

    let out = tempfile::tempdir().unwrap();
    let bulk_only = format!("{TOKEN}-bulk-only");
    assert_success(&ingesta_at(&strapi.url, &file, out.path(), &bulk_args(&ccts, &bulk_only)).await);
    let s = summary(out.path());
    assert_eq!((s["write_path"].as_str(), s["rows_failed"].as_u64()), (Some("bulk"), Some(0)), "{s}");
    assert_landed(&strapi.url, TOKEN, &file).await;
}
