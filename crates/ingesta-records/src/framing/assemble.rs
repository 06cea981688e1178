//! The CSV state machine, fed one chunk at a time, building at most one bounded record.
//!
//! The transitions are csv-core's for the dialect csv-async used here before (`,` delimiter, `"`
//! quote with `""` escapes, CR, LF or CRLF terminators, blank lines skipped, a quote inside an
//! unquoted field kept as text), so records, fields and byte positions come out the same. What is
//! new is that field bytes are copied under limits instead of into a growing buffer.

use super::Limits;

/// What the assembler needs from the caller about the record being built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keep {
    /// Fields past this many are counted, not held: the row is a field-count error anyway.
    pub fields: usize,
    /// Bytes held for the whole record; past it the record is marked `overflow` and nothing more
    /// is held (only the header needs this: every body field is already bounded).
    pub bytes: usize,
}

/// The first field over the byte limit: its length, exactly, though its bytes were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong {
    pub field: usize,
    pub bytes: usize,
}

/// One record as framed: the held fields, and what was wrong with the ones not held.
#[derive(Debug, Default)]
pub(crate) struct Framed {
    /// Byte offset where the record starts (blank lines before it included, as csv-async did).
    pub start: u64,
    data: Vec<u8>,
    ends: Vec<usize>,
    /// Every field the record has, held or not.
    pub field_count: usize,
    pub too_long: Option<TooLong>,
    /// The held bytes went past [`Keep::bytes`].
    pub overflow: bool,
    /// Just after the first line break met inside quotes: where a stray quote's row is re-read.
    pub first_break: Option<u64>,
    /// The field whose quote held that line break.
    pub first_break_field: usize,
    /// Set when the record was abandoned as a stray quote.
    pub stray_quote: Option<super::StrayQuote>,
}

impl Framed {
    /// The held fields in order; an over-long field is held as empty.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut from = 0;
        self.ends.iter().map(move |&end| {
            let field = &self.data[from..end];
            from = end;
            field
        })
    }

    /// The held bytes, fields back to back, and where each held field ends in them: what a
    /// borrowed view needs to hand out fields without copying them.
    pub fn held(&self) -> (&[u8], &[usize]) {
        (&self.data, &self.ends)
    }

    fn reset(&mut self, start: u64) {
        self.start = start;
        self.data.clear();
        self.ends.clear();
        self.field_count = 0;
        self.too_long = None;
        self.overflow = false;
        self.first_break = None;
        self.first_break_field = 0;
        self.stray_quote = None;
    }
}

/// What stopped a [`Assembler::feed`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fed {
    /// The chunk is used up and the record is not finished.
    NeedInput,
    /// The record ended with its terminator (consumed).
    Record,
    /// The quoted field being read went past a limit; the record is abandoned where it stands.
    Runaway(Runaway),
}

/// Which limit a quoted field ran past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runaway {
    Bytes,
    Lines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A `"` inside quotes: either the first half of `""` or the closing quote.
    QuoteInQuoted,
}

/// Progress of the field being read.
#[derive(Debug, Default)]
struct Field {
    /// Where the field's bytes start in the record's data, to drop them if it grows too long.
    from: usize,
    len: usize,
    line_breaks: usize,
    dropped: bool,
}

pub(crate) struct Assembler {
    limits: Limits,
    keep: Keep,
    state: State,
    field: Field,
    pub record: Framed,
    /// The most bytes the record ever held.
    pub peak_held: usize,
}

fn is_terminator(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

/// Where the first `,`, CR or LF is in `bytes`. Unquoted fields are most of a file and a few
/// bytes each, so this looks at eight bytes at a time rather than one.
pub(super) fn field_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `word` equal to `byte`. Bits above the lowest can be wrong (a
    // borrow runs up from a match); the lowest is always right, and only it is used.
    let equal = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut words = bytes.chunks_exact(8);
    for (n, chunk) in words.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        let hits = equal(word, b',') | equal(word, b'\n') | equal(word, b'\r');
        if hits != 0 {
            return Some(n * 8 + hits.trailing_zeros() as usize / 8);
        }
    }
    let tail = words.remainder();
    tail.iter().position(|&c| c == b',' || is_terminator(c)).map(|i| bytes.len() - tail.len() + i)
}

impl Assembler {
    pub fn new(limits: Limits, keep: Keep) -> Self {
        Self {
            limits,
            keep,
            state: State::StartRecord,
            field: Field::default(),
            record: Framed::default(),
            peak_held: 0,
        }
    }

    pub fn set_keep(&mut self, keep: Keep) {
        self.keep = keep;
    }

    /// Starts a new record at `start`, forgetting any state of the previous one (after a runaway
    /// quote the bytes that follow are read as if no quote were open).
    pub fn begin(&mut self, start: u64) {
        self.state = State::StartRecord;
        self.field = Field::default();
        self.record.reset(start);
    }

