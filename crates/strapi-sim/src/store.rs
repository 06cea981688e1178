//! The in-memory store: entries per collection, unique keys enforced in O(1), and indexes on
//! unique-key and relation fields so that look-ups stay fast with millions of entries.

use crate::docid::DocIds;
use crate::query::{Filter, Op};
use crate::schema::{CollectionDef, Collections, Kind, Scalar};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// One field of a collection as served: the schema's, plus seed columns for reference data.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub name: String,
    pub kind: Kind,
}

/// One stored entry. Values are positional (see [`Collection::fields`]); relations hold numeric
/// ids, arrays of them for to-many relations.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    values: Box<[Value]>,
    pub created_ms: u64,
    pub updated_ms: u64,
}

static NULL: Value = Value::Null;

impl Entry {
    /// The value at field position `pos`; null for a column added after the entry was stored.
    pub fn value(&self, pos: usize) -> &Value {
        self.values.get(pos).unwrap_or(&NULL)
    }
}

/// Why a request was refused, in Strapi's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// 400 `ValidationError` with Strapi's `details`.
    Validation { message: String, details: Value },
    /// 404 `NotFoundError`.
    NotFound,
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Validation { message: message.into(), details: json!({}) }
}

/// The text a stored value compares as: query values arrive as text, so both sides meet here.
/// Whole numbers lose any `.0`, booleans read `true`/`false`; null and composites have none.
pub fn canon(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// The ids a relation value holds.
pub fn related_ids(v: &Value) -> Vec<u64> {
    match v {
        Value::Array(items) => items.iter().filter_map(Value::as_u64).collect(),
        v => v.as_u64().into_iter().collect(),
    }
}

/// Fields the client may send but Strapi manages itself; accepted and ignored.
const SYSTEM_KEYS: &[&str] = &["id", "documentId", "createdAt", "updatedAt", "publishedAt", "locale"];

/// A scalar as Strapi 5 validates it: the JSON type must be the attribute's (null always passes).
/// The messages are Strapi's (yup's) wording.
fn typed(key: &str, ty: Scalar, v: &Value) -> Result<Value, StoreError> {
    let invalid = |message: String| StoreError::Validation {
        details: json!({ "errors": [{ "path": [key], "message": message, "name": "ValidationError", "value": v }]}),
        message,
    };
    let wrong = |t: &str| invalid(format!("{key} must be a `{t}` type, but the final value was: `{v}`."));
    match (ty, v) {
        (_, Value::Null) => Ok(Value::Null),
        (_, Value::Array(_) | Value::Object(_)) => Err(invalid(format!("{key} must be a text, number or boolean"))),
        (Scalar::Text, Value::String(_)) | (Scalar::Boolean, Value::Bool(_)) | (Scalar::Any, _) => Ok(v.clone()),
        (Scalar::Decimal, Value::Number(_)) => Ok(v.clone()),
        (Scalar::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(v.clone()),
        (Scalar::Integer, Value::Number(_)) => Err(invalid(format!("{key} must be an integer"))),
        // Strapi casts numeric text to numbers, as yup does ("40" is stored as 40).
        (Scalar::Integer, Value::String(t)) if t.trim().parse::<i64>().is_ok() => {
            Ok(json!(t.trim().parse::<i64>().ok()))
        }
        (Scalar::Integer, Value::String(t)) if t.trim().parse::<f64>().is_ok() => {
            Err(invalid(format!("{key} must be an integer")))
        }
        (Scalar::Decimal, Value::String(t)) if t.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
            Ok(json!(t.trim().parse::<f64>().ok()))
        }
        (Scalar::Enumeration(allowed), Value::String(s)) if allowed.contains(&s.as_str()) => Ok(v.clone()),
        (Scalar::Enumeration(allowed), _) => {
            Err(invalid(format!("{key} must be one of the following values: {}", allowed.join(", "))))
        }
        (Scalar::Text, _) => Err(wrong("string")),
        (Scalar::Integer | Scalar::Decimal, _) => Err(wrong("number")),
        (Scalar::Boolean, _) => Err(wrong("boolean")),
    }
}

/// Ids sorted ascending for one indexed value.
type Index = HashMap<Box<str>, Vec<u64>>;

/// One collection's entries and indexes.
pub struct Collection {
    pub def: &'static CollectionDef,
    slot: usize,
    fields: Vec<FieldSpec>,
    entries: BTreeMap<u64, Entry>,
    next_id: u64,
    /// Per unique constraint, the positions of its fields.
    unique_pos: Vec<Vec<usize>>,
    /// Per unique constraint: value tuple (canonical texts joined by a unit separator) → id.
    unique: Vec<HashMap<Box<str>, u64>>,
    /// Per field position, for unique-key and relation fields only.
    indexes: Vec<Option<Index>>,
}

const KEY_SEPARATOR: char = '\u{1f}';

fn index_values(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(canon).collect(),
        v => canon(v).into_iter().collect(),
    }
}

