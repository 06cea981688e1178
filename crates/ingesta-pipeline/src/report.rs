//! The error report CSV: one line per failed row, written as the run goes so memory stays flat.

use crate::formula::neutralise;
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

/// Streams [`ErrorRow`]s to `errors.csv` (header `row_number,id_externo,email,stage,error`),
/// every text cell [`crate::formula::neutralise`]d: the report is opened in spreadsheets.
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

    /// Continues an existing report (a resumed file): rows are appended after the ones there.
    pub fn append(path: impl Into<PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        let existing = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if existing == 0 {
            return Self::create(path);
        }
        let file = std::fs::OpenOptions::new().append(true).open(&path)?;
        let rows = csv::Reader::from_path(&path)?.records().count() as u64;
        let out = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(file));
        Ok(Self { path, out, rows })
    }

    pub fn add(&mut self, row: &ErrorRow) -> std::io::Result<()> {
        self.rows += 1;
        let cells = [&row.id_externo, &row.email, &row.stage, &row.error].map(|c| neutralise(c));
        let number = row.row_number.to_string();
        self.out
            .write_record([number.as_str(), &cells[0], &cells[1], &cells[2], &cells[3]])
            .map_err(std::io::Error::other)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: u64) -> ErrorRow {
        ErrorRow {
            row_number: n,
            id_externo: format!("P{n}"),
            email: String::new(),
            stage: "read".into(),
            error: "x, \"y\"".into(),
        }
    }

    #[test]
    fn append_continues_a_report_without_a_second_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r/errors.csv");
        let mut r = ErrorReport::create(&path).unwrap();
        r.add(&row(1)).unwrap();
        r.flush().unwrap();
        drop(r);
        let mut r = ErrorReport::append(&path).unwrap();
        assert_eq!(r.len(), 1);
        r.add(&row(7)).unwrap();
        r.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "row_number,id_externo,email,stage,error\n1,P1,,read,\"x, \"\"y\"\"\"\n7,P7,,read,\"x, \"\"y\"\"\"\n"
        );
    }

    #[test]
    fn hostile_cells_are_written_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("errors.csv");
        let mut r = ErrorReport::create(&path).unwrap();
        let hostile =
            ErrorRow { id_externo: "=HYPERLINK(\"http://x\",\"click\")".into(), email: "@SUM(1+1)".into(), ..row(3) };
        r.add(&hostile).unwrap();
        r.flush().unwrap();
        let mut read = csv::Reader::from_path(&path).unwrap();
        let rec = read.records().next().unwrap().unwrap();
        assert_eq!((&rec[1], &rec[2]), ("'=HYPERLINK(\"http://x\",\"click\")", "'@SUM(1+1)"));
        assert_eq!(crate::formula::restore(&rec[1]), hostile.id_externo);
    }
}
