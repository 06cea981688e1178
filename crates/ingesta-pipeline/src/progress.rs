//! What a run tells its caller after each batch (a progress bar, metrics).

use async_trait::async_trait;
use ingesta_client::ClientStats;

/// The state of a run after one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchProgress {
    pub batch: u64,
    pub rows_read: u64,
    pub rows_failed: u64,
    /// Rows in this batch, and how many of them failed.
    pub batch_rows: u64,
    pub batch_failed: u64,
    /// The size the batch was read with.
    pub batch_size: usize,
    /// Byte offset reached in the input.
    pub bytes_read: u64,
    pub rows_per_sec: f64,
    /// The API client's counters during this batch.
    pub api: ClientStats,
    /// The client's limit of requests in flight when the batch finished.
    pub concurrency: usize,
}

/// Receives batch progress. The pipeline itself logs one structured line per batch.
#[async_trait]
pub trait Progress: Send + Sync {
    async fn on_batch(&self, progress: &BatchProgress);
}

/// For callers that only want the log lines.
#[async_trait]
impl Progress for () {
    async fn on_batch(&self, _: &BatchProgress) {}
}
