//! The Lambda entry point: logs, configuration and clients once per container, then one handler
//! call per S3 event.

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ingesta_lambda::logging::init();
    let app = ingesta_lambda::App::from_env().await.map_err(|e| {
        tracing::error!(error = %e, "cannot start");
        e
    })?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| app.handle(event))).await
}
