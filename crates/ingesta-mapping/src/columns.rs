//! The fixed columns of SPEC section 2, by normalised name.

/// A row missing any of these is a row error; a header missing any fails the file.
pub const REQUIRED: [&str; 5] = ["id", "implementacion", "ciclo_escolar", "periodo_de_implementacion", "programa"];

/// Participant columns (`id` becomes `id_externo`; `cct` is resolved to an id, `email` also feeds
/// `correo-participantes`).
pub const PARTICIPANT: &[&str] = &[
    "id",
    "edad",
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
    "lengua_indigena",
    "hablante_maya",
    "nivel_educativo",
    "cct",
    "email",
];

/// Participation columns, including the two that feed `uso-app-participantes`.
pub const PARTICIPATION: &[&str] = &[
    "puesto",
    "puesto_detalle",
    "antiguedad",
    "estudiantes_a_cargo",
    "turno",
    "participa_director_a",
    "centro_de_trabajo_verificado",
    "constancia",
    "involucramiento",
    "promedio_modulos",
    "minutos_app",
    "descarga_app",
];

pub const MODULES: &[&str] = &["mod1", "mod2", "mod3"];
pub const SURVEYS: &[&str] = &["encuesta_inicial", "encuesta_final"];
pub const SESSION_PREFIXES: &[&str] = &["asist_", "trip", "ses"];
pub const WORK_PREFIXES: &[&str] = &["trabajo", "evidencia"];
pub const MODALITY_PREFIX: &str = "modalidad_";
