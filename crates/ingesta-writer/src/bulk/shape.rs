//! One row plan → one row of a batch, every value already in the CMS's type: the plugin writes
//! what it is given, so the shaping (and the rows it refuses) is the REST writer's own.

use crate::collections::Collection;
use crate::store::fit;
use crate::writer::RowFailure;
use ingesta_mapping::RowPlan;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use strapi_model::Model;

/// The batch row for `plan`, whose CCT resolved to `cct`; or why the row cannot be sent, with the
/// stage the REST writer would report for it.
pub(crate) fn row(
    model: &Model,
    encuestas: &HashMap<String, u64>,
    plan: &RowPlan,
    cct: Option<u64>,
) -> Result<Value, RowFailure> {
    let fitted = |c: Collection, body: Value| fit(model, c.route(), body).map_err(RowFailure::at(c));
    let field = |c: Collection, name: &str, value: Value| -> Result<Value, RowFailure> {
        let mut body = fitted(c, json!({ name: value }))?;
        Ok(body.get_mut(name).map(Value::take).unwrap_or(Value::Null))
    };
    // In the order the REST writer meets them, so the first refusal is the one it would report.
    let mut modalidades = Map::new();
    for (name, value) in &plan.modalities {
        modalidades.insert(name.clone(), field(Collection::Asistencias, "modalidad", json!(value))?);
    }
    let mut participante = plan.participante.clone();
    participante.insert("cct".into(), cct.map_or(Value::Null, Value::from));
    let participante = fitted(Collection::Participantes, Value::Object(participante))?;
    let surveys = plan
        .surveys
        .iter()
        .map(|s| {
            encuestas.get(s).copied().ok_or_else(|| {
                RowFailure::missing(
                    Collection::EncuestaCompletada,
                    format!("no survey with clave '{s}' in 'encuestas'"),
                )
            })
        })
        .collect::<Result<Vec<u64>, _>>()?;
    let participacion = fitted(Collection::Participaciones, Value::Object(plan.participacion.clone()))?;
    let modulos = plan
        .modules
        .iter()
        .map(|m| {
            let grade = field(Collection::ModuloProgreso, "calificacion", json!(m.calificacion))?;
            Ok(json!({ "modulo": m.modulo, "calificacion": grade }))
        })
        .collect::<Result<Vec<Value>, RowFailure>>()?;
    let uso_app = match &plan.app_use {
        Some(u) => {
            fitted(Collection::UsoApp, json!({ "minutos_uso_app": u.minutos_uso_app, "descargo_app": u.descargo_app }))?
        }
        None => Value::Null,
    };
    let correo = match &plan.email {
        Some(e) => field(Collection::Correo, "correo", json!(e))?,
        None => Value::Null,
    };
    let k = &plan.implementacion;
    Ok(json!({
        "row": plan.row_number,
        "programa": plan.programa,
        "implementacion": { "nombre": k.nombre, "ciclo_escolar": k.ciclo_escolar, "periodo": k.periodo },
        "participante": participante,
        "participacion": participacion,
        "modulos": modulos,
        "encuestas": surveys,
        "asistencias": plan.sessions,
        "modalidades": modalidades,
        "trabajos": plan.works,
        "uso_app": uso_app,
        "correo": correo,
    }))
}
