//! Cutting the byte stream into records while holding at most one bounded record, whatever the
//! file: an over-long field is counted and dropped as it streams, and a quote that runs away (a
//! stray `"` swallowing the lines after it) is abandoned and the lines after it read again.

mod assemble;
mod input;
#[cfg(test)]
mod tests;

use crate::source::ByteStream;
use assemble::{Assembler, Fed};
pub(crate) use assemble::{Framed, Keep, Runaway};
use input::Input;

/// The bounds that keep memory small. Tests shrink them; the reader uses [`Limits::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub field_bytes: usize,
    /// A quoted field may span this many lines at most.
    pub quoted_lines: usize,
}

impl Limits {
    pub const DEFAULT: Limits =
        Limits { field_bytes: crate::reader::MAX_FIELD_BYTES, quoted_lines: crate::reader::MAX_QUOTED_LINES };

    /// Bytes kept to re-read a stray quote's lines. A runaway quoted field stops right past the
    /// byte limit, so its raw bytes fit unless it is dense with `""`; past this the reader gives
    /// up re-reading and skips to the next line instead.
    fn replay_cap(&self) -> usize {
        2 * self.field_bytes + 2
    }
}

/// A record that was abandoned as a stray quote, and where reading went on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrayQuote {
    /// The field where the quote opened.
    pub field: usize,
    pub cause: StrayCause,
    pub resumed_at: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrayCause {
    Runaway(Runaway),
    /// The quote closed, but the record it made spans lines and has the wrong field count.
    Ragged,
}

/// Raw bytes consumed since the record's first line break inside quotes: what a rewind replays.
#[derive(Debug, Default)]
enum Replay {
    #[default]
    Off,
    On(Vec<u8>),
    /// Over the cap: this record cannot be re-read.
    Lost,
}

pub(crate) struct Framer {
    input: Input,
    assembler: Assembler,
    limits: Limits,
    /// The header's field count once it is known; a multi-line record of another shape is
    /// taken for a stray quote.
    expected_fields: Option<usize>,
    replay: Replay,
    peak_replay: usize,
    started: bool,
}

impl Framer {
    pub fn new(stream: ByteStream, position: u64, limits: Limits, keep: Keep) -> Self {
        Self {
            input: Input::new(stream, position),
            assembler: Assembler::new(limits, keep),
            limits,
            expected_fields: None,
            replay: Replay::Off,
            peak_replay: 0,
            started: false,
        }
    }

    /// From now on records are rows of a table with `fields` columns.
    pub fn expect_fields(&mut self, fields: usize) {
        self.expected_fields = Some(fields);
        self.assembler.set_keep(Keep { fields, bytes: usize::MAX });
    }

    /// Byte offset of the next record.
    pub fn position(&self) -> u64 {
        self.input.position()
    }

    /// At least the most record bytes (fields plus replay) held at once so far.
    #[cfg(test)]
    pub fn peak_held(&self) -> usize {
        self.assembler.peak_held + self.peak_replay
    }

    /// The next record, `None` at the end of the stream.
    pub async fn next(&mut self) -> std::io::Result<Option<&Framed>> {
        self.assembler.begin(self.input.position());
        self.replay = Replay::Off;
        if !self.started {
            self.started = true;
            self.input.skip_bom().await?;
        }
        loop {
            if !self.input.fill().await? {
                return Ok(if self.assembler.finish() { self.ended_record() } else { None });
            }
            let at = self.input.position();
            let (n, fed) = self.assembler.feed(self.input.available(), at);
            self.keep_for_replay(at, n);
            self.input.consume(n);
            match fed {
                Fed::NeedInput => continue,
                Fed::Record => return Ok(self.ended_record()),
                Fed::Runaway(why) => {
                    self.resync(StrayCause::Runaway(why)).await?;
                    return Ok(Some(&self.assembler.record));
                }
            }
        }
    }

    fn ended_record(&mut self) -> Option<&Framed> {
        if self.expected_fields.is_some_and(|n| n != self.assembler.record.field_count) {
            self.rewind(StrayCause::Ragged);
        }
        Some(&self.assembler.record)
    }

    /// Goes back to the line after the quote if its bytes are still held, else forward to the
    /// next line.
    async fn resync(&mut self, cause: StrayCause) -> std::io::Result<()> {
        if !self.rewind(cause) {
            let field = self.assembler.current_field();
            self.input.skip_line().await?;
            let resumed_at = self.input.position();
            self.assembler.record.stray_quote = Some(StrayQuote { field, cause, resumed_at });
        }
        Ok(())
    }

    /// Marks the record as a stray quote and puts back the bytes from its first line break inside
    /// quotes, if it has one and they are all held. `false` if it could not.
    fn rewind(&mut self, cause: StrayCause) -> bool {
        let record = &mut self.assembler.record;
        let Some(to) = record.first_break else { return false };
        let Replay::On(bytes) = std::mem::take(&mut self.replay) else { return false };
        record.stray_quote = Some(StrayQuote { field: record.first_break_field, cause, resumed_at: to });
        self.input.unread(to, bytes);
        true
    }

    /// Holds the consumed bytes `available()[..n]` (starting at offset `at`) that a rewind to the
    /// record's first line break inside quotes would need.
    fn keep_for_replay(&mut self, at: u64, n: usize) {
        let Some(first_break) = self.assembler.record.first_break else { return };
        let consumed = &self.input.available()[..n];
        let cap = self.limits.replay_cap();
        match &mut self.replay {
            Replay::Lost => {}
            Replay::Off => {
                let from = (first_break - at) as usize;
                self.replay = Replay::On(consumed[from..].to_vec());
            }
            Replay::On(bytes) => bytes.extend_from_slice(consumed),
        }
        if let Replay::On(bytes) = &self.replay {
            self.peak_replay = self.peak_replay.max(bytes.len());
            if bytes.len() > cap {
                self.replay = Replay::Lost;
            }
        }
    }
}
