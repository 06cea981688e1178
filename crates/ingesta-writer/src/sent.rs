//! Every field the writer sends, per collection, and the kind of value it sends: what the
//! preflight holds against the CMS's model before the first write. A test keeps it in step with
//! the bodies the writer really builds.

use strapi_model::{Sent, Wire};

const fn f(collection: &'static str, field: &'static str, wire: Wire) -> Sent {
    Sent { collection, field, wire }
}

use Wire::{Bool, Number, Relation as Rel, Relations as Rels, Text};

/// In the writer's order: parents, the participant and participation, then their records.
pub const SENT: &[Sent] = &[
    f("programas", "nombre", Text),
    f("implementaciones", "nombre", Text),
    f("implementaciones", "ciclo_escolar", Text),
    f("implementaciones", "periodo", Text),
    f("implementaciones", "programa", Rel("programas")),
    f("implementaciones", "encuestas", Rels("encuestas")),
    f("modulos", "nombre", Text),
    f("modulos", "implementacion", Rel("implementaciones")),
    f("asistencias", "clave_sesion", Text),
    f("asistencias", "modalidad", Text),
    f("asistencias", "implementacion", Rel("implementaciones")),
    f("trabajos", "nombre", Text),
    f("trabajos", "implementacion", Rel("implementaciones")),
    f("participantes", "id_externo", Text),
    f("participantes", "edad", Number),
    f("participantes", "sexo", Text),
    f("participantes", "telefono", Text),
    f("participantes", "curp", Text),
    f("participantes", "rfc", Text),
    f("participantes", "nombre", Text),
    f("participantes", "primer_apellido", Text),
    f("participantes", "segundo_apellido", Text),
    f("participantes", "nombre_completo", Text),
    f("participantes", "entidad", Text),
    f("participantes", "estado_civil", Text),
    f("participantes", "nivel_educativo", Text),
    f("participantes", "lengua_indigena", Bool),
    f("participantes", "hablante_maya", Bool),
    f("participantes", "cct", Rel("ccts")),
    f("participaciones", "participante", Rel("participantes")),
    f("participaciones", "implementacion", Rel("implementaciones")),
    f("participaciones", "puesto", Text),
    f("participaciones", "puesto_detalle", Text),
    f("participaciones", "antiguedad", Text),
    f("participaciones", "turno", Text),
    f("participaciones", "involucramiento", Text),
    f("participaciones", "promedio_modulos", Text),
    f("participaciones", "estudiantes_a_cargo", Number),
    f("participaciones", "participa_director", Bool),
    f("participaciones", "cct_verificado", Bool),
    f("participaciones", "obtuvo_constancia", Bool),
    f("modulo-progreso-registros", "participacion", Rel("participaciones")),
    f("modulo-progreso-registros", "modulo", Rel("modulos")),
    f("modulo-progreso-registros", "calificacion", Number),
    f("encuesta-completada-registros", "participacion", Rel("participaciones")),
    f("encuesta-completada-registros", "encuesta", Rel("encuestas")),
    f("encuesta-completada-registros", "estado", Text),
    f("participante-asistencia-registros", "participacion", Rel("participaciones")),
    f("participante-asistencia-registros", "asistencia", Rel("asistencias")),
    f("participante-asistencia-registros", "presente", Bool),
    f("trabajo-realizado-registros", "participacion", Rel("participaciones")),
    f("trabajo-realizado-registros", "trabajo", Rel("trabajos")),
    f("trabajo-realizado-registros", "completado", Bool),
    f("uso-app-participantes", "participante", Rel("participantes")),
    f("uso-app-participantes", "minutos_uso_app", Number),
    f("uso-app-participantes", "descargo_app", Bool),
    f("correo-participantes", "participante", Rel("participantes")),
    f("correo-participantes", "correo", Text),
    f("correo-participantes", "principal", Bool),
];

/// Whether the writer declares sending `field` to `collection` (checked on every body in tests).
pub(crate) fn declared(collection: &str, field: &str) -> bool {
    SENT.iter().any(|s| s.collection == collection && s.field == field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_we_send_fits_the_bundled_model() {
        let mismatches = strapi_model::Model::bundled().check(SENT);
        assert!(mismatches.is_empty(), "{mismatches:?}");
    }
}
