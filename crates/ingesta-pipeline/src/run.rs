//! The run loop.

use crate::batcher::{BatchObservation, BatchSizer, SizerConfig};
use crate::memory::peak_rss_mb;
use crate::progress::{BatchProgress, Progress};
use crate::report::{ErrorReport, ErrorRow};
use crate::summary::{ApiSummary, CctSummary, Summary};
use futures::stream::{self, StreamExt};
use ingesta_cct::CctLookup;
use ingesta_client::{ApiError, ClientStats, StrapiClient};
use ingesta_mapping::{RowPlan, Schema, SchemaError};
use ingesta_records::reader::Resume;
use ingesta_records::{ByteSource, ReadError, RecordReader};
use ingesta_writer::{RowFailure, Writer, WriterConfig, WriterError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How one run behaves.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub sizer: SizerConfig,
    pub writer: WriterConfig,
    /// When the run must be over (the Lambda's deadline); `None` for no limit.
    pub deadline: Option<Instant>,
    /// No new rows are taken once less than this remains before `deadline` (capped at a quarter
    /// of the time left when the run starts).
    pub safety_margin: Duration,
    /// Continue a partial run from its checkpoint.
    pub resume: Option<Resume>,
    /// Set from outside (a signal handler) to stop taking rows: the rows in flight finish or
    /// fail, the report and the summary are written, with `stopped` saying why.
    pub stop: Option<Arc<StopFlag>>,
    /// Rows this run reads at most before it stops with a checkpoint, exactly as at its
    /// deadline: a chain of resumed runs that does not depend on timing (tests).
    pub row_budget: Option<u64>,
}

/// A request to stop a run early, with its reason.
#[derive(Debug, Default)]
pub struct StopFlag(std::sync::Mutex<Option<String>>);

impl StopFlag {
    /// Asks the run to stop; the first reason given is kept.
    pub fn stop(&self, reason: impl Into<String>) {
        self.0.lock().expect("stop lock").get_or_insert_with(|| reason.into());
    }

    /// The reason, once a stop was asked for.
    pub fn reason(&self) -> Option<String> {
        self.0.lock().expect("stop lock").clone()
    }
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            sizer: SizerConfig::default(),
            writer: WriterConfig::default(),
            deadline: None,
            safety_margin: Duration::from_secs(60),
            resume: None,
            stop: None,
            row_budget: None,
        }
    }
}

