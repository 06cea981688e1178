//! The in-memory store: entries per collection, unique keys enforced in O(1), and indexes on
//! key and relation fields so that look-ups stay fast with millions of entries.

use crate::schema::{self, CollectionDef, Kind};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One stored entry. Relations hold numeric ids (arrays for to-many relations).
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    pub document_id: String,
    pub fields: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// Why a write was refused, in Strapi's words.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// 400 ValidationError with Strapi's `details`.
    Validation {
        message: String,
        details: Value,
    },
    NotFound,
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Validation { message: message.into(), details: json!({}) }
}

/// A look-up condition: `filters[field]([sub])[op]=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: String,
    /// `id` or `documentId` for a condition on a relation.
    pub sub: Option<String>,
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Eq(String),
    Ne(String),
    In(Vec<String>),
    Null(bool),
}

/// The comparable text of a stored value: strings as they are, numbers without a spurious
/// `.0`, booleans as `true`/`false`. Query values arrive as text, so both sides meet here.
pub fn canon(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_f64().map(canon_number),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn canon_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// The forms a query value may match: itself, and its canonical number form.
fn query_forms(s: &str) -> Vec<String> {
    let mut forms = vec![s.to_string()];
    if let Ok(f) = s.parse::<f64>() {
        let c = canon_number(f);
        if c != s {
            forms.push(c);
        }
    }
    forms
}

struct Collection {
    def: &'static CollectionDef,
    entries: BTreeMap<u64, Entry>,
    next_id: u64,
    by_document: HashMap<String, u64>,
    unique: HashMap<Vec<String>, u64>,
    index: HashMap<(String, String), BTreeSet<u64>>,
}

impl Collection {
    fn indexed(&self, field: &str) -> bool {
        self.def.unique.contains(&field) || matches!(self.def.kind(field), Some(Kind::Rel(_) | Kind::Many(_)))
    }

    fn index_values(&self, e: &Entry) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (field, value) in &e.fields {
            if !self.indexed(field) {
                continue;
            }
            match value {
                Value::Array(items) => out.extend(items.iter().filter_map(canon).map(|c| (field.clone(), c))),
                v => out.extend(canon(v).map(|c| (field.clone(), c))),
            }
        }
        out
    }

    fn unique_key(&self, fields: &Map<String, Value>) -> Option<Vec<String>> {
        self.def.unique.iter().map(|f| fields.get(*f).and_then(canon)).collect()
    }

    fn add_to_indexes(&mut self, e: &Entry) {
        for k in self.index_values(e) {
            self.index.entry(k).or_default().insert(e.id);
        }
        if let Some(key) = self.unique_key(&e.fields) {
            self.unique.insert(key, e.id);
        }
        self.by_document.insert(e.document_id.clone(), e.id);
    }

    fn remove_from_indexes(&mut self, e: &Entry) {
        for k in self.index_values(e) {
            if let Some(set) = self.index.get_mut(&k) {
                set.remove(&e.id);
            }
        }
        if let Some(key) = self.unique_key(&e.fields) {
            self.unique.remove(&key);
        }
        self.by_document.remove(&e.document_id);
    }
}

/// Every collection of [`schema::COLLECTIONS`].
pub struct Store {
    collections: HashMap<&'static str, Collection>,
    documents: u64,
}

impl Default for Store {
    fn default() -> Self {
        let collections = schema::COLLECTIONS
            .iter()
            .map(|def| {
                let c = Collection {
                    def,
                    entries: BTreeMap::new(),
                    next_id: 1,
                    by_document: HashMap::new(),
                    unique: HashMap::new(),
                    index: HashMap::new(),
                };
                (def.name, c)
            })
            .collect();
        Self { collections, documents: 0 }
    }
}

fn now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    // Strapi answers ISO 8601; the exact instant does not matter to any client of the simulator.
    format!("1970-01-01T00:00:00.000Z+{secs}s")
}

impl Store {
    pub fn exists(&self, collection: &str) -> bool {
        self.collections.contains_key(collection)
    }

