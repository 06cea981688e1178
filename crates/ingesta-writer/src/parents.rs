//! Parent entities shared by many rows: programs, implementations, and each implementation's
//! modules, sessions and work items. Each is resolved once per run behind a single-flight cache.

use crate::collections::Collection;
use crate::store::Store;
use crate::writer::RowFailure;
use futures::future::{join_all, try_join_all};
use ingesta_client::{Entry, Filter};
use ingesta_mapping::{ImplementationKey, RowPlan};
use moka::future::Cache;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A session (`asistencias` entry) and the modality it holds, which the first row giving one sets.
pub(crate) struct Session {
    pub entry: Entry,
    pub modalidad: tokio::sync::Mutex<Option<String>>,
}

/// An implementation with the ids of everything rows link to under it.
pub(crate) struct Implementation {
    pub id: u64,
    pub modulos: HashMap<String, u64>,
    pub sesiones: HashMap<String, Session>,
    pub trabajos: HashMap<String, u64>,
}

/// The header's dynamic columns: one parent entry per column per implementation.
pub(crate) struct Columns {
    pub modules: Vec<String>,
    pub sessions: Vec<String>,
    pub works: Vec<String>,
}

impl Columns {
    pub(crate) fn of(schema: &ingesta_mapping::Schema) -> Self {
        Self {
            modules: schema.module_names().map(str::to_string).collect(),
            sessions: schema.sessions().iter().map(|c| c.name.clone()).collect(),
            works: schema.work_names().map(str::to_string).collect(),
        }
    }
}

