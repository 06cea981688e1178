//! One run of the job: source → records → plans → writer, in batches whose size adapts to what
//! the API can take, with every failed row in the error report and a summary at the end.
//!
//! The same [`run`] serves the CLI, the Lambda and the tests; they differ only in the source,
//! the report's destination and the time budget.

mod batcher;
mod batches;
mod folder;
pub mod formula;
mod memory;
mod progress;
mod report;
mod run;
mod summary;
mod window;

pub use batcher::{BatchSizer, SizerConfig};
pub use folder::safe_folder_name;
pub use ingesta_records::reader::Resume;
pub use memory::peak_rss_mb;
pub use progress::{BatchProgress, Progress};
pub use report::{ErrorReport, ErrorRow};
pub use run::{run, FatalError, RunConfig, StopFlag};
pub use summary::Summary;
