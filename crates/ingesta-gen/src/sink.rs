//! A byte buffer that rows are formatted into, handed to the writer in large chunks.
//!
//! Formatting through `write!` and `Display` costs more than generating the values, so numbers are
//! rendered by hand straight into the buffer, and the underlying writer only sees ~1 MiB writes.

use std::io::{self, Write};

/// How much is buffered before a write to the underlying writer.
const CHUNK: usize = 1 << 20;

/// Accumulates rows and writes them out in big chunks.
pub struct Sink<W: Write> {
    out: W,
    buf: Vec<u8>,
}

impl<W: Write> Sink<W> {
    pub fn new(out: W) -> Self {
        // Headroom above CHUNK so that finishing a row never reallocates.
        Sink { out, buf: Vec::with_capacity(CHUNK + 64 * 1024) }
    }

    /// Appends raw bytes (callers pass text that is already valid CSV).
    #[inline]
    pub fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// Appends a field separator.
    #[inline]
    pub fn comma(&mut self) {
        self.buf.push(b',');
    }

    /// Appends `n` in decimal.
    #[inline]
    pub fn uint(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&digits[i..]);
    }

    /// Appends `n` in decimal, left-padded with zeros to at least `width` digits.
    #[inline]
    pub fn padded(&mut self, n: u64, width: usize) {
        let mut len = 1;
        let mut m = n / 10;
        while m > 0 {
            len += 1;
            m /= 10;
        }
        for _ in len..width {
            self.buf.push(b'0');
        }
        self.uint(n);
    }

    /// Appends a number given in tenths with exactly one decimal: 84 → `8.4`.
    #[inline]
    pub fn tenths(&mut self, t: u32) {
        self.uint(u64::from(t / 10));
        self.buf.push(b'.');
        self.buf.push(b'0' + (t % 10) as u8);
    }

    /// Ends a record; writes the buffer out once it is large.
    #[inline]
    pub fn end_row(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is left and flushes the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut Sink<Vec<u8>>)) -> String {
        let mut s = Sink::new(Vec::new());
        f(&mut s);
        String::from_utf8(s.finish().unwrap()).unwrap()
    }

    #[test]
    fn numbers_render_like_display() {
        for n in [0u64, 7, 10, 99, 1234567, u64::MAX] {
            assert_eq!(render(|s| s.uint(n)), n.to_string());
        }
        assert_eq!(render(|s| s.padded(39, 4)), "0039");
        assert_eq!(render(|s| s.padded(12345, 4)), "12345");
        assert_eq!(render(|s| s.padded(0, 7)), "0000000");
        assert_eq!(render(|s| s.tenths(84)), "8.4");
        assert_eq!(render(|s| s.tenths(100)), "10.0");
        assert_eq!(render(|s| s.tenths(5)), "0.5");
    }
}
