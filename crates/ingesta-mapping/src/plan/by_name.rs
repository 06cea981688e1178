//! `plan` as it was before the header was resolved into a recipe: every cell looked up by name.
//! The reference the faster one is checked against.

use super::*;
use crate::columns::REQUIRED;
use ingesta_records::values::{is_done, is_na, number, text};

/// The boolean rule as it was written before it stopped lowercasing.
fn boolean(cell: &str) -> Option<bool> {
    let t = text(cell)?.to_lowercase();
    Some(matches!(t.as_str(), "true" | "1" | "si" | "sí" | "yes"))
}

fn opt_text(v: Option<&str>) -> Value {
    v.and_then(text).map_or(Value::Null, |t| Value::String(t.to_string()))
}

fn opt_num(v: Option<&str>) -> Value {
    v.and_then(number).map_or(Value::Null, Value::from)
}

fn opt_bool(v: Option<&str>) -> Value {
    v.and_then(boolean).map_or(Value::Null, Value::Bool)
}

pub(crate) fn plan(schema: &Schema, row: &RawRow) -> Result<RowPlan, PlanError> {
    let f = &row.fields;
    let cell = |c: &str| schema.cell(f, c);
    let required = |c: &str| cell(c).and_then(text).map(str::to_string);
    let missing: Vec<String> = REQUIRED.iter().filter(|c| required(c).is_none()).map(|c| c.to_string()).collect();
    if !missing.is_empty() {
        return Err(PlanError(missing));
    }
    let req = |c: &str| required(c).unwrap_or_default();

    let mut participante = Map::new();
    participante.insert("id_externo".into(), Value::String(req("id")));
    participante.insert("edad".into(), opt_num(cell("edad")));
    for c in [
        "sexo",
        "telefono",
        "curp",
        "rfc",
        "nombre",
        "primer_apellido",
        "segundo_apellido",
        "nombre_completo",
        "entidad",
        "estado_civil",
        "nivel_educativo",
    ] {
        participante.insert(c.into(), opt_text(cell(c)));
    }
    participante.insert("lengua_indigena".into(), opt_bool(cell("lengua_indigena")));
    participante.insert("hablante_maya".into(), opt_bool(cell("hablante_maya")));

    let mut participacion = Map::new();
    // `promedio_modulos` and `antiguedad` are text in the CMS: kept as written ("6.1", "29 años").
    for c in ["puesto", "puesto_detalle", "antiguedad", "turno", "involucramiento", "promedio_modulos"] {
        participacion.insert(c.into(), opt_text(cell(c)));
    }
    participacion.insert("estudiantes_a_cargo".into(), opt_num(cell("estudiantes_a_cargo")));
    participacion.insert("participa_director".into(), opt_bool(cell("participa_director_a")));
    participacion.insert("cct_verificado".into(), opt_bool(cell("centro_de_trabajo_verificado")));
    participacion.insert("obtuvo_constancia".into(), opt_bool(cell("constancia")));

    let minutos = cell("minutos_app").and_then(number);
    let descargo = cell("descarga_app").and_then(boolean);
    let app_use = (cell("minutos_app").is_some_and(|c| !is_na(c)) || descargo == Some(true))
        .then_some(AppUse { minutos_uso_app: minutos, descargo_app: descargo });

    let done =
        |cols: &[(String, usize)]| cols.iter().filter(|(_, i)| is_done(&f[*i])).map(|(n, _)| n.clone()).collect();
    Ok(RowPlan {
        row_number: row.row_number,
        id_externo: req("id"),
        email: cell("email").and_then(text).map(str::to_string),
        programa: req("programa"),
        implementacion: ImplementationKey {
            nombre: req("implementacion"),
            ciclo_escolar: req("ciclo_escolar"),
            periodo: req("periodo_de_implementacion"),
        },
        cct: cell("cct").and_then(text).map(str::to_string),
        participante,
        participacion,
        modules: schema
            .modules
            .iter()
            .filter(|(_, i)| !is_na(&f[*i]))
            .map(|(n, i)| ModuleGrade { modulo: n.clone(), calificacion: number(&f[*i]) })
            .collect(),
        surveys: done(&schema.surveys),
        sessions: schema.sessions.iter().filter(|c| is_done(&f[c.index])).map(|c| c.name.clone()).collect(),
        modalities: schema
            .sessions
            .iter()
            .filter_map(|c| Some((c.name.clone(), text(&f[c.modality_index?])?.to_string())))
            .collect(),
        works: done(&schema.works),
        app_use,
    })
}
