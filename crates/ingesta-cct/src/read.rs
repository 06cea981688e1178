//! Reading a CCT table CSV (`id, clave`, other columns ignored), once to size it and once to load it.

use crate::table::{check_key, table_bytes, CctTable, Rejected, TableBuilder};
use ingesta_records::{ByteSource, ReadError, RecordReader, SourceError};

/// Why a table cannot be used. The run then looks CCTs up on demand.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("the CCT table {name} does not exist")]
    Missing { name: String },
    #[error("the CCT table {name} cannot be used: {reason}")]
    Malformed { name: String, reason: String },
}

impl From<ReadError> for TableError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Source(SourceError::NotFound { name }) => TableError::Missing { name },
            ReadError::Source(SourceError::Unreadable { name, reason }) => TableError::Malformed { name, reason },
            ReadError::Stream { name, reason, .. } => TableError::Malformed { name, reason },
            ReadError::HeaderEncoding { name } => {
                TableError::Malformed { name, reason: "its header is not valid UTF-8".into() }
            }
        }
    }
}

/// What a counted pass learned about a table: enough to estimate and to size the load exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableShape {
    /// Rows with a usable key and id.
    pub rows: u64,
    /// Total bytes of those rows' keys.
    pub key_bytes: u64,
    /// Rows skipped: unparseable, no key, or an id that is not a positive integer.
    pub skipped: u64,
}

impl TableShape {
    /// Heap bytes the preloaded table will hold.
    pub fn estimated_bytes(&self) -> u64 {
        table_bytes(self.rows, self.key_bytes)
    }
}

/// Calls `f` for every usable `(clave, id)` row and counts the others.
async fn scan(
    source: &dyn ByteSource,
    mut f: impl FnMut(&str, u32) -> Result<(), Rejected>,
) -> Result<TableShape, TableError> {
    let name = source.name();
    let mut reader = RecordReader::open(source, None).await?;
    let column = |c: &str| reader.headers().iter().position(|h| h == c);
    let (Some(id_col), Some(key_col)) = (column("id"), column("clave")) else {
        let reason = format!("it needs columns id and clave, found: {}", reader.headers().join(", "));
        return Err(TableError::Malformed { name, reason });
    };
    let mut shape = TableShape::default();
    while let Some(row) = reader.next_row().await? {
        let Ok(row) = row else {
            shape.skipped += 1;
            continue;
        };
        let key = row.fields[key_col].trim();
        let id = row.fields[id_col].trim().parse::<u32>().ok().filter(|id| *id > 0);
        match id.map(|id| f(key, id)) {
            Some(Ok(())) => {
                shape.rows += 1;
                shape.key_bytes += key.len() as u64;
            }
            Some(Err(Rejected::TableTooLarge)) => {
                return Err(TableError::Malformed { name, reason: "it is too large to hold in memory".into() })
            }
            _ => shape.skipped += 1,
        }
    }
    if shape.rows == 0 {
        // Preloading an empty table would silently null every participant's CCT.
        return Err(TableError::Malformed { name, reason: "it has no usable rows".into() });
    }
    Ok(shape)
}

/// The counted pass: reads the whole table without keeping it.
pub async fn measure(source: &dyn ByteSource) -> Result<TableShape, TableError> {
    scan(source, |key, _| check_key(key).map(drop)).await
}

/// Loads the table into memory, sized by an earlier [`measure`] of the same object.
pub async fn load(source: &dyn ByteSource, shape: TableShape) -> Result<(CctTable, TableShape), TableError> {
    let mut builder = TableBuilder::with_capacity(shape.rows, shape.key_bytes);
    let loaded = scan(source, |key, id| builder.push(key, id)).await?;
    let (table, repeated) = builder.finish();
    Ok((table, TableShape { rows: loaded.rows - repeated, skipped: loaded.skipped + repeated, ..loaded }))
}
