//! The seam between the run and the CMS: whatever writes the rows, the pipeline above it (reading,
//! the window, the report, checkpoints, limits, the summary) is one and the same.

use crate::writer::{RowFailure, RowOutcome, Writer};
use async_trait::async_trait;
use ingesta_cct::{CctStats, Choice};
use ingesta_mapping::RowPlan;
use std::collections::HashMap;

/// Where rows are written: the REST [`Writer`] or the plugin's [`crate::BulkWriter`].
#[async_trait]
pub trait Sink: Send + Sync {
    /// `"rest"` or `"bulk"`, as the summary reports it.
    fn path(&self) -> &'static str;

    /// Prepares a batch (rows in file order) and returns the rows it settled: those must not be
    /// given to [`Sink::write_row`]. The REST writer sets up parents here and settles only the
    /// rows that failed doing so; the bulk writer writes the whole batch here and settles every
    /// row.
    async fn prepare_batch(&self, plans: &[RowPlan]) -> HashMap<u64, Result<RowOutcome, RowFailure>>;

    /// Writes one prepared row that [`Sink::prepare_batch`] did not settle.
    async fn write_row(&self, plan: &RowPlan) -> Result<RowOutcome, RowFailure>;

    /// Entries created in this run, per collection.
    fn created(&self) -> Vec<(&'static str, u64)>;

    /// How many warnings the run raised, and the first ones verbatim.
    fn warnings(&self) -> (u64, Vec<String>);

    fn cct_stats(&self) -> CctStats;

    fn cct_mode(&self) -> &'static str;

    fn cct_choice(&self) -> Option<Choice>;
}

#[async_trait]
impl Sink for Writer {
    fn path(&self) -> &'static str {
        "rest"
    }

    async fn prepare_batch(&self, plans: &[RowPlan]) -> HashMap<u64, Result<RowOutcome, RowFailure>> {
        Writer::prepare_batch(self, plans).await.into_iter().map(|(row, f)| (row, Err(f))).collect()
    }

    async fn write_row(&self, plan: &RowPlan) -> Result<RowOutcome, RowFailure> {
        Writer::write_row(self, plan).await
    }

    fn created(&self) -> Vec<(&'static str, u64)> {
        Writer::created(self)
    }

    fn warnings(&self) -> (u64, Vec<String>) {
        Writer::warnings(self)
    }

    fn cct_stats(&self) -> CctStats {
        Writer::cct_stats(self)
    }

    fn cct_mode(&self) -> &'static str {
        Writer::cct_mode(self)
    }

    fn cct_choice(&self) -> Option<Choice> {
        Writer::cct_choice(self)
    }
}
