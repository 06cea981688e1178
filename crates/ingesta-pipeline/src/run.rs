//! The run loop: rows are read a batch at a time, the batch's parents set up (while earlier rows
//! are still being written), and its rows join the window of rows in flight (see
//! [`crate::window`]). A stop or the deadline ends reading; the rows already read finish (or, on
//! a stop, those not yet started are reported), so nothing is in flight when the checkpoint is
//! taken.

use crate::batcher::{BatchSizer, SizerConfig};
use crate::batches::Batches;
use crate::memory::peak_rss_mb;
use crate::progress::{BatchProgress, Progress};
use crate::report::{ErrorReport, ErrorRow};
use crate::summary::{ApiSummary, CctSummary, Summary};
use crate::window::{Finished, Window};
use ingesta_cct::CctLookup;
use ingesta_client::{ApiError, ClientStats, StrapiClient};
use ingesta_mapping::{RowPlan, Schema, SchemaError};
use ingesta_records::reader::Resume;
use ingesta_records::{ByteSource, ReadError, RecordReader};
use ingesta_writer::{RowFailure, RowOutcome, Sink, WriterConfig, WriterError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

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
    client.reset_concurrency_range();
    let mut reader = RecordReader::open(source, cfg.resume).await?;
    let mut run =
        Run { sizer: BatchSizer::new(cfg.sizer), rows_read: 0, rows_failed: 0, rows_already_complete: 0, api_start };
    // One flag for every early stop: a signal (set from outside) or a refused token (set below).
    let stop = cfg.stop.clone().unwrap_or_default();
    if reader.headers().is_empty() {
        tracing::info!(input = %source.name(), "empty file: nothing to do");
        return Ok(run.summary(source.name(), None, &client, None, true, None, started));
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
    let writer = ingesta_writer::open(client.clone(), &schema, cct, cfg.writer.clone()).await?;
    let mut window = Window::default();
    let mut batches = Batches::new(client.stats());
    let mut preparing: Option<JoinHandle<Prepared>> = None;
    let (mut eof, mut out_of_time, mut stopped) = (false, false, None);
    loop {
        if let Some(reason) = stop.reason() {
            if stopped.is_none() {
                tracing::warn!(next_row = reader.resume_point().next_row, reason = %reason, "stopping before the end of the file");
                stopped = Some(reason.clone());
            }
            for plan in window.take_waiting() {
                window.finish(plan.row_number, failed(&plan, RowFailure::not_started(reason.clone())));
            }
        }
        let cap = rows_in_flight(&client);
        window.start(cap, &writer, &stop);
        let room =
            window.waiting() < run.sizer.size() && window.unreleased() < MAX_OPEN_BATCHES * run.sizer.size().max(cap);
        if stopped.is_none() && !eof && !out_of_time && preparing.is_none() && room {
            let budget_left = cfg.row_budget.map(|b| b.saturating_sub(run.rows_read));
            if budget_left == Some(0) || cfg.deadline.is_some_and(|d| Instant::now() + margin >= d) {
                let point = reader.resume_point();
                tracing::warn!(
                    next_row = point.next_row,
                    byte_offset = point.byte_offset,
                    "deadline near or row budget spent: finishing the rows read, then stopping with a checkpoint"
                );
                out_of_time = true;
                continue;
            }
            let size = run.sizer.size().min(budget_left.unwrap_or(u64::MAX) as usize);
            let (plans, at_end) = run.read_batch(&mut reader, &schema, &mut window, size).await?;
            eof = at_end;
            batches.read(run.rows_read, size, reader.resume_point().byte_offset);
            let (writer, client) = (writer.clone(), client.clone());
            preparing = Some(tokio::spawn(async move {
                let (began, before) = (Instant::now(), client.stats());
                let settled = writer.prepare_batch(&plans).await;
                let requests = client.stats().since(&before).requests;
                // Requests of rows written meanwhile are counted too: an upper bound.
                tracing::debug!(
                    rows = plans.len(),
                    ms = began.elapsed().as_millis() as u64,
                    requests,
                    "batch prepared"
                );
                Prepared { plans, settled }
            }));
            continue;
        }
        tokio::select! {
            Some((plan, result)) = window.next_written(), if window.writing() > 0 => {
                window.finish(plan.row_number, finished(&plan, result, &stop));
            }
            prepared = async { preparing.as_mut().expect("guarded").await }, if preparing.is_some() => {
                preparing = None;
                let Prepared { plans, mut settled } = prepared.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                let mut ready = Vec::with_capacity(plans.len());
                for plan in plans {
                    // Settled while preparing (the bulk path settles every row there): finished,
                    // exactly as if the window had written it.
                    match settled.remove(&plan.row_number) {
                        Some(result) => window.finish(plan.row_number, finished(&plan, result, &stop)),
                        None => ready.push(plan),
                    }
                }
                window.push_ready(ready);
            }
            else => break,
        }
        for how in window.release() {
            match how {
                Finished::Done { already_complete } => run.rows_already_complete += u64::from(already_complete),
                Finished::Failed(error_row) => run.fail(report, error_row)?,
            }
            if let Some(done) = batches.row_released(run.rows_read, run.rows_failed, &client) {
                log_batch(&done);
                progress.on_batch(&done).await;
                if let Some((size, reason)) = run.sizer.observe((&done).into()) {
                    tracing::info!(batch_size = size, reason, "batch size changed");
                }
            }
        }
    }
    report.flush()?;
    // Nothing is in flight here, so the first row not finished is the first row not read.
    let checkpoint = (!eof && (out_of_time || stopped.is_some())).then(|| reader.resume_point());
    let complete = checkpoint.is_none();
    let mut summary =
        run.summary(source.name(), Some(writer.as_ref()), &client, Some(&schema), complete, checkpoint, started);
    summary.stopped = stopped;
    if reader.stray_quotes() > 0 {
        // Each such row is in the report; the warning says the file itself needs a look.
        summary.warning_count += 1;
        summary.warnings.insert(0, stray_quote_warning(reader.stray_quotes()));
    }
    Ok(summary)
}

fn log_batch(p: &BatchProgress) {
    tracing::info!(
        batch = p.batch,
        rows_read = p.rows_read,
        rows_failed = p.rows_failed,
        batch_size = p.batch_size,
        batch_failed = p.batch_failed,
        rows_per_sec = p.rows_per_sec.round(),
        latency_ms = p.api.mean_latency_ms(),
        requests = p.api.requests,
        retries = p.api.retries,
        concurrency = p.concurrency,
        "batch done"
    );
}

/// A batch the sink prepared: its rows, and those the sink settled already (they are not written).
struct Prepared {
    plans: Vec<RowPlan>,
    settled: HashMap<u64, Result<RowOutcome, RowFailure>>,
}

/// How a row ended, whether the window wrote it or the sink settled it while preparing.
fn finished(plan: &RowPlan, result: Result<RowOutcome, RowFailure>, stop: &StopFlag) -> Finished {
    match result {
        Ok(outcome) => Finished::Done { already_complete: outcome.created == 0 },
        Err(f) => {
            if let ApiError::Unauthorized { .. } = f.error {
                // Every later request would meet the same refusal: stop.
                stop.stop(format!("stopped at row {}: {}", plan.row_number, f.error));
            }
            failed(plan, f)
        }
    }
}

fn failed(plan: &RowPlan, f: RowFailure) -> Finished {
    // Stage and row number only: error texts and row values may carry personal data.
    tracing::debug!(row = plan.row_number, stage = f.stage, "row failed");
    Finished::Failed(ErrorRow {
        row_number: plan.row_number,
        id_externo: plan.id_externo.clone(),
        email: plan.email.clone().unwrap_or_default(),
        stage: f.stage.to_string(),
        error: f.error.to_string(),
    })
}

/// Rows written at once follow the client's limit of requests in flight. A row is a chain of
/// dependent requests, so a few rows per request slot keep the slots busy; more only wait for a
/// slot, each holding its plan and request futures (measured: peak RSS 72–79 MiB with 2,000
/// rows started at once against 64 slots).
fn rows_in_flight(client: &StrapiClient) -> usize {
    ROWS_IN_FLIGHT_PER_REQUEST_SLOT * client.concurrency().current.max(1)
}

fn stray_quote_warning(rows: u64) -> String {
    format!(
        "{rows} row(s) opened a quote that did not close as a field should (see errors.csv, stage 'read'); \
         the reader went on at the next line that reads as a record: check the file's quoting"
    )
}

const ROWS_IN_FLIGHT_PER_REQUEST_SLOT: usize = 2;
/// Rows read and not released, in batches: a row that hangs (waiting out retries) holds back
/// the rows after it (the report is written in row order), so reading stops this many batches
/// past it rather than hold ever more finished rows.
const MAX_OPEN_BATCHES: usize = 8;

struct Run {
    sizer: BatchSizer,
    rows_read: u64,
    rows_failed: u64,
    rows_already_complete: u64,
    /// The client's counters when the run began.
    api_start: ClientStats,
}

impl Run {
    /// Reads up to `size` rows; each stays open in `window` until it finishes. Rows that cannot
    /// be planned finish at once, failed.
    async fn read_batch(
        &mut self,
        reader: &mut RecordReader,
        schema: &Schema,
        window: &mut Window,
        size: usize,
    ) -> Result<(Vec<RowPlan>, bool), FatalError> {
        let mut plans = Vec::with_capacity(size);
        let read_before = self.rows_read;
        while self.rows_read - read_before < size as u64 {
            let Some(next) = reader.next_row().await? else { return Ok((plans, true)) };
            self.rows_read += 1;
            let failure = match next {
                Ok(raw) => match schema.plan(&raw) {
                    Ok(plan) => {
                        window.opened(plan.row_number);
                        plans.push(plan);
                        continue;
                    }
                    Err(e) => (raw.row_number, raw.fields, "validation", e.to_string()),
                },
                Err(e) => (e.row_number, e.lossy_fields, "read", e.kind.to_string()),
            };
            let (row_number, fields, stage, error) = failure;
            let (id_externo, email) = identify(schema, &fields);
            window.finish(
                row_number,
                Finished::Failed(ErrorRow { row_number, id_externo, email, stage: stage.into(), error }),
            );
        }
        Ok((plans, false))
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
        writer: Option<&dyn Sink>,
        client: &StrapiClient,
        schema: Option<&Schema>,
        complete: bool,
        checkpoint: Option<Resume>,
        started: Instant,
    ) -> Summary {
        let stats = client.stats().since(&self.api_start);
        let (mut warning_count, mut warnings) = writer.map(|w| w.warnings()).unwrap_or_default();
        let choice = writer.and_then(|w| w.cct_choice());
        if let Some(w) = choice.as_ref().and_then(|c| c.warning.clone()) {
            warning_count += 1;
            warnings.insert(0, w);
        }
        let cct_stats = writer.map(|w| w.cct_stats()).unwrap_or_default();
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
                concurrency: client.concurrency(),
            },
            cct: CctSummary {
                mode: writer.map_or("none", |w| w.cct_mode()).to_string(),
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
            write_path: writer.map_or("none", |w| w.path()).to_string(),
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
