//! The writer: one row plan in, every entity it needs written (or the stage that failed out).

use crate::children::{self, Want, PROGRESS, SESSION, SURVEY, WORK};
use crate::collections::{Collection, Created};
use crate::parents::{apply_modalities, Columns, Parents};
use crate::participant::Participant;
use crate::path::WritePath;
use crate::preflight::Preflight;
use crate::store::Store;
use crate::warnings::Warnings;
use futures::future::join_all;
use ingesta_cct::{CctLookup, CctStats, Choice};
use ingesta_client::{ApiError, Filter, StrapiClient};
use ingesta_mapping::{ImplementationKey, RowPlan, Schema};
use moka::future::Cache;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Writer settings.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Skip look-ups for programs and implementations (first load into an empty API). Never
    /// applies to participants; duplicates within a run are still impossible.
    pub omit_get: bool,
    /// Participants remembered at most (bounds memory on files of millions of rows).
    pub participant_cache: u64,
    /// Which way a run writes (see [`crate::open`]); [`Writer`] itself is the REST way.
    pub write_path: WritePath,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self { omit_get: false, participant_cache: 10_000, write_path: WritePath::Auto }
    }
}

/// The writer could not start: the CMS's model does not fit, or reference data is unreadable.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error("cannot read the reference collection 'encuestas': {0}")]
    Reference(ApiError),
    #[error("cannot check the CMS's data model: {0}")]
    Preflight(ApiError),
    #[error("the CMS's data model does not fit what ingesta writes; nothing was written:\n{}", list(.0))]
    Model(Vec<strapi_model::Mismatch>),
    /// `WRITE_PATH=bulk`, and the CMS cannot take batches (the reason, as the API gave it).
    #[error("{0}; nothing was written")]
    WritePath(String),
}

/// What every write path reads before its first write, in this order: the CMS's model (any
/// mismatch stops the file) and the `encuestas` reference data (`clave` → id).
pub(crate) async fn start(client: &StrapiClient) -> Result<(Preflight, HashMap<String, u64>), WriterError> {
    let checked = crate::preflight::preflight(client).await.map_err(WriterError::Preflight)?;
    if !checked.mismatches.is_empty() {
        return Err(WriterError::Model(checked.mismatches));
    }
    let encuestas = client
        .find_all("encuestas", &[], &[])
        .await
        .map_err(WriterError::Reference)?
        .into_iter()
        .filter_map(|e| Some((e.str("clave")?.to_string(), e.id)))
        .collect();
    Ok((checked, encuestas))
}

fn list(m: &[strapi_model::Mismatch]) -> String {
    m.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
}

/// Why a row did not fully land: the collection whose write failed, and the API's reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error}")]
pub struct RowFailure {
    pub stage: &'static str,
    pub error: ApiError,
}

impl RowFailure {
    pub(crate) fn at(c: Collection) -> impl Fn(ApiError) -> RowFailure {
        Self::at_route(c.route())
    }

    fn at_route(stage: &'static str) -> impl Fn(ApiError) -> RowFailure {
        move |error| RowFailure { stage, error }
    }

    /// A row a stop (`reason`) came before: reported, never written.
    pub fn not_started(reason: String) -> RowFailure {
        RowFailure { stage: "not started", error: ApiError::NotAttempted { reason } }
    }

    pub(crate) fn missing(c: Collection, message: String) -> RowFailure {
        RowFailure { stage: c.route(), error: ApiError::Rejected { status: 404, message } }
    }
}

/// What writing a row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowOutcome {
    /// Entries this row created; 0 means everything it needed already existed.
    pub created: u32,
}

/// Counts creates of one row, including those of its concurrent child writes.
#[derive(Default)]
pub(crate) struct Tally(std::sync::atomic::AtomicU32);

impl Tally {
    pub(crate) fn note(&self, created: bool) {
        if created {
            self.0.fetch_add(1, Relaxed);
        }
    }
}

/// Writes row plans. Share it behind an `Arc` across concurrent rows.
pub struct Writer {
    store: Store,
    parents: Parents,
    participants: Cache<String, Arc<Participant>>,
    encuestas: HashMap<String, u64>,
    cct: Arc<dyn CctLookup>,
    warnings: Warnings,
}

impl Writer {
    /// Checks the CMS's model ([`crate::preflight`]: the first API call of a run, so an
    /// unreachable API, a bad token or a model that does not fit is reported before any write),
    /// reads the `encuestas` reference data and prepares the caches.
    pub async fn new(
        client: Arc<StrapiClient>,
        schema: &Schema,
        cct: Arc<dyn CctLookup>,
        cfg: WriterConfig,
    ) -> Result<Self, WriterError> {
        let (checked, encuestas) = start(&client).await?;
        Ok(Self::started(client, schema, cct, cfg, checked, encuestas))
    }

    /// [`Writer::new`] once [`start`] has read what it reads.
    pub(crate) fn started(
        client: Arc<StrapiClient>,
        schema: &Schema,
        cct: Arc<dyn CctLookup>,
        cfg: WriterConfig,
        checked: Preflight,
        encuestas: HashMap<String, u64>,
    ) -> Self {
        let mut ids: Vec<u64> = encuestas.values().copied().collect();
        ids.sort_unstable();
        let fallback = checked.warning();
        let writer = Self {
            store: Store { client, created: Created::default(), model: checked.model },
            parents: Parents::new(Columns::of(schema), ids, cfg.omit_get),
            participants: Cache::new(cfg.participant_cache),
            encuestas,
            cct,
            warnings: Warnings::default(),
        };
        if let Some(w) = fallback {
            writer.warn(vec![w]);
        }
        writer
    }

