//! CCT look-up (SPEC section 4). The writer only sees [`CctLookup`]; which strategy backs it is
//! decided per run.

mod ondemand;

pub use ondemand::OnDemand;

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
}
