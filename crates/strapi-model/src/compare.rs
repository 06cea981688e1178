//! Does what a writer sends fit a model? Checked once, before the first write, so a CMS whose
//! model differs fails the file with one message instead of failing every row.

use crate::model::{AttrType, Model};
use std::fmt;

/// The kind of value a writer sends for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Text,
    Number,
    Bool,
    /// The id of one entry of the collection (route name) given.
    Relation(&'static str),
    /// Ids of entries of the collection given.
    Relations(&'static str),
}

impl fmt::Display for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wire::Text => write!(f, "text"),
            Wire::Number => write!(f, "a number"),
            Wire::Bool => write!(f, "a yes/no value"),
            Wire::Relation(t) => write!(f, "a relation to '{t}'"),
            Wire::Relations(t) => write!(f, "relations to '{t}'"),
        }
    }
}

/// One field a writer sends to a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub collection: &'static str,
    pub field: &'static str,
    pub wire: Wire,
}

/// One way what we send does not fit the CMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub String);

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Model {
    /// Every way `sent` does not fit this model: a missing collection or field, a kind of value
    /// the field cannot take (text, numbers and yes/no values convert into one another as
    /// [`Model::coerce_body`] says; relations only to the same collection), or a required
    /// field we never send. Empty when everything fits.
    pub fn check(&self, sent: &[Sent]) -> Vec<Mismatch> {
        let mut out = Vec::new();
        let mut collections: Vec<&str> = sent.iter().map(|s| s.collection).collect();
        collections.dedup();
        for c in collections {
            let Some(ct) = self.collection(c) else {
                out.push(Mismatch(format!("the CMS has no collection '{c}'")));
                continue;
            };
            for s in sent.iter().filter(|s| s.collection == c) {
                let Some(attr) = ct.attribute(s.field) else {
                    out.push(Mismatch(format!("{c} has no field '{}' (we would send {})", s.field, s.wire)));
                    continue;
                };
                if !self.fits(s.wire, &attr.ty) {
                    let has = match &attr.ty {
                        AttrType::Relation { target, many } => {
                            format!(
                                "a {} relation to '{}'",
                                if *many { "to-many" } else { "to-one" },
                                self.route_of(target)
                            )
                        }
                        _ => format!("a '{}' field", attr.type_name),
                    };
                    out.push(Mismatch(format!("{c}.{}: we would send {}, the CMS has {has}", s.field, s.wire)));
                }
            }
            for attr in ct.attributes.iter().filter(|a| a.required) {
                if !sent.iter().any(|s| s.collection == c && s.field == attr.name) {
                    out.push(Mismatch(format!("{c}.{} is required by the CMS but we never send it", attr.name)));
                }
            }
        }
        out
    }

    fn fits(&self, wire: Wire, ty: &AttrType) -> bool {
        use AttrType as T;
        match (wire, ty) {
            (Wire::Text, T::Text | T::Enumeration(_) | T::Integer | T::Decimal | T::Boolean) => true,
            (Wire::Number, T::Text | T::Enumeration(_) | T::Integer | T::Decimal) => true,
            (Wire::Bool, T::Text | T::Enumeration(_) | T::Boolean) => true,
            (Wire::Relation(to), T::Relation { target, .. }) => self.route_of(target) == to,
            (Wire::Relations(to), T::Relation { target, many: true }) => self.route_of(target) == to,
            _ => false,
        }
    }

    /// How `other` (a live CMS's model) differs from this one, attribute by attribute: what a
    /// person checking a CMS before an upload wants to see. Empty when they are the same.
    pub fn differences(&self, other: &Model) -> Vec<String> {
        let mut out = Vec::new();
        for mine in &self.types {
            let Some(theirs) = other.collection(&mine.plural) else {
                out.push(format!("{}: missing in the CMS", mine.plural));
                continue;
            };
            if mine.draft_and_publish != theirs.draft_and_publish {
                out.push(format!(
                    "{}: draft & publish is {} in the CMS",
                    mine.plural,
                    on_off(theirs.draft_and_publish)
                ));
            }
            for a in &mine.attributes {
                match theirs.attribute(&a.name) {
                    None => out.push(format!("{}.{}: missing in the CMS", mine.plural, a.name)),
                    Some(b) if b.ty != a.ty => out.push(format!(
                        "{}.{}: '{}' in the CMS, '{}' here",
                        mine.plural, a.name, b.type_name, a.type_name
                    )),
                    Some(b) if b.unique != a.unique => {
                        out.push(format!("{}.{}: unique is {} in the CMS", mine.plural, a.name, on_off(b.unique)))
                    }
                    Some(_) => {}
                }
            }
            for b in theirs.attributes.iter().filter(|b| mine.attribute(&b.name).is_none()) {
                out.push(format!("{}.{}: only in the CMS ('{}')", mine.plural, b.name, b.type_name));
            }
        }
        for t in other.types.iter().filter(|t| self.collection(&t.plural).is_none()) {
            out.push(format!("{}: only in the CMS", t.plural));
        }
        out
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn sent(collection: &'static str, field: &'static str, wire: Wire) -> Sent {
        Sent { collection, field, wire }
    }

    #[test]
    fn names_the_field_what_we_send_and_what_the_cms_has() {
        let m = Model::bundled();
        let got = m.check(&[
            sent("participantes", "email", Wire::Text),
            sent("participantes", "edad", Wire::Number),
            sent("participantes", "cct", Wire::Relation("ccts")),
            sent("participaciones", "promedio_modulos", Wire::Number),
            sent("participaciones", "participante", Wire::Number),
            sent("implementaciones", "programa", Wire::Relation("encuestas")),
            sent("escuelas", "nombre", Wire::Text),
        ]);
        let got: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "participantes has no field 'email' (we would send text)",
                "participaciones.participante: we would send a number, the CMS has a to-one relation to 'participantes'",
                "implementaciones.programa: we would send a relation to 'encuestas', the CMS has a to-one relation to 'programas'",
                "the CMS has no collection 'escuelas'",
            ]
        );
    }

    #[test]
    fn a_model_differs_from_itself_in_nothing() {
        let m = Model::bundled();
        assert!(m.differences(&m).is_empty());
        let mut other = m.clone();
        let p = other.types.iter_mut().find(|t| t.plural == "participantes").unwrap();
        p.attributes.retain(|a| a.name != "edad");
        other.types.retain(|t| t.plural != "ccts");
        let d = m.differences(&other);
        assert!(d.contains(&"participantes.edad: missing in the CMS".to_string()), "{d:?}");
        assert!(d.contains(&"ccts: missing in the CMS".to_string()), "{d:?}");
    }
}
