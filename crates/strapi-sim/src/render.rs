//! Entries as Strapi 5 (flat, `documentId`) or Strapi 4 (`attributes`) put them on the wire.
//! Relations appear only when populated, as in real Strapi.

use crate::query::Populate;
use crate::schema::Kind;
use crate::store::{ids, Entry, Store};
use serde_json::{json, Map, Value};

pub fn entry(store: &Store, collection: &str, e: &Entry, populate: &Populate, version: u8) -> Value {
    let def = store.def(collection).expect("known collection");
    let mut fields = Map::new();
    for (name, value) in &e.fields {
        match def.kind(name) {
            Some(Kind::Rel(target)) if populate.includes(name) => {
                let related = ids(value).first().and_then(|id| store.by_id(target, *id));
                let rendered = related.map(|r| entry(store, target, r, &Populate::Nothing, version));
                fields.insert(name.clone(), wrap(version, rendered.unwrap_or(Value::Null)));
            }
            Some(Kind::Many(target)) if populate.includes(name) => {
                let items: Vec<Value> = ids(value)
                    .into_iter()
                    .filter_map(|id| store.by_id(target, id))
                    .map(|r| entry(store, target, r, &Populate::Nothing, version))
                    .collect();
                fields.insert(name.clone(), wrap(version, Value::Array(items)));
            }
            Some(Kind::Rel(_) | Kind::Many(_)) => {}
            _ => {
                fields.insert(name.clone(), value.clone());
            }
        }
    }
    fields.insert("createdAt".into(), json!(e.created_at));
    fields.insert("updatedAt".into(), json!(e.updated_at));
    fields.insert("publishedAt".into(), json!(e.updated_at));
    if version == 4 {
        json!({ "id": e.id, "attributes": fields })
    } else {
        let mut flat = Map::new();
        flat.insert("id".into(), json!(e.id));
        flat.insert("documentId".into(), json!(e.document_id));
        flat.extend(fields);
        Value::Object(flat)
    }
}

fn wrap(version: u8, v: Value) -> Value {
    if version == 4 {
        json!({ "data": v })
    } else {
        v
    }
}
