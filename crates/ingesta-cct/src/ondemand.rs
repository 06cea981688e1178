//! On-demand look-up: one `GET /api/ccts?filters[clave][$eq]=…` per distinct key, remembered in a
//! bounded cache. Misses are cached too, and concurrent rows asking for the same key share one
//! request (moka's `try_get_with` runs a single initialiser per key).

use crate::{CctLookup, CctStats};
use async_trait::async_trait;
use ingesta_client::{ApiError, Filter, StrapiClient};
use moka::future::Cache;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Bounded on-demand CCT cache in front of the API.
pub struct OnDemand {
    client: Arc<StrapiClient>,
    cache: Cache<String, Option<u64>>,
    lookups: AtomicU64,
    found: AtomicU64,
    api_calls: Arc<AtomicU64>,
}

impl OnDemand {
    /// `capacity` bounds the number of keys remembered (hits and misses alike).
    pub fn new(client: Arc<StrapiClient>, capacity: u64) -> Self {
        Self {
            client,
            cache: Cache::new(capacity),
            lookups: AtomicU64::new(0),
            found: AtomicU64::new(0),
            api_calls: Arc::new(AtomicU64::new(0)),
        }
    }
}

#[async_trait]
impl CctLookup for OnDemand {
    async fn resolve(&self, clave: &str) -> Result<Option<u64>, ApiError> {
        self.lookups.fetch_add(1, Relaxed);
        let calls = self.api_calls.clone();
        let client = self.client.clone();
        let key = clave.to_string();
        let id = self
            .cache
            .try_get_with(clave.to_string(), async move {
                calls.fetch_add(1, Relaxed);
                client.find_one("ccts", &[Filter::eq("clave", key)]).await.map(|e| e.map(|e| e.id))
            })
            .await
            .map_err(|e: Arc<ApiError>| (*e).clone())?;
        if id.is_some() {
            self.found.fetch_add(1, Relaxed);
        }
        Ok(id)
    }

    fn stats(&self) -> CctStats {
        let lookups = self.lookups.load(Relaxed);
        let api_calls = self.api_calls.load(Relaxed);
        CctStats { lookups, cache_hits: lookups.saturating_sub(api_calls), found: self.found.load(Relaxed), api_calls }
    }

    fn mode(&self) -> &'static str {
        "ondemand"
    }
}
