//! The Lambda entry point: logs, configuration and clients once per container, then one handler
//! call per S3 event.

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .init();
    let app = ingesta_lambda::App::from_env().await.map_err(|e| {
        tracing::error!(error = %e, "cannot start");
        e
    })?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| app.handle(event))).await
}
