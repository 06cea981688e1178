//! CloudWatch metrics of a run (SPEC section 8) through one of two sinks:
//! - [`Emf`]: Embedded Metric Format, one JSON line on stdout that CloudWatch Logs turns into
//!   metrics; no API call, no latency, no extra IAM, so it is what the Lambda uses.
//! - [`PutMetricData`]: the CloudWatch API through `aws-sdk-cloudwatch`, batched, for the CLI or
//!   `METRICS_MODE=api`.
//!
//! Written here rather than with `metrics_cloudwatch_embedded`: that crate serves the global
//! `metrics` recorder and EMF only, while we send the same per-batch set to either sink and must
//! flush per batch. Emitting never fails the run: errors are logged and dropped.

mod emf;
mod mode;
mod put;
mod run;

pub use emf::Emf;
pub use mode::MetricsMode;
pub use put::PutMetricData;
pub use run::{final_metrics, MetricsProgress};

use async_trait::async_trait;

/// The units we use, named as CloudWatch spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    Percent,
    Megabytes,
    None,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::Percent => "Percent",
            Unit::Megabytes => "Megabytes",
            Unit::None => "None",
        }
    }
}

/// One data point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    pub value: f64,
}

impl Metric {
    pub fn new(name: &'static str, unit: Unit, value: f64) -> Self {
        Self { name, unit, value }
    }
}

/// Where metrics go. Implementations swallow their own errors (a log line at most).
#[async_trait]
pub trait MetricsSink: Send + Sync {
    async fn emit(&self, metrics: &[Metric]);
}

/// Drops everything (metrics off, or tests that do not look).
pub struct NoMetrics;

#[async_trait]
impl MetricsSink for NoMetrics {
    async fn emit(&self, _: &[Metric]) {}
}
