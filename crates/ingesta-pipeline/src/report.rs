//! The error report CSV: one line per failed row, written as the run goes so memory stays flat.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// One failed row. `email` is in the report (the data team needs it to find the person) but
/// never in logs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ErrorRow {
    pub row_number: u64,
    pub id_externo: String,
    pub email: String,
    pub stage: String,
    pub error: String,
}

/// Streams [`ErrorRow`]s to `errors.csv` (header `row_number,id_externo,email,stage,error`).
pub struct ErrorReport {
    path: PathBuf,
    out: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl ErrorReport {
    /// Creates (or truncates) the report at `path`, creating its directory.
    pub fn create(path: impl Into<PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(File::create(&path)?));
        out.write_record(["row_number", "id_externo", "email", "stage", "error"])?;
        Ok(Self { path, out, rows: 0 })
    }

    pub fn add(&mut self, row: &ErrorRow) -> std::io::Result<()> {
        self.rows += 1;
        self.out.serialize(row).map_err(std::io::Error::other)
    }

    /// Rows written so far.
    pub fn len(&self) -> u64 {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file; call before reading or uploading it.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
