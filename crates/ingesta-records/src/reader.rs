//! Streaming CSV records with per-row errors: a bad record becomes a [`RowError`] and reading goes
//! on; only a broken stream is fatal ([`ReadError`]).

use crate::header::normalize_header;
use crate::source::{ByteSource, ByteStream, SourceError, StartAt};
use csv_async::{AsyncReaderBuilder, ByteRecord};

/// A field longer than this is a row error: no real cell is this long, and it bounds memory.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// One CSV record, decoded as UTF-8, with its place in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// 1 for the first record after the header; a quoted multi-line field is still one record.
    pub row_number: u64,
    /// Byte offset where this record starts in the object.
    pub byte_offset: u64,
    pub fields: Vec<String>,
}

/// Why one record could not be used. The run reports it and goes on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowErrorKind {
    #[error("the row has {found} fields but the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("column '{column}' is not valid UTF-8")]
    InvalidUtf8 { column: String },
    #[error("column '{column}' is {bytes} bytes long, over the {MAX_FIELD_BYTES}-byte limit")]
    FieldTooLong { column: String, bytes: usize },
}

/// A record that could not be used, with a lossy copy of its fields so the report can still
/// name the participant.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub row_number: u64,
    pub byte_offset: u64,
    pub kind: RowErrorKind,
    pub lossy_fields: Vec<String>,
}

/// A failure that stops the file: the stream broke or could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("reading {name} failed near byte {offset}: {reason}")]
    Stream { name: String, offset: u64, reason: String },
    #[error("the header of {name} is not valid UTF-8")]
    HeaderEncoding { name: String },
}

/// Where a resumed read starts: the byte offset and number of the next unprocessed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    pub byte_offset: u64,
    pub next_row: u64,
}

/// Reads records one by one from a [`ByteSource`], never holding more than one record.
pub struct RecordReader {
    name: String,
    headers: Vec<String>,
    inner: csv_async::AsyncReader<ByteStream>,
    record: ByteRecord,
    base_offset: u64,
    next_row: u64,
}

impl RecordReader {
    /// Opens `source`, reads its header, and (with `resume`) skips to the checkpointed record.
    /// An empty object yields a reader with no headers and no rows.
    pub async fn open(source: &dyn ByteSource, resume: Option<Resume>) -> Result<Self, ReadError> {
        let name = source.name();
        let mut head = builder(true).create_reader(source.open(StartAt::Beginning).await?);
        let raw = head.byte_headers().await.map_err(|e| stream_error(&name, 0, &e))?.clone();
        let mut headers = Vec::with_capacity(raw.len());
        for field in raw.iter() {
            let text = std::str::from_utf8(field).map_err(|_| ReadError::HeaderEncoding { name: name.clone() })?;
            headers.push(normalize_header(text));
        }
        // A file whose only line is empty has no columns at all, not one unnamed column.
        if headers.len() == 1 && headers[0].is_empty() {
            headers.clear();
        }
        let (inner, base_offset, next_row) = match resume {
            None => (head, 0, 1),
            Some(r) => {
                drop(head);
                let body = builder(false).create_reader(source.open(StartAt::Offset(r.byte_offset)).await?);
                (body, r.byte_offset, r.next_row)
            }
        };
        Ok(Self { name, headers, inner, record: ByteRecord::new(), base_offset, next_row })
    }

    /// The normalised header names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Byte offset and number of the record that the next call to [`Self::next_row`] returns:
    /// what a checkpoint stores.
    pub fn resume_point(&self) -> Resume {
        Resume { byte_offset: self.base_offset + self.inner.position().byte(), next_row: self.next_row }
    }

    /// The next record: `None` at the end, `Some(Err(RowError))` for a record the run must report
    /// and skip. A broken stream is a fatal [`ReadError`].
    pub async fn next_row(&mut self) -> Result<Option<Result<RawRow, RowError>>, ReadError> {
        if self.headers.is_empty() {
            return Ok(None);
        }
        let start = self.base_offset + self.inner.position().byte();
        let more =
            self.inner.read_byte_record(&mut self.record).await.map_err(|e| stream_error(&self.name, start, &e))?;
        if !more {
            return Ok(None);
        }
        let row_number = self.next_row;
        self.next_row += 1;
        Ok(Some(self.decode(row_number, start)))
    }

    fn decode(&self, row_number: u64, byte_offset: u64) -> Result<RawRow, RowError> {
        let lossy = || self.record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        let fail = |kind| RowError { row_number, byte_offset, kind, lossy_fields: lossy() };
        if self.record.len() != self.headers.len() {
            return Err(fail(RowErrorKind::FieldCount { expected: self.headers.len(), found: self.record.len() }));
        }
        let mut fields = Vec::with_capacity(self.record.len());
        for (i, field) in self.record.iter().enumerate() {
            let column = || self.headers[i].clone();
            if field.len() > MAX_FIELD_BYTES {
                return Err(fail(RowErrorKind::FieldTooLong { column: column(), bytes: field.len() }));
            }
            match std::str::from_utf8(field) {
                Ok(s) => fields.push(s.to_owned()),
                Err(_) => return Err(fail(RowErrorKind::InvalidUtf8 { column: column() })),
            }
        }
        Ok(RawRow { row_number, byte_offset, fields })
    }
}

fn builder(has_headers: bool) -> AsyncReaderBuilder {
    let mut b = AsyncReaderBuilder::new();
    // Ragged rows must reach us as rows (to be reported), not as reader errors.
    b.flexible(true).has_headers(has_headers).buffer_capacity(64 * 1024);
    b
}

fn stream_error(name: &str, offset: u64, e: &csv_async::Error) -> ReadError {
    ReadError::Stream { name: name.to_string(), offset, reason: e.to_string() }
}
