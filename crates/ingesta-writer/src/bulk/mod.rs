//! The bulk write path: each batch of row plans goes to the CMS's `ingesta` plugin, which writes
//! it in one database transaction (`infra/strapi-plugin/PROTOCOL.md`). Rows are resolved (CCT,
//! surveys) and shaped to the CMS's model here, exactly as for REST, so a row fails alike on
//! either path; requests are cut to the plugin's limits and sent one after another, in row
//! order, each under an idempotency key, so a retried request is never applied twice.

mod answer;
pub(crate) mod probe;
mod shape;
mod split;
mod wire;

use crate::collections::Created;
use crate::parents::Columns;
use crate::preflight::Preflight;
use crate::sink::Sink;
use crate::warnings::Warnings;
use crate::writer::{RowFailure, RowOutcome};
use answer::{settle, STAGE};
use async_trait::async_trait;
use futures::future::join_all;
use ingesta_cct::{CctLookup, CctStats, Choice};
use ingesta_client::{ApiError, StrapiClient};
use ingesta_mapping::{RowPlan, Schema};
use serde_json::Value;
use split::{split, Chunk};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use strapi_model::Model;
pub(crate) use wire::PluginInfo;

/// Writes whole batches through the plugin. Share it behind an `Arc`.
pub struct BulkWriter {
    client: Arc<StrapiClient>,
    model: Model,
    columns: wire::Columns,
    encuestas: HashMap<String, u64>,
    encuesta_ids: Vec<u64>,
    cct: Arc<dyn CctLookup>,
    plugin: PluginInfo,
    /// Idempotency keys are `run-<run>-<sequence>`: unique per run, so a retry is recognised and
    /// another run's batch never is.
    run: String,
    sequence: AtomicU64,
    /// Held while a batch's requests go out: a later batch is never sent (so never committed)
    /// before an earlier one has its answer.
    sending: tokio::sync::Mutex<()>,
    created: Created,
    warnings: Warnings,
}

impl BulkWriter {
    /// The bulk writer, once [`crate::writer::start`] has read the model and reference data and the plugin has
    /// answered ([`crate::open`] is the way in).
    pub(crate) fn started(
        client: Arc<StrapiClient>,
        schema: &Schema,
        cct: Arc<dyn CctLookup>,
        checked: Preflight,
        encuestas: HashMap<String, u64>,
        plugin: PluginInfo,
    ) -> Self {
        let mut encuesta_ids: Vec<u64> = encuestas.values().copied().collect();
        encuesta_ids.sort_unstable();
        let Columns { modules, sessions, works } = Columns::of(schema);
        let warnings = Warnings::default();
        if let Some(w) = checked.warning() {
            warnings.add(vec![w]);
        }
        Self {
            client,
            model: checked.model,
            columns: wire::Columns { modulos: modules, asistencias: sessions, trabajos: works },
            encuestas,
            encuesta_ids,
            cct,
            plugin,
            run: format!("{:016x}", rand::random::<u64>()),
            sequence: AtomicU64::new(0),
            sending: tokio::sync::Mutex::new(()),
            created: Created::default(),
            warnings,
        }
    }

    fn batch_key(&self, sequence: u64) -> String {
        format!("run-{}-{sequence:06}", self.run)
    }

    fn request(&self, batch: &str, rows: &[Value]) -> Value {
        let request = wire::Request {
            protocol: wire::PROTOCOL,
            batch,
            columns: &self.columns,
            encuestas: &self.encuesta_ids,
            rows,
        };
        serde_json::to_value(request).expect("a request serialises")
    }

    /// Each plan shaped to a batch row, or failed as REST would fail it.
    async fn shape(&self, plans: &[RowPlan]) -> Vec<(u64, Result<Value, RowFailure>)> {
        // Distinct keys are resolved concurrently (the lookup is single-flight and cached).
        let ccts = join_all(plans.iter().map(|p| async move {
            match &p.cct {
                Some(k) => self.cct.resolve(k).await.map_err(|error| RowFailure { stage: "ccts", error }),
                None => Ok(None),
            }
        }))
        .await;
        plans
            .iter()
            .zip(ccts)
            .map(|(plan, cct)| (plan.row_number, cct.and_then(|c| shape::row(&self.model, &self.encuestas, plan, c))))
            .collect()
    }

