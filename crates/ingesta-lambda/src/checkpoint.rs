//! The checkpoint an invocation leaves when its deadline stops it: where the next one resumes,
//! which version of the object it was reading, what has been done so far and how many
//! continuations the file has taken (the chain's bound). And how a run begins given the
//! checkpoint it finds.

use ingesta_pipeline::{Resume, Summary};
use ingesta_records::ByteSource;
use ingesta_s3::{Outputs, S3Location, S3Object};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub input: String,
    /// The object's ETag when the run began; a resumed read requires the same one.
    pub etag: Option<String>,
    pub byte_offset: u64,
    pub next_row: u64,
    /// The error report's length when the checkpoint was written. An invocation may append rows
    /// to the report and then fail to write its own checkpoint; its retry resumes from this one,
    /// and keeping the whole report would list those rows twice. `None` in older checkpoints.
    #[serde(default)]
    pub report_bytes: Option<u64>,
    /// Everything the earlier invocations did, folded into the final summary.
    pub so_far: Summary,
    /// Continuations so far: the invocation this checkpoint triggers is continuation `hops`.
    /// Older checkpoints lack it and count from 0, which only lengthens their chain's bound.
    #[serde(default)]
    pub hops: u32,
}

impl Checkpoint {
    pub fn resume(&self) -> Resume {
        Resume { byte_offset: self.byte_offset, next_row: self.next_row }
    }

    /// The part of the error report in S3 written by the invocations up to this checkpoint.
    pub fn report_prefix<'a>(&self, report: &'a [u8]) -> &'a [u8] {
        let kept = prefix(report, self.report_bytes);
        if kept.len() < self.report_bytes.unwrap_or(0) as usize {
            // Rows of this checkpoint's invocations are missing (the report was edited or
            // deleted): nothing to cut, and the report cannot be rebuilt from here.
            tracing::warn!(input = %self.input, expected = self.report_bytes, found = report.len(), "the error report is shorter than its checkpoint says");
        }
        kept
    }
}

/// The count for the checkpoint a run leaves, given the one it resumed from (if any).
pub fn next_hop(resumed: Option<&Checkpoint>) -> u32 {
    resumed.map_or(0, |c| c.hops).saturating_add(1)
}

/// Why a partial run may not leave a checkpoint: it would start continuation `next_hop` of a
/// chain bounded by `max` (MAX_CHECKPOINT_HOPS). The function opts out of Lambda's own
/// recursive-loop stop, so this is the bound; failing here reaches the alarm and the
/// dead-letter queue instead of invoking for ever.
pub fn past_hop_limit(next_hop: u32, max: u32) -> Option<String> {
    (next_hop > max).then(|| {
        format!(
            "the file needs more than MAX_CHECKPOINT_HOPS={max} continuations; the report and summary \
             so far are written and the last checkpoint is kept. Raise MAX_CHECKPOINT_HOPS (or the \
             function's timeout), then invoke the function again with the failed event (the \
             requestPayload of its dead-letter message) to go on from that checkpoint"
        )
    })
}

fn prefix(report: &[u8], len: Option<u64>) -> &[u8] {
    match len {
        Some(n) if (n as usize) < report.len() => &report[..n as usize],
        _ => report,
    }
}

/// How a run begins.
pub enum Start {
    /// From row 1. `replaces`: a checkpoint of an earlier upload of the key is there, to be
    /// overwritten or deleted as the run ends, or it would go on triggering and failing.
    Fresh {
        replaces: bool,
    },
    Resume(Box<Checkpoint>),
    /// No run: the reason, for the invocation's `ignored`.
    Skip(String),
}

/// Reads the checkpoint at `at` (if any) for `source`. `resume_only`: the invocation comes from
/// the checkpoint's own event rather than from an upload of the input.
pub async fn start(outputs: &Outputs, at: &S3Location, source: &S3Object, resume_only: bool) -> Result<Start, String> {
    let input = source.name();
    let Some(bytes) = outputs.get_bytes(at).await? else {
        if resume_only {
            return Ok(Start::Skip(format!("{input}: its checkpoint is gone, the file was completed")));
        }
        return Ok(Start::Fresh { replaces: false });
    };
    let checkpoint: Checkpoint = serde_json::from_slice(&bytes)
        .map_err(|e| format!("checkpoint {at} is unreadable ({e}); delete it to start the file over"))?;
    let current = source.head_etag().await.map_err(|e| e.to_string())?;
    // Without both ETags there is nothing to compare; the pinned GET still refuses a changed file.
    let replaced = matches!((&checkpoint.etag, &current), (Some(then), Some(now)) if then != now);
    if !replaced {
        return Ok(Start::Resume(Box::new(checkpoint)));
    }
    if resume_only {
        // The new upload's own event starts the file over; going on here would mix two files.
        return Ok(Start::Skip(format!(
            "{input}: the file was uploaded again after its checkpoint was written; its upload starts it over"
        )));
    }
    tracing::info!(input = %input, "the file was uploaded again; starting it over");
    Ok(Start::Fresh { replaces: true })
}

#[cfg(test)]
mod tests {
    use super::{past_hop_limit, prefix};

    #[test]
    fn the_chain_stops_past_its_bound_naming_the_setting() {
        assert_eq!(past_hop_limit(1000, 1000), None);
        let reason = past_hop_limit(3, 2).expect("past the bound");
        assert!(reason.contains("MAX_CHECKPOINT_HOPS=2"), "{reason}");
        assert!(past_hop_limit(1, 0).is_some(), "0: every file must finish in one invocation");
    }

    #[test]
    fn the_report_is_cut_to_the_checkpoints_length() {
        let report = b"row_number,error\n4,x\n16,y\n";
        assert_eq!(prefix(report, Some(21)), b"row_number,error\n4,x\n");
        assert_eq!(prefix(report, None), report, "a checkpoint from before the length was kept");
        assert_eq!(prefix(report, Some(99)), report);
    }
}
