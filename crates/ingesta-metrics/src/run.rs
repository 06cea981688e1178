//! The metric set of SPEC section 8, from a run's batch progress and final summary.

use crate::{Metric, MetricsSink, Unit};
use async_trait::async_trait;
use ingesta_pipeline::{BatchProgress, Progress, Summary};
use std::sync::Arc;

/// Emits one metric set per batch, so a function that dies mid-run has still reported.
pub struct MetricsProgress {
    sink: Arc<dyn MetricsSink>,
}

impl MetricsProgress {
    pub fn new(sink: Arc<dyn MetricsSink>) -> Self {
        Self { sink }
    }
}

/// Per-batch metrics.
pub fn batch_metrics(p: &BatchProgress) -> Vec<Metric> {
    vec![
        Metric::new("RecordsProcessed", Unit::Count, p.batch_rows as f64),
        Metric::new("RecordsFailed", Unit::Count, p.batch_failed as f64),
        Metric::new("BatchSize", Unit::Count, p.batch_size as f64),
        Metric::new("ApiLatency", Unit::Milliseconds, p.api.mean_latency_ms()),
        Metric::new("ApiErrors", Unit::Count, p.api.errors as f64),
        Metric::new("Retries", Unit::Count, p.api.retries as f64),
        Metric::new("CircuitOpen", Unit::Count, p.api.circuit_opened as f64),
        Metric::new("ApiTimeouts", Unit::Count, p.api.timeouts as f64),
        // The adaptive limit of requests in flight: what the API was found to take.
        Metric::new("Concurrency", Unit::Count, p.concurrency as f64),
    ]
}

/// End-of-run metrics for one invocation.
pub fn final_metrics(s: &Summary) -> Vec<Metric> {
    let success = if s.rows_read == 0 { 100.0 } else { 100.0 * s.rows_succeeded as f64 / s.rows_read as f64 };
    let mut m = vec![
        Metric::new("SuccessRate", Unit::Percent, success),
        Metric::new("Duration", Unit::Milliseconds, s.duration_ms as f64),
        Metric::new("CctHitRate", Unit::Percent, s.cct.hit_rate * 100.0),
    ];
    m.push(Metric::new("CctPreload", Unit::Count, if s.cct.mode == "preload" { 1.0 } else { 0.0 }));
    if let Some(mb) = s.cct.choice.as_ref().and_then(|c| c.estimate_mb) {
        m.push(Metric::new("CctEstimateMB", Unit::Megabytes, mb));
    }
    if let Some(mb) = s.peak_memory_mb {
        m.push(Metric::new("PeakMemoryMB", Unit::Megabytes, mb));
    }
    m
}

#[async_trait]
impl Progress for MetricsProgress {
    async fn on_batch(&self, p: &BatchProgress) {
        self.sink.emit(&batch_metrics(p)).await;
    }
}
