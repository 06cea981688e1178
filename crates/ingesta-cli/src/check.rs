//! `ingesta check`: the pipeline's read and validation stages alone (the same record reader and
//! the same per-row plan), no API. It measures what streaming and parsing cost on their own:
//! speed and peak memory of a big file, local or in S3.

use ingesta_mapping::Schema;
use ingesta_records::{ByteSource, RecordReader};
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct Checked {
    pub input: String,
    pub rows_read: u64,
    /// Rows a run would put in the error report before any API call (stage `read` or `validation`).
    pub rows_invalid: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub peak_rss_mb: Option<f64>,
}

/// Streams `source` to the end. Fails only as a run would fail before its first row: the input
/// cannot be read, or its header lacks a required column.
pub async fn check(source: &dyn ByteSource) -> anyhow::Result<Checked> {
    let started = Instant::now();
    let mut reader = RecordReader::open(source, None).await?;
    let (mut rows_read, mut rows_invalid) = (0, 0);
    // An empty file has no header and nothing to validate, as in a run.
    if !reader.headers().is_empty() {
        let schema = Schema::from_headers(reader.headers())?;
        while let Some(next) = reader.next_row().await? {
            rows_read += 1;
            if !next.is_ok_and(|raw| schema.plan(&raw).is_ok()) {
                rows_invalid += 1;
            }
        }
    }
    Ok(Checked {
        input: source.name(),
        rows_read,
        rows_invalid,
        bytes: reader.resume_point().byte_offset,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mb: ingesta_pipeline::peak_rss_mb(),
    })
}

impl Checked {
    pub fn human(&self) -> String {
        let mib = self.bytes as f64 / (1024.0 * 1024.0);
        let peak = self.peak_rss_mb.map_or("unknown".into(), |mb| format!("{mb:.1} MiB"));
        format!(
            "input:        {}\nrows read:    {}\nrows invalid: {}\nbytes:        {} ({mib:.1} MiB)\nseconds:      {:.2}\npeak RSS:     {peak}",
            self.input, self.rows_read, self.rows_invalid, self.bytes, self.seconds
        )
    }
}
