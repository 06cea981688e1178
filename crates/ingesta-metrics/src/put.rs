//! `PutMetricData` through the real SDK, up to 1,000 data points per call (the API's limit).

use crate::{Metric, MetricsSink, Unit};
use async_trait::async_trait;
use aws_sdk_cloudwatch::error::DisplayErrorContext;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};

const MAX_DATUMS_PER_CALL: usize = 1000;

/// Sends metrics with the CloudWatch API.
pub struct PutMetricData {
    client: aws_sdk_cloudwatch::Client,
    namespace: String,
    function_name: String,
}

impl PutMetricData {
    pub fn new(
        client: aws_sdk_cloudwatch::Client,
        namespace: impl Into<String>,
        function_name: impl Into<String>,
    ) -> Self {
        Self { client, namespace: namespace.into(), function_name: function_name.into() }
    }

    fn datum(&self, m: &Metric) -> MetricDatum {
        let unit = match m.unit {
            Unit::Count => StandardUnit::Count,
            Unit::Milliseconds => StandardUnit::Milliseconds,
            Unit::Percent => StandardUnit::Percent,
            Unit::Megabytes => StandardUnit::Megabytes,
            Unit::None => StandardUnit::None,
        };
        MetricDatum::builder()
            .metric_name(m.name)
            .unit(unit)
            .value(m.value)
            .dimensions(Dimension::builder().name("FunctionName").value(&self.function_name).build())
            .build()
    }
}

#[async_trait]
impl MetricsSink for PutMetricData {
    async fn emit(&self, metrics: &[Metric]) {
        for chunk in metrics.chunks(MAX_DATUMS_PER_CALL) {
            let data: Vec<MetricDatum> = chunk.iter().map(|m| self.datum(m)).collect();
            let sent =
                self.client.put_metric_data().namespace(&self.namespace).set_metric_data(Some(data)).send().await;
            if let Err(e) = sent {
                tracing::warn!(error = %DisplayErrorContext(&e), "could not send metrics to CloudWatch; the run goes on");
            }
        }
    }
}