impl Collection {
    fn new(slot: usize, def: &'static CollectionDef) -> Self {
        let fields: Vec<FieldSpec> =
            def.fields.iter().map(|f| FieldSpec { name: f.name.into(), kind: f.kind }).collect();
        let unique_pos: Vec<Vec<usize>> = def
            .unique
            .iter()
            .map(|key| {
                key.iter().map(|u| fields.iter().position(|f| f.name == *u).expect("unique key is a field")).collect()
            })
            .collect();
        let unique = unique_pos.iter().map(|_| HashMap::new()).collect();
        let mut c =
            Self { def, slot, fields, entries: BTreeMap::new(), next_id: 1, unique_pos, unique, indexes: vec![] };
        c.indexes = (0..c.fields.len()).map(|p| c.wants_index(p).then(Index::new)).collect();
        c
    }

    fn wants_index(&self, pos: usize) -> bool {
        self.unique_pos.iter().any(|k| k.contains(&pos)) || !matches!(self.fields[pos].kind, Kind::Scalar(_))
    }

    /// Fields in response order.
    pub fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }

    pub fn position(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == field)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        self.entries.get(&id)
    }

    /// All entries, by ascending id.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    fn unique_key(&self, k: usize, values: &[Value]) -> Option<String> {
        let mut key = String::new();
        for (i, pos) in self.unique_pos[k].iter().enumerate() {
            // Like SQL, a key with an empty part does not collide with anything.
            let part = canon(values.get(*pos).unwrap_or(&NULL))?;
            if i > 0 {
                key.push(KEY_SEPARATOR);
            }
            key.push_str(&part);
        }
        Some(key)
    }

    fn index(&mut self, id: u64, values: &[Value]) {
        for k in 0..self.unique_pos.len() {
            if let Some(key) = self.unique_key(k, values) {
                self.unique[k].insert(key.into_boxed_str(), id);
            }
        }
        for (pos, index) in self.indexes.iter_mut().enumerate() {
            let (Some(index), Some(v)) = (index, values.get(pos)) else { continue };
            for key in index_values(v) {
                let ids = match index.get_mut(key.as_str()) {
                    Some(ids) => ids,
                    None => index.entry(key.into_boxed_str()).or_default(),
                };
                // Ids mostly arrive in order, so this is nearly always a push.
                if let Err(at) = ids.binary_search(&id) {
                    ids.insert(at, id);
                }
            }
        }
    }

    fn unindex(&mut self, id: u64, values: &[Value]) {
        for k in 0..self.unique_pos.len() {
            if let Some(key) = self.unique_key(k, values) {
                self.unique[k].remove(key.as_str());
            }
        }
        for (pos, index) in self.indexes.iter_mut().enumerate() {
            let (Some(index), Some(v)) = (index, values.get(pos)) else { continue };
            for key in index_values(v) {
                if let Some(ids) = index.get_mut(key.as_str()) {
                    if let Ok(at) = ids.binary_search(&id) {
                        ids.remove(at);
                    }
                    if ids.is_empty() {
                        index.remove(key.as_str());
                    }
                }
            }
        }
    }

    fn duplicate(&self, k: usize, values: &[Value]) -> StoreError {
        let errors: Vec<Value> = self.unique_pos[k]
            .iter()
            .map(|pos| {
                json!({
                    "path": [self.fields[*pos].name],
                    "message": "This attribute must be unique",
                    "name": "ValidationError",
                    "value": values[*pos],
                })
            })
            .collect();
        StoreError::Validation { message: "This attribute must be unique".into(), details: json!({ "errors": errors }) }
    }

    /// The first unique constraint on which an entry other than `own` already holds `values`.
    fn clashes(&self, values: &[Value], own: Option<u64>) -> Option<usize> {
        (0..self.unique_pos.len()).find(|&k| {
            self.unique_key(k, values)
                .and_then(|key| self.unique[k].get(key.as_str()))
                .is_some_and(|id| Some(*id) != own)
        })
    }
}