    /// Resolves the batch's implementations and applies modality values. Different
    /// implementations (and their programs, modules, sessions and works) are set up concurrently;
    /// each implementation's rows are applied in row order, so "the first non-NA value wins"
    /// holds however the rows are then scheduled. Returns the rows that failed here; they must
    /// not be written.
    pub async fn prepare_batch(&self, plans: &[RowPlan]) -> HashMap<u64, RowFailure> {
        let mut groups: Vec<Vec<&RowPlan>> = Vec::new();
        let mut group_of: HashMap<&ImplementationKey, usize> = HashMap::new();
        for plan in plans {
            let g = *group_of.entry(&plan.implementacion).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(plan);
        }
        let per_implementation = join_all(groups.into_iter().map(|rows| async move {
            let mut out = Vec::with_capacity(rows.len());
            for plan in rows {
                let result = match self.parents.implementation(&self.store, plan).await {
                    Ok(imp) => apply_modalities(&self.store, &imp, plan).await,
                    Err(f) => Err(f),
                };
                out.push((plan.row_number, result));
            }
            out
        }))
        .await;
        let mut failed = HashMap::new();
        for (row, result) in per_implementation.into_iter().flatten() {
            match result {
                Ok(w) if w.is_empty() => {}
                Ok(w) => self.warn(w),
                Err(f) => {
                    failed.insert(row, f);
                }
            }
        }
        failed
    }

    /// Writes everything one row needs. Rows of the same participant are serialised by a lock;
    /// callers should still submit them in row order so the first row's values are the ones kept.
    pub async fn write_row(&self, plan: &RowPlan) -> Result<RowOutcome, RowFailure> {
        let tally = Tally::default();
        let imp = self.parents.implementation(&self.store, plan).await?;
        let cct = match &plan.cct {
            Some(k) => self.cct.resolve(k).await.map_err(RowFailure::at_route("ccts"))?,
            None => None,
        };
        let participant = self
            .participants
            .try_get_with(plan.id_externo.clone(), async {
                let mut body = plan.participante.clone();
                body.insert("cct".into(), cct.map_or(Value::Null, Value::from));
                let key = [Filter::eq("id_externo", plan.id_externo.as_str())];
                let got = self
                    .store
                    .get_or_create(Collection::Participantes, &key, Value::Object(body), false)
                    .await
                    .map_err(RowFailure::at(Collection::Participantes))?;
                tally.note(got.created);
                Ok::<_, RowFailure>(Arc::new(Participant::new(got.entry.id, got.created)))
            })
            .await
            .map_err(|e| (*e).clone())?;
        let wants = self.wants(plan, &imp)?;
        let mut state = participant.state.lock().await;
        let participation = state.participation(&self.store, participant.id, &imp, plan, &tally).await?;
        children::reconcile(&self.store, participation, wants, &tally).await?;
        state.app_use(&self.store, participant.id, plan, &tally).await?;
        state.email(&self.store, participant.id, plan, &tally).await?;
        Ok(RowOutcome { created: tally.0.load(Relaxed) })
    }

    fn wants(&self, plan: &RowPlan, imp: &crate::parents::Implementation) -> Result<Vec<Want>, RowFailure> {
        let want = |kind, target, fields: Value| Want {
            kind,
            target,
            fields: fields.as_object().cloned().unwrap_or_else(Map::new),
        };
        let mut out = Vec::new();
        for m in &plan.modules {
            let id = imp.modulos[&m.modulo];
            out.push(want(PROGRESS, id, json!({ "calificacion": m.calificacion })));
        }
        for s in &plan.surveys {
            let id = *self.encuestas.get(s).ok_or_else(|| {
                RowFailure::missing(
                    Collection::EncuestaCompletada,
                    format!("no survey with clave '{s}' in 'encuestas'"),
                )
            })?;
            out.push(want(SURVEY, id, json!({ "estado": "Completada" })));
        }
        for s in &plan.sessions {
            out.push(want(SESSION, imp.sesiones[s].entry.id, json!({ "presente": true })));
        }
        for w in &plan.works {
            out.push(want(WORK, imp.trabajos[w], json!({ "completado": true })));
        }
        Ok(out)
    }

    fn warn(&self, messages: Vec<String>) {
        self.warnings.add(messages)
    }

    /// Entries created in this run, per collection.
    pub fn created(&self) -> Vec<(&'static str, u64)> {
        self.store.created.snapshot()
    }

    /// How many warnings the run raised, and the first ones verbatim.
    pub fn warnings(&self) -> (u64, Vec<String>) {
        self.warnings.snapshot()
    }

    pub fn cct_stats(&self) -> CctStats {
        self.cct.stats()
    }

    pub fn cct_mode(&self) -> &'static str {
        self.cct.mode()
    }

    pub fn cct_choice(&self) -> Option<Choice> {
        self.cct.choice()
    }
}
