//! Strapi 5 `documentId`s: 24 lowercase alphanumerics that look random.
//!
//! They are an invertible scramble of (collection, id) rather than stored strings, so millions of
//! entries cost no memory for them and a documentId resolves to its entry without a lookup table.
//! Ids are never reused, so neither are documentIds.

const HALF_BITS: u32 = 62;
const HALF_MASK: u64 = (1 << HALF_BITS) - 1;
const LEN: usize = 24;
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Encodes and decodes documentIds with per-server keys.
#[derive(Debug, Clone)]
pub struct DocIds {
    keys: [u64; 4],
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl DocIds {
    /// Keys derived from `seed`; different seeds give unrelated-looking ids.
    pub fn new(seed: u64) -> Self {
        let mut keys = [0; 4];
        let mut k = seed;
        for key in &mut keys {
            k = mix(k.wrapping_add(0x9e37_79b9_7f4a_7c15));
            *key = k;
        }
        Self { keys }
    }

    fn round(&self, half: u64, round: usize) -> u64 {
        mix(half ^ self.keys[round]) & HALF_MASK
    }

    /// The documentId of entry `id` of the collection at position `slot`.
    pub fn encode(&self, slot: usize, id: u64) -> String {
        // A Feistel network over two 62-bit halves is a bijection whatever the round function.
        let (mut left, mut right) = (slot as u64 & HALF_MASK, id & HALF_MASK);
        for r in 0..self.keys.len() {
            (left, right) = (right, left ^ self.round(right, r));
        }
        let mut n = (u128::from(left) << HALF_BITS) | u128::from(right);
        let mut out = [0u8; LEN];
        for c in out.iter_mut().rev() {
            *c = ALPHABET[(n % 36) as usize];
            n /= 36;
        }
        String::from_utf8(out.to_vec()).expect("ascii")
    }

    /// The (slot, id) a documentId was made from, or `None` if it is not one of ours.
    pub fn decode(&self, doc: &str) -> Option<(usize, u64)> {
        if doc.len() != LEN {
            return None;
        }
        let mut n: u128 = 0;
        for b in doc.bytes() {
            let digit = ALPHABET.iter().position(|a| *a == b)? as u128;
            n = n * 36 + digit;
        }
        if n >> (2 * HALF_BITS) != 0 {
            return None;
        }
        let (mut left, mut right) = ((n >> HALF_BITS) as u64, n as u64 & HALF_MASK);
        for r in (0..self.keys.len()).rev() {
            (left, right) = (right ^ self.round(left, r), left);
        }
        Some((usize::try_from(left).ok()?, right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_looks_like_strapi() {
        let d = DocIds::new(42);
        let mut seen = std::collections::HashSet::new();
        for slot in [0, 3, 14] {
            for id in (1..2000).chain([u32::MAX as u64, HALF_MASK]) {
                let doc = d.encode(slot, id);
                assert_eq!(doc.len(), 24);
                assert!(doc.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{doc}");
                assert_eq!(d.decode(&doc), Some((slot, id)));
                assert!(seen.insert(doc));
            }
        }
        assert_ne!(d.encode(0, 1), DocIds::new(43).encode(0, 1));
        assert_eq!(d.decode("not-a-document-id"), None);
        assert_eq!(d.decode("zzzzzzzzzzzzzzzzzzzzzzzz"), None, "beyond 124 bits");
        assert_eq!(d.decode("ABCDEFGHIJKLMNOPQRSTUVWX"), None, "uppercase is not ours");
    }
}
