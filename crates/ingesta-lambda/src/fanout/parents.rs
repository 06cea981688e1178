//! `parents`: the file's shared parents created once, before any shard runs.

use super::*;

/// What the `parents` step did (`parents.json`); `merge` adds `created` to the file's summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParentsDone {
    pub input: String,
    pub rows_read: u64,
    /// Rows whose parents the API refused for good (a 4xx): their shard reports them.
    pub rows_refused: u64,
    pub created: BTreeMap<String, u64>,
}

/// A failure that another attempt may not meet: the step fails (Step Functions retries it)
/// rather than leave a parent for the shards to create concurrently.
fn transient(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Unauthorized { .. }
            | ApiError::Server { .. }
            | ApiError::RateLimited { .. }
            | ApiError::Transport { .. }
            | ApiError::Timeout { .. }
            | ApiError::CircuitOpen
            | ApiError::Decode { .. }
            | ApiError::NotAttempted { .. }
    )
}

pub(super) async fn parents(app: &App, input: &S3Location, run: &str, deadline: Instant) -> Result<Value, String> {
    let run = checked_run(run)?;
    let source = S3Object::new(app.s3.clone(), input.clone());
    let mut reader = RecordReader::open(&source, None).await.map_err(|e| e.to_string())?;
    let mut done = ParentsDone { input: input.to_string(), rows_read: 0, rows_refused: 0, created: BTreeMap::new() };
    if !reader.headers().is_empty() {
        let schema = Schema::from_headers(reader.headers()).map_err(|e| e.to_string())?;
        app.api.set_deadline(Some(deadline));
        let cct = Arc::new(choose_cct(app, input).await);
        let writer = Writer::new(app.api.clone(), &schema, cct, app.settings.core.writer_config())
            .await
            .map_err(|e| e.to_string())?;
        let mut plans = Vec::with_capacity(PARENTS_BATCH);
        let mut retry = Vec::new();
        loop {
            let next = reader.next_row().await.map_err(|e| e.to_string())?;
            let eof = next.is_none();
            if let Some(row) = next {
                done.rows_read += 1;
                // Rows that cannot be planned need no parent; their shard reports them.
                if let Ok(plan) = row.map_err(drop).and_then(|raw| schema.plan(&raw).map_err(drop)) {
                    plans.push(plan);
                }
            }
            if plans.len() >= PARENTS_BATCH || (eof && !plans.is_empty()) {
                // In file order, as one run would: the first modality of a session wins.
                for (row, failure) in writer.prepare_batch(&plans).await {
                    if transient(&failure.error) {
                        retry.push((row, failure.error.to_string()));
                    } else {
                        done.rows_refused += 1;
                    }
                }
                plans.clear();
            }
            if eof {
                break;
            }
        }
        if let Some((row, error)) = retry.iter().min_by_key(|(row, _)| *row) {
            return Err(format!(
                "parents: the parents of {} row(s) could not be written (first: row {row}: {error}); \
                 the step is to be run again before any shard",
                retry.len()
            ));
        }
        done.created = writer.created().into_iter().map(|(c, n)| (c.to_string(), n)).collect();
    }
    let bytes = serde_json::to_vec_pretty(&done).map_err(|e| e.to_string())?;
    app.outputs.put_bytes(&input.with_key(parents_key(&input.key, &run)), bytes, "application/json").await?;
    tracing::info!(input = %input, rows = done.rows_read, refused = done.rows_refused, "parents written");
    serde_json::to_value(&done).map_err(|e| e.to_string())
}