/// A failure that stops the file. Row-level problems never end up here.
#[derive(Debug, thiserror::Error)]
pub enum FatalError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(transparent)]
    Writer(#[from] WriterError),
    #[error("cannot write the error report: {0}")]
    Report(#[from] std::io::Error),
}

/// Runs the job over `source`: every row lands or is in `report`; the summary says which.
pub async fn run(
    source: &dyn ByteSource,
    client: Arc<StrapiClient>,
    cct: Arc<dyn CctLookup>,
    cfg: RunConfig,
    report: &mut ErrorReport,
    progress: &dyn Progress,
) -> Result<Summary, FatalError> {
    let started = Instant::now();
    // A warm Lambda reuses its client: this run's figures are the difference from here.
    let api_start = client.stats();
    let mut reader = RecordReader::open(source, cfg.resume).await?;
    let mut run = Run {
        sizer: BatchSizer::new(cfg.sizer),
        rows_read: 0,
        rows_failed: 0,
        rows_already_complete: 0,
        groups_in_flight: ROWS_IN_FLIGHT_PER_REQUEST_SLOT * client.config().max_concurrency.max(1),
    };
    // One flag for every early stop: a signal (set from outside) or a refused token (set below).
    let stop = cfg.stop.clone().unwrap_or_default();
    if reader.headers().is_empty() {
        tracing::info!(input = %source.name(), "empty file: nothing to do");
        return Ok(run.summary(source.name(), None, &client.stats().since(&api_start), None, true, None, started));
    }
    let schema = Schema::from_headers(reader.headers())?;
    if !schema.unknown_columns().is_empty() {
        tracing::info!(columns = ?schema.unknown_columns(), "ignoring unknown columns");
    }
    // A margin as long as the whole invocation would stop the run before its first row and leave
    // an empty checkpoint for ever: never reserve more than a quarter of the time there is.
    let margin = match cfg.deadline {
        Some(d) => cfg.safety_margin.min(d.saturating_duration_since(started) / 4),
        None => cfg.safety_margin,
    };
    // In-flight rows may wait out an open circuit only while there is time to finish cleanly.
    client.set_deadline(cfg.deadline.map(|d| d.checked_sub(margin / 2).unwrap_or(d)));
    let writer = Writer::new(client.clone(), &schema, cct, cfg.writer.clone()).await?;
    let mut batch_no = 0;
    let mut checkpoint = None;
    let mut stopped = None;
    loop {
        if let Some(reason) = stop.reason() {
            let point = reader.resume_point();
            tracing::warn!(next_row = point.next_row, reason = %reason, "stopping before the end of the file");
            checkpoint = Some(point);
            stopped = Some(reason);
            break;
        }
        let budget_left = cfg.row_budget.map(|b| b.saturating_sub(run.rows_read));
        if budget_left == Some(0) || cfg.deadline.is_some_and(|d| Instant::now() + margin >= d) {
            let point = reader.resume_point();
            tracing::warn!(
                next_row = point.next_row,
                byte_offset = point.byte_offset,
                "deadline near or row budget spent: stopping with a checkpoint"
            );
            checkpoint = Some(point);
            break;
        }
        let batch_started = Instant::now();
        let before = client.stats();
        let (read_before, failed_before) = (run.rows_read, run.rows_failed);
        let (plans, eof) = run.read_batch(&mut reader, &schema, report, budget_left.unwrap_or(u64::MAX)).await?;
        run.write_batch(&writer, &plans, report, &stop).await?;
        batch_no += 1;
        let delta = client.stats().since(&before);
        let seconds = batch_started.elapsed().as_secs_f64();
        let p = BatchProgress {
            batch: batch_no,
            rows_read: run.rows_read,
            rows_failed: run.rows_failed,
            batch_rows: run.rows_read - read_before,
            batch_failed: run.rows_failed - failed_before,
            batch_size: run.sizer.size(),
            bytes_read: reader.resume_point().byte_offset,
            rows_per_sec: plans.len() as f64 / seconds.max(1e-9),
            api: delta,
        };
        tracing::info!(
            batch = p.batch,
            rows_read = p.rows_read,
            rows_failed = p.rows_failed,
            batch_size = p.batch_size,
            batch_failed = p.batch_failed,
            rows_per_sec = p.rows_per_sec.round(),
            latency_ms = delta.mean_latency_ms(),
            requests = delta.requests,
            retries = delta.retries,
            "batch done"
        );
        progress.on_batch(&p).await;
        if eof {
            break;
        }
        let observation = BatchObservation {
            rows: plans.len(),
            seconds,
            mean_latency_ms: delta.mean_latency_ms(),
            throttled: delta.throttled,
            errors: delta.errors,
        };
        if let Some((size, reason)) = run.sizer.observe(observation) {
            tracing::info!(batch_size = size, reason, "batch size changed");
        }
    }
    report.flush()?;
    let complete = checkpoint.is_none();
    let mut summary = run.summary(
        source.name(),
        Some(&writer),
        &client.stats().since(&api_start),
        Some(&schema),
        complete,
        checkpoint,
        started,
    );
    summary.stopped = stopped;
    if reader.stray_quotes() > 0 {
        // Each such row is in the report; the warning says the file itself needs a look.
        summary.warning_count += 1;
        summary.warnings.insert(0, stray_quote_warning(reader.stray_quotes()));
    }
    Ok(summary)
}

fn stray_quote_warning(rows: u64) -> String {
    format!(
        "{rows} row(s) opened a quote that did not close as a field should (see errors.csv, stage 'read'); \
         the reader went on at the next line that reads as a record: check the file's quoting"
    )
}

/// Participants written at once, per request slot of the client. A row is a chain of dependent
/// requests, so a few rows per slot keep the slots busy; starting all of a 1,000-row batch at once
/// only parks the rest on the semaphore, and each parked row holds its plan and request futures
/// (measured: peak RSS 72–79 MiB at batch size 1,000 with concurrency 64, whatever the file size).
const ROWS_IN_FLIGHT_PER_REQUEST_SLOT: usize = 2;

struct Run {
    sizer: BatchSizer,
    rows_read: u64,
    rows_failed: u64,
    rows_already_complete: u64,
    groups_in_flight: usize,
}

impl Run {
    /// Reads up to one batch of rows, and at most `limit` rows; rows that cannot be planned go
    /// straight to the report.
    async fn read_batch(
        &mut self,
        reader: &mut RecordReader,
        schema: &Schema,
        report: &mut ErrorReport,
        limit: u64,
    ) -> Result<(Vec<RowPlan>, bool), FatalError> {
        let mut plans = Vec::with_capacity(self.sizer.size());
        let read_before = self.rows_read;
        while plans.len() < self.sizer.size() && self.rows_read - read_before < limit {
            let Some(next) = reader.next_row().await? else { return Ok((plans, true)) };
            self.rows_read += 1;
            let failure = match next {
                Ok(raw) => match schema.plan(&raw) {
                    Ok(plan) => {
                        plans.push(plan);
                        continue;
                    }
                    Err(e) => (raw.row_number, raw.fields, "validation", e.to_string()),
                },
                Err(e) => (e.row_number, e.lossy_fields, "read", e.kind.to_string()),
            };
            let (row_number, fields, stage, error) = failure;
            let (id_externo, email) = identify(schema, &fields);
            self.fail(report, ErrorRow { row_number, id_externo, email, stage: stage.into(), error })?;
        }
        Ok((plans, false))
    }

    /// Writes a batch: implementations first (in row order), then every participant's rows
    /// concurrently, each participant's own rows in file order.
    async fn write_batch(
        &mut self,
        writer: &Writer,
        plans: &[RowPlan],
        report: &mut ErrorReport,
        stop: &StopFlag,
    ) -> Result<(), FatalError> {
        let mut failures: HashMap<u64, RowFailure> = writer.prepare_batch(plans).await;
        let mut groups: Vec<Vec<&RowPlan>> = Vec::new();
        let mut group_of: HashMap<&str, usize> = HashMap::new();
        for plan in plans.iter().filter(|p| !failures.contains_key(&p.row_number)) {
            let g = *group_of.entry(plan.id_externo.as_str()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(plan);
        }
        let results: Vec<_> = stream::iter(groups)
            .map(|rows| async move {
                let mut out = Vec::with_capacity(rows.len());
                for plan in rows {
                    // Once a stop is asked for, rows not yet started are reported, not written.
                    if let Some(reason) = stop.reason() {
                        let error = ApiError::NotAttempted { reason };
                        out.push((plan.row_number, Err(RowFailure { stage: "not started", error })));
                        continue;
                    }
                    out.push((plan.row_number, writer.write_row(plan).await));
                }
                out
            })
            .buffer_unordered(self.groups_in_flight)
            .collect()
            .await;
        for (row, result) in results.into_iter().flatten() {
            match result {
                Ok(outcome) if outcome.created == 0 => self.rows_already_complete += 1,
                Ok(_) => {}
                Err(f) => {
                    failures.insert(row, f);
                }
            }
        }
        let mut failed: Vec<&RowPlan> = plans.iter().filter(|p| failures.contains_key(&p.row_number)).collect();
        failed.sort_by_key(|p| p.row_number);
        for plan in &failed {
            let f = &failures[&plan.row_number];
            if let ApiError::Unauthorized { .. } = f.error {
                // Every later request would meet the same refusal: report this batch, then stop.
                stop.stop(format!("stopped at row {}: {}", plan.row_number, f.error));
            }
            // Stage and row number only: error texts and row values may carry personal data.
            tracing::debug!(row = plan.row_number, stage = f.stage, "row failed");
            let row = ErrorRow {
                row_number: plan.row_number,
                id_externo: plan.id_externo.clone(),
                email: plan.email.clone().unwrap_or_default(),
                stage: f.stage.to_string(),
                error: f.error.to_string(),
            };
            self.fail(report, row)?;
        }
        Ok(())
    }

    fn fail(&mut self, report: &mut ErrorReport, row: ErrorRow) -> Result<(), FatalError> {
        self.rows_failed += 1;
        report.add(&row)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn summary(
        &self,
        input: String,
        writer: Option<&Writer>,
        stats: &ClientStats,
        schema: Option<&Schema>,
        complete: bool,
        checkpoint: Option<Resume>,
        started: Instant,
    ) -> Summary {
        let stats = *stats;
        let (mut warning_count, mut warnings) = writer.map(Writer::warnings).unwrap_or_default();
        let choice = writer.and_then(Writer::cct_choice);
        if let Some(w) = choice.as_ref().and_then(|c| c.warning.clone()) {
            warning_count += 1;
            warnings.insert(0, w);
        }
        let cct_stats = writer.map(Writer::cct_stats).unwrap_or_default();
        let (batch_size_min, batch_size_max) = self.sizer.range();
        Summary {
            input,
            complete,
            rows_read: self.rows_read,
            rows_succeeded: self.rows_read - self.rows_failed,
            rows_failed: self.rows_failed,
            rows_already_complete: self.rows_already_complete,
            created: writer
                .map(|w| w.created().into_iter().map(|(c, n)| (c.to_string(), n)).collect())
                .unwrap_or_default(),
            api: ApiSummary {
                stats,
                mean_latency_ms: stats.mean_latency_ms(),
                requests_per_row: if self.rows_read == 0 { 0.0 } else { stats.requests as f64 / self.rows_read as f64 },
            },
            cct: CctSummary {
                mode: writer.map_or("none", Writer::cct_mode).to_string(),
                stats: cct_stats,
                hit_rate: cct_stats.hit_rate(),
                choice,
            },
            batch_size_min,
            batch_size_max,
            duration_ms: started.elapsed().as_millis() as u64,
            peak_memory_mb: peak_rss_mb(),
            unknown_columns: schema.map(|s| s.unknown_columns().to_vec()).unwrap_or_default(),
            warning_count,
            warnings,
            checkpoint: checkpoint.map(Into::into),
            invocations: 1,
            stopped: None,
        }
    }
}

/// The participant's id and email from a row's raw fields, for the report.
fn identify(schema: &Schema, fields: &[String]) -> (String, String) {
    let get = |c| schema.cell(fields, c).and_then(ingesta_records::values::text).unwrap_or("").to_string();
    (get("id"), get("email"))
}
