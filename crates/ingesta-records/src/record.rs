//! A decoded record borrowed from the reader's buffer: the same fields as a [`RawRow`], without a
//! `String` per field, for callers that only look at a row before the next one is read.

use crate::reader::RawRow;

/// One CSV record, valid UTF-8, borrowed until the next read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record<'a> {
    /// As [`RawRow::row_number`].
    pub row_number: u64,
    /// As [`RawRow::byte_offset`].
    pub byte_offset: u64,
    text: &'a str,
    /// Where each field ends in `text`; field `i` starts where field `i - 1` ends.
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    /// `ends` must cut `text` at char boundaries, every one within it, in order.
    pub(crate) fn new(row_number: u64, byte_offset: u64, text: &'a str, ends: &'a [usize]) -> Self {
        debug_assert!(ends.windows(2).all(|w| w[0] <= w[1]) && ends.iter().all(|&e| text.is_char_boundary(e)));
        Self { row_number, byte_offset, text, ends }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, as `RawRow::fields.get(i)` would give it.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a str> {
        let (text, mut from) = (self.text, 0);
        self.ends.iter().map(move |&end| {
            let field = &text[from..end];
            from = end;
            field
        })
    }

    /// The owned row [`crate::RecordReader::next_row`] returns for this record.
    pub fn to_raw_row(&self) -> RawRow {
        RawRow {
            row_number: self.row_number,
            byte_offset: self.byte_offset,
            fields: self.fields().map(str::to_owned).collect(),
        }
    }
}
