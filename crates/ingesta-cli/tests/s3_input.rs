//! The CLI on AWS: an `s3://` input and a CCT table streamed from a local S3 (moto's server on
//! loopback), metrics through the real CloudWatch SDK to a capture endpoint, and `ingesta check`.

mod common;
#[path = "common/expect.rs"]
mod expect;

use common::*;
use ingesta_testkit::{capture, Moto};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const BUCKET: &str = "ingesta-cli";

/// Environment variables for one command.
type Env<'a> = [(&'a str, &'a str)];

async fn local_s3() -> (Moto, aws_sdk_s3::Client) {
    let moto = ingesta_testkit::moto();
    let s3 = ingesta_testkit::s3_with_bucket(&moto, BUCKET).await;
    (moto, s3)
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, file: &Path) -> String {
    ingesta_testkit::put_file(s3, BUCKET, key, file).await;
    format!("s3://{BUCKET}/{key}")
}

/// Runs `ingesta ARGS…` in `cwd` with test credentials, nothing from this machine's AWS set-up,
/// and `env` on top.
async fn ingesta_aws(args: &[&str], cwd: &Path, env: &Env<'_>) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"));
    cmd.args(args).current_dir(cwd);
    for var in ["STRAPI_TOKEN", "RUST_LOG", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "METRICS_MODE"] {
        cmd.env_remove(var);
    }
    let missing = cwd.join("no-aws-config");
    cmd.env("AWS_CONFIG_FILE", &missing).env("AWS_SHARED_CREDENTIALS_FILE", &missing);
    cmd.env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_REGION", "us-east-1");
    cmd.env("AWS_ACCESS_KEY_ID", "test").env("AWS_SECRET_ACCESS_KEY", "test");
    cmd.envs(env.iter().copied());
    cmd.output().await.expect("ingesta runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_s3_object_lands_the_same_entities_as_the_local_file() {
    let file = samples().join("participaciones.csv");
    let (moto, s3) = local_s3().await;
    let url = put(&s3, "incoming/participaciones.csv", &file).await;

    let (local, local_out) = (sim().await, tempfile::tempdir().unwrap());
    assert_success(&ingesta(&local, &file, local_out.path(), &[]).await);

    let (remote, cwd) = (sim().await, tempfile::tempdir().unwrap());
    let args = ["run", &url, "--api", &remote.base_url()];
    assert_success(&ingesta_aws(&args, cwd.path(), &[("S3_ENDPOINT_URL", &moto.url)]).await);
    // The reports stay local, named after the key's file name.
    let s = summary(&cwd.path().join("reports/participaciones"));
    assert_eq!(s["input"], url.as_str());
    assert_eq!((s["rows_read"].as_u64(), s["rows_failed"].as_u64()), (Some(40), Some(0)), "{s}");
    assert_eq!(counts(&remote).await, counts(&local).await);
    assert_eq!(counts(&remote).await, expect::expected_counts(&file));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_object_fails_before_anything_else_naming_the_url() {
    let (moto, s3) = local_s3().await;
    put(&s3, "incoming/participaciones.csv", &samples().join("participaciones.csv")).await;
    let sim = sim().await;
    let cwd = tempfile::tempdir().unwrap();
    let endpoint = ("S3_ENDPOINT_URL", moto.url.as_str());
    let no_credentials = [endpoint, ("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")];
    let cases: [(String, &Env, &str); 3] = [
        (format!("s3://{BUCKET}/incoming/absent.csv"), &[endpoint], "does not exist"),
        ("s3://no-such-bucket/incoming/participaciones.csv".into(), &[endpoint], "does not exist"),
        (format!("s3://{BUCKET}/incoming/participaciones.csv"), &no_credentials, "credentials"),
    ];
    for (url, env, why) in cases {
        let run = ingesta_aws(&["run", &url, "--api", &sim.base_url(), "--out", "out"], cwd.path(), env).await;
        let text = stderr(&run);
        assert!(!run.status.success(), "{url} should fail: {text}");
        let line = text.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
        assert!(line.contains(&url) && line.to_lowercase().contains(why), "{url}: {text}");
        // Failing fast: no report directory, no API request.
        assert!(!cwd.path().join("out").exists(), "{url}: the run started before the input was checked");
    }
    assert_eq!(counts(&sim).await, counts(&common::sim().await).await, "the API was not touched");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cct_table_is_preloaded_from_s3_when_its_bucket_is_set() {
    let (moto, s3) = local_s3().await;
    put(&s3, "tablas/ccts.csv", &samples().join("ccts.csv")).await;
    let (sim, cwd) = (sim().await, tempfile::tempdir().unwrap());
    let file = samples().join("participaciones.csv");
    let args = ["run", file.to_str().unwrap(), "--api", &sim.base_url(), "--out", "out"];
    let env = [("S3_ENDPOINT_URL", moto.url.as_str()), ("CCTS_S3_BUCKET", BUCKET), ("CCTS_S3_KEY", "tablas/ccts.csv")];
    let run = ingesta_aws(&args, cwd.path(), &env).await;
    assert_success(&run);
    let s = summary(&cwd.path().join("out"));
    let choice = &s["cct"]["choice"];
    assert_eq!(s["cct"]["mode"], "preload", "{choice} {}", s["warnings"]);
    assert_eq!((choice["requested"].as_str(), choice["table_rows"].as_u64()), (Some("auto"), Some(60)), "{choice}");
    assert_eq!(sim.request_count("GET", "ccts"), 0, "a preloaded table needs no CCT request");
    assert_eq!(s["cct"]["hit_rate"], 1.0);
    assert_eq!(counts(&sim).await, expect::expected_counts(&file));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_api_sends_the_runs_metrics_through_put_metric_data() {
    let (endpoint, seen) = capture::cloudwatch().await;
    let (sim, cwd) = (sim().await, tempfile::tempdir().unwrap());
    let file = samples().join("participaciones.csv");
    let args = ["run", file.to_str().unwrap(), "--api", &sim.base_url(), "--out", "out", "--metrics", "api"];
    let run = ingesta_aws(&args, cwd.path(), &[("AWS_ENDPOINT_URL_CLOUDWATCH", &endpoint)]).await;
    assert_success(&run);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 2, "one call per batch and one at the end, got {}", seen.len());
    for (path, body) in &seen {
        assert!(path.ends_with("/operation/PutMetricData"), "{path}");
        assert!(capture::contains(body, "Ingesta") && capture::contains(body, "ingesta-cli"), "namespace, dimension");
    }
    let sent = |name: &str| seen.iter().any(|(_, body)| capture::contains(body, name));
    for name in
        ["RecordsProcessed", "BatchSize", "ApiLatency", "Concurrency", "SuccessRate", "Duration", "PeakMemoryMB"]
    {
        assert!(sent(name), "{name} was not sent");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_metrics_endpoint_costs_a_warning_not_the_run() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let (sim, cwd) = (sim().await, tempfile::tempdir().unwrap());
    let file = samples().join("participaciones.csv");
    let args = ["run", file.to_str().unwrap(), "--api", &sim.base_url(), "--out", "out", "--metrics", "api"];
    let run = ingesta_aws(&args, cwd.path(), &[("AWS_ENDPOINT_URL_CLOUDWATCH", &endpoint)]).await;
    assert_success(&run);
    assert!(stderr(&run).contains("could not send metrics"), "{}", stderr(&run));
    assert_eq!(counts(&sim).await, expect::expected_counts(&file));
}

#[tokio::test(flavor = "multi_thread")]
async fn check_streams_an_s3_object_and_counts_what_a_run_would_reject() {
    let file = samples().join("participaciones_edge.csv");
    let (moto, s3) = local_s3().await;
    let url = put(&s3, "incoming/edge.csv", &file).await;
    let cwd = tempfile::tempdir().unwrap();
    let check = ingesta_aws(&["check", &url, "--json"], cwd.path(), &[("S3_ENDPOINT_URL", &moto.url)]).await;
    assert_success(&check);
    let checked: Value = serde_json::from_slice(&check.stdout).expect("one JSON object");

    let (sim, out) = (sim().await, tempfile::tempdir().unwrap());
    assert_success(&ingesta(&sim, &file, out.path(), &[]).await);
    let before_api = error_rows(out.path()).iter().filter(|r| r.2 == "read" || r.2 == "validation").count();
    assert!(before_api > 0, "the edge sample has rows rejected before the API");
    assert_eq!(checked["input"], url.as_str());
    assert_eq!(checked["rows_read"], summary(out.path())["rows_read"]);
    assert_eq!(checked["rows_invalid"].as_u64(), Some(before_api as u64), "{checked}");
    assert_eq!(checked["bytes"].as_u64(), Some(std::fs::metadata(&file).unwrap().len()));
    assert!(checked["peak_rss_mb"].as_f64().is_some_and(|mb| mb > 1.0), "{checked}");
}
