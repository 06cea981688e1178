//! The `METRICS_MODE` setting and the sink it selects, shared by the Lambda and the CLI (which
//! differ only in their default and in the `FunctionName` dimension they report under).

use crate::{Emf, MetricsSink, NoMetrics, PutMetricData};
use std::future::Future;
use std::sync::Arc;

/// Where metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetricsMode {
    /// Embedded Metric Format lines on stdout (no API call).
    Emf,
    /// PutMetricData through the CloudWatch API.
    Api,
    Off,
}

impl MetricsMode {
    /// The sink for this mode; `cloudwatch` is only called for `api`, so the other modes never
    /// need an AWS configuration.
    pub async fn sink<F>(self, namespace: &str, dimension: &str, cloudwatch: impl FnOnce() -> F) -> Arc<dyn MetricsSink>
    where
        F: Future<Output = aws_sdk_cloudwatch::Client>,
    {
        match self {
            Self::Emf => Arc::new(Emf::new(namespace, dimension, std::io::stdout())),
            Self::Api => Arc::new(PutMetricData::new(cloudwatch().await, namespace, dimension)),
            Self::Off => Arc::new(NoMetrics),
        }
    }
}
