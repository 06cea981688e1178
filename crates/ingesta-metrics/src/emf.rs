//! Embedded Metric Format: the `_aws` envelope plus one root member per dimension and metric.

use crate::{Metric, MetricsSink};
use async_trait::async_trait;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes one EMF JSON line per emit to a writer (stdout in Lambda).
pub struct Emf<W: Write + Send> {
    namespace: String,
    function_name: String,
    out: Mutex<W>,
}

impl<W: Write + Send> Emf<W> {
    pub fn new(namespace: impl Into<String>, function_name: impl Into<String>, out: W) -> Self {
        Self { namespace: namespace.into(), function_name: function_name.into(), out: Mutex::new(out) }
    }

    /// The EMF document for `metrics`, timestamped `millis` since the epoch.
    pub fn document(&self, metrics: &[Metric], millis: u64) -> Value {
        let mut root = Map::new();
        let definitions: Vec<Value> =
            metrics.iter().map(|m| json!({ "Name": m.name, "Unit": m.unit.as_str() })).collect();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": millis,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": definitions,
                }],
            }),
        );
        root.insert("FunctionName".into(), json!(self.function_name));
        for m in metrics {
            root.insert(m.name.into(), json!(m.value));
        }
        Value::Object(root)
    }

    /// Gives the writer back (tests read what was written).
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl<W: Write + Send> MetricsSink for Emf<W> {
    async fn emit(&self, metrics: &[Metric]) {
        if metrics.is_empty() {
            return;
        }
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        // EMF allows 100 metrics per directive; our sets are far smaller, but stay within it.
        for chunk in metrics.chunks(100) {
            let line = self.document(chunk, millis).to_string();
            let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
            // Flushed per emit: EMF still in a buffer when the function is frozen is lost.
            if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
                tracing::warn!(error = %e, "could not write EMF metrics");
            }
        }
    }
}