    pub fn count(&self, collection: &str) -> usize {
        self.collections.get(collection).map_or(0, |c| c.entries.len())
    }

    pub fn def(&self, collection: &str) -> Option<&'static CollectionDef> {
        self.collections.get(collection).map(|c| c.def)
    }

    /// An entry by numeric id or documentId.
    pub fn get(&self, collection: &str, key: &str) -> Option<&Entry> {
        let c = self.collections.get(collection)?;
        let id = key
            .parse::<u64>()
            .ok()
            .filter(|id| c.entries.contains_key(id))
            .or_else(|| c.by_document.get(key).copied())?;
        c.entries.get(&id)
    }

    pub fn by_id(&self, collection: &str, id: u64) -> Option<&Entry> {
        self.collections.get(collection)?.entries.get(&id)
    }

    pub fn all(&self, collection: &str) -> Vec<&Entry> {
        self.collections.get(collection).map(|c| c.entries.values().collect()).unwrap_or_default()
    }

    fn next_document_id(&mut self) -> String {
        self.documents += 1;
        // Deterministic but opaque-looking, 24 lowercase alphanumerics like Strapi's.
        let mut n = self.documents.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..24)
            .map(|_| {
                let c = alphabet[(n % 36) as usize] as char;
                n = (n / 36) ^ n.rotate_left(17);
                c
            })
            .collect()
    }

    /// Checks field names and turns relation values (id, documentId, arrays) into ids.
    fn normalise(&self, def: &CollectionDef, data: &Map<String, Value>) -> Result<Map<String, Value>, StoreError> {
        let mut out = Map::new();
        for (key, value) in data {
            let kind = def.kind(key).ok_or_else(|| invalid(format!("Invalid key {key}")))?;
            let v = match kind {
                Kind::Scalar => value.clone(),
                Kind::Rel(target) => match value {
                    Value::Null => Value::Null,
                    v => json!(self.relation_id(target, key, v)?),
                },
                Kind::Many(target) => match value {
                    Value::Null => json!([]),
                    Value::Array(items) => Value::Array(
                        items
                            .iter()
                            .map(|v| self.relation_id(target, key, v).map(|id| json!(id)))
                            .collect::<Result<_, _>>()?,
                    ),
                    v => json!([self.relation_id(target, key, v)?]),
                },
            };
            out.insert(key.clone(), v);
        }
        Ok(out)
    }

    fn relation_id(&self, target: &str, field: &str, v: &Value) -> Result<u64, StoreError> {
        let found = match v {
            Value::Number(n) => n.as_u64().and_then(|id| self.by_id(target, id)),
            Value::String(s) => self.get(target, s),
            _ => None,
        };
        found.map(|e| e.id).ok_or_else(|| invalid(format!("Invalid relation {field}: {target} {v} does not exist")))
    }

    fn check_unique(&self, c: &Collection, fields: &Map<String, Value>, own_id: Option<u64>) -> Result<(), StoreError> {
        let Some(key) = c.unique_key(fields) else { return Ok(()) };
        match c.unique.get(&key) {
            Some(id) if Some(*id) != own_id => {
                let errors: Vec<Value> = c
                    .def
                    .unique
                    .iter()
                    .zip(&key)
                    .map(|(f, v)| json!({ "path": [f], "message": "This attribute must be unique", "name": "ValidationError", "value": v }))
                    .collect();
                Err(StoreError::Validation {
                    message: "This attribute must be unique".into(),
                    details: json!({ "errors": errors }),
                })
            }
            _ => Ok(()),
        }
    }

    /// Creates an entry (`id` forced when seeding reference data).
    pub fn create(
        &mut self,
        collection: &str,
        data: &Map<String, Value>,
        id: Option<u64>,
    ) -> Result<Entry, StoreError> {
        let def = self.def(collection).ok_or(StoreError::NotFound)?;
        let mut fields = self.normalise(def, data)?;
        for (f, kind) in def.fields {
            fields.entry(f.to_string()).or_insert(if matches!(kind, Kind::Many(_)) { json!([]) } else { Value::Null });
        }
        self.check_unique(&self.collections[collection], &fields, None)?;
        let document_id = self.next_document_id();
        let c = self.collections.get_mut(collection).expect("collection exists");
        let id = id.unwrap_or(c.next_id);
        c.next_id = c.next_id.max(id + 1);
        let stamp = now();
        let entry = Entry { id, document_id, fields, created_at: stamp.clone(), updated_at: stamp };
        c.add_to_indexes(&entry);
        c.entries.insert(id, entry.clone());
        Ok(entry)
    }

    /// Applies a partial update.
    pub fn update(&mut self, collection: &str, key: &str, data: &Map<String, Value>) -> Result<Entry, StoreError> {
        let def = self.def(collection).ok_or(StoreError::NotFound)?;
        let old = self.get(collection, key).ok_or(StoreError::NotFound)?.clone();
        let changes = self.normalise(def, data)?;
        let mut fields = old.fields.clone();
        fields.extend(changes);
        self.check_unique(&self.collections[collection], &fields, Some(old.id))?;
        let c = self.collections.get_mut(collection).expect("collection exists");
        c.remove_from_indexes(&old);
        let entry = Entry { fields, updated_at: now(), ..old };
        c.add_to_indexes(&entry);
        c.entries.insert(entry.id, entry.clone());
        Ok(entry)
    }

    pub fn delete(&mut self, collection: &str, key: &str) -> Result<(), StoreError> {
        let id = self.get(collection, key).ok_or(StoreError::NotFound)?.id;
        let c = self.collections.get_mut(collection).expect("collection exists");
        let entry = c.entries.remove(&id).expect("entry exists");
        c.remove_from_indexes(&entry);
        Ok(())
    }

    /// Ids of the entries matching every filter, ascending.
    pub fn query(&self, collection: &str, filters: &[Filter]) -> Vec<u64> {
        let Some(c) = self.collections.get(collection) else { return Vec::new() };
        // Start from the narrowest index we can, then check every condition on the candidates.
        let seed = filters.iter().find_map(|f| match (&f.op, f.sub.as_deref()) {
            (Op::Eq(v), None | Some("id")) if c.indexed(&f.field) => Some(
                query_forms(v)
                    .into_iter()
                    .flat_map(|form| c.index.get(&(f.field.clone(), form)).into_iter().flatten().copied())
                    .collect::<BTreeSet<u64>>(),
            ),
            _ => None,
        });
        let candidates: Box<dyn Iterator<Item = &Entry>> = match seed {
            Some(ids) => Box::new(ids.into_iter().filter_map(|id| c.entries.get(&id)).collect::<Vec<_>>().into_iter()),
            None => Box::new(c.entries.values()),
        };
        candidates.filter(|e| filters.iter().all(|f| self.matches(c.def, e, f))).map(|e| e.id).collect()
    }

    fn matches(&self, def: &CollectionDef, e: &Entry, f: &Filter) -> bool {
        let value = e.fields.get(&f.field).unwrap_or(&Value::Null);
        let values: Vec<String> = match (def.kind(&f.field), f.sub.as_deref()) {
            (Some(Kind::Rel(t) | Kind::Many(t)), Some("documentId")) => {
                ids(value).into_iter().filter_map(|id| self.by_id(t, id).map(|r| r.document_id.clone())).collect()
            }
            (_, _) => match value {
                Value::Array(items) => items.iter().filter_map(canon).collect(),
                v => canon(v).into_iter().collect(),
            },
        };
        let has = |q: &str| query_forms(q).iter().any(|form| values.contains(form));
        match &f.op {
            Op::Eq(q) => has(q),
            Op::Ne(q) => !has(q),
            Op::In(qs) => qs.iter().any(|q| has(q)),
            Op::Null(want) => values.is_empty() == *want,
        }
    }
}

/// The ids a relation field holds.
pub fn ids(value: &Value) -> Vec<u64> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_u64).collect(),
        v => v.as_u64().into_iter().collect(),
    }
}
