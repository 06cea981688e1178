//! A local S3 (moto's server from the project's .venv, on loopback) and the local Strapi, with
//! helpers to build the function against them.
#![allow(dead_code)]

use aws_lambda_events::s3::S3Event;
use ingesta_lambda::{App, LambdaSettings};
use std::path::{Path, PathBuf};

pub const BUCKET: &str = "ingesta-local";

pub use ingesta_testkit::{moto, root, sdk_config, Moto};

pub async fn s3(moto: &Moto) -> aws_sdk_s3::Client {
    ingesta_testkit::s3_with_bucket(moto, BUCKET).await
}

pub async fn put(s3: &aws_sdk_s3::Client, key: &str, file: &Path) {
    ingesta_testkit::put_file(s3, BUCKET, key, file).await
}

/// An object's text, or `None` when it does not exist.
pub async fn get(s3: &aws_sdk_s3::Client, key: &str) -> Option<String> {
    let out = s3.get_object().bucket(BUCKET).key(key).send().await.ok()?;
    Some(String::from_utf8(out.body.collect().await.unwrap().into_bytes().to_vec()).unwrap())
}

/// Puts `bytes` under `key` (an object's earlier content, put back).
pub async fn put_bytes(s3: &aws_sdk_s3::Client, key: &str, bytes: impl Into<Vec<u8>>) {
    let body = aws_sdk_s3::primitives::ByteStream::from(bytes.into());
    s3.put_object().bucket(BUCKET).key(key).body(body).send().await.unwrap();
}

/// The row numbers of an error report, in its order.
pub fn error_rows(report: &str) -> Vec<u64> {
    report.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().expect("a row number")).collect()
}

pub fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

pub async fn sim(faults: strapi_sim::FaultConfig) -> strapi_sim::RunningSim {
    let config = strapi_sim::SimConfig { seed_dir: Some(root().join("samples")), faults, ..Default::default() };
    strapi_sim::spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// The function's App pointed at the local S3 and API, with extra settings.
pub async fn app(moto: &Moto, sim: &strapi_sim::RunningSim, extra: &[&str]) -> App {
    app_with_sdk(moto, sim, extra, &sdk_config().await).await
}

/// [`app`] with its AWS clients built from `sdk` (e.g. every service on moto).
pub async fn app_with_sdk(
    moto: &Moto,
    sim: &strapi_sim::RunningSim,
    extra: &[&str],
    sdk: &aws_config::SdkConfig,
) -> App {
    let mut args = vec!["--api".to_string(), sim.base_url(), "--s3-endpoint-url".into(), moto.url.clone()];
    args.extend(["--metrics-mode".into(), "off".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let settings = LambdaSettings::from_args(&args).unwrap();
    App::new(settings, sdk).await.unwrap()
}

pub fn event(name: &str) -> S3Event {
    serde_json::from_slice(&std::fs::read(root().join("events").join(name)).unwrap()).unwrap()
}

/// A Lambda event with `secs` left before the deadline.
pub fn invocation(payload: S3Event, secs: f64) -> lambda_runtime::LambdaEvent<S3Event> {
    let mut context = lambda_runtime::Context::default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    context.deadline = (now.as_secs_f64() * 1000.0 + secs * 1000.0) as u64;
    context.request_id = format!("test-{}", now.as_nanos());
    lambda_runtime::LambdaEvent::new(payload, context)
}

pub fn counts(sim: &strapi_sim::RunningSim) -> Vec<(&'static str, usize)> {
    strapi_sim::schema::bundled(false).iter().map(|c| (c.name, sim.count(c.name))).collect()
}

/// The sample's upload key, as `events/s3-put-participaciones.json` names it.
pub const UPLOAD_KEY: &str = "incoming/participaciones.csv";

/// A world where an invocation of 1.5 s cannot finish a 40-row file: an API answering in 20 ms,
/// batches of 5, 4 requests in flight, a 1-s safety margin. `file` is uploaded at [`UPLOAD_KEY`].
pub struct Slow {
    pub moto: Moto,
    pub sim: strapi_sim::RunningSim,
    pub s3: aws_sdk_s3::Client,
    pub app: App,
}

pub async fn slow_world(file: &Path) -> Slow {
    let slow = strapi_sim::FaultConfig { latency_ms: 20, ..Default::default() };
    let (moto, sim) = (moto(), sim(slow).await);
    let s3 = s3(&moto).await;
    put(&s3, UPLOAD_KEY, file).await;
    let settings = ["--fixed-batch", "--batch-size-initial", "5", "--safety-margin-secs", "1.0", "--concurrency", "4"];
    let app = app(&moto, &sim, &settings).await;
    Slow { moto, sim, s3, app }
}
