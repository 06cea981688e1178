//! Streaming CSV records with per-row errors: a bad record becomes a [`RowError`] and reading goes
//! on; only a broken stream is fatal ([`ReadError`]).

use crate::framing::{Framed, Framer, Keep, Limits, Runaway, StrayCause, StrayQuote};
use crate::header::normalize_header;
use crate::record::Record;
use crate::source::{ByteSource, SourceError, StartAt};

/// A field longer than this is a row error: no real cell is this long, and it bounds memory. It is
/// enforced while the field streams, so the field is never held.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A quoted field spanning more lines than this is taken for a stray quote (as is one over
/// [`MAX_FIELD_BYTES`]): the row is reported and reading goes on at the line after the quote.
pub const MAX_QUOTED_LINES: usize = 1000;

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
    /// Almost always a stray `"`: read literally it would swallow the lines after it. The row is
    /// skipped and reading goes on at `resumed_at` (the line after the quote when its bytes were
    /// still held, else the line after where the limit was hit), so the quote costs this row.
    #[error(
        "column '{column}' opens a quote at row {opened_at_row} that {overrun}; \
         taken for a stray quote, reading went on at byte {resumed_at}"
    )]
    StrayQuote { column: String, opened_at_row: u64, overrun: QuoteOverrun, resumed_at: u64 },
}

/// How a quote gave itself away as stray.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteOverrun {
    /// Not closed within [`MAX_FIELD_BYTES`].
    Bytes,
    /// Not closed within [`MAX_QUOTED_LINES`].
    Lines,
    /// Closed (by the next quote in the file), but the record it made spans lines and has the
    /// wrong number of fields.
    Ragged { expected: usize, found: usize },
}

impl std::fmt::Display for QuoteOverrun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuoteOverrun::Bytes => write!(f, "is not closed within {MAX_FIELD_BYTES} bytes"),
            QuoteOverrun::Lines => write!(f, "is not closed within {MAX_QUOTED_LINES} lines"),
            QuoteOverrun::Ragged { expected, found } => {
                write!(f, "spans lines and leaves the row with {found} fields instead of {expected}")
            }
        }
    }
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

/// Reads records one by one from a [`ByteSource`], never holding more than one record, and no
/// field of it longer than [`MAX_FIELD_BYTES`], whatever the file.
pub struct RecordReader {
    name: String,
    headers: Vec<String>,
    framer: Framer,
    next_row: u64,
    stray_quotes: u64,
}

impl RecordReader {
    /// Opens `source`, reads its header, and (with `resume`) skips to the checkpointed record.
    /// An empty object yields a reader with no headers and no rows.
    pub async fn open(source: &dyn ByteSource, resume: Option<Resume>) -> Result<Self, ReadError> {
        Self::open_with(source, resume, Limits::DEFAULT).await
    }

    pub(crate) async fn open_with(
        source: &dyn ByteSource,
        resume: Option<Resume>,
        limits: Limits,
    ) -> Result<Self, ReadError> {
        let name = source.name();
        // The header is bounded as a whole: it is held for the whole run.
        let header_keep = Keep { fields: limits.field_bytes, bytes: limits.field_bytes };
        let mut framer = Framer::new(source.open(StartAt::Beginning).await?, 0, limits, header_keep);
        let headers = read_header(&mut framer, &name).await?;
        let (mut framer, next_row) = match resume {
            None => (framer, 1),
            Some(r) => {
                drop(framer);
                let body = source.open(StartAt::Offset(r.byte_offset)).await?;
                (Framer::new(body, r.byte_offset, limits, header_keep), r.next_row)
            }
        };
        framer.expect_fields(headers.len());
        Ok(Self { name, headers, framer, next_row, stray_quotes: 0 })
    }

    /// The normalised header names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Byte offset and number of the record that the next call to [`Self::next_row`] returns:
    /// what a checkpoint stores.
    pub fn resume_point(&self) -> Resume {
        Resume { byte_offset: self.framer.position(), next_row: self.next_row }
    }

    /// Rows this reader returned as [`RowErrorKind::StrayQuote`] since it was opened (a resumed
    /// read starts again from 0): non-zero means the file has unbalanced quotes, worth a warning
    /// beyond the rows themselves.
    pub fn stray_quotes(&self) -> u64 {
        self.stray_quotes
    }

    /// The next record: `None` at the end, `Some(Err(RowError))` for a record the run must report
    /// and skip. A broken stream is a fatal [`ReadError`].
    pub async fn next_row(&mut self) -> Result<Option<Result<RawRow, RowError>>, ReadError> {
        Ok(self.next_record().await?.map(|record| record.map(|r| r.to_raw_row())))
    }

