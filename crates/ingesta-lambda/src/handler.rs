//! The function: clients built once per container, one handler call per S3 event.

use crate::job::{run_object, Outcome};
use crate::routing::{route, Input};
use crate::settings::LambdaSettings;
use crate::token::SsmToken;
use aws_lambda_events::s3::S3Event;
use ingesta_client::{StrapiClient, Token};
use ingesta_metrics::MetricsSink;
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
    /// Set when the token came from SSM: read again when the API refuses it.
    pub ssm_token: Option<SsmToken>,
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
        let mut ssm_token = None;
        if settings.core.token.as_ref().is_none_or(Token::is_empty) {
            if let Some(param) = &settings.token_ssm_param {
                let ssm = SsmToken::new(sdk, param);
                settings.core.token = Token::new(ssm.read().await?);
                ssm_token = Some(ssm);
            }
        }
        let s3 = ingesta_s3::client(sdk, settings.s3_endpoint_url.as_deref());
        let api = Arc::new(StrapiClient::new(settings.core.client_config()).map_err(|e| e.to_string())?);
        let (ns, name) = (settings.core.metrics_namespace.clone(), settings.function_name.clone());
        let cloudwatch = || std::future::ready(aws_sdk_cloudwatch::Client::new(sdk));
        let metrics = settings.metrics_mode.sink(&ns, &name, cloudwatch).await;
        Ok(Self { settings, outputs: Outputs::new(s3.clone()), s3, api, metrics, ssm_token })
    }

    /// Whether the token in SSM is no longer the one in use; the client then uses the new one.
    /// Asked after a file failed: a refused token is the failure a rotation causes.
    async fn token_rotated(&self) -> bool {
        let Some(ssm) = &self.ssm_token else { return false };
        match ssm.read().await {
            Ok(token) => self.api.replace_token(Token::new(token)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the API token again");
                false
            }
        }
    }

    /// Handles one S3 event: every input record is processed; the result lists each file's
    /// summary and every ignored record with the reason. A file that fails fatally fails the
    /// invocation (after the others ran) so that it reaches the dead-letter queue.
    pub async fn handle(&self, event: LambdaEvent<S3Event>) -> Result<Value, lambda_runtime::Error> {
        let deadline = deadline_instant(event.context.deadline);
        tracing::info!(
            remaining_ms = deadline.saturating_duration_since(Instant::now()).as_millis() as u64,
            records = event.payload.records.len(),
            "invocation started"
        );
        let scratch = std::env::temp_dir().join(format!("ingesta-{}", event.context.request_id));
        std::fs::create_dir_all(&scratch)?;
        let (mut summaries, mut ignored, mut failures) = (Vec::new(), Vec::new(), Vec::new());
        for record in &event.payload.records {
            let s = &self.settings;
            match route(record, &s.input_prefix, &s.input_suffix, &s.core.ccts_s3_key) {
                Ok(Input { location: input, resume_only }) => {
                    let mut outcome = run_object(self, &input, resume_only, Some(deadline), &scratch).await;
                    if outcome.is_err() && self.token_rotated().await {
                        tracing::warn!(input = %input, "the API token in SSM changed since it was read; running the file again with the new one");
                        outcome = run_object(self, &input, resume_only, Some(deadline), &scratch).await;
                    }
                    match outcome {
                        Ok(Outcome::Ignored(reason)) => {
                            tracing::info!(%reason, "record ignored");
                            ignored.push(reason);
                        }
                        Ok(Outcome::Done(summary)) => {
                            tracing::info!(input = %input, complete = summary.complete, rows = summary.rows_read, failed = summary.rows_failed, "file done");
                            summaries.push(*summary);
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

/// Deadlines before this (2001-09-09 in epoch milliseconds) are not timestamps: `cargo lambda
/// watch` 1.9 sends the function's timeout itself (600000), which read as a date would leave no
/// time at all and stop every local run before its first row.
const EARLIEST_EPOCH_DEADLINE_MS: u64 = 1_000_000_000_000;

/// The invocation's deadline (epoch milliseconds, or a timeout from a local emulator) as an
/// `Instant`.
pub(crate) fn deadline_instant(deadline_ms: u64) -> Instant {
    if deadline_ms < EARLIEST_EPOCH_DEADLINE_MS {
        tracing::warn!(deadline_ms, "the runtime's deadline is not a timestamp; taking it as the time left");
        return Instant::now() + Duration::from_millis(deadline_ms);
    }
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(deadline_ms: u64) -> Duration {
        deadline_instant(deadline_ms).saturating_duration_since(Instant::now())
    }

    #[test]
    fn epoch_deadlines_and_emulator_timeouts() {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let in_five_minutes = left(now_ms + 300_000);
        assert!(in_five_minutes > Duration::from_secs(290) && in_five_minutes <= Duration::from_secs(300));
        assert_eq!(left(now_ms - 1_000), Duration::ZERO, "a deadline passed leaves nothing");
        let emulator = left(600_000);
        assert!(emulator > Duration::from_secs(590) && emulator <= Duration::from_secs(600), "{emulator:?}");
    }
}
