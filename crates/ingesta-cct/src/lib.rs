//! CCT look-up (SPEC section 4). The writer only sees [`CctLookup`]; [`choose`] decides per run
//! whether a preloaded table or on-demand API look-ups back it.

mod budget;
mod choose;
mod ondemand;
mod preload;
mod read;
mod table;

pub use budget::{MemoryBudget, RUN_WORKING_SET_BYTES};
pub use choose::{choose, decide, Choice, Chosen, Mode};
pub use ondemand::OnDemand;
pub use preload::Preloaded;
pub use read::{load, measure, TableError, TableShape};
pub use table::{table_bytes, CctTable, TableBuilder};

use async_trait::async_trait;
use ingesta_client::ApiError;

/// Counters of one run's CCT look-ups.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CctStats {
    /// Keys asked for by rows.
    pub lookups: u64,
    /// Look-ups answered without an API call.
    pub cache_hits: u64,
    /// Look-ups whose key exists.
    pub found: u64,
    /// API requests made for CCTs.
    pub api_calls: u64,
}

impl CctStats {
    /// Share of look-ups answered from memory (the metric `CctHitRate`).
    pub fn hit_rate(&self) -> f64 {
        if self.lookups == 0 {
            1.0
        } else {
            self.cache_hits as f64 / self.lookups as f64
        }
    }
}

/// Resolves a CCT key (`clave`) to the id of its `ccts` entry.
#[async_trait]
pub trait CctLookup: Send + Sync {
    /// `Ok(None)` when no CCT has this key: the participant is written with `cct: null`.
    async fn resolve(&self, clave: &str) -> Result<Option<u64>, ApiError>;
    fn stats(&self) -> CctStats;
    /// `"preload"` or `"ondemand"`.
    fn mode(&self) -> &'static str;
    /// How and why this strategy was chosen, when [`choose`] chose it.
    fn choice(&self) -> Option<Choice> {
        None
    }
}
