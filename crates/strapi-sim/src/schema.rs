//! The collections the simulator serves, built from the CMS's data model (the project's bundled
//! Strapi schema files, or another directory's): fields, their types, relations, `unique` flags.
//! Like Strapi, a `unique` attribute is unique on its own; there are no composite keys, unless a
//! test asks for the natural keys of SPEC section 3 ([`natural_keys`]) to be enforced as well.

use std::sync::OnceLock;
use strapi_model::{AttrType, Model};

/// The type a scalar field takes; a value of another type is refused with Strapi's 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A JSON string (`string`, `text`…).
    Text,
    /// A whole JSON number (`integer`, `biginteger`).
    Integer,
    /// Any JSON number (`decimal`, `float`).
    Decimal,
    /// `true` or `false`.
    Boolean,
    /// One of the listed strings.
    Enumeration(&'static [&'static str]),
    /// A type ingesta never sends (dates, JSON…): any scalar is stored as sent.
    Any,
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, number, boolean or null, of the given type.
    Scalar(Scalar),
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
    /// Strapi's uid, `api::<singular>.<singular>`.
    pub uid: &'static str,
    /// Declared fields, in the order responses list them.
    pub fields: &'static [Field],
    /// Unique constraints, each a tuple of fields whose values must not repeat: one per
    /// `unique` attribute, plus the natural key when composite keys are asked for.
    pub unique: &'static [&'static [&'static str]],
    /// Entries are drafts unless created with `status=published`.
    pub draft_and_publish: bool,
}

/// A model's collections, for the lifetime of the process (a simulator's model never changes).
pub type Collections = &'static [CollectionDef];

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The natural keys of SPEC section 3: what the writer treats as one entity. Real Strapi does
/// not enforce them; `SimConfig::composite_keys` adds them for tests that need the old server.
pub fn natural_keys(collection: &str) -> &'static [&'static str] {
    match collection {
        "implementaciones" => &["nombre", "ciclo_escolar", "periodo"],
        "modulos" | "trabajos" => &["nombre", "implementacion"],
        "asistencias" => &["clave_sesion", "implementacion"],
        "participaciones" => &["participante", "implementacion"],
        "modulo-progreso-registros" => &["participacion", "modulo"],
        "encuesta-completada-registros" => &["participacion", "encuesta"],
        "participante-asistencia-registros" => &["participacion", "asistencia"],
        "trabajo-realizado-registros" => &["participacion", "trabajo"],
        "uso-app-participantes" => &["participante"],
        "correo-participantes" => &["participante", "correo"],
        _ => &[],
    }
}

/// The collections of `model`; with `composite_keys`, the natural keys are unique too.
pub fn from_model(model: &Model, composite_keys: bool) -> Collections {
    leak(
        model
            .types
            .iter()
            .map(|t| {
                let fields = leak(
                    t.attributes
                        .iter()
                        .map(|a| Field {
                            name: leak_str(&a.name),
                            kind: match &a.ty {
                                AttrType::Text => Kind::Scalar(Scalar::Text),
                                AttrType::Integer => Kind::Scalar(Scalar::Integer),
                                AttrType::Decimal => Kind::Scalar(Scalar::Decimal),
                                AttrType::Boolean => Kind::Scalar(Scalar::Boolean),
                                AttrType::Enumeration(v) => {
                                    Kind::Scalar(Scalar::Enumeration(leak(v.iter().map(|s| leak_str(s)).collect())))
                                }
                                AttrType::Other(_) => Kind::Scalar(Scalar::Any),
                                AttrType::Relation { target, many } => {
                                    let to = leak_str(model.route_of(target));
                                    if *many {
                                        Kind::Many(to)
                                    } else {
                                        Kind::Rel(to)
                                    }
                                }
                            },
                        })
                        .collect(),
                );
                let mut unique: Vec<&'static [&'static str]> =
                    t.unique_fields().map(|f| leak(vec![leak_str(f)])).collect();
                let natural = natural_keys(&t.plural);
                if composite_keys && !natural.is_empty() && !unique.contains(&natural) {
                    unique.push(natural);
                }
                CollectionDef {
                    name: leak_str(&t.plural),
                    uid: leak_str(&t.uid),
                    fields,
                    unique: leak(unique),
                    draft_and_publish: t.draft_and_publish,
                }
            })
            .collect(),
    )
}

/// The bundled model's collections, built once.
pub fn bundled(composite_keys: bool) -> Collections {
    static PLAIN: OnceLock<Collections> = OnceLock::new();
    static COMPOSITE: OnceLock<Collections> = OnceLock::new();
    let cell = if composite_keys { &COMPOSITE } else { &PLAIN };
    cell.get_or_init(|| from_model(&Model::bundled(), composite_keys))
}

/// The collection served at `/api/<name>`, if any.
pub fn find(collections: Collections, name: &str) -> Option<&'static CollectionDef> {
    collections.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_relations_name_declared_fields_and_collections() {
        for composite in [false, true] {
            let all = bundled(composite);
            for c in all {
                for key in c.unique.iter().flat_map(|k| k.iter()) {
                    assert!(c.fields.iter().any(|f| f.name == *key), "{}: unique key {key} is not a field", c.name);
                }
                for f in c.fields {
                    if let Kind::Rel(t) | Kind::Many(t) = f.kind {
                        assert!(find(all, t).is_some(), "{}.{} points at unknown {t}", c.name, f.name);
                    }
                }
            }
            assert_eq!(all.len(), 15);
        }
        let plain = bundled(false);
        let keys = |name| find(plain, name).unwrap().unique.to_vec();
        assert_eq!(keys("participantes"), [&["id_externo"][..]]);
        assert!(keys("participaciones").is_empty(), "Strapi has no composite keys");
        let composite = bundled(true);
        assert_eq!(find(composite, "participaciones").unwrap().unique, [&["participante", "implementacion"][..]]);
    }
}
