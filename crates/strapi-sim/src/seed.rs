//! Reference data from CSV: `ccts.csv` and `encuestas.csv` (columns `id,clave`, extra columns
//! kept as text), keeping their ids so relations in other data stay valid.

use crate::store::Store;
use serde_json::{Map, Value};
use std::path::Path;

/// Loads `dir/ccts.csv` and `dir/encuestas.csv` when present; returns how many rows each gave.
pub fn seed_dir(store: &mut Store, dir: &Path) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let mut loaded = Vec::new();
    for collection in ["ccts", "encuestas"] {
        let path = dir.join(format!("{collection}.csv"));
        if !path.exists() {
            tracing::warn!(path = %path.display(), "seed file missing; collection left empty");
            continue;
        }
        let mut reader = csv::Reader::from_path(&path)?;
        let headers: Vec<String> =
            reader.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase()).collect();
        let id_col = headers
            .iter()
            .position(|h| h == "id")
            .ok_or_else(|| anyhow::anyhow!("{} has no id column", path.display()))?;
        let mut n = 0;
        for (line, record) in reader.records().enumerate() {
            let record = record?;
            let id: u64 = record[id_col]
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{} row {}: bad id", path.display(), line + 1))?;
            let mut data = Map::new();
            for (h, v) in headers.iter().zip(record.iter()) {
                // `clave` is the only declared field of encuestas; ccts accepts any text column.
                if h != "id" && (collection == "ccts" || h == "clave") {
                    data.insert(h.clone(), Value::String(v.to_string()));
                }
            }
            store
                .create(collection, &data, Some(id))
                .map_err(|e| anyhow::anyhow!("{} row {}: {e:?}", path.display(), line + 1))?;
            n += 1;
        }
        loaded.push((collection, n));
    }
    Ok(loaded)
}
