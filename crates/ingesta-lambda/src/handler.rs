//! The function: clients built once per container, one handler call per S3 event.

use crate::job::run_object;
use crate::routing::{route, Input};
use crate::settings::{LambdaSettings, MetricsMode};
use aws_lambda_events::s3::S3Event;
use ingesta_client::StrapiClient;
use ingesta_metrics::{Emf, MetricsSink, NoMetrics, PutMetricData};
use ingesta_s3::Outputs;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Everything a warm container reuses between invocations.
pub struct App {
    pub settings: LambdaSettings,
    pub s3: aws_sdk_s3::Client,
    pub outputs: Outputs,
    pub api: Arc<StrapiClient>,
    pub metrics: Arc<dyn MetricsSink>,
}

impl App {
    /// Reads the configuration and builds the clients (a cold start). Errors are for a person:
    /// they name the variable or parameter to fix.
    pub async fn from_env() -> Result<Self, String> {
        let settings = LambdaSettings::from_env()?;
        let sdk = aws_config::load_from_env().await;
        Self::new(settings, &sdk).await
    }

    /// Builds the clients from explicit settings and SDK configuration.
    pub async fn new(mut settings: LambdaSettings, sdk: &aws_config::SdkConfig) -> Result<Self, String> {
        if settings.core.token.as_deref().is_none_or(str::is_empty) {
            if let Some(param) = &settings.token_ssm_param {
                settings.core.token = Some(crate::token::from_ssm(sdk, param).await?);
            }
        }
        let s3 = ingesta_s3::client(sdk, settings.s3_endpoint_url.as_deref());
        let api = Arc::new(StrapiClient::new(settings.core.client_config()).map_err(|e| e.to_string())?);
        let (ns, name) = (settings.core.metrics_namespace.clone(), settings.function_name.clone());
        let metrics: Arc<dyn MetricsSink> = match settings.metrics_mode {
            MetricsMode::Emf => Arc::new(Emf::new(ns, name, std::io::stdout())),
            MetricsMode::Api => Arc::new(PutMetricData::new(aws_sdk_cloudwatch::Client::new(sdk), ns, name)),
            MetricsMode::Off => Arc::new(NoMetrics),
        };
        Ok(Self { settings, outputs: Outputs::new(s3.clone()), s3, api, metrics })
    }

    /// Handles one S3 event: every input record is processed; the result lists each file's
    /// summary and every ignored record with the reason. A file that fails fatally fails the
    /// invocation (after the others ran) so that it reaches the dead-letter queue.
    pub async fn handle(&self, event: LambdaEvent<S3Event>) -> Result<Value, lambda_runtime::Error> {
        let deadline = deadline_instant(event.context.deadline);
        let scratch = std::env::temp_dir().join(format!("ingesta-{}", event.context.request_id));
        std::fs::create_dir_all(&scratch)?;
        let (mut summaries, mut ignored, mut failures) = (Vec::new(), Vec::new(), Vec::new());
        for record in &event.payload.records {
            let s = &self.settings;
            match route(record, &s.input_prefix, &s.input_suffix, &s.core.ccts_s3_key) {
                Ok(Input { location: input, resume_only }) => {
                    match run_object(self, &input, resume_only, Some(deadline), &scratch).await {
                        Ok(None) => {
                            let reason = format!("{input}: its checkpoint is gone, the file was completed");
                            tracing::info!(%reason, "record ignored");
                            ignored.push(reason);
                        }
                        Ok(Some(summary)) => {
                            tracing::info!(input = %input, complete = summary.complete, rows = summary.rows_read, failed = summary.rows_failed, "file done");
                            summaries.push(summary);
                        }
                        Err(e) => {
                            tracing::error!(input = %input, error = %e, "file failed");
                            failures.push(format!("{input}: {e}"));
                        }
                    }
                }
                Err(reason) => {
                    tracing::info!(%reason, "record ignored");
                    ignored.push(reason);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
        if !failures.is_empty() {
            return Err(failures.join("; ").into());
        }
        Ok(json!({ "summaries": summaries, "ignored": ignored }))
    }
}

/// The invocation's deadline (epoch milliseconds) as an `Instant`.
fn deadline_instant(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
