//! The preloaded CCT table: a sorted arena, about 19 bytes per 10-character key.
//!
//! A `HashMap<String, u64>` costs roughly 60–80 bytes per entry (a 24-byte `String` header, a
//! separate heap block for the key, the id, and the table's spare slots). Here every key lives in
//! one byte arena as `[len][bytes]` and the index is a sorted `Vec` of 8-byte entries searched by
//! bisection: 21 comparisons for two million keys, no per-key allocation.

use std::mem::size_of;

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Offset of the key's length byte in the arena.
    start: u32,
    id: u32,
}

/// Bytes the table holds for `rows` keys totalling `key_bytes`, when built with exact capacities.
pub fn table_bytes(rows: u64, key_bytes: u64) -> u64 {
    rows * (size_of::<Entry>() as u64 + 1) + key_bytes
}

/// Why one table row cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    EmptyKey,
    KeyTooLong,
    TableTooLarge,
}

/// Whether a key can be stored; its length byte when it can.
pub fn check_key(key: &str) -> Result<u8, Rejected> {
    match u8::try_from(key.len()) {
        Ok(0) => Err(Rejected::EmptyKey),
        Ok(len) => Ok(len),
        Err(_) => Err(Rejected::KeyTooLong),
    }
}

/// Collects keys, then sorts them into a [`CctTable`].
pub struct TableBuilder {
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

impl TableBuilder {
    /// Reserves exactly what `rows` keys of `key_bytes` in total need, so loading never reallocates
    /// (a growing `Vec` briefly holds its old and new buffers: up to three times the final size).
    pub fn with_capacity(rows: u64, key_bytes: u64) -> Self {
        Self { arena: Vec::with_capacity((rows + key_bytes) as usize), entries: Vec::with_capacity(rows as usize) }
    }

    pub fn push(&mut self, key: &str, id: u32) -> Result<(), Rejected> {
        let len = check_key(key)?;
        let start = u32::try_from(self.arena.len()).map_err(|_| Rejected::TableTooLarge)?;
        self.arena.push(len);
        self.arena.extend_from_slice(key.as_bytes());
        self.entries.push(Entry { start, id });
        Ok(())
    }

    /// Sorts the keys; a key repeated in the file keeps its first id. Returns the table and the
    /// number of repeated keys dropped.
    pub fn finish(self) -> (CctTable, u64) {
        let Self { arena, mut entries } = self;
        // Unstable sort allocates nothing; ties broken by file position keep the first row first.
        entries
            .sort_unstable_by(|a, b| key_at(&arena, a.start).cmp(key_at(&arena, b.start)).then(a.start.cmp(&b.start)));
        let before = entries.len();
        entries.dedup_by(|later, first| key_at(&arena, later.start) == key_at(&arena, first.start));
        let repeated = (before - entries.len()) as u64;
        (CctTable { arena, entries }, repeated)
    }
}

fn key_at(arena: &[u8], start: u32) -> &[u8] {
    let start = start as usize;
    let len = arena[start] as usize;
    &arena[start + 1..start + 1 + len]
}

/// CCT keys and their ids, for look-ups without the API.
pub struct CctTable {
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

impl CctTable {
    pub fn get(&self, key: &str) -> Option<u32> {
        let key = key.as_bytes();
        self.entries.binary_search_by(|e| key_at(&self.arena, e.start).cmp(key)).ok().map(|i| self.entries[i].id)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Heap bytes held (capacities, not lengths).
    pub fn heap_bytes(&self) -> u64 {
        (self.arena.capacity() + self.entries.capacity() * size_of::<Entry>()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, u32)]) -> (CctTable, u64) {
        let bytes = rows.iter().map(|(k, _)| k.len() as u64).sum();
        let mut b = TableBuilder::with_capacity(rows.len() as u64, bytes);
        for (k, id) in rows {
            b.push(k, *id).unwrap();
        }
        b.finish()
    }

    #[test]
    fn finds_every_key_and_only_those() {
        let (t, repeated) = table(&[("31DPR0002C", 3), ("09ABC0001Z", 1), ("31DPR0001B", 2), ("A", 9)]);
        assert_eq!(repeated, 0);
        assert_eq!(t.len(), 4);
        for (k, id) in [("31DPR0002C", 3), ("09ABC0001Z", 1), ("31DPR0001B", 2), ("A", 9)] {
            assert_eq!(t.get(k), Some(id), "{k}");
        }
        for missing in ["", "31DPR0001", "31DPR0001BX", "ZZZ", "a"] {
            assert_eq!(t.get(missing), None, "{missing}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_the_first_id() {
        let (t, repeated) = table(&[("K2", 5), ("K1", 1), ("K2", 7), ("K2", 8)]);
        assert_eq!((t.get("K2"), t.get("K1"), repeated, t.len()), (Some(5), Some(1), 2, 2));
    }

    #[test]
    fn rejects_keys_it_cannot_store() {
        let mut b = TableBuilder::with_capacity(1, 1);
        assert_eq!(b.push("", 1), Err(Rejected::EmptyKey));
        assert_eq!(b.push(&"x".repeat(256), 1), Err(Rejected::KeyTooLong));
        assert_eq!(b.push(&"x".repeat(255), 1), Ok(()));
    }

    #[test]
    fn exact_capacities_match_the_formula() {
        let (t, _) = table(&[("31DPR0002C", 3), ("09ABC0001Z", 1)]);
        assert_eq!(t.heap_bytes(), table_bytes(2, 20));
    }
}
