//! `summary.json`: what a run did, for people and for the Lambda's invocation result.

use ingesta_cct::{CctStats, Choice};
use ingesta_client::{ClientStats, LimitState};
use ingesta_records::reader::Resume;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub input: String,
    /// True when the whole file was processed; false when the run stopped at its deadline.
    pub complete: bool,
    pub rows_read: u64,
    pub rows_succeeded: u64,
    pub rows_failed: u64,
    /// Rows that needed no write: everything they describe already existed.
    pub rows_already_complete: u64,
    pub created: BTreeMap<String, u64>,
    pub api: ApiSummary,
    pub cct: CctSummary,
    pub batch_size_min: usize,
    pub batch_size_max: usize,
    pub duration_ms: u64,
    pub peak_memory_mb: Option<f64>,
    pub unknown_columns: Vec<String>,
    pub warning_count: u64,
    pub warnings: Vec<String>,
    /// Where the next invocation resumes, when the run is partial.
    pub checkpoint: Option<Checkpoint>,
    /// How rows were written: `rest` (get-or-create per entity) or `bulk` (batches through the
    /// CMS's ingesta plugin); `none` when no row needed the API (an empty file); `rest+bulk` for
    /// a resumed file whose invocations took different paths.
    #[serde(default = "no_write_path")]
    pub write_path: String,
    /// Invocations this summary covers (more than one when a file was resumed).
    pub invocations: u32,
    /// Why the run stopped before the end of the file, other than its deadline: a signal, or
    /// the API refusing the token. The rows not read are not in the report; a rerun does them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiSummary {
    #[serde(flatten)]
    pub stats: ClientStats,
    pub mean_latency_ms: f64,
    /// API requests per row read (the figure to compare with the old implementation's 14.4).
    pub requests_per_row: f64,
    /// The limit of requests in flight: where it ended, and its range during the run.
    #[serde(default)]
    pub concurrency: LimitState,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CctSummary {
    pub mode: String,
    #[serde(flatten)]
    pub stats: CctStats,
    pub hit_rate: f64,
    /// How the mode was chosen: the table's size, the estimate, the budget, the reason.
    #[serde(default)]
    pub choice: Option<Choice>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub byte_offset: u64,
    pub next_row: u64,
}

impl From<Resume> for Checkpoint {
    fn from(r: Resume) -> Self {
        Self { byte_offset: r.byte_offset, next_row: r.next_row }
    }
}

fn no_write_path() -> String {
    "none".into()
}

fn concurrency_range(l: &LimitState) -> String {
    match (l.adaptive, l.min == l.max) {
        (false, _) => format!("{} (fixed)", l.current),
        (true, true) => format!("{} (adaptive, ceiling {})", l.current, l.ceiling),
        (true, false) => format!("{}..{} (adaptive, ceiling {}, ended at {})", l.min, l.max, l.ceiling, l.current),
    }
}

impl Summary {
    /// Folds an earlier invocation's summary of the same file into this one, so the summary of
    /// the invocation that completes a file covers the whole file.
    pub fn absorb(&mut self, earlier: &Summary) {
        self.rows_read += earlier.rows_read;
        self.rows_succeeded += earlier.rows_succeeded;
        self.rows_failed += earlier.rows_failed;
        self.rows_already_complete += earlier.rows_already_complete;
        for (c, n) in &earlier.created {
            *self.created.entry(c.clone()).or_default() += n;
        }
        let (a, b) = (&mut self.api.stats, &earlier.api.stats);
        a.requests += b.requests;
        a.retries += b.retries;
        a.errors += b.errors;
        a.throttled += b.throttled;
        a.circuit_rejections += b.circuit_rejections;
        a.circuit_opened += b.circuit_opened;
        a.latency_us_total += b.latency_us_total;
        a.verifications += b.verifications;
        a.verified_landed += b.verified_landed;
        a.timeouts += b.timeouts;
        self.api.mean_latency_ms = a.mean_latency_ms();
        let (l, m) = (&mut self.api.concurrency, &earlier.api.concurrency);
        if m.max > 0 {
            (l.min, l.max) = (l.min.min(m.min), l.max.max(m.max));
        }
        self.api.requests_per_row =
            if self.rows_read == 0 { 0.0 } else { self.api.stats.requests as f64 / self.rows_read as f64 };
        let (c, d) = (&mut self.cct.stats, &earlier.cct.stats);
        c.lookups += d.lookups;
        c.cache_hits += d.cache_hits;
        c.found += d.found;
        c.api_calls += d.api_calls;
        self.cct.hit_rate = c.hit_rate();
        self.batch_size_min = self.batch_size_min.min(earlier.batch_size_min);
        self.batch_size_max = self.batch_size_max.max(earlier.batch_size_max);
        self.duration_ms += earlier.duration_ms;
        self.peak_memory_mb = match (self.peak_memory_mb, earlier.peak_memory_mb) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.warning_count += earlier.warning_count;
        let mut warnings = earlier.warnings.clone();
        warnings.append(&mut self.warnings);
        warnings.truncate(100);
        self.warnings = warnings;
        self.invocations += earlier.invocations;
        // A file resumed after the plugin came or went was written both ways: both are named.
        let mut paths: Vec<&str> = earlier.write_path.split('+').filter(|p| *p != "none").collect();
        if self.write_path != "none" && !paths.contains(&self.write_path.as_str()) {
            paths.push(&self.write_path);
        }
        self.write_path = if paths.is_empty() { no_write_path() } else { paths.join("+") };
    }

    /// A few lines for a terminal.
    pub fn human(&self) -> String {
        let mut s = format!(
            "{}: {} rows read, {} succeeded ({} already complete), {} failed; {}\n",
            self.input,
            self.rows_read,
            self.rows_succeeded,
            self.rows_already_complete,
            self.rows_failed,
            if self.complete { "complete" } else { "PARTIAL (resume from checkpoint)" },
        );
        let created: Vec<String> =
            self.created.iter().filter(|(_, n)| **n > 0).map(|(c, n)| format!("{c} {n}")).collect();
        s += &format!("created: {}\n", if created.is_empty() { "nothing".to_string() } else { created.join(", ") });
        s += &format!(
            "api: {} requests ({:.1} per row), {} retries, {} errors, mean latency {:.1} ms, in flight {}\n",
            self.api.stats.requests,
            self.api.requests_per_row,
            self.api.stats.retries,
            self.api.stats.errors,
            self.api.mean_latency_ms,
            concurrency_range(&self.api.concurrency),
        );
        s += &format!(
            "write path {}; cct: {} mode, {} look-ups, hit rate {:.0}%; batch size {}..{}; {:.1} s",
            self.write_path,
            self.cct.mode,
            self.cct.stats.lookups,
            self.cct.hit_rate * 100.0,
            self.batch_size_min,
            self.batch_size_max,
            self.duration_ms as f64 / 1000.0
        );
        if let Some(mb) = self.peak_memory_mb {
            s += &format!(", peak memory {mb:.0} MiB");
        }
        if let Some(c) = &self.cct.choice {
            s += &format!("\ncct mode chosen because: {}", c.reason);
        }
        if !self.unknown_columns.is_empty() {
            s += &format!("\nignored unknown columns: {}", self.unknown_columns.join(", "));
        }
        if self.warning_count > 0 {
            s += &format!("\n{} warning(s); first: {}", self.warning_count, self.warnings[0]);
        }
        s
    }
}
