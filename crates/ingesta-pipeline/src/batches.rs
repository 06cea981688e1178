//! Batches as the log, the progress bar, the metrics and the batch sizer see them. Batches
//! overlap (a batch's rows are written while the next one is read and set up), so a batch is done
//! when its last row is released, and its speed is taken over the time since the batch before it
//! was done: the run's throughput, not the batch's own latency.

use crate::batcher::BatchObservation;
use crate::progress::BatchProgress;
use ingesta_client::{ClientStats, StrapiClient};
use std::collections::VecDeque;
use std::time::Instant;

struct Open {
    rows: u64,
    released: u64,
    size: usize,
    bytes_read: u64,
    read_at: Instant,
}

pub(crate) struct Batches {
    open: VecDeque<Open>,
    done: u64,
    last_done_at: Option<Instant>,
    stats_at_last: ClientStats,
    failed_at_last: u64,
    rows_read: u64,
}

impl Batches {
    pub(crate) fn new(stats: ClientStats) -> Self {
        Self {
            open: VecDeque::new(),
            done: 0,
            last_done_at: None,
            stats_at_last: stats,
            failed_at_last: 0,
            rows_read: 0,
        }
    }

    /// A batch was read: `rows_read` is the run's count after it.
    pub(crate) fn read(&mut self, rows_read: u64, size: usize, bytes_read: u64) {
        let rows = rows_read - self.rows_read;
        if rows == 0 {
            return;
        }
        self.open.push_back(Open { rows, released: 0, size, bytes_read, read_at: Instant::now() });
        self.rows_read = rows_read;
    }

    /// A row was released (rows are released in file order, so it belongs to the oldest open
    /// batch); returns that batch if the row completed it.
    pub(crate) fn row_released(
        &mut self,
        rows_read: u64,
        rows_failed: u64,
        client: &StrapiClient,
    ) -> Option<BatchProgress> {
        let batch = self.open.front_mut()?;
        batch.released += 1;
        if batch.released < batch.rows {
            return None;
        }
        let batch = self.open.pop_front()?;
        self.done += 1;
        let now = Instant::now();
        let since = self.last_done_at.map_or(batch.read_at, |t| t.max(batch.read_at));
        self.last_done_at = Some(now);
        let stats = client.stats();
        let api = stats.since(&self.stats_at_last);
        self.stats_at_last = stats;
        Some(BatchProgress {
            batch: self.done,
            rows_read,
            rows_failed,
            batch_rows: batch.rows,
            batch_failed: rows_failed - std::mem::replace(&mut self.failed_at_last, rows_failed),
            batch_size: batch.size,
            bytes_read: batch.bytes_read,
            rows_per_sec: batch.rows as f64 / now.duration_since(since).as_secs_f64().max(1e-9),
            api,
            concurrency: client.concurrency().current,
        })
    }
}

impl From<&BatchProgress> for BatchObservation {
    fn from(p: &BatchProgress) -> Self {
        BatchObservation {
            rows: p.batch_rows as usize,
            seconds: p.batch_rows as f64 / p.rows_per_sec.max(1e-9),
            mean_latency_ms: p.api.mean_latency_ms(),
            throttled: p.api.throttled,
            errors: p.api.errors,
        }
    }
}
