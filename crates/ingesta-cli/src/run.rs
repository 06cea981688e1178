//! `ingesta run`: flags → settings → `ingesta_pipeline::run`, then the report files, the
//! metrics and a human summary.

use crate::args::RunArgs;
use crate::aws::Aws;
use crate::input::Input;
use crate::{metrics, progress};
use anyhow::Context;
use ingesta_config::Settings;
use ingesta_metrics::{final_metrics, MetricsProgress};
use ingesta_pipeline::{ErrorReport, RunConfig, StopFlag};
use ingesta_s3::S3Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let settings = &args.settings;
    let aws = Aws::new(args.aws.s3_endpoint_url.clone());
    let input = Input::parse(&args.input)?;
    let opened = input.open(&aws).await?;
    let client = Arc::new(ingesta_client::StrapiClient::new(settings.client_config())?);
    let out_dir = args.out.clone().unwrap_or_else(|| input.default_out_dir());
    let mut report = ErrorReport::create(out_dir.join("errors.csv"))
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let cct = Arc::new(choose_cct(settings, &aws, client.clone()).await);
    let sink = metrics::sink(args.metrics, &settings.metrics_namespace, &aws).await;
    let cfg = RunConfig {
        sizer: settings.sizer_config(),
        writer: settings.writer_config(),
        deadline: args.time_budget_secs.map(|s| Instant::now() + Duration::from_secs_f64(s)),
        safety_margin: settings.safety_margin(),
        resume: None,
        stop: Some(stop_on_signals(client.clone())),
        row_budget: None,
    };
    let bar = progress::Bar::new(opened.size);
    let per_batch = MetricsProgress::new(sink.clone());
    let feedback = progress::Both(&bar, &per_batch);
    let result = ingesta_pipeline::run(opened.source.as_ref(), client, cct, cfg, &mut report, &feedback).await;
    bar.finish();
    let summary = result.map_err(|e| match e {
        // The API answered, so whether it is reachable is not the question.
        ingesta_pipeline::FatalError::Writer(w @ ingesta_writer::WriterError::WritePath(_)) => anyhow::anyhow!("{w}"),
        ingesta_pipeline::FatalError::Writer(w) => {
            anyhow::anyhow!("{w} (is the API at {} running and reachable?)", settings.strapi_base_url)
        }
        other => other.into(),
    })?;
    sink.emit(&final_metrics(&summary)).await;
    let summary_path = out_dir.join("summary.json");
    std::fs::write(&summary_path, serde_json::to_vec_pretty(&summary)?)
        .with_context(|| format!("cannot write {}", summary_path.display()))?;
    println!("{}", summary.human());
    println!("report: {} ({} failed rows), summary: {}", report.path().display(), report.len(), summary_path.display());
    if let Some(reason) = &summary.stopped {
        anyhow::bail!("{reason}; rows after those reported were not processed (a rerun does them)");
    }
    Ok(())
}

/// How long rows already in flight get to finish once a signal asks the run to stop.
const GRACE_ON_SIGNAL: Duration = Duration::from_secs(3);

/// SIGINT (Ctrl-C) and SIGTERM stop the run cleanly: no new rows, the rows in flight get
/// `GRACE_ON_SIGNAL` (then their waits and retries end), and the report and summary are written.
fn stop_on_signals(client: Arc<ingesta_client::StrapiClient>) -> Arc<StopFlag> {
    let flag = Arc::new(StopFlag::default());
    let stop = flag.clone();
    tokio::spawn(async move {
        let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else { return };
        let name = tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        };
        eprintln!("\n{name}: stopping; finishing the rows in flight, then writing the report");
        stop.stop(format!("interrupted by {name}"));
        client.set_deadline(Some(Instant::now() + GRACE_ON_SIGNAL));
    });
    flag
}

/// The CCT table: `--ccts` when given, else `s3://CCTS_S3_BUCKET/CCTS_S3_KEY` when a bucket is
/// set. Unlike the Lambda there is no default bucket: a local run may have no AWS at all.
async fn choose_cct(s: &Settings, aws: &Aws, api: Arc<ingesta_client::StrapiClient>) -> ingesta_cct::Chosen {
    let remote = match &s.ccts_s3_bucket {
        Some(bucket) => Some((aws.s3().await, S3Location { bucket: bucket.clone(), key: s.ccts_s3_key.clone() })),
        None => None,
    };
    let table = ingesta_s3::cct_table(s.ccts_path.as_deref(), remote);
    ingesta_cct::choose(s.cct_mode, table.as_deref(), &s.cct_budget(), api, s.cct_cache).await
}
