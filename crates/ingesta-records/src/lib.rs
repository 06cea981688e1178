//! Reading the participations CSV: a byte [`source`], a streaming [`reader`] that yields one
//! [`RawRow`] per CSV record (or, borrowed, a [`Record`]; or a [`RowError`] the run can report and
//! move past), and the [`values`] rules every later stage uses to read a cell (NA, booleans, numbers).
//!
//! Nothing here knows about entities or the API; that is `ingesta-mapping`'s job.

mod framing;
pub mod header;
pub mod reader;
mod record;
pub mod source;
pub mod values;

pub use header::normalize_header;
pub use reader::{
    QuoteOverrun, RawRow, ReadError, RecordReader, Resume, RowError, RowErrorKind, MAX_FIELD_BYTES, MAX_QUOTED_LINES,
};
pub use record::Record;
pub use source::{ByteSource, LocalFile, SourceError, StartAt};