    /// Sends one request; every row of it is settled, by the answer or by the request's failure.
    async fn send(&self, rows: Vec<(u64, Value)>) -> Vec<(u64, Result<RowOutcome, RowFailure>)> {
        let key = self.batch_key(self.sequence.fetch_add(1, Relaxed) + 1);
        let (numbers, rows): (Vec<u64>, Vec<Value>) = rows.into_iter().unzip();
        let answered = self.client.post_json(wire::BATCHES_PATH, &self.request(&key, &rows)).await;
        tracing::debug!(batch = %key, rows = rows.len(), ok = answered.is_ok(), "batch sent");
        match answered.and_then(|v| settle(&numbers, v)) {
            Ok(s) => {
                for (c, n) in s.created {
                    self.created.add_n(c, n);
                }
                if !s.warnings.is_empty() {
                    self.warnings.add(s.warnings);
                }
                s.rows
            }
            Err(error) => {
                numbers.into_iter().map(|row| (row, Err(RowFailure { stage: STAGE, error: error.clone() }))).collect()
            }
        }
    }
}

#[async_trait]
impl Sink for BulkWriter {
    fn path(&self) -> &'static str {
        "bulk"
    }

    /// Writes the whole batch: every row comes back settled.
    async fn prepare_batch(&self, plans: &[RowPlan]) -> HashMap<u64, Result<RowOutcome, RowFailure>> {
        let mut settled = HashMap::with_capacity(plans.len());
        let mut rows = Vec::with_capacity(plans.len());
        for (row, shaped) in self.shape(plans).await {
            match shaped {
                Ok(v) => rows.push((row, v)),
                Err(f) => {
                    settled.insert(row, Err(f));
                }
            }
        }
        let lens: Vec<usize> = rows.iter().map(|(_, v)| serde_json::to_vec(v).map_or(0, |b| b.len())).collect();
        // Measured with the longest key a run can give, so that no real key makes it larger.
        let base = serde_json::to_vec(&self.request(&self.batch_key(u64::MAX), &[])).map_or(0, |b| b.len());
        let (max_bytes, max_rows) = (self.plugin.max_body_bytes, self.plugin.max_rows);
        let mut rows = rows.into_iter();
        let _in_order = self.sending.lock().await;
        for chunk in split(base, &lens, max_bytes, max_rows) {
            match chunk {
                Chunk::Send(range) => settled.extend(self.send(rows.by_ref().take(range.len()).collect()).await),
                Chunk::TooBig(i) => {
                    let (row, _) = rows.next().expect("a chunk per row");
                    let message =
                        format!("the row takes {} bytes, more than the ingesta plugin accepts ({max_bytes})", lens[i]);
                    settled.insert(
                        row,
                        Err(RowFailure { stage: STAGE, error: ApiError::Rejected { status: 413, message } }),
                    );
                }
            }
        }
        settled
    }

    async fn write_row(&self, plan: &RowPlan) -> Result<RowOutcome, RowFailure> {
        // The pipeline never asks: prepare_batch settled every row.
        Err(RowFailure {
            stage: STAGE,
            error: ApiError::NotAttempted {
                reason: format!("row {} was not in a batch given to the bulk writer", plan.row_number),
            },
        })
    }

    fn created(&self) -> Vec<(&'static str, u64)> {
        self.created.snapshot()
    }

    fn warnings(&self) -> (u64, Vec<String>) {
        self.warnings.snapshot()
    }

    fn cct_stats(&self) -> CctStats {
        self.cct.stats()
    }

    fn cct_mode(&self) -> &'static str {
        self.cct.mode()
    }

    fn cct_choice(&self) -> Option<Choice> {
        self.cct.choice()
    }
}