/// One page of a query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Entries matching every filter.
    pub total: usize,
    /// The ids in the requested window, ascending.
    pub ids: Vec<u64>,
    /// Entries whose fields were checked against the filters: proof that indexes are used.
    pub examined: usize,
}

/// Every collection of one model.
pub struct Store {
    collections: Vec<Collection>,
    docids: DocIds,
}

/// How a stored value's text compares with a filter's: as numbers when both are.
fn order(stored: &str, wanted: &str) -> std::cmp::Ordering {
    match (stored.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.total_cmp(&b),
        _ => stored.cmp(wanted),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Store {
    /// An empty store; `doc_seed` keys the documentId scramble.
    pub fn new(doc_seed: u64, defs: Collections) -> Self {
        let collections = defs.iter().enumerate().map(|(slot, def)| Collection::new(slot, def)).collect();
        Self { collections, docids: DocIds::new(doc_seed) }
    }

    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.def.name == name)
    }

    fn slot(&self, name: &str) -> Result<usize, StoreError> {
        self.collections.iter().position(|c| c.def.name == name).ok_or(StoreError::NotFound)
    }

    /// The documentId of an entry of `c`.
    pub fn document_id(&self, c: &Collection, id: u64) -> String {
        self.docids.encode(c.slot, id)
    }

    /// An entry's id from the path segment of `/api/<c>/<key>`: a documentId or a numeric id.
    pub fn resolve(&self, c: &Collection, key: &str) -> Option<u64> {
        match self.docids.decode(key) {
            Some((slot, id)) if slot == c.slot => Some(id),
            _ => key.parse().ok(),
        }
        .filter(|id| c.entries.contains_key(id))
    }

    /// The numeric id a relation value names in collection `target`.
    fn related(&self, target: usize, v: &Value) -> Result<u64, StoreError> {
        let c = &self.collections[target];
        let found = match v {
            Value::Number(n) => n.as_u64().filter(|id| c.entries.contains_key(id)),
            Value::String(s) => self.resolve(c, s),
            Value::Object(o) => match o.get("documentId").or_else(|| o.get("id")) {
                Some(inner) => return self.related(target, inner),
                None => None,
            },
            _ => None,
        };
        found.ok_or_else(|| {
            // Strapi's words; it names the target type, not the field, and echoes the body.
            let message = format!("1 relation(s) of type {} associated with this entity do not exist", c.def.uid);
            StoreError::Validation {
                details: json!({ "errors": [{ "path": [], "message": message, "name": "ValidationError", "value": v }]}),
                message,
            }
        })
    }

    fn related_list(&self, target: usize, v: Option<&Value>) -> Result<Vec<u64>, StoreError> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().map(|x| self.related(target, x)).collect(),
            Some(x) => Ok(vec![self.related(target, x)?]),
        }
    }

    /// A relation value as sent (id, documentId, `{id}`, arrays, or Strapi 5's
    /// `{set|connect|disconnect}`) turned into stored ids, given what is stored now.
    fn relation(&self, target: usize, v: &Value, current: &[u64]) -> Result<Vec<u64>, StoreError> {
        let verbs = v.as_object().filter(|o| ["set", "connect", "disconnect"].iter().any(|k| o.contains_key(*k)));
        let mut ids = match verbs {
            Some(o) if o.contains_key("set") => self.related_list(target, o.get("set"))?,
            Some(o) => {
                let gone = self.related_list(target, o.get("disconnect"))?;
                let mut ids: Vec<u64> = current.iter().copied().filter(|id| !gone.contains(id)).collect();
                ids.extend(self.related_list(target, o.get("connect"))?);
                ids
            }
            None => self.related_list(target, Some(v))?,
        };
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        Ok(ids)
    }

    /// Checks a request's `data` against the collection and turns it into positional values.
    fn normalise(&self, slot: usize, data: &Map<String, Value>, current: &[Value]) -> Result<Vec<Value>, StoreError> {
        let c = &self.collections[slot];
        let mut values: Vec<Value> =
            (0..c.fields.len()).map(|p| current.get(p).cloned().unwrap_or(Value::Null)).collect();
        for (key, v) in data {
            if SYSTEM_KEYS.contains(&key.as_str()) {
                continue;
            }
            let pos = c.position(key).ok_or_else(|| StoreError::Validation {
                message: format!("Invalid key {key}"),
                details: json!({ "key": key, "path": null, "source": "body" }),
            })?;
            values[pos] = match c.fields[pos].kind {
                Kind::Scalar(ty) => typed(key, ty, v)?,
                Kind::Rel(target) => {
                    let now = related_ids(&values[pos]);
                    let ids = self.relation(self.slot(target)?, v, &now)?;
                    ids.last().map_or(Value::Null, |id| json!(id))
                }
                Kind::Many(target) => {
                    let now = related_ids(&values[pos]);
                    json!(self.relation(self.slot(target)?, v, &now)?)
                }
            };
        }
        for (pos, f) in c.fields.iter().enumerate() {
            if matches!(f.kind, Kind::Many(_)) && values[pos].is_null() {
                values[pos] = json!([]);
            }
        }
        Ok(values)
    }

    /// Creates an entry; `id` is forced only when seeding reference data.
    pub fn create(&mut self, name: &str, data: &Map<String, Value>, id: Option<u64>) -> Result<u64, StoreError> {
        let slot = self.slot(name)?;
        let values = self.normalise(slot, data, &[])?;
        let c = &mut self.collections[slot];
        if let Some(k) = c.clashes(&values, None) {
            return Err(c.duplicate(k, &values));
        }
        let id = id.unwrap_or(c.next_id);
        if c.entries.contains_key(&id) {
            return Err(invalid(format!("id {id} is already taken")));
        }
        c.next_id = c.next_id.max(id + 1);
        c.index(id, &values);
        let now = now_ms();
        c.entries.insert(id, Entry { id, values: values.into_boxed_slice(), created_ms: now, updated_ms: now });
        Ok(id)
    }

    /// Applies a partial update to the entry named by `key` (documentId or id).
    pub fn update(&mut self, name: &str, key: &str, data: &Map<String, Value>) -> Result<u64, StoreError> {
        let slot = self.slot(name)?;
        let id = self.resolve(&self.collections[slot], key).ok_or(StoreError::NotFound)?;
        let values = self.normalise(slot, data, &self.collections[slot].entries[&id].values)?;
        let c = &mut self.collections[slot];
        if let Some(k) = c.clashes(&values, Some(id)) {
            return Err(c.duplicate(k, &values));
        }
        let mut entry = c.entries.remove(&id).expect("resolved above");
        c.unindex(id, &entry.values);
        c.index(id, &values);
        entry.values = values.into_boxed_slice();
        entry.updated_ms = now_ms().max(entry.created_ms);
        c.entries.insert(id, entry);
        Ok(id)
    }

    /// Deletes the entry named by `key` and, as Strapi's join tables do, drops every relation
    /// that pointed at it.
    pub fn delete(&mut self, name: &str, key: &str) -> Result<(), StoreError> {
        let slot = self.slot(name)?;
        let id = self.resolve(&self.collections[slot], key).ok_or(StoreError::NotFound)?;
        let c = &mut self.collections[slot];
        let entry = c.entries.remove(&id).expect("resolved above");
        c.unindex(id, &entry.values);
        let id_text = id.to_string();
        for c in &mut self.collections {
            for pos in 0..c.fields.len() {
                let (Kind::Rel(t) | Kind::Many(t)) = c.fields[pos].kind else { continue };
                if t != name {
                    continue;
                }
                let referring =
                    c.indexes[pos].as_ref().and_then(|i| i.get(id_text.as_str())).cloned().unwrap_or_default();
                for rid in referring {
                    let mut e = c.entries.remove(&rid).expect("indexed entries exist");
                    c.unindex(rid, &e.values);
                    let mut values = e.values.into_vec();
                    values[pos] = match &values[pos] {
                        Value::Array(items) => {
                            Value::Array(items.iter().filter(|v| v.as_u64() != Some(id)).cloned().collect())
                        }
                        _ => Value::Null,
                    };
                    c.index(rid, &values);
                    e.values = values.into_boxed_slice();
                    c.entries.insert(rid, e);
                }
            }
        }
        Ok(())
    }

    /// The text values a filter compares against for one entry.
    fn filter_values(&self, c: &Collection, e: &Entry, f: &Filter) -> Vec<String> {
        match f.field.as_str() {
            "id" => return vec![e.id.to_string()],
            "documentId" => return vec![self.document_id(c, e.id)],
            _ => {}
        }
        let Some(pos) = c.position(&f.field) else { return Vec::new() };
        let v = e.value(pos);
        match (c.fields[pos].kind, f.sub.as_deref()) {
            (Kind::Scalar(_), _) | (_, None | Some("id")) => index_values(v),
            (Kind::Rel(t) | Kind::Many(t), Some(sub)) => {
                let Some(target) = self.collection(t) else { return Vec::new() };
                let sub_pos = target.position(sub);
                related_ids(v)
                    .into_iter()
                    .filter(|rid| target.entries.contains_key(rid))
                    .filter_map(|rid| match (sub, sub_pos) {
                        ("documentId", _) => Some(self.document_id(target, rid)),
                        (_, Some(p)) => canon(target.entries[&rid].value(p)),
                        _ => None,
                    })
                    .collect()
            }
        }
    }

    fn matches(&self, c: &Collection, e: &Entry, f: &Filter) -> bool {
        let values = self.filter_values(c, e, f);
        let has = |q: &String| values.contains(q);
        match &f.op {
            Op::Eq(q) => has(q),
            Op::Ne(q) => !has(q),
            Op::In(qs) => qs.iter().any(has),
            Op::NotIn(qs) => !qs.iter().any(has),
            Op::Null(empty) => values.is_empty() == *empty,
            Op::Gt(q) => values.iter().any(|v| order(v, q).is_gt()),
            Op::Lt(q) => values.iter().any(|v| order(v, q).is_lt()),
        }
    }

    /// Refuses filters on fields the collection does not have, as Strapi does.
    fn check_filter(&self, c: &Collection, f: &Filter) -> Result<(), StoreError> {
        let bad = || StoreError::Validation {
            message: format!("Invalid key {}", f.field),
            details: json!({ "key": f.field, "path": null, "source": "query", "param": "filters" }),
        };
        if matches!(f.field.as_str(), "id" | "documentId") {
            return if f.sub.is_none() { Ok(()) } else { Err(bad()) };
        }
        let pos = c.position(&f.field).ok_or_else(bad)?;
        match (c.fields[pos].kind, f.sub.as_deref()) {
            (_, None) => Ok(()),
            (Kind::Scalar(_), Some(_)) => Err(bad()),
            (_, Some("id" | "documentId")) => Ok(()),
            (Kind::Rel(t) | Kind::Many(t), Some(sub)) => match self.collection(t).and_then(|t| t.position(sub)) {
                Some(_) => Ok(()),
                None => Err(invalid(format!("Invalid key {sub}"))),
            },
        }
    }

    /// The ids an index can vouch for as a superset of a filter's matches, ascending.
    fn candidates<'a>(&self, c: &'a Collection, f: &Filter) -> Option<Cow<'a, [u64]>> {
        let wanted: Vec<&String> = match &f.op {
            Op::Eq(q) => vec![q],
            Op::In(qs) => qs.iter().collect(),
            _ => return None,
        };
        let lookup = |q: &str| -> Vec<u64> {
            match (f.field.as_str(), f.sub.as_deref()) {
                ("id", _) => q.parse().ok().filter(|id| c.entries.contains_key(id)).into_iter().collect(),
                ("documentId", _) => self.resolve(c, q).into_iter().collect(),
                (field, sub) => {
                    let Some(pos) = c.position(field) else { return Vec::new() };
                    let Some(index) = &c.indexes[pos] else { return Vec::new() };
                    let key: Cow<str> = match (c.fields[pos].kind, sub) {
                        (Kind::Rel(t) | Kind::Many(t), Some("documentId")) => {
                            match self.collection(t).and_then(|t| self.resolve(t, q)) {
                                Some(rid) => rid.to_string().into(),
                                None => return Vec::new(),
                            }
                        }
                        _ => q.into(),
                    };
                    index.get(key.as_ref()).cloned().unwrap_or_default()
                }
            }
        };
        let usable = match (f.field.as_str(), f.sub.as_deref()) {
            ("id" | "documentId", _) => true,
            (field, sub) => c.position(field).is_some_and(|pos| {
                c.indexes[pos].is_some()
                    && match c.fields[pos].kind {
                        Kind::Scalar(_) => sub.is_none(),
                        _ => matches!(sub, None | Some("id" | "documentId")),
                    }
            }),
        };
        if !usable {
            return None;
        }
        if let ([q], Some(pos), None | Some("id")) = (wanted.as_slice(), c.position(&f.field), f.sub.as_deref()) {
            // The common case borrows the index's list instead of copying it.
            if let Some(ids) = c.indexes[pos].as_ref().and_then(|i| i.get(q.as_str())) {
                return Some(Cow::Borrowed(ids.as_slice()));
            }
        }
        let mut ids: Vec<u64> = wanted.iter().flat_map(|q| lookup(q)).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(Cow::Owned(ids))
    }

    /// Entries of `name` matching every filter (ascending id), windowed by `skip`/`take`.
    pub fn query(&self, name: &str, filters: &[Filter], skip: usize, take: usize) -> Result<Page, StoreError> {
        let c = self.collection(name).ok_or(StoreError::NotFound)?;
        for f in filters {
            self.check_filter(c, f)?;
        }
        if filters.is_empty() {
            // Counting a collection (`pageSize=1`) must not walk it.
            let ids = c.entries.keys().skip(skip).take(take).copied().collect();
            return Ok(Page { total: c.entries.len(), ids, examined: 0 });
        }
        let narrowest = filters.iter().filter_map(|f| self.candidates(c, f)).min_by_key(|ids| ids.len());
        let mut examined = 0;
        let mut total = 0;
        let mut ids = Vec::new();
        let mut check = |e: &Entry| {
            examined += 1;
            if filters.iter().all(|f| self.matches(c, e, f)) {
                if total >= skip && ids.len() < take {
                    ids.push(e.id);
                }
                total += 1;
            }
        };
        match narrowest {
            Some(cands) => cands.iter().filter_map(|id| c.entries.get(id)).for_each(&mut check),
            None => c.entries.values().for_each(&mut check),
        }
        Ok(Page { total, ids, examined })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn data(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn store_with_children(n: u64) -> Store {
        let mut s = Store::new(1, crate::schema::bundled(false));
        s.create("programas", &data(json!({"nombre": "P"})), None).unwrap();
        s.create("implementaciones", &data(json!({"nombre": "I", "programa": 1})), None).unwrap();
        for m in ["mod1", "mod2", "mod3"] {
            s.create("modulos", &data(json!({"nombre": m, "implementacion": 1})), None).unwrap();
        }
        for p in 1..=n {
            s.create("participantes", &data(json!({"id_externo": format!("E{p}")})), None).unwrap();
            s.create("participaciones", &data(json!({"participante": p, "implementacion": 1})), None).unwrap();
            for m in 1..=3 {
                let body = json!({"participacion": p, "modulo": m, "calificacion": 8.5});
                s.create("modulo-progreso-registros", &data(body), None).unwrap();
            }
        }
        s
    }

    fn run(s: &Store, c: &str, q: &str) -> Page {
        let q = parse(q).unwrap();
        let (skip, take) = q.pagination.window();
        s.query(c, &q.filters, skip, take).unwrap()
    }

    #[test]
    fn lookups_use_the_narrowest_index() {
        let s = store_with_children(2000);
        let p = run(&s, "modulo-progreso-registros", "filters[participacion][id][$eq]=1500&filters[modulo][id][$eq]=2");
        assert_eq!((p.total, p.examined), (1, 3), "only participation 1500's three records are checked");
        let p = run(&s, "participantes", "filters[id_externo][$eq]=E77");
        assert_eq!((p.total, p.ids.clone(), p.examined), (1, vec![77], 1));
        let p = run(&s, "modulo-progreso-registros", "pagination[pageSize]=1");
        assert_eq!((p.total, p.examined), (6000, 0));
        let doc = s.document_id(s.collection("participaciones").unwrap(), 9);
        let p = run(&s, "modulo-progreso-registros", &format!("filters[participacion][documentId][$eq]={doc}"));
        assert_eq!((p.total, p.examined), (3, 3));
        // Not indexed: a scan, still right.
        let p = run(&s, "modulo-progreso-registros", "filters[calificacion][$eq]=8.5&pagination[limit]=2");
        assert_eq!((p.total, p.ids, p.examined), (6000, vec![1, 2], 6000));
    }

    #[test]
    fn keyset_pages_compare_ids_as_numbers() {
        let s = store_with_children(20);
        // 9 < 10 as numbers though "9" > "10" as text.
        let p = run(&s, "participantes", "filters[id][$gt]=9&sort[0]=id:asc&pagination[pageSize]=3");
        assert_eq!((p.total, p.ids), (11, vec![10, 11, 12]));
        let p = run(&s, "participantes", "filters[id][$lt]=3");
        assert_eq!(p.ids, vec![1, 2]);
    }

    #[test]
    fn text_forms_compare_exactly() {
        let mut s = Store::new(1, crate::schema::bundled(false));
        s.create("participantes", &data(json!({"id_externo": "007", "edad": 40, "lengua_indigena": true})), None)
            .unwrap();
        s.create("participantes", &data(json!({"id_externo": "7", "edad": 40})), None).unwrap();
        assert_eq!(run(&s, "participantes", "filters[id_externo][$eq]=007").ids, vec![1]);
        assert_eq!(run(&s, "participantes", "filters[id_externo][$eq]=7").ids, vec![2]);
        assert_eq!(run(&s, "participantes", "filters[edad][$eq]=40").ids, vec![1, 2]);
        assert_eq!(run(&s, "participantes", "filters[lengua_indigena][$eq]=true").ids, vec![1]);
        assert_eq!(run(&s, "participantes", "filters[lengua_indigena][$null]=true").ids, vec![2]);
        let dup = s.create("participantes", &data(json!({"id_externo": "7"})), None).unwrap_err();
        assert!(
            matches!(dup, StoreError::Validation { ref message, .. } if message == "This attribute must be unique")
        );
    }

    #[test]
    fn values_must_have_the_model_type() {
        let mut s = Store::new(1, crate::schema::bundled(false));
        let refused = |s: &mut Store, c: &str, v: Value| match s.create(c, &data(v), None) {
            Err(StoreError::Validation { message, .. }) => message,
            other => panic!("accepted: {other:?}"),
        };
        assert_eq!(
            refused(&mut s, "participantes", json!({"id_externo": 7})),
            "id_externo must be a `string` type, but the final value was: `7`."
        );
        assert_eq!(refused(&mut s, "participantes", json!({"edad": 40.5})), "edad must be an integer");
        assert_eq!(refused(&mut s, "participantes", json!({"email": "a@b"})), "Invalid key email");
        assert!(refused(&mut s, "participantes", json!({"lengua_indigena": "si"})).contains("`boolean` type"));
        assert!(refused(&mut s, "participantes", json!({"cct": 999})).contains("do not exist"));
        s.create("participantes", &data(json!({"id_externo": "A", "edad": null, "sexo": "M"})), None).unwrap();
    }

    #[test]
    fn composite_keys_are_not_unique_unless_asked() {
        for (composite, second) in [(false, true), (true, false)] {
            let mut s = Store::new(1, crate::schema::bundled(composite));
            s.create("participantes", &data(json!({"id_externo": "A"})), None).unwrap();
            s.create("programas", &data(json!({"nombre": "P"})), None).unwrap();
            s.create("implementaciones", &data(json!({"nombre": "I", "programa": 1})), None).unwrap();
            let p = data(json!({"participante": 1, "implementacion": 1}));
            s.create("participaciones", &p, None).unwrap();
            assert_eq!(s.create("participaciones", &p, None).is_ok(), second, "composite_keys: {composite}");
        }
    }

    #[test]
    fn delete_detaches_relations_and_frees_the_key() {
        let mut s = store_with_children(2);
        s.delete("participaciones", "1").unwrap();
        let p = run(&s, "modulo-progreso-registros", "filters[participacion][$null]=true");
        assert_eq!(p.ids, vec![1, 2, 3]);
        assert_eq!(run(&s, "modulo-progreso-registros", "filters[participacion][id][$eq]=1").total, 0);
        let again = s.create("participaciones", &data(json!({"participante": 1, "implementacion": 1})), None).unwrap();
        assert_eq!(again, 3, "ids are never reused");
    }
}
