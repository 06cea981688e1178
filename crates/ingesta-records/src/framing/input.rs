//! The byte stream in fixed chunks, with its absolute position, and the one extra move the framer
//! needs: putting back bytes it already consumed, to re-read them after a stray quote.

use crate::source::ByteStream;
use tokio::io::AsyncReadExt;

/// Bytes read from the stream at a time; the same buffer size csv-async was given.
const CHUNK: usize = 64 * 1024;

pub(crate) struct Input {
    stream: ByteStream,
    buf: Vec<u8>,
    pos: usize,
    /// Byte offset in the object of `buf[pos]`.
    position: u64,
}

impl Input {
    pub fn new(stream: ByteStream, position: u64) -> Self {
        Self { stream, buf: Vec::with_capacity(CHUNK), pos: 0, position }
    }

    /// Byte offset of the next byte to consume.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The bytes read and not yet consumed.
    pub fn available(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.buf.len() - self.pos);
        self.pos += n;
        self.position += n as u64;
    }

    /// Reads more once everything read is consumed. `false` at the end of the stream.
    pub async fn fill(&mut self) -> std::io::Result<bool> {
        if !self.available().is_empty() {
            return Ok(true);
        }
        self.buf.clear();
        self.pos = 0;
        if self.buf.capacity() > 2 * CHUNK {
            // A replay grew the buffer; do not keep that for the rest of the file.
            self.buf = Vec::with_capacity(CHUNK);
        }
        let n = self.stream.read_buf(&mut self.buf).await?;
        Ok(n > 0)
    }

    /// Consumes a UTF-8 byte order mark at the current position, as csv-core does at the start of
    /// every stream it reads.
    pub async fn skip_bom(&mut self) -> std::io::Result<()> {
        while self.available().len() < 3 {
            self.buf.reserve(CHUNK);
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                break;
            }
        }
        if self.available().starts_with(b"\xef\xbb\xbf") {
            self.consume(3);
        }
        Ok(())
    }

    /// Puts back `consumed`: the bytes from offset `to` up to the current position, so they are
    /// read again next.
    pub fn unread(&mut self, to: u64, mut consumed: Vec<u8>) {
        debug_assert_eq!(to + consumed.len() as u64, self.position);
        consumed.extend_from_slice(self.available());
        self.buf = consumed;
        self.pos = 0;
        self.position = to;
    }

    /// Consumes up to and including the next CR or LF (or to the end of the stream), without
    /// holding any of it.
    pub async fn skip_line(&mut self) -> std::io::Result<()> {
        while self.fill().await? {
            let rest = self.available();
            match rest.iter().position(|&c| c == b'\n' || c == b'\r') {
                Some(i) => {
                    self.consume(i + 1);
                    return Ok(());
                }
                None => self.consume(rest.len()),
            }
        }
        Ok(())
    }
}