pub(crate) struct Parents {
    programas: Cache<String, u64>,
    implementaciones: Cache<ImplementationKey, Arc<Implementation>>,
    columns: Columns,
    encuesta_ids: Vec<u64>,
    omit_get: bool,
    /// Parents whose creation was attempted: with `omit_get`, only a first attempt may skip the
    /// look-up (a failed one may have landed).
    attempted: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Parents {
    pub(crate) fn new(columns: Columns, encuesta_ids: Vec<u64>, omit_get: bool) -> Self {
        Self {
            // Parents are few (programs × periods); the bounds only guard against a pathological file.
            programas: Cache::new(10_000),
            implementaciones: Cache::new(10_000),
            columns,
            encuesta_ids,
            omit_get,
            attempted: Default::default(),
        }
    }

    /// Whether creating the parent named `key` may skip its look-up: `omit_get`, and no earlier
    /// attempt in this run.
    fn known_new(&self, key: String) -> bool {
        self.omit_get && self.attempted.lock().expect("attempted lock").insert(key)
    }

    /// The row's implementation, with its program and dynamic parents, created if needed.
    pub(crate) async fn implementation(
        &self,
        store: &Store,
        plan: &RowPlan,
    ) -> Result<Arc<Implementation>, RowFailure> {
        let programa = self
            .programas
            .try_get_with(plan.programa.clone(), async {
                let key = [Filter::eq("nombre", &plan.programa)];
                let known_new = self.known_new(format!("programa\u{1f}{}", plan.programa));
                let got = store
                    .get_or_create(Collection::Programas, &key, json!({ "nombre": plan.programa }), known_new)
                    .await
                    .map_err(RowFailure::at(Collection::Programas))?;
                Ok::<_, RowFailure>(got.entry.id)
            })
            .await
            .map_err(|e| (*e).clone())?;
        self.implementaciones
            .try_get_with(plan.implementacion.clone(), self.create_implementation(store, plan, programa))
            .await
            .map_err(|e| (*e).clone())
    }

    async fn create_implementation(
        &self,
        store: &Store,
        plan: &RowPlan,
        programa: u64,
    ) -> Result<Arc<Implementation>, RowFailure> {
        let k = &plan.implementacion;
        let key = [
            Filter::eq("nombre", &k.nombre),
            Filter::eq("ciclo_escolar", &k.ciclo_escolar),
            Filter::eq("periodo", &k.periodo),
        ];
        let body = json!({
            "nombre": k.nombre, "ciclo_escolar": k.ciclo_escolar, "periodo": k.periodo,
            "programa": programa, "encuestas": self.encuesta_ids,
        });
        let known_new = self.known_new(format!("implementacion\u{1f}{:?}", plan.implementacion));
        let got = store
            .get_or_create(Collection::Implementaciones, &key, body, known_new)
            .await
            .map_err(RowFailure::at(Collection::Implementaciones))?;
        let id = got.entry.id;
        let modality = |name: &str| plan.modalities.iter().find(|(s, _)| s == name).map(|(_, m)| m.clone());
        let (modulos, sesiones, trabajos) = futures::try_join!(
            ensure(store, Collection::Modulos, "nombre", &self.columns.modules, id, got.created, |_| Map::new()),
            ensure(store, Collection::Asistencias, "clave_sesion", &self.columns.sessions, id, got.created, |n| {
                Map::from_iter([("modalidad".to_string(), modality(n).map_or(Value::Null, Value::String))])
            }),
            ensure(store, Collection::Trabajos, "nombre", &self.columns.works, id, got.created, |_| Map::new()),
        )?;
        Ok(Arc::new(Implementation {
            id,
            modulos: modulos.into_iter().map(|(n, e)| (n, e.id)).collect(),
            sesiones: sesiones
                .into_iter()
                .map(|(n, e)| {
                    let m = e.str("modalidad").map(str::to_string);
                    (n, Session { entry: e, modalidad: tokio::sync::Mutex::new(m) })
                })
                .collect(),
            trabajos: trabajos.into_iter().map(|(n, e)| (n, e.id)).collect(),
        }))
    }
}

/// Makes sure one entry per name exists under implementation `imp`: one list request when the
/// implementation already existed (none when this run created it), then a create per missing name.
async fn ensure(
    store: &Store,
    c: Collection,
    name_field: &str,
    names: &[String],
    imp: u64,
    imp_created: bool,
    extra: impl Fn(&str) -> Map<String, Value>,
) -> Result<HashMap<String, Entry>, RowFailure> {
    let mut have: HashMap<String, Entry> = HashMap::new();
    if !imp_created && !names.is_empty() {
        let existing = store
            .client
            .find_all(c.route(), &[Filter::rel("implementacion", imp)], &[])
            .await
            .map_err(RowFailure::at(c))?;
        have.extend(existing.into_iter().filter_map(|e| Some((e.str(name_field)?.to_string(), e))));
    }
    let extra = &extra;
    let missing = names.iter().filter(|n| !have.contains_key(*n)).map(|n| async move {
        let mut body = extra(n);
        body.insert(name_field.to_string(), json!(n));
        body.insert("implementacion".to_string(), json!(imp));
        let key = [Filter::eq(name_field, n.as_str()), Filter::rel("implementacion", imp)];
        let got = store.create(c, &key, Value::Object(body)).await.map_err(RowFailure::at(c))?;
        Ok::<_, RowFailure>((n.clone(), got.entry))
    });
    have.extend(try_join_all(missing).await?);
    Ok(have)
}

/// Applies a row's modality values: the first non-NA value per session wins (written once), and
/// a different later value is a warning, never an error.
pub(crate) async fn apply_modalities(
    store: &Store,
    imp: &Implementation,
    plan: &RowPlan,
) -> Result<Vec<String>, RowFailure> {
    // A row names each session once, so its updates touch different entries: sent at once.
    let each = plan.modalities.iter().filter_map(|(name, value)| Some((name, value, imp.sesiones.get(name)?)));
    let results = join_all(each.map(|(name, value, session)| async move {
        let mut current = session.modalidad.lock().await;
        match current.as_deref() {
            None => {
                store
                    .update(Collection::Asistencias, &session.entry, json!({ "modalidad": value }))
                    .await
                    .map_err(RowFailure::at(Collection::Asistencias))?;
                *current = Some(value.clone());
                Ok(None)
            }
            // Cell values stay out of warnings (they reach logs); the row number finds them.
            Some(kept) if kept != value => Ok(Some(format!(
                "row {}: column 'modalidad_{name}' differs from the modality already set for this session of \
                 the row's implementation; the first one is kept",
                plan.row_number
            ))),
            Some(_) => Ok(None),
        }
    }))
    .await;
    results.into_iter().filter_map(Result::transpose).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parents(omit_get: bool) -> Parents {
        Parents::new(Columns { modules: vec![], sessions: vec![], works: vec![] }, vec![], omit_get)
    }

    #[test]
    fn with_omit_get_only_a_first_attempt_skips_the_look_up() {
        let p = parents(true);
        assert!(p.known_new("a".into()));
        assert!(!p.known_new("a".into()), "a failed first attempt may have landed");
        assert!(p.known_new("b".into()));
        assert!(!parents(false).known_new("a".into()));
    }
}
