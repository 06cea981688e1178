//! Picks the look-up strategy of a run (SPEC section 4) and records why.

use crate::budget::MemoryBudget;
use crate::read::{self, TableError, TableShape};
use crate::{CctLookup, CctStats, OnDemand, Preloaded};
use async_trait::async_trait;
use ingesta_client::{ApiError, StrapiClient};
use ingesta_records::ByteSource;
use std::sync::Arc;

/// `CCT_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Auto,
    Preload,
    #[serde(rename = "ondemand")]
    OnDemand,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Mode::Auto),
            "preload" => Ok(Mode::Preload),
            "ondemand" | "on-demand" => Ok(Mode::OnDemand),
            other => Err(format!("'{other}' is not a CCT mode (auto, preload or ondemand)")),
        }
    }
}

/// The decision as the summary, log and metrics report it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    pub requested: Mode,
    /// Rows of the table with a usable key (after a counted pass).
    pub table_rows: Option<u64>,
    pub estimate_mb: Option<f64>,
    /// `CCT_MEMORY_FRACTION` × (limit − in use − the run's working set).
    pub budget_mb: Option<f64>,
    pub limit_mb: f64,
    pub in_use_mb: f64,
    pub reason: String,
    /// Set when the table could not be used and the run fell back to on-demand look-ups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Whether a table of `estimate` bytes is preloaded in `requested` mode with `budget`.
pub fn decide(requested: Mode, estimate: u64, budget: &MemoryBudget) -> (bool, String) {
    let (est, avail) = (mb(estimate), mb(budget.available_bytes()));
    match requested {
        Mode::OnDemand => (false, "CCT_MODE=ondemand".into()),
        Mode::Preload => (true, format!("CCT_MODE=preload (estimate {est:.1} MB, budget {avail:.1} MB)")),
        Mode::Auto if estimate <= budget.available_bytes() => {
            (true, format!("estimate {est:.1} MB fits the budget of {avail:.1} MB"))
        }
        Mode::Auto => (false, format!("estimate {est:.1} MB exceeds the budget of {avail:.1} MB")),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A run's CCT look-up together with the reason it was chosen.
pub struct Chosen {
    inner: Box<dyn CctLookup>,
    choice: Choice,
}

impl Chosen {
    pub fn choice(&self) -> &Choice {
        &self.choice
    }
}

#[async_trait]
impl CctLookup for Chosen {
    async fn resolve(&self, clave: &str) -> Result<Option<u64>, ApiError> {
        self.inner.resolve(clave).await
    }
    fn stats(&self) -> CctStats {
        self.inner.stats()
    }
    fn mode(&self) -> &'static str {
        self.inner.mode()
    }
    fn choice(&self) -> Option<Choice> {
        Some(self.choice.clone())
    }
}

/// Chooses and builds the look-up. Never fails: a table that is missing, unreadable or malformed
/// means on-demand look-ups and a warning.
pub async fn choose(
    requested: Mode,
    table: Option<&dyn ByteSource>,
    budget: &MemoryBudget,
    client: Arc<StrapiClient>,
    cache_capacity: u64,
) -> Chosen {
    let on_demand = |choice: Choice| Chosen { inner: Box::new(OnDemand::new(client.clone(), cache_capacity)), choice };
    let base = Choice {
        requested,
        table_rows: None,
        estimate_mb: None,
        budget_mb: None,
        limit_mb: mb(budget.limit_bytes),
        in_use_mb: mb(budget.in_use_bytes),
        reason: String::new(),
        warning: None,
    };
    let chosen = match (requested, table) {
        (Mode::OnDemand, _) => on_demand(Choice { reason: "CCT_MODE=ondemand".into(), ..base }),
        (_, None) => on_demand(Choice { reason: "no CCT table configured".into(), ..base }),
        (_, Some(source)) => match read::measure(source).await {
            Err(e) => on_demand(fallback(base, &e)),
            Ok(shape) => {
                let (preload, reason) = decide(requested, shape.estimated_bytes(), budget);
                let choice = Choice {
                    table_rows: Some(shape.rows),
                    estimate_mb: Some(mb(shape.estimated_bytes())),
                    budget_mb: Some(mb(budget.available_bytes())),
                    reason,
                    ..base
                };
                if preload {
                    match read::load(source, shape).await {
                        Ok((table, loaded)) => {
                            log_skipped(&source.name(), loaded);
                            Chosen { inner: Box::new(Preloaded::new(table)), choice }
                        }
                        Err(e) => on_demand(fallback(choice, &e)),
                    }
                } else {
                    on_demand(choice)
                }
            }
        },
    };
    let c = &chosen.choice;
    tracing::info!(
        mode = chosen.mode(),
        requested = ?c.requested,
        table_rows = c.table_rows,
        estimate_mb = c.estimate_mb,
        budget_mb = c.budget_mb,
        limit_mb = c.limit_mb,
        in_use_mb = c.in_use_mb,
        reason = %c.reason,
        "CCT look-up chosen"
    );
    chosen
}

fn fallback(choice: Choice, e: &TableError) -> Choice {
    let warning = format!("{e}; CCTs are looked up on demand instead");
    tracing::warn!("{warning}");
    Choice { reason: format!("table unusable: {e}"), warning: Some(warning), ..choice }
}

fn log_skipped(name: &str, shape: TableShape) {
    if shape.skipped > 0 {
        tracing::warn!(
            table = name,
            skipped = shape.skipped,
            "CCT table rows skipped: no key, a bad id or a repeated key"
        );
    }
}
