//! What each column of a header means.

use crate::columns::*;
use crate::recipe::Recipe;
use std::collections::HashMap;

/// The header lacks columns the file cannot be loaded without. Names the header has that are
/// not ours are only counted: a file without a header line has a data row there, personal data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the CSV header lacks required column(s): {}; its first line has {width} field(s), known columns among them: {}; \
     {others} other name(s) not shown, as they may be data (is the header line missing?)",
    missing.join(", "),
    if known.is_empty() { "none".to_string() } else { known.join(", ") }
)]
pub struct SchemaError {
    pub missing: Vec<String>,
    pub known: Vec<String>,
    pub others: usize,
    pub width: usize,
}

/// A column name of the specification's fixed vocabulary (prefixed names are not: a data cell
/// could start like one).
fn is_known(name: &str) -> bool {
    [&REQUIRED[..], PARTICIPANT, PARTICIPATION, MODULES, SURVEYS].iter().any(|set| set.contains(&name))
}

/// An attendance column and its optional `modalidad_<name>` companion.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionColumn {
    pub name: String,
    pub index: usize,
    pub modality_index: Option<usize>,
}

/// The meaning of every column of one file's header.
#[derive(Debug, Clone)]
pub struct Schema {
    pub(crate) fixed: HashMap<String, usize>,
    pub(crate) modules: Vec<(String, usize)>,
    pub(crate) surveys: Vec<(String, usize)>,
    pub(crate) sessions: Vec<SessionColumn>,
    pub(crate) works: Vec<(String, usize)>,
    /// Position of each [`REQUIRED`] column, in that order: checked on every row.
    pub(crate) required: [usize; REQUIRED.len()],
    /// The other fixed columns `plan` reads, by position.
    pub(crate) recipe: Recipe,
    unknown: Vec<String>,
    width: usize,
}

impl Schema {
    /// Classifies normalised header names. Fails when a required column is missing.
    pub fn from_headers(headers: &[String]) -> Result<Self, SchemaError> {
        let mut s = Schema {
            fixed: HashMap::new(),
            modules: Vec::new(),
            surveys: Vec::new(),
            sessions: Vec::new(),
            works: Vec::new(),
            required: [0; REQUIRED.len()],
            recipe: Recipe::new(&HashMap::new()),
            unknown: Vec::new(),
            width: headers.len(),
        };
        let mut modality_cols = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let name = h.as_str();
            // A repeated column keeps its first position, as a person reading the file would.
            if s.fixed.contains_key(name) || s.is_dynamic(name) {
                s.unknown.push(h.clone());
            } else if REQUIRED.contains(&name) || PARTICIPANT.contains(&name) || PARTICIPATION.contains(&name) {
                s.fixed.insert(h.clone(), i);
            } else if MODULES.contains(&name) {
                s.modules.push((h.clone(), i));
            } else if SURVEYS.contains(&name) {
                s.surveys.push((h.clone(), i));
            } else if name.starts_with(MODALITY_PREFIX) {
                modality_cols.push((h.clone(), i));
            } else if SESSION_PREFIXES.iter().any(|p| name.starts_with(p)) {
                s.sessions.push(SessionColumn { name: h.clone(), index: i, modality_index: None });
            } else if WORK_PREFIXES.iter().any(|p| name.starts_with(p)) {
                s.works.push((h.clone(), i));
            } else {
                s.unknown.push(h.clone());
            }
        }
        for (name, i) in modality_cols {
            let session = &name[MODALITY_PREFIX.len()..];
            match s.sessions.iter_mut().find(|c| c.name == session) {
                Some(col) if col.modality_index.is_none() => col.modality_index = Some(i),
                _ => s.unknown.push(name),
            }
        }
        let missing: Vec<String> =
            REQUIRED.iter().filter(|r| !s.fixed.contains_key(**r)).map(|r| r.to_string()).collect();
        if !missing.is_empty() {
            let known: Vec<String> = headers.iter().filter(|h| is_known(h)).cloned().collect();
            let others = headers.len() - known.len();
            return Err(SchemaError { missing, known, others, width: headers.len() });
        }
        s.required = REQUIRED.map(|r| s.fixed[r]);
        s.recipe = Recipe::new(&s.fixed);
        Ok(s)
    }

    fn is_dynamic(&self, name: &str) -> bool {
        self.modules.iter().chain(&self.surveys).chain(&self.works).any(|(n, _)| n == name)
            || self.sessions.iter().any(|c| c.name == name)
    }

    /// Number of columns in the header.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Columns that mean nothing to the pipeline, listed once in the summary.
    pub fn unknown_columns(&self) -> &[String] {
        &self.unknown
    }

    /// Module names (`mod1`…) present in the header: one `modulos` entry each per implementation.
    pub fn module_names(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().map(|(n, _)| n.as_str())
    }

    /// Attendance columns: one `asistencias` entry each per implementation.
    pub fn sessions(&self) -> &[SessionColumn] {
        &self.sessions
    }

    /// Work-item columns: one `trabajos` entry each per implementation.
    pub fn work_names(&self) -> impl Iterator<Item = &str> {
        self.works.iter().map(|(n, _)| n.as_str())
    }

    /// Survey columns present in the header (keys into the `encuestas` reference data).
    pub fn survey_names(&self) -> impl Iterator<Item = &str> {
        self.surveys.iter().map(|(n, _)| n.as_str())
    }

    /// The raw cell of a fixed column, if the header has it.
    pub fn cell<'r>(&self, fields: &'r [String], column: &str) -> Option<&'r str> {
        self.fixed.get(column).and_then(|&i| fields.get(i)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classifies_dynamic_columns() {
        let s = Schema::from_headers(&h(&[
            "id",
            "programa",
            "implementacion",
            "ciclo_escolar",
            "periodo_de_implementacion",
            "sexo",
            "mod1",
            "encuesta_final",
            "asist_1",
            "modalidad_asist_1",
            "trip_2",
            "sesion_3",
            "trabajo_final",
            "evidencia_1",
            "modalidad_nada",
            "color_favorito",
        ]))
        .unwrap();
        assert_eq!(s.module_names().collect::<Vec<_>>(), ["mod1"]);
        assert_eq!(s.survey_names().collect::<Vec<_>>(), ["encuesta_final"]);
        let sessions: Vec<_> = s.sessions().iter().map(|c| (c.name.as_str(), c.modality_index)).collect();
        assert_eq!(sessions, [("asist_1", Some(9)), ("trip_2", None), ("sesion_3", None)]);
        assert_eq!(s.work_names().collect::<Vec<_>>(), ["trabajo_final", "evidencia_1"]);
        assert_eq!(s.unknown_columns(), ["color_favorito", "modalidad_nada"]);
    }

    #[test]
    fn missing_required_columns_are_named() {
        let err = Schema::from_headers(&h(&["id", "programa", "ciclo_escolar"])).unwrap_err();
        assert_eq!(err.missing, ["implementacion", "periodo_de_implementacion"]);
        assert!(err.to_string().contains("implementacion, periodo_de_implementacion"));
    }
}
