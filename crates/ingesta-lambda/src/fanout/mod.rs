//! A Step Functions fan-out of one file (`infra/distributed-map.asl.json`), every step an entry
//! point of this same function ([`crate::entry`]):
//!
//! 1. `split` streams the CSV once and writes K shard objects under
//!    `fanout/<key>/<run>/shard-<i>.csv` (the file's header, then its records byte for byte),
//!    every row of one participant (`ID`) in the same shard, rows without an ID in shard 0; and
//!    beside each shard `shard-<i>.rows`, the original row number of each of its rows, one a line.
//! 2. `parents` reads the file once and creates its programs, implementations and their
//!    modules, sessions and work items (and the sessions' modalities, first value in file order),
//!    before any shard runs: shards then only look parents up and never race to create one.
//! 3. `shard` is the ordinary run of one shard object (checkpointing near its deadline; the state
//!    machine invokes it again until it says `complete`), reports under the shard's report keys.
//! 4. `merge` folds the shards' `errors.csv` (original row numbers, sorted) and `summary.json` into
//!    the file's own `reports/<key stem>/`.

mod merge;
mod parents;
mod shard;
mod split;

use crate::handler::App;
use crate::job::{choose_cct, run_object_with, JobOptions, Outcome};
use crate::routing::report_key;
use async_trait::async_trait;
use ingesta_client::ApiError;
use ingesta_mapping::Schema;
use ingesta_pipeline::Summary;
use ingesta_records::source::ByteStream;
use ingesta_records::values::text;
use ingesta_records::{ByteSource, RecordReader, SourceError, StartAt};
use ingesta_s3::{S3Location, S3Object};
use ingesta_writer::Writer;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, ReadBuf};

/// Where shards and their row maps live: one of the function's own outputs, never an input.
pub const SHARDS: &str = "fanout/";

/// The steps the function accepts as `{"step": …}`; `scripts/check_infra.py` holds the state
/// machine's task payloads against this list.
pub const STEPS: [&str; 4] = ["split", "parents", "shard", "merge"];

/// Shards one file is split into at most (each is two open files while splitting).
pub const MAX_SHARDS: u32 = 256;

/// Row plans whose parents are resolved at once in the `parents` step.
const PARENTS_BATCH: usize = 500;

/// One fan-out step, as the state machine sends it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "step", rename_all = "lowercase")]
pub enum Step {
    /// `run`: the folder of this split under `fanout/<key>/`; the object's ETag by default, so
    /// a retried split overwrites its own shards.
    Split {
        bucket: String,
        key: String,
        shards: u32,
        #[serde(default)]
        run: Option<String>,
    },
    Parents {
        bucket: String,
        key: String,
        run: String,
    },
    /// `key`: a shard object's key, as `split` returned it.
    Shard {
        bucket: String,
        key: String,
    },
    Merge {
        bucket: String,
        key: String,
        run: String,
        shards: u32,
    },
}

/// Runs one step; the result is the state's output.
pub async fn run_step(app: &App, step: Step, deadline: Instant, scratch: &Path) -> Result<Value, String> {
    match step {
        Step::Split { bucket, key, shards, run } => {
            split::split(app, &S3Location { bucket, key }, shards, run, scratch).await
        }
        Step::Parents { bucket, key, run } => parents::parents(app, &S3Location { bucket, key }, &run, deadline).await,
        Step::Shard { bucket, key } => shard::shard(app, &S3Location { bucket, key }, deadline, scratch).await,
        Step::Merge { bucket, key, run, shards } => merge::merge(app, &S3Location { bucket, key }, &run, shards).await,
    }
}

/// `fanout/<key>/<run>/shard-<i>.csv`.
pub fn shard_key(key: &str, run: &str, i: u32) -> String {
    format!("{SHARDS}{key}/{run}/shard-{i}.csv")
}

/// `fanout/<key>/<run>/shard-<i>.rows`: the original row number of each row of the shard.
pub fn rows_key(key: &str, run: &str, i: u32) -> String {
    format!("{SHARDS}{key}/{run}/shard-{i}.rows")
}

/// `fanout/<key>/<run>/parents.json`: what the `parents` step created.
pub fn parents_key(key: &str, run: &str) -> String {
    format!("{SHARDS}{key}/{run}/parents.json")
}

/// The shard of a participant: FNV-1a of the trimmed ID, modulo the shard count (stable across
/// processes and Rust versions, unlike std's hasher).
pub fn shard_of(id: &str, shards: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(shards.max(1))) as u32
}

fn checked_run(run: &str) -> Result<String, String> {
    let ok =
        !run.is_empty() && run.len() <= 64 && run.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(run.to_string())
    } else {
        Err(format!("run '{run}' must be 1-64 letters, digits, '-' or '_'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_name_parses() {
        let ask = |step: &str| json!({"step": step, "bucket": "b", "key": "k", "run": "r", "shards": 3});
        for step in STEPS {
            assert!(serde_json::from_value::<Step>(ask(step)).is_ok(), "{step}");
        }
        assert!(serde_json::from_value::<Step>(ask("spilt")).is_err());
    }

    #[test]
    fn shards_are_stable_and_ignore_surrounding_spaces() {
        assert_eq!(shard_of(" P001 ", 7), shard_of("P001", 7));
        assert_eq!(shard_of("P001", 1), 0);
        let spread: std::collections::HashSet<u32> = (0..100).map(|n| shard_of(&format!("P{n:03}"), 3)).collect();
        assert_eq!(spread.len(), 3);
    }

    #[test]
    fn runs_are_plain_names() {
        assert!(checked_run("../x").is_err() && checked_run("abc-1_2").is_ok());
    }
}
