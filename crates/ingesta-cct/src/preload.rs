//! Look-ups answered from the preloaded table: no API calls.

use crate::table::CctTable;
use crate::{CctLookup, CctStats};
use async_trait::async_trait;
use ingesta_client::ApiError;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

pub struct Preloaded {
    table: CctTable,
    lookups: AtomicU64,
    found: AtomicU64,
}

impl Preloaded {
    pub fn new(table: CctTable) -> Self {
        Self { table, lookups: AtomicU64::new(0), found: AtomicU64::new(0) }
    }
}

#[async_trait]
impl CctLookup for Preloaded {
    async fn resolve(&self, clave: &str) -> Result<Option<u64>, ApiError> {
        self.lookups.fetch_add(1, Relaxed);
        let id = self.table.get(clave.trim()).map(u64::from);
        if id.is_some() {
            self.found.fetch_add(1, Relaxed);
        }
        Ok(id)
    }

    fn stats(&self) -> CctStats {
        let lookups = self.lookups.load(Relaxed);
        CctStats { lookups, cache_hits: lookups, found: self.found.load(Relaxed), api_calls: 0 }
    }

    fn mode(&self) -> &'static str {
        "preload"
    }
}
