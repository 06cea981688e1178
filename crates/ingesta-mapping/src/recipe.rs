//! The header resolved, once, into what [`crate::Schema::plan`] reads from each row: every body
//! field with its column's position and how its cell is read, so that a row costs index lookups
//! and not a name lookup per cell.

use ingesta_records::values::{boolean, number, text};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// How a cell becomes a body value; an absent or unreadable cell is `null` in every case.
#[derive(Debug, Clone, Copy)]
enum Read {
    Text,
    Number,
    Boolean,
}

/// One body field: the API's name for it and where its cell is.
#[derive(Debug, Clone)]
struct Field {
    key: &'static str,
    column: Option<usize>,
    read: Read,
}

/// `participantes` fields, by API name, column name and reading. `id_externo` is required, so it
/// is always text here.
const PARTICIPANTE: &[(&str, &str, Read)] = &[
    ("id_externo", "id", Read::Text),
    ("edad", "edad", Read::Number),
    ("sexo", "sexo", Read::Text),
    ("telefono", "telefono", Read::Text),
    ("curp", "curp", Read::Text),
    ("rfc", "rfc", Read::Text),
    ("nombre", "nombre", Read::Text),
    ("primer_apellido", "primer_apellido", Read::Text),
    ("segundo_apellido", "segundo_apellido", Read::Text),
    ("nombre_completo", "nombre_completo", Read::Text),
    ("entidad", "entidad", Read::Text),
    ("estado_civil", "estado_civil", Read::Text),
    ("nivel_educativo", "nivel_educativo", Read::Text),
    ("lengua_indigena", "lengua_indigena", Read::Boolean),
    ("hablante_maya", "hablante_maya", Read::Boolean),
];

/// `participaciones` fields. `promedio_modulos` and `antiguedad` are text in the CMS: kept as
/// written ("6.1", "29 años").
const PARTICIPACION: &[(&str, &str, Read)] = &[
    ("puesto", "puesto", Read::Text),
    ("puesto_detalle", "puesto_detalle", Read::Text),
    ("antiguedad", "antiguedad", Read::Text),
    ("turno", "turno", Read::Text),
    ("involucramiento", "involucramiento", Read::Text),
    ("promedio_modulos", "promedio_modulos", Read::Text),
    ("estudiantes_a_cargo", "estudiantes_a_cargo", Read::Number),
    ("participa_director", "participa_director_a", Read::Boolean),
    ("cct_verificado", "centro_de_trabajo_verificado", Read::Boolean),
    ("obtuvo_constancia", "constancia", Read::Boolean),
];

/// Positions of the fixed columns `plan` reads, resolved from the header's names.
#[derive(Debug, Clone)]
pub(crate) struct Recipe {
    participante: Vec<Field>,
    participacion: Vec<Field>,
    pub email: Option<usize>,
    pub cct: Option<usize>,
    pub minutos_app: Option<usize>,
    pub descarga_app: Option<usize>,
}

impl Recipe {
    pub fn new(fixed: &HashMap<String, usize>) -> Self {
        let fields = |spec: &[(&'static str, &str, Read)]| {
            spec.iter().map(|&(key, column, read)| Field { key, column: fixed.get(column).copied(), read }).collect()
        };
        Self {
            participante: fields(PARTICIPANTE),
            participacion: fields(PARTICIPACION),
            email: fixed.get("email").copied(),
            cct: fixed.get("cct").copied(),
            minutos_app: fixed.get("minutos_app").copied(),
            descarga_app: fixed.get("descarga_app").copied(),
        }
    }

    pub fn participante(&self, row: &[String]) -> Map<String, Value> {
        body(&self.participante, row)
    }

    pub fn participacion(&self, row: &[String]) -> Map<String, Value> {
        body(&self.participacion, row)
    }
}

/// The cell at `column`, if the header has that column and the row that cell.
pub(crate) fn cell(row: &[String], column: Option<usize>) -> Option<&str> {
    column.and_then(|i| row.get(i)).map(String::as_str)
}

/// Collected at once rather than inserted one by one: the map is built from sorted keys in one go.
fn body(fields: &[Field], row: &[String]) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| {
            let cell = cell(row, f.column);
            let value = match f.read {
                Read::Text => cell.and_then(text).map_or(Value::Null, |t| Value::String(t.to_string())),
                Read::Number => cell.and_then(number).map_or(Value::Null, Value::from),
                Read::Boolean => cell.and_then(boolean).map_or(Value::Null, Value::Bool),
            };
            (f.key.to_string(), value)
        })
        .collect()
}
