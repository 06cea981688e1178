//! The deterministic CCT key (`clave`) of the n-th school, shared by the CCT table and the
//! participations file so that a generated table and a generated file agree without sharing state.
//!
//! Real keys look like `31DPR0039K`: two digits of state, three letters of school type, four digits
//! and a check letter. `samples/ccts.csv` numbers schools of one state and type with the four digits
//! and a check letter cycling through `ABCDEFGHJK`, so keys 0..10,000 follow exactly that pattern
//! (the first 60 are the sample's). After that the type, then the state, changes, which keeps every
//! key ten characters long up to 6.4 million schools. Beyond that the digits simply widen, which
//! makes the keys longer than ten characters and so still distinct from all the earlier ones.

use crate::sink::Sink;
use std::io::Write;

/// Check letters of the sample table, indexed by the last digit.
const CHECK: &[u8; 10] = b"ABCDEFGHJK";

/// School types; the first is the sample's (primary schools).
pub(crate) const TYPES: [&str; 20] = [
    "DPR", "DJN", "DES", "DST", "DTV", "DCC", "DPB", "EPR", "EJN", "EES", "EST", "ETV", "PPR", "PJN", "PES", "KPR",
    "KJN", "KTV", "DML", "DBA",
];

/// State codes, Yucatán first (as in the sample), then its neighbours, then the rest.
pub(crate) const STATES: [&str; 32] = [
    "31", "04", "23", "07", "27", "30", "20", "12", "01", "02", "03", "05", "06", "08", "09", "10", "11", "13", "14",
    "15", "16", "17", "18", "19", "21", "22", "24", "25", "26", "28", "29", "32",
];

/// Schools per (state, type) block: what four digits can number.
const BLOCK: u64 = 10_000;

/// Number of keys that have the regular ten-character form.
pub const REGULAR_KEYS: u64 = BLOCK * (TYPES.len() * STATES.len()) as u64;

/// Where in the key space school `n` (0-based) falls: its state and type codes and its serial.
pub(crate) fn parts(n: u64) -> (&'static str, &'static str, u64) {
    if n < REGULAR_KEYS {
        let block = (n / BLOCK) as usize;
        (STATES[block / TYPES.len()], TYPES[block % TYPES.len()], n % BLOCK)
    } else {
        (STATES[0], TYPES[0], n)
    }
}

/// Appends the key of school `n` (0-based; the CCT table's id is `n + 1`).
#[inline]
pub(crate) fn write_key<W: Write>(sink: &mut Sink<W>, n: u64) {
    let (state, kind, serial) = parts(n);
    sink.raw(state);
    sink.raw(kind);
    sink.padded(serial, 4);
    sink.byte(CHECK[(serial % 10) as usize]);
}

/// The key of school `n` (0-based) as a string; convenient outside the hot path.
pub fn cct_key(n: u64) -> String {
    let mut sink = Sink::new(Vec::with_capacity(16));
    write_key(&mut sink, n);
    let bytes = sink.finish().expect("writing to a Vec cannot fail");
    String::from_utf8(bytes).expect("keys are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_keys_follow_the_sample_pattern() {
        assert_eq!(cct_key(0), "31DPR0000A");
        assert_eq!(cct_key(39), "31DPR0039K");
        assert_eq!(cct_key(65), "31DPR0065F");
        assert_eq!(cct_key(9_999), "31DPR9999K");
        assert_eq!(cct_key(10_000), "31DJN0000A");
        assert_eq!(cct_key(200_000), "04DPR0000A");
    }

    #[test]
    fn keys_past_the_regular_range_are_longer_and_so_distinct() {
        assert_eq!(cct_key(REGULAR_KEYS - 1).len(), 10);
        let wide = cct_key(REGULAR_KEYS);
        assert_eq!(wide, "31DPR6400000A");
        assert!(wide.len() > 10);
    }
}
