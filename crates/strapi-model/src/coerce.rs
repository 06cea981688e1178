//! Values turned into the CMS's types. The rules (docs/decisions.md, "Values that do not fit the
//! CMS"): text ↔ number and text → boolean convert when the value reads as one; a value that
//! cannot be stored as the CMS's type without changing its meaning fails its row with a reason
//! that names the field and the type, never the value (it may be personal data).

use crate::model::{AttrType, Attribute, Model};
use serde_json::{Map, Number, Value};

/// A value (or a key) of a body that the CMS's model cannot take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{collection}.{field}: {reason}")]
pub struct CoerceError {
    pub collection: String,
    pub field: String,
    pub reason: String,
}

impl Model {
    /// Converts every value of `body` (a create or update of `collection`) to the CMS's type.
    /// A key the model lacks is an error too: [`Model::check`] should have caught it first.
    pub fn coerce_body(&self, collection: &str, body: &mut Map<String, Value>) -> Result<(), CoerceError> {
        let err = |field: &str, reason: String| CoerceError {
            collection: collection.to_string(),
            field: field.to_string(),
            reason,
        };
        let Some(ct) = self.collection(collection) else {
            return Err(err("*", "the CMS has no such collection".into()));
        };
        for (field, value) in body.iter_mut() {
            let attr = ct.attribute(field).ok_or_else(|| err(field, "the CMS has no such field".into()))?;
            let v = std::mem::take(value);
            *value = coerce(attr, v).map_err(|reason| err(field, reason))?;
        }
        Ok(())
    }
}

/// One value as `attr` takes it; `Err` says why it cannot be.
pub fn coerce(attr: &Attribute, v: Value) -> Result<Value, String> {
    if v.is_null() {
        return if attr.required {
            Err(format!("the CMS requires a value (a {} field)", attr.type_name))
        } else {
            Ok(v)
        };
    }
    let cannot = |what: &str| Err(format!("{what} cannot be stored in the CMS's {} field", attr.type_name));
    match (&attr.ty, v) {
        (AttrType::Text, Value::String(s)) => Ok(Value::String(s)),
        (AttrType::Text, Value::Number(n)) => Ok(Value::String(number_text(&n))),
        (AttrType::Text, Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (AttrType::Enumeration(allowed), v) => {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => number_text(&n),
                Value::Bool(b) => b.to_string(),
                _ => return cannot("a list or object"),
            };
            if allowed.contains(&text) {
                Ok(Value::String(text))
            } else {
                cannot("a value outside the enumeration")
            }
        }
        (AttrType::Integer, Value::Number(n)) => whole(&n).map_or_else(|| cannot("a fractional number"), Ok),
        (AttrType::Integer, Value::String(s)) => match parse_number(&s) {
            Some(n) => whole(&n).map_or_else(|| cannot("a fractional number"), Ok),
            None => cannot("a text that is not a number"),
        },
        (AttrType::Decimal, Value::Number(n)) => Ok(Value::Number(n)),
        (AttrType::Decimal, Value::String(s)) => {
            parse_number(&s).map_or_else(|| cannot("a text that is not a number"), |n| Ok(Value::Number(n)))
        }
        (AttrType::Boolean, Value::Bool(b)) => Ok(Value::Bool(b)),
        (AttrType::Boolean, Value::String(s)) => match s.trim().to_lowercase().as_str() {
            "true" | "1" | "si" | "sí" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "no" => Ok(Value::Bool(false)),
            _ => cannot("a text that is not a yes/no value"),
        },
        (AttrType::Relation { many: true, .. }, Value::Array(ids)) => Ok(Value::Array(ids)),
        (AttrType::Relation { many: true, .. }, id @ (Value::Number(_) | Value::String(_))) => {
            Ok(Value::Array(vec![id]))
        }
        (AttrType::Relation { many: false, .. }, Value::Array(mut ids)) if ids.len() <= 1 => {
            Ok(ids.pop().unwrap_or(Value::Null))
        }
        (AttrType::Relation { many: false, .. }, id @ (Value::Number(_) | Value::String(_))) => Ok(id),
        (AttrType::Relation { .. }, _) => cannot("this value"),
        (_, Value::Bool(_)) => cannot("a yes/no value"),
        (_, Value::Number(_)) => cannot("a number"),
        (_, Value::String(_)) => cannot("a text"),
        (_, _) => cannot("a list or object"),
    }
}

