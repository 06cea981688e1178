//! `shard`: the ordinary run of one shard object.

use super::*;

pub(super) async fn shard(app: &App, at: &S3Location, deadline: Instant, scratch: &Path) -> Result<Value, String> {
    if !at.key.starts_with(SHARDS) {
        return Err(format!("shard: {at} is not a fan-out shard (under {SHARDS})"));
    }
    let options = JobOptions { always_look_up_parents: true };
    match run_object_with(app, at, false, Some(deadline), scratch, options).await? {
        Outcome::Done(s) => Ok(json!({
            "bucket": at.bucket, "key": at.key, "complete": s.complete,
            "rows_read": s.rows_read, "rows_failed": s.rows_failed,
        })),
        Outcome::Ignored(reason) => Err(reason),
    }
}
