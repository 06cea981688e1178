//! Where the CLI's metrics go: the shared `METRICS_MODE` sinks, off by default because a local
//! run usually has no AWS account. Sending never fails the run (the sinks log and drop errors).

use crate::aws::Aws;
use ingesta_metrics::{MetricsMode, MetricsSink};
use std::sync::Arc;

/// The `FunctionName` dimension of the CLI's metrics, apart from the Lambda's own.
pub const DIMENSION: &str = "ingesta-cli";

pub async fn sink(mode: MetricsMode, namespace: &str, aws: &Aws) -> Arc<dyn MetricsSink> {
    mode.sink(namespace, DIMENSION, || aws.cloudwatch()).await
}