    /// Consumes bytes of `input` (which starts at byte offset `at`) until the record ends, a
    /// quoted field runs away, or the input is used up. Returns how many bytes were consumed.
    pub fn feed(&mut self, input: &[u8], at: u64) -> (usize, Fed) {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::StartRecord => {
                    if is_terminator(input[i]) {
                        i += 1;
                    } else {
                        self.state = State::StartField;
                    }
                }
                State::StartField => match input[i] {
                    b'"' => {
                        i += 1;
                        self.state = State::InQuoted;
                    }
                    b',' => {
                        i += 1;
                        self.end_field();
                    }
                    c if is_terminator(c) => {
                        self.end_field();
                        return (i + 1, Fed::Record);
                    }
                    _ => {
                        self.state = State::InField;
                        if self.unquoted(input, &mut i) {
                            return (i, Fed::Record);
                        }
                    }
                },
                State::InField => {
                    if self.unquoted(input, &mut i) {
                        return (i, Fed::Record);
                    }
                }
                State::InQuoted => {
                    let rest = &input[i..];
                    // Stop exactly at the byte that crosses a limit, so what a rewind must replay
                    // is bounded by the limit and not by the chunk size.
                    let allowance = (self.limits.field_bytes + 1).saturating_sub(self.field.len);
                    let mut run = rest.iter().position(|&c| c == b'"').unwrap_or(rest.len()).min(allowance);
                    let mut out_of_lines = false;
                    for (j, &c) in rest[..run].iter().enumerate() {
                        if !is_terminator(c) {
                            continue;
                        }
                        if self.record.first_break.is_none() {
                            self.record.first_break = Some(at + (i + j + 1) as u64);
                            self.record.first_break_field = self.record.field_count;
                        }
                        if c == b'\n' {
                            self.field.line_breaks += 1;
                            if self.field.line_breaks >= self.limits.quoted_lines {
                                run = j + 1;
                                out_of_lines = true;
                                break;
                            }
                        }
                    }
                    self.push(&rest[..run]);
                    i += run;
                    if out_of_lines {
                        return (i, Fed::Runaway(Runaway::Lines));
                    }
                    if self.field.len > self.limits.field_bytes {
                        return (i, Fed::Runaway(Runaway::Bytes));
                    }
                    if i < input.len() && input[i] == b'"' {
                        i += 1;
                        self.state = State::QuoteInQuoted;
                    }
                }
                State::QuoteInQuoted => match input[i] {
                    b'"' => {
                        i += 1;
                        self.push(b"\"");
                        self.state = State::InQuoted;
                        if self.field.len > self.limits.field_bytes {
                            return (i, Fed::Runaway(Runaway::Bytes));
                        }
                    }
                    b',' => {
                        i += 1;
                        self.end_field();
                        self.state = State::StartField;
                    }
                    c if is_terminator(c) => {
                        self.end_field();
                        return (i + 1, Fed::Record);
                    }
                    // Text after a closing quote is kept, as csv-core does.
                    _ => self.state = State::InField,
                },
            }
        }
        (i, Fed::NeedInput)
    }

    /// Reads the unquoted field at `input[*i..]` and the unquoted ones after it, without going
    /// back through [`Self::feed`]'s dispatch for each: most fields of a file are like that.
    /// `true` when the record ended; otherwise the input ran out or a field that is empty or
    /// quoted is next, left to `feed`.
    fn unquoted(&mut self, input: &[u8], i: &mut usize) -> bool {
        loop {
            let rest = &input[*i..];
            let run = field_end(rest).unwrap_or(rest.len());
            self.push(&rest[..run]);
            *i += run;
            if *i == input.len() {
                return false;
            }
            self.end_field();
            *i += 1;
            if is_terminator(input[*i - 1]) {
                return true;
            }
            match input.get(*i) {
                Some(&c) if c != b'"' && c != b',' && !is_terminator(c) => self.state = State::InField,
                _ => return false,
            }
        }
    }

    /// The input ended: whatever field was open closes the record. `false` if there was none.
    pub fn finish(&mut self) -> bool {
        if self.state == State::StartRecord {
            return false;
        }
        self.end_field();
        true
    }

    /// Index of the field being read (the one a runaway quote is in).
    pub fn current_field(&self) -> usize {
        self.record.field_count
    }

    fn push(&mut self, bytes: &[u8]) {
        self.field.len += bytes.len();
        if self.field.dropped || bytes.is_empty() {
            return;
        }
        let record = &mut self.record;
        if self.field.len > self.limits.field_bytes {
            self.field.dropped = true;
            record.data.truncate(self.field.from);
            return;
        }
        if record.field_count >= self.keep.fields || record.overflow {
            return;
        }
        if record.data.len() + bytes.len() > self.keep.bytes {
            record.overflow = true;
            record.data = Vec::new();
            record.ends = Vec::new();
            return;
        }
        record.data.extend_from_slice(bytes);
        self.peak_held = self.peak_held.max(record.data.len());
    }

    fn end_field(&mut self) {
        let record = &mut self.record;
        if self.field.len > self.limits.field_bytes && record.too_long.is_none() {
            record.too_long = Some(TooLong { field: record.field_count, bytes: self.field.len });
        }
        if record.field_count < self.keep.fields && !record.overflow {
            record.ends.push(record.data.len());
        }
        record.field_count += 1;
        self.field = Field { from: record.data.len(), ..Field::default() };
        self.state = State::StartField;
    }
}
