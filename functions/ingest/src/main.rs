//! The Lambda entry point: logs, configuration and clients once per container, then one call of
//! the dispatcher per invocation (an S3 event, or a step of the Step Functions fan-out).

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ingesta_lambda::logging::init();
    let app = ingesta_lambda::App::from_env().await.map_err(|e| {
        tracing::error!(error = %e, "cannot start");
        e
    })?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| ingesta_lambda::entry::dispatch(app, event))).await
}
