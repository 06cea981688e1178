//! The checkpoint an invocation leaves when its deadline stops it: where the next one resumes,
//! which version of the object it was reading, and what has been done so far.

use ingesta_pipeline::{Resume, Summary};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub input: String,
    /// The object's ETag when the run began; a resumed read requires the same one.
    pub etag: Option<String>,
    pub byte_offset: u64,
    pub next_row: u64,
    /// Everything the earlier invocations did, folded into the final summary.
    pub so_far: Summary,
}

impl Checkpoint {
    pub fn resume(&self) -> Resume {
        Resume { byte_offset: self.byte_offset, next_row: self.next_row }
    }
}
