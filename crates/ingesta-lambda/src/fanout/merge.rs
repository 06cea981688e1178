//! `merge`: the shards' reports folded into the file's own, with original row numbers.

use super::parents::ParentsDone;
use super::*;

pub(super) async fn merge(app: &App, input: &S3Location, run: &str, shards: u32) -> Result<Value, String> {
    let run = checked_run(run)?;
    let mut failed: Vec<(u64, csv::StringRecord)> = Vec::new();
    let mut total: Option<Summary> = None;
    let mut incomplete = Vec::new();
    for i in 0..shards {
        let shard = shard_key(&input.key, &run, i);
        let map_at = input.with_key(rows_key(&input.key, &run, i));
        let map = app.outputs.get_bytes(&map_at).await?.ok_or_else(|| format!("merge: {map_at} is missing"))?;
        let map: Vec<u64> = std::str::from_utf8(&map)
            .map_err(|e| format!("merge: {map_at}: {e}"))?
            .lines()
            .map(|l| l.parse().map_err(|e| format!("merge: {map_at}: '{l}': {e}")))
            .collect::<Result<_, String>>()?;
        let Some(summary) = app.outputs.get_bytes(&input.with_key(report_key(&shard, "summary.json"))).await? else {
            incomplete.push(i);
            continue;
        };
        let summary: Summary =
            serde_json::from_slice(&summary).map_err(|e| format!("merge: shard {i}'s summary: {e}"))?;
        if !summary.complete {
            incomplete.push(i);
        }
        match &mut total {
            None => total = Some(summary),
            Some(t) => t.absorb(&summary),
        }
        let errors_at = input.with_key(report_key(&shard, "errors.csv"));
        if let Some(errors) = app.outputs.get_bytes(&errors_at).await? {
            for record in csv::Reader::from_reader(errors.as_slice()).records() {
                let record = record.map_err(|e| format!("merge: {errors_at}: {e}"))?;
                let n: u64 = record.get(0).and_then(|n| n.parse().ok()).unwrap_or(0);
                let original = n.checked_sub(1).and_then(|n| map.get(n as usize)).copied();
                let original = original.ok_or_else(|| format!("merge: {errors_at}: row {n} is not in {map_at}"))?;
                failed.push((original, record));
            }
        }
    }
    let mut summary = total.ok_or_else(|| format!("merge: no shard of {input} has a summary"))?;
    failed.sort_by_key(|(n, _)| *n);
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| format!("merge: {e}");
    out.write_record(["row_number", "id_externo", "email", "stage", "error"]).map_err(csv_error)?;
    for (n, record) in &failed {
        let n = n.to_string();
        // The cells were neutralised when the shard wrote them: copied as they are.
        out.write_record(std::iter::once(n.as_str()).chain(record.iter().skip(1))).map_err(csv_error)?;
    }
    let report = out.into_inner().map_err(|e| format!("merge: {e}"))?;
    if let Some(bytes) = app.outputs.get_bytes(&input.with_key(parents_key(&input.key, &run))).await? {
        let parents: ParentsDone = serde_json::from_slice(&bytes).map_err(|e| format!("merge: parents.json: {e}"))?;
        for (c, n) in parents.created {
            *summary.created.entry(c).or_default() += n;
        }
    }
    summary.input = input.to_string();
    summary.complete = incomplete.is_empty();
    summary.checkpoint = None;
    if !incomplete.is_empty() {
        summary.stopped = Some(format!("fan-out shard(s) {incomplete:?} of run {run} did not complete"));
    }
    app.outputs.put_bytes(&input.with_key(report_key(&input.key, "errors.csv")), report, "text/csv").await?;
    let json = serde_json::to_vec_pretty(&summary).map_err(|e| e.to_string())?;
    app.outputs.put_bytes(&input.with_key(report_key(&input.key, "summary.json")), json, "application/json").await?;
    tracing::info!(input = %input, complete = summary.complete, rows = summary.rows_read, failed = summary.rows_failed, "shards merged");
    Ok(json!({
        "bucket": input.bucket, "key": input.key, "complete": summary.complete,
        "rows_read": summary.rows_read, "rows_failed": summary.rows_failed, "incomplete_shards": incomplete,
    }))
}
