//! Input warnings a run raises (a conflicting modality, a fallback model): counted in full, the
//! first ones kept verbatim for the summary, whichever write path raised them.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// Most warnings kept verbatim for the summary; the count covers all.
const WARNINGS_KEPT: usize = 100;

#[derive(Default)]
pub(crate) struct Warnings {
    kept: Mutex<Vec<String>>,
    count: AtomicU64,
}

impl Warnings {
    pub(crate) fn add(&self, messages: Vec<String>) {
        self.count.fetch_add(messages.len() as u64, Relaxed);
        let mut kept = self.kept.lock().expect("warnings lock");
        for m in messages {
            tracing::warn!(warning = %m, "input warning");
            if kept.len() < WARNINGS_KEPT {
                kept.push(m);
            }
        }
    }

    /// How many warnings were raised, and the first ones verbatim.
    pub(crate) fn snapshot(&self) -> (u64, Vec<String>) {
        (self.count.load(Relaxed), self.kept.lock().expect("warnings lock").clone())
    }
}
