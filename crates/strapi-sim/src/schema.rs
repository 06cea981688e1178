//! The collections the simulator serves, as SPEC section 3 lists them: fields, relations and
//! unique keys. Read it like the spec's table.

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    /// To-one relation to another collection (stored as its numeric id).
    Rel(&'static str),
    /// To-many relation (stored as an array of ids).
    Many(&'static str),
}

use Kind::{Many, Rel, Scalar};

#[derive(Debug)]
pub struct CollectionDef {
    pub name: &'static str,
    pub fields: &'static [(&'static str, Kind)],
    pub unique: &'static [&'static str],
    /// Reference data seeded from CSV may carry extra text columns.
    pub open: bool,
}

impl CollectionDef {
    pub fn kind(&self, field: &str) -> Option<Kind> {
        self.fields.iter().find(|(f, _)| *f == field).map(|(_, k)| *k).or(self.open.then_some(Scalar))
    }
}

const fn def(
    name: &'static str,
    fields: &'static [(&'static str, Kind)],
    unique: &'static [&'static str],
) -> CollectionDef {
    CollectionDef { name, fields, unique, open: false }
}

pub static COLLECTIONS: &[CollectionDef] = &[
    def("programas", &[("nombre", Scalar)], &["nombre"]),
    def(
        "implementaciones",
        &[
            ("nombre", Scalar),
            ("ciclo_escolar", Scalar),
            ("periodo", Scalar),
            ("programa", Rel("programas")),
            ("encuestas", Many("encuestas")),
        ],
        &["nombre", "ciclo_escolar", "periodo"],
    ),
    def("modulos", &[("nombre", Scalar), ("implementacion", Rel("implementaciones"))], &["nombre", "implementacion"]),
    def(
        "asistencias",
        &[("clave_sesion", Scalar), ("modalidad", Scalar), ("implementacion", Rel("implementaciones"))],
        &["clave_sesion", "implementacion"],
    ),
    def("trabajos", &[("nombre", Scalar), ("implementacion", Rel("implementaciones"))], &["nombre", "implementacion"]),
    def(
        "participantes",
        &[
            ("id_externo", Scalar),
            ("edad", Scalar),
            ("sexo", Scalar),
            ("telefono", Scalar),
            ("curp", Scalar),
            ("rfc", Scalar),
            ("nombre", Scalar),
            ("primer_apellido", Scalar),
            ("segundo_apellido", Scalar),
            ("nombre_completo", Scalar),
            ("entidad", Scalar),
            ("estado_civil", Scalar),
            ("lengua_indigena", Scalar),
            ("hablante_maya", Scalar),
            ("nivel_educativo", Scalar),
            ("email", Scalar),
            ("cct", Rel("ccts")),
        ],
        &["id_externo"],
    ),
    def(
        "participaciones",
        &[
            ("participante", Rel("participantes")),
            ("implementacion", Rel("implementaciones")),
            ("puesto", Scalar),
            ("puesto_detalle", Scalar),
            ("antiguedad", Scalar),
            ("estudiantes_a_cargo", Scalar),
            ("turno", Scalar),
            ("participa_director", Scalar),
            ("cct_verificado", Scalar),
            ("obtuvo_constancia", Scalar),
            ("involucramiento", Scalar),
            ("promedio_modulos", Scalar),
        ],
        &["participante", "implementacion"],
    ),
    def(
        "modulo-progreso-registros",
        &[("participacion", Rel("participaciones")), ("modulo", Rel("modulos")), ("calificacion", Scalar)],
        &["participacion", "modulo"],
    ),
    def(
        "encuesta-completada-registros",
        &[("participacion", Rel("participaciones")), ("encuesta", Rel("encuestas")), ("estado", Scalar)],
        &["participacion", "encuesta"],
    ),
    def(
        "participante-asistencia-registros",
        &[("participacion", Rel("participaciones")), ("asistencia", Rel("asistencias")), ("presente", Scalar)],
        &["participacion", "asistencia"],
    ),
    def(
        "trabajo-realizado-registros",
        &[("participacion", Rel("participaciones")), ("trabajo", Rel("trabajos")), ("completado", Scalar)],
        &["participacion", "trabajo"],
    ),
    def(
        "uso-app-participantes",
        &[("participante", Rel("participantes")), ("minutos_uso_app", Scalar), ("descargo_app", Scalar)],
        &["participante"],
    ),
    def(
        "correo-participantes",
        &[("participante", Rel("participantes")), ("correo", Scalar), ("principal", Scalar)],
        &["participante", "correo"],
    ),
    CollectionDef { name: "ccts", fields: &[("clave", Scalar)], unique: &["clave"], open: true },
    def("encuestas", &[("clave", Scalar)], &["clave"]),
];

pub fn find(name: &str) -> Option<&'static CollectionDef> {
    COLLECTIONS.iter().find(|c| c.name == name)
}
