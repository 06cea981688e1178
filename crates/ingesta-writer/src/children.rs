//! Records that hang off a participation (progress, surveys, attendance, work). They are
//! reconciled, not re-posted: for a participation that existed before this run, one list request
//! per needed collection says what is there; for one created in this run, nothing is.

use crate::collections::Collection;
use crate::participant::Participation;
use crate::store::Store;
use crate::writer::{RowFailure, Tally};
use futures::future::{join_all, try_join_all};
use ingesta_client::{ApiError, Filter};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// The four child kinds: collection and the relation naming the linked parent.
const KINDS: [(Collection, &str); 4] = [
    (Collection::ModuloProgreso, "modulo"),
    (Collection::EncuestaCompletada, "encuesta"),
    (Collection::ParticipanteAsistencia, "asistencia"),
    (Collection::TrabajoRealizado, "trabajo"),
];

/// Per kind, the linked parents that already have a record; `None` = not fetched yet.
#[derive(Default)]
pub(crate) struct Children([Option<HashSet<u64>>; 4]);

impl Children {
    pub(crate) fn known_empty() -> Self {
        Self(std::array::from_fn(|_| Some(HashSet::new())))
    }
}

/// One child record a row wants: the kind (index into `KINDS`), the linked parent, extra fields.
pub(crate) struct Want {
    pub kind: usize,
    pub target: u64,
    pub fields: Map<String, Value>,
}

pub(crate) const PROGRESS: usize = 0;
pub(crate) const SURVEY: usize = 1;
pub(crate) const SESSION: usize = 2;
pub(crate) const WORK: usize = 3;

/// Creates the wanted records that do not exist yet. Every create is attempted even when one
/// fails, so a rerun has less left to do; the first failure is returned.
pub(crate) async fn reconcile(
    store: &Store,
    p: &mut Participation,
    wants: Vec<Want>,
    tally: &Tally,
) -> Result<(), RowFailure> {
    let unknown: Vec<usize> =
        (0..KINDS.len()).filter(|k| p.children.0[*k].is_none() && wants.iter().any(|w| w.kind == *k)).collect();
    let fetched = try_join_all(unknown.iter().map(|&k| fetch(store, p.id, k))).await?;
    for (k, set) in unknown.into_iter().zip(fetched) {
        p.children.0[k] = Some(set);
    }
    let todo: Vec<&Want> =
        wants.iter().filter(|w| !p.children.0[w.kind].as_ref().is_some_and(|s| s.contains(&w.target))).collect();
    let results = join_all(todo.iter().map(|w| create(store, p.id, w))).await;
    let mut first_error = None;
    let mut unsure = Vec::new();
    for (w, r) in todo.iter().zip(results) {
        match r {
            Ok(created) => {
                tally.note(created);
                p.children.0[w.kind].get_or_insert_with(HashSet::new).insert(w.target);
            }
            Err(e) => {
                unsure.push(w.kind);
                first_error.get_or_insert(RowFailure { stage: KINDS[w.kind].0.route(), error: e });
            }
        }
    }
    // A failed create may have landed: fetch those kinds again before writing them next time.
    for k in unsure {
        p.children.0[k] = None;
    }
    first_error.map_or(Ok(()), Err)
}

async fn fetch(store: &Store, participation: u64, kind: usize) -> Result<HashSet<u64>, RowFailure> {
    let (c, rel) = KINDS[kind];
    let entries = store
        .client
        .find_all(c.route(), &[Filter::rel("participacion", participation)], &[rel])
        .await
        .map_err(RowFailure::at(c))?;
    Ok(entries.iter().filter_map(|e| e.relation_id(rel)).collect())
}

async fn create(store: &Store, participation: u64, w: &Want) -> Result<bool, ApiError> {
    let (c, rel) = KINDS[w.kind];
    let mut body = w.fields.clone();
    body.insert("participacion".into(), json!(participation));
    body.insert(rel.into(), json!(w.target));
    let key = [Filter::rel("participacion", participation), Filter::rel(rel, w.target)];
    Ok(store.create(c, &key, Value::Object(body)).await?.created)
}
