//! One input object, one run: resume from a checkpoint if there is one, stream the object
//! through the pipeline, then put the error report, the summary and (when stopped by the
//! deadline) a checkpoint next to it.

use crate::checkpoint::{self, Checkpoint, Start};
use crate::handler::App;
use crate::routing::{checkpoint_key, report_key};
use ingesta_metrics::{final_metrics, MetricsProgress};
use ingesta_pipeline::{ErrorReport, RunConfig, Summary};
use ingesta_s3::{S3Location, S3Object};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// What became of one input.
pub enum Outcome {
    Done(Box<Summary>),
    /// Not run, with the reason.
    Ignored(String),
}

/// How a run differs from an upload's ordinary run.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobOptions {
    /// Never skip the look-up of programs and implementations (OMIT_GET off): a fan-out shard's
    /// parents were created by the `parents` step, and creating them again without a look-up
    /// would duplicate those whose key Strapi cannot hold unique.
    pub always_look_up_parents: bool,
}

/// Processes `input` until done or until `deadline` (minus the safety margin) is near. With
/// `resume_only`, a file without a checkpoint, or replaced since it, is left alone.
pub async fn run_object(
    app: &App,
    input: &S3Location,
    resume_only: bool,
    deadline: Option<Instant>,
    scratch: &Path,
) -> Result<Outcome, String> {
    run_object_with(app, input, resume_only, deadline, scratch, JobOptions::default()).await
}

/// [`run_object`] with [`JobOptions`].
pub async fn run_object_with(
    app: &App,
    input: &S3Location,
    resume_only: bool,
    deadline: Option<Instant>,
    scratch: &Path,
    options: JobOptions,
) -> Result<Outcome, String> {
    let checkpoint_at = input.with_key(checkpoint_key(&input.key));
    let errors_at = input.with_key(report_key(&input.key, "errors.csv"));
    let summary_at = input.with_key(report_key(&input.key, "summary.json"));
    let source = S3Object::new(app.s3.clone(), input.clone());
    let (checkpoint, replaces) = match checkpoint::start(&app.outputs, &checkpoint_at, &source, resume_only).await? {
        Start::Skip(reason) => return Ok(Outcome::Ignored(reason)),
        Start::Fresh { replaces } => (None, replaces),
        Start::Resume(c) => (Some(*c), false),
    };
    let report_path = scratch.join("errors.csv");
    let mut report = match &checkpoint {
        Some(c) => {
            tracing::info!(input = %input, next_row = c.next_row, byte_offset = c.byte_offset, "resuming from checkpoint");
            source.expect_etag(c.etag.clone()).await;
            // The earlier invocations' failed rows stay in the report: continue it.
            if let Some(earlier) = app.outputs.get_bytes(&errors_at).await? {
                std::fs::write(&report_path, c.report_prefix(&earlier)).map_err(|e| e.to_string())?;
            }
            ErrorReport::append(&report_path)
        }
        None => ErrorReport::create(&report_path),
    }
    .map_err(|e| format!("cannot write the error report in {}: {e}", scratch.display()))?;

    let core = &app.settings.core;
    let cct = Arc::new(choose_cct(app, input).await);
    let mut writer = core.writer_config();
    if options.always_look_up_parents {
        writer.omit_get = false;
    }
    let cfg = RunConfig {
        sizer: core.sizer_config(),
        writer,
        deadline,
        safety_margin: core.safety_margin(),
        resume: checkpoint.as_ref().map(Checkpoint::resume),
        stop: None,
        row_budget: app.settings.rows_per_invocation,
    };
    let progress = MetricsProgress::new(app.metrics.clone());
    let mut summary = ingesta_pipeline::run(&source, app.api.clone(), cct, cfg, &mut report, &progress)
        .await
        .map_err(|e| e.to_string())?;
    app.metrics.emit(&final_metrics(&summary)).await;
    if !summary.complete && summary.rows_read == 0 {
        // A checkpoint now would start an invocation that does the same: a loop. Fail instead,
        // leaving any earlier checkpoint, so the alarm and the dead-letter queue tell a person.
        return Err(format!(
            "the invocation reached its deadline before reading a row (remaining time too short for the \
             safety margin of {} s); raise the function's timeout or lower SAFETY_MARGIN_SECS",
            app.settings.core.safety_margin_secs
        ));
    }
    if let Some(c) = &checkpoint {
        summary.absorb(&c.so_far);
    }
    summary.input = input.to_string();
    let hop = checkpoint::next_hop(checkpoint.as_ref());
    if summary.checkpoint.is_some() && summary.stopped.is_none() {
        summary.stopped = checkpoint::past_hop_limit(hop, app.settings.max_checkpoint_hops);
    }

    let report_bytes = std::fs::metadata(report.path()).map_err(|e| e.to_string())?.len();
    app.outputs.put_file(&errors_at, report.path(), "text/csv").await?;
    let json = serde_json::to_vec_pretty(&summary).map_err(|e| e.to_string())?;
    app.outputs.put_bytes(&summary_at, json, "application/json").await?;
    if let Some(reason) = &summary.stopped {
        // A refused token or the hop limit: the report and summary are written, but no
        // checkpoint, which would only start an invocation that meets the same refusal or
        // lengthens a chain past its bound. The error reaches the alarm.
        return Err(format!("{input}: {reason}"));
    }
    match &summary.checkpoint {
        Some(point) => {
            let next = Checkpoint {
                input: input.to_string(),
                etag: source.etag().await,
                byte_offset: point.byte_offset,
                next_row: point.next_row,
                report_bytes: Some(report_bytes),
                so_far: summary.clone(),
                hops: hop,
            };
            let bytes = serde_json::to_vec_pretty(&next).map_err(|e| e.to_string())?;
            app.outputs.put_bytes(&checkpoint_at, bytes, "application/json").await?;
            tracing::warn!(input = %input, next_row = point.next_row, hop, "partial run: checkpoint written for the next invocation");
        }
        None if checkpoint.is_some() || replaces => app.outputs.delete(&checkpoint_at).await?,
        None => {}
    }
    Ok(Outcome::Done(Box::new(summary)))
}

/// The run's CCT look-up. The table is `CCTS_PATH` when set (a file shipped with the function),
/// else `s3://CCTS_S3_BUCKET/CCTS_S3_KEY` with the input's bucket as the default bucket.
pub(crate) async fn choose_cct(app: &App, input: &S3Location) -> ingesta_cct::Chosen {
    let core = &app.settings.core;
    let bucket = core.ccts_s3_bucket.clone().unwrap_or_else(|| input.bucket.clone());
    let remote = S3Location { bucket, key: core.ccts_s3_key.clone() };
    let table = ingesta_s3::cct_table(core.ccts_path.as_deref(), Some((app.s3.clone(), remote)));
    ingesta_cct::choose(core.cct_mode, table.as_deref(), &core.cct_budget(), app.api.clone(), core.cct_cache).await
}