/// Numbers as a person writes them: `6.1`, and `19` rather than `19.0`.
fn number_text(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

fn parse_number(s: &str) -> Option<Number> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Number::from(i));
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(Number::from_f64)
}

/// The number as a JSON integer, when it has no fractional part and fits a signed 32-bit
/// column (Strapi's `integer`; SQL databases refuse more).
fn whole(n: &Number) -> Option<Value> {
    let i = match n.as_i64() {
        Some(i) => i,
        None => {
            let f = n.as_f64()?;
            if f.fract() != 0.0 || f.abs() > 9e15 {
                return None;
            }
            f as i64
        }
    };
    i32::try_from(i).ok().map(Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attr(type_json: Value) -> Attribute {
        let m = Model::parse_schema_file(
            "t",
            &json!({"info": {"singularName": "t", "pluralName": "ts"}, "attributes": {"f": type_json}}),
        )
        .unwrap();
        m.attributes[0].clone()
    }

    #[test]
    fn text_fields_take_numbers_as_written() {
        let a = attr(json!({"type": "string"}));
        assert_eq!(coerce(&a, json!(6.1)), Ok(json!("6.1")));
        assert_eq!(coerce(&a, json!(19.0)), Ok(json!("19")));
        assert_eq!(coerce(&a, json!(true)), Ok(json!("true")));
        assert_eq!(coerce(&a, json!(null)), Ok(json!(null)));
    }

    #[test]
    fn integers_refuse_fractions_and_words() {
        let a = attr(json!({"type": "integer"}));
        assert_eq!(coerce(&a, json!(44.0)), Ok(json!(44)));
        assert_eq!(coerce(&a, json!(" 12 ")), Ok(json!(12)));
        assert_eq!(
            coerce(&a, json!(44.5)).unwrap_err(),
            "a fractional number cannot be stored in the CMS's integer field"
        );
        assert!(coerce(&a, json!("cuarenta")).unwrap_err().starts_with("a text that is not a number"));
        assert!(coerce(&a, json!(3_000_000_000u64)).is_err(), "beyond a 32-bit column");
        assert!(coerce(&a, json!(true)).is_err());
    }

    #[test]
    fn decimals_booleans_enumerations() {
        assert_eq!(coerce(&attr(json!({"type": "decimal"})), json!("8.4")), Ok(json!(8.4)));
        let b = attr(json!({"type": "boolean"}));
        assert_eq!(coerce(&b, json!("Sí")), Ok(json!(true)));
        assert_eq!(coerce(&b, json!("no")), Ok(json!(false)));
        assert!(coerce(&b, json!("tal vez")).is_err());
        assert!(coerce(&b, json!(1)).is_err(), "a number is not a yes/no value");
        let e = attr(json!({"type": "enumeration", "enum": ["Virtual", "Presencial"]}));
        assert_eq!(coerce(&e, json!("Virtual")), Ok(json!("Virtual")));
        assert!(coerce(&e, json!("Mixta")).is_err());
    }

    #[test]
    fn relations_adapt_to_their_cardinality() {
        let many = attr(json!({"type": "relation", "relation": "manyToMany", "target": "api::x.x"}));
        let one = attr(json!({"type": "relation", "relation": "manyToOne", "target": "api::x.x"}));
        assert_eq!(coerce(&many, json!(3)), Ok(json!([3])));
        assert_eq!(coerce(&one, json!([3])), Ok(json!(3)));
        assert!(coerce(&one, json!([3, 4])).is_err());
    }

    #[test]
    fn required_fields_refuse_null_and_bodies_name_the_field() {
        assert!(coerce(&attr(json!({"type": "string", "required": true})), json!(null)).is_err());
        let m = Model::bundled();
        let mut body = json!({"id_externo": "P1", "edad": 44.5}).as_object().unwrap().clone();
        let e = m.coerce_body("participantes", &mut body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "participantes.edad: a fractional number cannot be stored in the CMS's integer field"
        );
        let mut body = json!({"email": "x"}).as_object().unwrap().clone();
        assert_eq!(
            m.coerce_body("participantes", &mut body).unwrap_err().to_string(),
            "participantes.email: the CMS has no such field"
        );
    }
}
