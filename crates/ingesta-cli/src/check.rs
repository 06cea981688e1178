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
        // Borrowed records and `validate`: exactly what `next_row` and `plan` would reject, with
        // no allocation per field or per row.
        while let Some(next) = reader.next_record().await? {
            rows_read += 1;
            if !next.is_ok_and(|record| schema.validate(&record).is_ok()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ingesta_records::LocalFile;
    use std::io::Write;

    /// What `check` counted when it planned every row the way a run does.
    async fn by_plan(source: &LocalFile) -> (u64, u64) {
        let mut reader = RecordReader::open(source, None).await.unwrap();
        let schema = Schema::from_headers(reader.headers()).unwrap();
        let (mut read, mut invalid) = (0, 0);
        while let Some(next) = reader.next_row().await.unwrap() {
            read += 1;
            invalid += u64::from(!next.is_ok_and(|raw| schema.plan(&raw).is_ok()));
        }
        (read, invalid)
    }

    #[tokio::test]
    async fn counts_what_planning_every_row_counts() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples");
        let sample = std::fs::read_to_string(format!("{dir}/participaciones.csv")).unwrap();
        // Sample rows made invalid in each way a row can be: no id, ragged, not text, stray quote.
        let mut hostile = sample.clone().into_bytes();
        for (i, line) in sample.lines().skip(1).enumerate() {
            let line = match i % 5 {
                0 => format!("NA{}", &line[line.find(',').unwrap()..]),
                1 => format!("{line},extra"),
                2 => format!("\u{feff}{line}"),
                3 => line.replacen(",", ",\"", 1),
                _ => line.to_string(),
            };
            hostile.extend_from_slice(line.as_bytes());
            hostile.extend_from_slice(if i % 2 == 0 { b"\r\n" } else { b"\n" });
        }
        hostile.extend_from_slice(b"P9,\xff\xfe\n");
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&hostile).unwrap();
        let files = [format!("{dir}/participaciones.csv"), format!("{dir}/participaciones_edge.csv")];
        for path in files.iter().map(String::as_str).chain([tmp.path().to_str().unwrap()]) {
            let source = LocalFile::new(path);
            let checked = check(&source).await.unwrap();
            let (read, invalid) = by_plan(&source).await;
            assert_eq!((checked.rows_read, checked.rows_invalid), (read, invalid), "{path}");
        }
        let checked = check(&LocalFile::new(tmp.path())).await.unwrap();
        assert!(checked.rows_invalid > 10 && checked.rows_invalid < checked.rows_read, "{checked:?}");
    }
}
