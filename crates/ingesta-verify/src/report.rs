//! What a verification found, for a person (a table and the keys in question) or a program
//! (one JSON object).

use crate::expected::Rows;
use crate::tally::CollectionReport;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// The file checked against; absent when the whole CMS was searched for duplicates.
    pub input: Option<String>,
    pub rows: Option<Rows>,
    pub collections: Vec<CollectionReport>,
}

impl Verified {
    pub fn missing(&self) -> u64 {
        self.collections.iter().map(|c| c.missing_count).sum()
    }

    pub fn duplicated(&self) -> u64 {
        self.collections.iter().map(|c| c.duplicated_count).sum()
    }

    /// Every implied entity exists, none twice.
    pub fn exactly_once(&self) -> bool {
        self.missing() == 0 && self.duplicated() == 0
    }

    pub fn human(&self) -> String {
        let mut out = Vec::new();
        match (&self.input, self.rows) {
            (Some(input), Some(rows)) => out.push(format!(
                "{input}: {} rows, {} a load writes (the others fail before any write)",
                rows.read, rows.valid
            )),
            _ => out.push("the whole CMS, every natural key:".into()),
        }
        out.push(format!(
            "{:<36} {:>9} {:>9} {:>8} {:>10} {:>9}",
            "collection", "expected", "entries", "missing", "duplicated", "unlinked"
        ));
        for c in &self.collections {
            let expected = c.expected.map_or("-".into(), |e| e.to_string());
            out.push(format!(
                "{:<36} {expected:>9} {:>9} {:>8} {:>10} {:>9}",
                c.collection, c.entries, c.missing_count, c.duplicated_count, c.unlinked
            ));
        }
        for c in &self.collections {
            for m in &c.missing {
                out.push(format!("missing     {}: row {}: {}", c.collection, m.row, m.key));
            }
            for d in &c.duplicated {
                let ids: Vec<String> = d.ids.iter().map(u64::to_string).collect();
                out.push(format!("duplicated  {}: {}: ids {}", c.collection, d.key, ids.join(", ")));
            }
            let unlisted =
                (c.missing_count - c.missing.len() as u64) + (c.duplicated_count - c.duplicated.len() as u64);
            if unlisted > 0 {
                out.push(format!("            {}: {unlisted} more not listed", c.collection));
            }
        }
        out.push(match self.exactly_once() {
            true if self.input.is_some() => "OK: every entity the file implies exists exactly once".into(),
            true => "OK: no natural key is held twice".into(),
            false => format!("NOT OK: {} missing, {} duplicated", self.missing(), self.duplicated()),
        });
        out.join("\n")
    }
}
