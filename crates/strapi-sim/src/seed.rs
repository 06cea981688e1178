//! Reference data from CSV: `ccts.csv` and `encuestas.csv` (at least `id,clave`; columns the
//! model lacks are ignored). Their ids are kept so that ids in other data stay valid.

use crate::store::Store;
use anyhow::{bail, Context};
use serde_json::{Map, Value};
use std::path::Path;

/// The reference collections and their seed files.
pub const SEEDED: [&str; 2] = ["ccts", "encuestas"];

/// Loads `dir/<collection>.csv` for each of [`SEEDED`] that exists; returns the rows loaded per
/// collection. Rows repeating an id or a `clave` are skipped with a warning, as a file exported
/// from a real database should not have them and one bad row should not stop a demo.
pub fn seed_dir(store: &mut Store, dir: &Path) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let mut loaded = Vec::new();
    for collection in SEEDED {
        let path = dir.join(format!("{collection}.csv"));
        if !path.exists() {
            tracing::warn!(path = %path.display(), "seed file missing; {collection} starts empty");
            continue;
        }
        let n = seed_file(store, collection, &path).with_context(|| format!("seeding from {}", path.display()))?;
        loaded.push((collection, n));
    }
    Ok(loaded)
}

fn seed_file(store: &mut Store, collection: &str, path: &Path) -> anyhow::Result<usize> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_path(path)?;
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase().replace(' ', "_"))
        .collect();
    let Some(id_col) = headers.iter().position(|h| h == "id") else { bail!("no id column") };
    if !headers.iter().any(|h| h == "clave") {
        bail!("no clave column");
    }
    // As the real app's seeding does: columns the model lacks are not stored.
    let known: Vec<bool> = headers
        .iter()
        .map(|h| h != "id" && store.collection(collection).is_some_and(|c| c.position(h).is_some()))
        .collect();
    let (mut loaded, mut skipped) = (0, 0);
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let row = i + 1;
        let id: u64 = record[id_col].trim().parse().with_context(|| format!("row {row}: id is not a number"))?;
        let data: Map<String, Value> = headers
            .iter()
            .zip(record.iter())
            .zip(&known)
            .filter(|(_, known)| **known)
            .map(|((h, v), _)| (h.clone(), Value::String(v.to_string())))
            .collect();
        match store.create(collection, &data, Some(id)) {
            Ok(_) => loaded += 1,
            Err(e) => {
                skipped += 1;
                tracing::debug!(row, error = ?e, "seed row skipped");
            }
        }
    }
    if skipped > 0 {
        tracing::warn!(collection, skipped, "seed rows skipped: repeated id or clave");
    }
    Ok(loaded)
}