    /// The same as [`Self::next_row`], the fields borrowed from the reader until the next call:
    /// for a caller that is done with a row before reading the next, no allocation per field.
    pub async fn next_record(&mut self) -> Result<Option<Result<Record<'_>, RowError>>, ReadError> {
        if self.headers.is_empty() {
            return Ok(None);
        }
        let start = self.framer.position();
        let record = match self.framer.next().await {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(None),
            Err(e) => return Err(stream_error(&self.name, start, &e)),
        };
        let row_number = self.next_row;
        self.next_row += 1;
        if record.stray_quote.is_some() {
            self.stray_quotes += 1;
        }
        Ok(Some(decode(&self.headers, record, row_number)))
    }

    /// At least the most record bytes held at once so far.
    #[cfg(test)]
    pub(crate) fn peak_held(&self) -> usize {
        self.framer.peak_held()
    }
}

async fn read_header(framer: &mut Framer, name: &str) -> Result<Vec<String>, ReadError> {
    let fail = |reason: String| ReadError::Stream { name: name.to_string(), offset: 0, reason };
    let Some(record) = framer.next().await.map_err(|e| stream_error(name, 0, &e))? else {
        return Ok(Vec::new());
    };
    if record.stray_quote.is_some() {
        return Err(fail("its header has a quote that is not closed".into()));
    }
    if record.too_long.is_some() || record.overflow || record.fields().count() < record.field_count {
        return Err(fail(format!("its header is over the {MAX_FIELD_BYTES}-byte limit")));
    }
    let mut headers = Vec::with_capacity(record.field_count);
    for field in record.fields() {
        let text = std::str::from_utf8(field).map_err(|_| ReadError::HeaderEncoding { name: name.to_string() })?;
        headers.push(normalize_header(text));
    }
    // A file whose only line is empty has no columns at all, not one unnamed column.
    if headers.len() == 1 && headers[0].is_empty() {
        headers.clear();
    }
    Ok(headers)
}

fn decode<'a>(headers: &[String], record: &'a Framed, row_number: u64) -> Result<Record<'a>, RowError> {
    let byte_offset = record.start;
    // A stray quote can open past the last column.
    let column = |i: usize| headers.get(i).cloned().unwrap_or_else(|| format!("#{}", i + 1));
    let fail = |kind, held: usize| RowError {
        row_number,
        byte_offset,
        kind,
        lossy_fields: record.fields().take(held).map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
    };
    if let Some(StrayQuote { field, cause, resumed_at }) = record.stray_quote {
        let overrun = match cause {
            StrayCause::Runaway(Runaway::Bytes) => QuoteOverrun::Bytes,
            StrayCause::Runaway(Runaway::Lines) => QuoteOverrun::Lines,
            StrayCause::Ragged => QuoteOverrun::Ragged { expected: headers.len(), found: record.field_count },
        };
        // Fields from the quote on are other rows' text: only those before it name the row.
        let kind = RowErrorKind::StrayQuote { column: column(field), opened_at_row: row_number, overrun, resumed_at };
        return Err(fail(kind, field));
    }
    if record.field_count != headers.len() {
        let kind = RowErrorKind::FieldCount { expected: headers.len(), found: record.field_count };
        return Err(fail(kind, usize::MAX));
    }
    // One pass over the whole record: valid text cut at char boundaries is valid text in every
    // field, which is what checking field by field would have found.
    let (data, ends) = record.held();
    if record.too_long.is_none() {
        if let Ok(text) = std::str::from_utf8(data) {
            if ends.iter().all(|&end| text.is_char_boundary(end)) {
                return Ok(Record::new(row_number, byte_offset, text, ends));
            }
        }
    }
    // Some field is bad: name the first, as a reader going field by field would.
    for (i, field) in record.fields().enumerate() {
        if let Some(too_long) = record.too_long.filter(|t| t.field == i) {
            return Err(fail(RowErrorKind::FieldTooLong { column: column(i), bytes: too_long.bytes }, usize::MAX));
        }
        if std::str::from_utf8(field).is_err() {
            return Err(fail(RowErrorKind::InvalidUtf8 { column: column(i) }, usize::MAX));
        }
    }
    unreachable!("fields that are each valid text make valid text, and an over-long field is one of them")
}

fn stream_error(name: &str, offset: u64, e: &std::io::Error) -> ReadError {
    ReadError::Stream { name: name.to_string(), offset, reason: e.to_string() }
}

#[cfg(test)]
mod record_tests;
#[cfg(test)]
mod tests;
