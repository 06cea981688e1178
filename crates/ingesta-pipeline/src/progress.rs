//! What a run tells its caller after each batch (a progress bar, a log line).

/// The state of a run after one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchProgress {
    pub batch: u64,
    pub rows_read: u64,
    pub rows_failed: u64,
    pub batch_size: usize,
    /// Byte offset reached in the input.
    pub bytes_read: u64,
    pub rows_per_sec: f64,
    pub mean_latency_ms: f64,
}

/// Receives batch progress. The pipeline itself logs one structured line per batch.
pub trait Progress: Send + Sync {
    fn on_batch(&self, progress: &BatchProgress);
}

/// For callers that only want the log lines.
impl Progress for () {
    fn on_batch(&self, _: &BatchProgress) {}
}
