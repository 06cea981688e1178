//! Entries as Strapi 5 (flat, with `documentId`) or Strapi 4 (`{id, attributes}`) put them on
//! the wire. As in real Strapi, relations appear only when populated.

use crate::query::Populate;
use crate::schema::Kind;
use crate::store::{related_ids, Collection, Entry, Store};
use serde_json::{json, Map, Value};

/// Strapi's timestamp format, e.g. `2026-11-03T09:15:02.123Z`.
pub fn iso8601(ms: u64) -> String {
    let (days, rem) = ((ms / 86_400_000) as i64, ms % 86_400_000);
    // Civil date from days since 1970-01-01 in the proleptic Gregorian calendar, counting eras
    // of 400 years from 0000-03-01 so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

fn stamps(fields: &mut Map<String, Value>, e: &Entry) {
    let created = iso8601(e.created_ms);
    fields.insert("createdAt".into(), json!(created));
    fields.insert("updatedAt".into(), json!(iso8601(e.updated_ms)));
    // Entries created through the REST API are published at once.
    fields.insert("publishedAt".into(), json!(created));
}

/// One entry in the response shape of Strapi `version`, relations nested per `populate`.
pub fn entry(store: &Store, c: &Collection, e: &Entry, populate: &Populate, version: u8) -> Value {
    let mut fields = Map::new();
    for (pos, f) in c.fields().iter().enumerate() {
        let value = e.value(pos);
        let target = match f.kind {
            Kind::Scalar(_) => {
                fields.insert(f.name.clone(), value.clone());
                continue;
            }
            _ if !populate.includes(&f.name) => continue,
            Kind::Rel(t) | Kind::Many(t) => store.collection(t).expect("schema names known collections"),
        };
        let mut related = related_ids(value)
            .into_iter()
            .filter_map(|id| target.get(id))
            .map(|r| entry(store, target, r, &Populate::Nothing, version));
        let nested = match f.kind {
            Kind::Many(_) => Value::Array(related.collect()),
            _ => related.next().unwrap_or(Value::Null),
        };
        fields.insert(f.name.clone(), if version == 4 { json!({ "data": nested }) } else { nested });
    }
    stamps(&mut fields, e);
    if version == 4 {
        return json!({ "id": e.id, "attributes": fields });
    }
    let mut flat = Map::new();
    flat.insert("id".into(), json!(e.id));
    flat.insert("documentId".into(), json!(store.document_id(c, e.id)));
    flat.extend(fields);
    Value::Object(flat)
}

/// The flat Strapi 5 shape with every relation as its numeric id(s): what tests inspect.
pub fn stored(store: &Store, c: &Collection, e: &Entry) -> Value {
    let mut flat = Map::new();
    flat.insert("id".into(), json!(e.id));
    flat.insert("documentId".into(), json!(store.document_id(c, e.id)));
    for (pos, f) in c.fields().iter().enumerate() {
        flat.insert(f.name.clone(), e.value(pos).clone());
    }
    stamps(&mut flat, e);
    Value::Object(flat)
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn timestamps_are_iso_8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000 + 3_723_004), "2000-02-29T01:02:03.004Z");
        assert_eq!(iso8601(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    }
}
