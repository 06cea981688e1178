//! The function's one entry: an S3 event (`{"Records": …}`) goes to [`App::handle`], a fan-out
//! step (`{"step": …}`, sent by the state machine in `infra/distributed-map.asl.json`) to
//! [`crate::fanout`]. Anything else fails, naming both shapes.

use crate::fanout::{self, Step, STEPS};
use crate::handler::{deadline_instant, App};
use aws_lambda_events::s3::S3Event;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

/// Handles one invocation, whichever shape its payload has.
pub async fn dispatch(app: &App, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let LambdaEvent { payload, context } = event;
    if payload.get("Records").is_some() {
        let s3: S3Event = serde_json::from_value(payload).map_err(|e| format!("not an S3 event: {e}"))?;
        return app.handle(LambdaEvent::new(s3, context)).await;
    }
    if payload.get("step").is_some() {
        let step: Step = serde_json::from_value(payload)
            .map_err(|e| format!("not a fan-out step (one of {}): {e}", STEPS.join(", ")))?;
        let deadline = deadline_instant(context.deadline);
        tracing::info!(?step, "fan-out step started");
        let scratch = std::env::temp_dir().join(format!("ingesta-{}", context.request_id));
        std::fs::create_dir_all(&scratch)?;
        let result = fanout::run_step(app, step, deadline, &scratch).await;
        let _ = std::fs::remove_dir_all(&scratch);
        return result.map_err(|e| {
            tracing::error!(error = %e, "fan-out step failed");
            e.into()
        });
    }
    Err(format!(
        "the event is neither an S3 event ({{\"Records\": …}}) nor a fan-out step ({{\"step\": one of {}}})",
        STEPS.join(", ")
    )
    .into())
}
