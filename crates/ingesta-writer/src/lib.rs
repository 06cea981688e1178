//! Writing row plans to the API so that every entity lands exactly once.
//!
//! - Before the first write, the CMS's model is read and what the writer sends ([`SENT`]) is
//!   held against it ([`preflight`]); every body is then shaped to the model's types.
//! - Parents (programs, implementations and their modules, sessions and work items) and
//!   participants are get-or-create behind single-flight caches: however many concurrent rows
//!   need one, one look-up and at most one create happen.
//! - What this run created is remembered, so its children are created without a look-up; what
//!   already existed has its children fetched once per collection and reconciled, so a rerun
//!   doubles nothing and completes what an interrupted run left undone.
//! - A create refused as a duplicate (a retried POST whose first attempt landed) is resolved by
//!   a look-up, never by a second entity.
//! - That is the REST path ([`Writer`]). Where the CMS has the `ingesta` plugin, the bulk path
//!   ([`BulkWriter`]) sends whole batches instead, each written in one transaction; both are a
//!   [`Sink`], and [`open`] picks one per run (`WRITE_PATH`).

mod bulk;
mod children;
mod collections;
mod open;
mod parents;
mod participant;
mod path;
mod preflight;
mod sent;
mod sink;
mod store;
mod warnings;
mod writer;

pub use bulk::BulkWriter;
pub use collections::Collection;
pub use open::open;
pub use path::WritePath;
pub use preflight::{preflight, ModelSource, Preflight, MODEL_PATH};
pub use sent::SENT;
pub use sink::Sink;
pub use writer::{RowFailure, RowOutcome, Writer, WriterConfig, WriterError};
