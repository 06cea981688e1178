//! One entry of a Strapi response, whatever the server's major version.

use crate::error::ApiError;
use serde_json::{Map, Value};

/// An entry as returned by the API: its numeric id and its fields, flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: u64,
    /// Strapi 5's stable id; absent on Strapi 4.
    pub document_id: Option<String>,
    pub fields: Map<String, Value>,
}

impl Entry {
    /// Reads Strapi 5 (`{id, documentId, ...fields}`) or Strapi 4 (`{id, attributes: {...}}`).
    pub fn from_json(v: &Value) -> Result<Self, ApiError> {
        let obj = v.as_object().ok_or_else(|| decode("entry is not an object"))?;
        let id = obj.get("id").and_then(Value::as_u64).ok_or_else(|| decode("entry has no numeric id"))?;
        let mut fields = match obj.get("attributes") {
            Some(Value::Object(attrs)) => attrs.clone(),
            _ => obj.clone(),
        };
        fields.remove("id");
        let document_id =
            obj.get("documentId").or_else(|| fields.get("documentId")).and_then(Value::as_str).map(str::to_string);
        Ok(Self { id, document_id, fields })
    }

    /// The text of a field, if it is a string.
    pub fn str(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    /// The id of a populated to-one relation: Strapi 5 nests the entry (`{"id": 4, …}`), Strapi 4
    /// wraps it (`{"data": {"id": 4, …}}`).
    pub fn relation_id(&self, field: &str) -> Option<u64> {
        let v = self.fields.get(field)?;
        let inner = v.get("data").unwrap_or(v);
        inner.get("id").and_then(Value::as_u64).or_else(|| inner.as_u64())
    }

    /// The path segment that addresses this entry: documentId on Strapi 5, id on Strapi 4.
    pub fn path_id(&self) -> String {
        self.document_id.clone().unwrap_or_else(|| self.id.to_string())
    }
}

pub(crate) fn decode(reason: &str) -> ApiError {
    ApiError::Decode { reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_both_shapes() {
        let v5 = Entry::from_json(&json!({"id": 3, "documentId": "abc", "nombre": "P"})).unwrap();
        let v4 = Entry::from_json(&json!({"id": 3, "attributes": {"nombre": "P"}})).unwrap();
        assert_eq!((v5.id, v5.str("nombre"), v5.path_id().as_str()), (3, Some("P"), "abc"));
        assert_eq!((v4.id, v4.str("nombre"), v4.path_id().as_str()), (3, Some("P"), "3"));
        assert!(Entry::from_json(&json!({"nombre": "x"})).is_err());
        let rel5 = Entry::from_json(&json!({"id": 1, "modulo": {"id": 9, "nombre": "mod1"}})).unwrap();
        let rel4 = Entry::from_json(&json!({"id": 1, "attributes": {"modulo": {"data": {"id": 9}}}})).unwrap();
        assert_eq!((rel5.relation_id("modulo"), rel4.relation_id("modulo")), (Some(9), Some(9)));
        assert_eq!(rel5.relation_id("nada"), None);
    }
}
