//! The Lambda's logic, kept out of `functions/ingest` so tests call it without a Lambda:
//! an S3 event → for each record, the input object's location ([`routing`]) → one run of the
//! pipeline on the streamed object ([`job`]), resuming from a checkpoint when an earlier
//! invocation stopped at its deadline → the error report, summary and checkpoint in S3, and
//! metrics as EMF lines. The same function runs the steps of a Step Functions fan-out
//! ([`fanout`]); [`entry::dispatch`] tells the two kinds of invocation apart.

pub mod checkpoint;
pub mod entry;
pub mod fanout;
pub mod handler;
pub mod job;
pub mod logging;
pub mod routing;
pub mod settings;
pub mod token;

pub use handler::App;
pub use settings::LambdaSettings;
