//! Grouping a batch's rows into requests the plugin accepts: at most `maxRows` rows and
//! `maxBodyBytes` bytes each, rows kept in file order.

use std::ops::Range;

/// One request's rows, or a row that no request can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Chunk {
    Send(Range<usize>),
    TooBig(usize),
}

/// Splits rows of serialised sizes `lens` into consecutive chunks. `base` is the size of the
/// request with no row (`"rows":[]`); each row adds its size and, after the first, a comma.
pub(crate) fn split(base: usize, lens: &[usize], max_bytes: usize, max_rows: usize) -> Vec<Chunk> {
    let max_rows = max_rows.max(1);
    let mut out = Vec::new();
    let (mut start, mut size) = (0, base);
    for (i, &len) in lens.iter().enumerate() {
        let with = size + len + usize::from(i > start);
        if i > start && (with > max_bytes || i - start == max_rows) {
            out.push(Chunk::Send(start..i));
            (start, size) = (i, base);
        }
        if base + len > max_bytes {
            // Alone it is still too large: it fails on its own, and the rows around it go on.
            out.push(Chunk::TooBig(i));
            (start, size) = (i + 1, base);
            continue;
        }
        size += len + usize::from(i > start);
    }
    if start < lens.len() {
        out.push(Chunk::Send(start..lens.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Chunk::{Send, TooBig};
    use super::*;

    /// The size of a request made of `rows`, as the splitter counts it.
    fn size(base: usize, lens: &[usize], rows: &Range<usize>) -> usize {
        base + lens[rows.clone()].iter().sum::<usize>() + rows.len().saturating_sub(1)
    }

    #[test]
    fn rows_limit_cuts_every_max_rows() {
        let lens = [10; 7];
        assert_eq!(split(20, &lens, 10_000, 3), vec![Send(0..3), Send(3..6), Send(6..7)]);
        assert_eq!(split(20, &lens, 10_000, 7), vec![Send(0..7)]);
        assert_eq!(split(20, &[], 10_000, 7), vec![]);
    }

    #[test]
    fn byte_limit_counts_base_rows_and_commas() {
        // 20 + 10 + 1 + 10 = 41: two rows fit in 41 bytes, not in 40.
        assert_eq!(split(20, &[10, 10, 10], 41, 100), vec![Send(0..2), Send(2..3)]);
        assert_eq!(split(20, &[10, 10, 10], 40, 100), vec![Send(0..1), Send(1..2), Send(2..3)]);
        assert_eq!(split(20, &[10, 10, 10], 52, 100), vec![Send(0..3)]);
    }

    #[test]
    fn a_row_too_big_alone_fails_alone_and_order_is_kept() {
        let lens = [10, 10, 500, 10, 10, 10];
        let chunks = split(20, &lens, 45, 100);
        assert_eq!(chunks, vec![Send(0..2), TooBig(2), Send(3..5), Send(5..6)]);
        let mut seen = Vec::new();
        for c in &chunks {
            match c {
                Send(r) => {
                    assert!(size(20, &lens, r) <= 45, "{r:?}");
                    seen.extend(r.clone());
                }
                TooBig(i) => seen.push(*i),
            }
        }
        assert_eq!(seen, (0..lens.len()).collect::<Vec<_>>(), "every row once, in file order");
    }

    #[test]
    fn mixed_sizes_never_exceed_either_limit() {
        let lens: Vec<usize> = (0..200).map(|i| 5 + (i * 37) % 90).collect();
        let chunks = split(50, &lens, 600, 9);
        let mut next = 0;
        for c in &chunks {
            let Send(r) = c else { panic!("no row is too big here") };
            assert_eq!(r.start, next, "consecutive");
            assert!(r.len() <= 9 && size(50, &lens, r) <= 600, "{r:?}");
            next = r.end;
        }
        assert_eq!(next, lens.len());
    }
}
