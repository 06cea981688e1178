//! The collections the simulator serves, as SPEC section 3 lists them: fields, relations and
//! unique keys. Kept as plain data so it reads like the spec's table.

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, number, boolean or null, stored as sent.
    Scalar,
    /// To-one relation to the named collection, stored as the related entry's numeric id.
    Rel(&'static str),
    /// To-many relation to the named collection, stored as an array of numeric ids.
    Many(&'static str),
}

/// One declared field of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The attribute name in request and response bodies.
    pub name: &'static str,
    /// What the field holds.
    pub kind: Kind,
}

/// One collection type, addressed as `/api/<name>`.
#[derive(Debug)]
pub struct CollectionDef {
    /// The route name (Strapi's plural API id).
    pub name: &'static str,
    /// Declared fields, in the order responses list them.
    pub fields: &'static [Field],
    /// Fields whose value tuple must be unique across all entries.
    pub unique: &'static [&'static str],
    /// Reference data: columns of its seed CSV become extra text fields.
    pub reference: bool,
}

const fn s(name: &'static str) -> Field {
    Field { name, kind: Kind::Scalar }
}

const fn rel(name: &'static str, target: &'static str) -> Field {
    Field { name, kind: Kind::Rel(target) }
}

const fn many(name: &'static str, target: &'static str) -> Field {
    Field { name, kind: Kind::Many(target) }
}

const fn entity(name: &'static str, fields: &'static [Field], unique: &'static [&'static str]) -> CollectionDef {
    CollectionDef { name, fields, unique, reference: false }
}

const fn reference(name: &'static str, fields: &'static [Field], unique: &'static [&'static str]) -> CollectionDef {
    CollectionDef { name, fields, unique, reference: true }
}

/// Every collection, in SPEC order: parents, per-row entities, children, reference data.
pub static COLLECTIONS: &[CollectionDef] = &[
    entity("programas", &[s("nombre")], &["nombre"]),
    entity(
        "implementaciones",
        &[s("nombre"), s("ciclo_escolar"), s("periodo"), rel("programa", "programas"), many("encuestas", "encuestas")],
        &["nombre", "ciclo_escolar", "periodo"],
    ),
    entity("modulos", &[s("nombre"), rel("implementacion", "implementaciones")], &["nombre", "implementacion"]),
    entity(
        "asistencias",
        &[s("clave_sesion"), s("modalidad"), rel("implementacion", "implementaciones")],
        &["clave_sesion", "implementacion"],
    ),
    entity("trabajos", &[s("nombre"), rel("implementacion", "implementaciones")], &["nombre", "implementacion"]),
    entity(
        "participantes",
        &[
            s("id_externo"),
            s("edad"),
            s("sexo"),
            s("telefono"),
            s("curp"),
            s("rfc"),
            s("nombre"),
            s("primer_apellido"),
            s("segundo_apellido"),
            s("nombre_completo"),
            s("entidad"),
            s("estado_civil"),
            s("lengua_indigena"),
            s("hablante_maya"),
            s("nivel_educativo"),
            s("email"),
            rel("cct", "ccts"),
        ],
        &["id_externo"],
    ),
    entity(
        "participaciones",
        &[
            rel("participante", "participantes"),
            rel("implementacion", "implementaciones"),
            s("puesto"),
            s("puesto_detalle"),
            s("antiguedad"),
            s("estudiantes_a_cargo"),
            s("turno"),
            s("participa_director"),
            s("cct_verificado"),
            s("obtuvo_constancia"),
            s("involucramiento"),
            s("promedio_modulos"),
        ],
        &["participante", "implementacion"],
    ),
    entity(
        "modulo-progreso-registros",
        &[rel("participacion", "participaciones"), rel("modulo", "modulos"), s("calificacion")],
        &["participacion", "modulo"],
    ),
    entity(
        "encuesta-completada-registros",
        &[rel("participacion", "participaciones"), rel("encuesta", "encuestas"), s("estado")],
        &["participacion", "encuesta"],
    ),
    entity(
        "participante-asistencia-registros",
        &[rel("participacion", "participaciones"), rel("asistencia", "asistencias"), s("presente")],
        &["participacion", "asistencia"],
    ),
    entity(
        "trabajo-realizado-registros",
        &[rel("participacion", "participaciones"), rel("trabajo", "trabajos"), s("completado")],
        &["participacion", "trabajo"],
    ),
    entity(
        "uso-app-participantes",
        &[rel("participante", "participantes"), s("minutos_uso_app"), s("descargo_app")],
        &["participante"],
    ),
    entity(
        "correo-participantes",
        &[rel("participante", "participantes"), s("correo"), s("principal")],
        &["participante", "correo"],
    ),
    reference("ccts", &[s("clave")], &["clave"]),
    reference("encuestas", &[s("clave")], &["clave"]),
];

/// The collection served at `/api/<name>`, if any.
pub fn find(name: &str) -> Option<&'static CollectionDef> {
    COLLECTIONS.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_relations_name_declared_fields_and_collections() {
        for c in COLLECTIONS {
            for key in c.unique {
                assert!(c.fields.iter().any(|f| f.name == *key), "{}: unique key {key} is not a field", c.name);
            }
            for f in c.fields {
                if let Kind::Rel(t) | Kind::Many(t) = f.kind {
                    assert!(find(t).is_some(), "{}.{} points at unknown {t}", c.name, f.name);
                }
            }
        }
        assert_eq!(COLLECTIONS.len(), 15);
    }
}
