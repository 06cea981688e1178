//! The file side: the keys a load of the file must leave, one collection at a time. The file
//! is read once per collection, so memory follows the largest collection, not the whole file.

use crate::key;
use crate::VerifyError;
use ingesta_mapping::{RowPlan, Schema};
use ingesta_records::{ByteSource, RecordReader};
use ingesta_writer::Collection;
use strapi_model::Model;

/// How many rows the file has, and how many a load would write (the rest fail before any write).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Rows {
    pub read: u64,
    pub valid: u64,
}

/// Whether a load would write the row at all: its plan exists and its values fit the model.
fn writable(model: &Model, plan: &RowPlan) -> bool {
    let mut participante = plan.participante.clone();
    let mut participacion = plan.participacion.clone();
    model.coerce_body("participantes", &mut participante).is_ok()
        && model.coerce_body("participaciones", &mut participacion).is_ok()
}

/// Calls `f(row, key, describe)` for every key of `c` that a valid row implies.
pub async fn each_key(
    source: &dyn ByteSource,
    model: &Model,
    c: Collection,
    mut f: impl FnMut(u64, u64, &dyn Fn() -> String),
) -> Result<Rows, VerifyError> {
    let mut reader = RecordReader::open(source, None).await?;
    let mut rows = Rows::default();
    if reader.headers().is_empty() {
        return Ok(rows);
    }
    let schema = Schema::from_headers(reader.headers())?;
    while let Some(next) = reader.next_row().await? {
        rows.read += 1;
        let Some(plan) = next.ok().and_then(|raw| schema.plan(&raw).ok()).filter(|p| writable(model, p)) else {
            continue;
        };
        rows.valid += 1;
        keys(&schema, &plan, c, &mut |k, describe| f(plan.row_number, k, describe));
    }
    Ok(rows)
}

fn keys(schema: &Schema, plan: &RowPlan, c: Collection, f: &mut dyn FnMut(u64, &dyn Fn() -> String)) {
    use Collection::*;
    let k = &plan.implementacion;
    let imp = key::implementation(&k.nombre, &k.ciclo_escolar, &k.periodo);
    let imp_text = || format!("{} | {} | {}", k.nombre, k.ciclo_escolar, k.periodo);
    let person = key::participant(&plan.id_externo);
    let part = key::participation(person, imp);
    let part_text = || format!("participant {} in {}", plan.id_externo, imp_text());
    let mut of_imp = |names: &mut dyn Iterator<Item = &str>| {
        for name in names {
            f(key::of_implementation(imp, name), &|| format!("{name} of {}", imp_text()));
        }
    };
    match c {
        Programas => f(key::program(&plan.programa), &|| plan.programa.clone()),
        Implementaciones => f(imp, &imp_text),
        Modulos => of_imp(&mut schema.module_names()),
        Asistencias => of_imp(&mut schema.sessions().iter().map(|s| s.name.as_str())),
        Trabajos => of_imp(&mut schema.work_names()),
        Participantes => f(person, &|| format!("participant {}", plan.id_externo)),
        Participaciones => f(part, &part_text),
        ModuloProgreso => {
            for m in &plan.modules {
                let target = key::of_implementation(imp, &m.modulo);
                f(key::record(part, target), &|| format!("{} → modulo {}", part_text(), m.modulo));
            }
        }
        EncuestaCompletada => {
            for s in &plan.surveys {
                f(key::record(part, key::survey(s)), &|| format!("{} → encuesta {s}", part_text()));
            }
        }
        ParticipanteAsistencia => {
            for s in &plan.sessions {
                let target = key::of_implementation(imp, s);
                f(key::record(part, target), &|| format!("{} → asistencia {s}", part_text()));
            }
        }
        TrabajoRealizado => {
            for w in &plan.works {
                let target = key::of_implementation(imp, w);
                f(key::record(part, target), &|| format!("{} → trabajo {w}", part_text()));
            }
        }
        UsoApp => {
            if plan.app_use.is_some() {
                f(person, &|| format!("participant {}", plan.id_externo));
            }
        }
        Correo => {
            if let Some(address) = &plan.email {
                // The address is personal data: the row number finds it.
                f(key::email(person, address), &|| format!("an address of participant {}", plan.id_externo));
            }
        }
    }
}
