//! One collection's accounting: which keys were expected (from a file) or seen (in the CMS),
//! the first entry found for each, and every further entry with the same key.

use serde::Serialize;
use std::collections::HashMap;

/// How many missing or duplicated keys a report lists per collection; the counts are complete.
pub const LISTED: usize = 100;

#[derive(Clone, Copy)]
struct Slot {
    /// The first CSV row implying the key; 0 when the key only comes from the CMS.
    row: u64,
    /// The first entry found with the key; 0 (Strapi never uses it) until one is.
    first: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Missing {
    pub row: u64,
    pub key: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Duplicated {
    pub key: String,
    pub ids: Vec<u64>,
}

/// A collection's findings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectionReport {
    pub collection: &'static str,
    /// Keys the file implies (absent without a file).
    pub expected: Option<u64>,
    /// Entries read from the CMS.
    pub entries: u64,
    pub missing_count: u64,
    pub missing: Vec<Missing>,
    pub duplicated_count: u64,
    pub duplicated: Vec<Duplicated>,
    /// Entries that lack a relation their key needs (a link to nothing): not counted as keys.
    pub unlinked: u64,
}

pub struct Tally {
    slots: HashMap<u64, Slot>,
    /// With a file, keys it does not imply are none of our business; without one, all are.
    open: bool,
    duplicated: HashMap<u64, Duplicated>,
    entries: u64,
    unlinked: u64,
}

impl Tally {
    /// Every key of the collection counts.
    pub fn everything() -> Self {
        Self { slots: HashMap::new(), open: true, duplicated: HashMap::new(), entries: 0, unlinked: 0 }
    }

    /// Only the keys a file implies count; `expect` them first.
    pub fn of_file() -> Self {
        Self { open: false, ..Self::everything() }
    }

    pub fn expect(&mut self, key: u64, row: u64) {
        self.slots.entry(key).or_insert(Slot { row, first: 0 });
    }

    /// Whether `key` is one this tally accounts for.
    pub fn counts(&self, key: u64) -> bool {
        self.open || self.slots.contains_key(&key)
    }

    pub fn unlinked(&mut self) {
        self.entries += 1;
        self.unlinked += 1;
    }

    /// An entry of the CMS with `key`; `describe` names the key for a report.
    pub fn found(&mut self, key: u64, id: u64, describe: impl FnOnce() -> String) {
        self.entries += 1;
        let slot = match self.slots.get_mut(&key) {
            Some(slot) => slot,
            None if self.open => self.slots.entry(key).or_insert(Slot { row: 0, first: 0 }),
            None => return,
        };
        if slot.first == 0 {
            slot.first = id;
            return;
        }
        let first = slot.first;
        self.duplicated.entry(key).or_insert_with(|| Duplicated { key: describe(), ids: vec![first] }).ids.push(id);
    }

    fn is_missing(s: &Slot) -> bool {
        s.first == 0 && s.row > 0
    }

    /// How many expected keys no entry was found for.
    pub fn missing_count(&self) -> u64 {
        self.slots.values().filter(|s| Self::is_missing(s)).count() as u64
    }

    /// Expected keys no entry was found for, with the row that implies each, by row.
    pub fn missing(&self) -> Vec<(u64, u64)> {
        let mut m: Vec<(u64, u64)> =
            self.slots.iter().filter(|(_, s)| Self::is_missing(s)).map(|(k, s)| (s.row, *k)).collect();
        m.sort_unstable();
        m
    }

    /// The findings; `missing` are the described missing keys (at most [`LISTED`]).
    pub fn report(self, collection: &'static str, missing: Vec<Missing>) -> CollectionReport {
        let missing_count = self.missing_count();
        let mut duplicated: Vec<Duplicated> = self.duplicated.into_values().collect();
        duplicated.sort_by_key(|d| d.ids[0]);
        let duplicated_count = duplicated.len() as u64;
        duplicated.truncate(LISTED);
        CollectionReport {
            collection,
            expected: (!self.open).then_some(self.slots.len() as u64),
            entries: self.entries,
            missing_count,
            missing,
            duplicated_count,
            duplicated,
            unlinked: self.unlinked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_tally_ignores_other_keys_and_lists_every_id_of_a_duplicate() {
        let mut t = Tally::of_file();
        t.expect(1, 10);
        t.expect(2, 11);
        t.expect(1, 12);
        t.found(9, 100, || "other file".into());
        t.found(1, 101, || unreachable!("a first entry is no duplicate"));
        t.found(1, 105, || "key 1".into());
        t.found(1, 107, || unreachable!("described once"));
        assert_eq!(t.missing(), vec![(11, 2)]);
        let r = t.report("x", vec![]);
        assert_eq!((r.expected, r.entries, r.missing_count, r.duplicated_count), (Some(2), 4, 1, 1));
        assert_eq!(r.duplicated[0], Duplicated { key: "key 1".into(), ids: vec![101, 105, 107] });
    }

    #[test]
    fn a_whole_cms_tally_counts_every_key_and_misses_nothing() {
        let mut t = Tally::everything();
        t.found(5, 1, || unreachable!());
        t.found(5, 2, || "k".into());
        t.found(6, 3, || unreachable!());
        t.unlinked();
        assert!(t.missing().is_empty());
        let r = t.report("x", vec![]);
        assert_eq!((r.expected, r.entries, r.duplicated_count, r.unlinked), (None, 4, 1, 1));
    }
}
