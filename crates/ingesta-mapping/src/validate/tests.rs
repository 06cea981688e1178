//! `validate` on borrowed records against `plan` on owned rows, and `plan` against the lookups by
//! name it replaced: the same plans, the same verdicts, the same error texts, row by row.

use crate::columns::REQUIRED;
use crate::plan::by_name;
use crate::Schema;
use ingesta_records::values::text;
use ingesta_records::{LocalFile, RecordReader};

const REQUIRED_AT: [usize; 5] = [0, 17, 18, 19, 20];

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Deletes its file when dropped.
struct TempCsv(std::path::PathBuf);

impl TempCsv {
    fn new(name: &str, data: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!("ingesta-mapping-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, data).unwrap();
        Self(path)
    }
}

impl Drop for TempCsv {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Each row's verdict: the read error or plan error as reported, else `Ok`.
type Verdicts = Vec<Result<(), String>>;

async fn by_plan(source: &LocalFile) -> Verdicts {
    let mut reader = RecordReader::open(source, None).await.unwrap();
    let schema = Schema::from_headers(reader.headers()).unwrap();
    let mut out = Vec::new();
    while let Some(next) = reader.next_row().await.unwrap() {
        out.push(match next {
            Ok(raw) => {
                let plan = schema.plan(&raw);
                assert_eq!(plan, by_name::plan(&schema, &raw), "row {}", raw.row_number);
                let verdict = plan.map(drop).map_err(|e| e.to_string());
                assert_eq!(verdict, by_lookup(&schema, &raw.fields), "row {}", raw.row_number);
                verdict
            }
            Err(e) => Err(e.kind.to_string()),
        });
    }
    out
}

/// How `plan` found missing values before either took the shared check: by name, one by one.
fn by_lookup(schema: &Schema, fields: &[String]) -> Result<(), String> {
    let missing: Vec<&str> =
        REQUIRED.iter().copied().filter(|c| schema.cell(fields, c).and_then(text).is_none()).collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(format!("required value missing: {}", missing.join(", "))),
    }
}

async fn by_validate(source: &LocalFile) -> Verdicts {
    let mut reader = RecordReader::open(source, None).await.unwrap();
    let schema = Schema::from_headers(reader.headers()).unwrap();
    let mut out = Vec::new();
    while let Some(next) = reader.next_record().await.unwrap() {
        out.push(match next {
            Ok(record) => schema.validate(&record).map_err(|e| e.to_string()),
            Err(e) => Err(e.kind.to_string()),
        });
    }
    out
}

/// The sample's rows again and again, each with required cells blanked in a different way, some
/// rows ragged, some not text, one column repeated at the end (the first one counts).
fn hostile_file(rows: usize) -> Vec<u8> {
    let text = String::from_utf8(sample("participaciones.csv")).unwrap();
    let mut lines = text.lines();
    let mut data = format!("{},ID,Programa\n", lines.next().unwrap()).into_bytes();
    // Only rows without quotes, so that splitting on ',' finds the columns.
    let body: Vec<&str> = lines.filter(|l| !l.contains('"')).collect();
    let cells =
        ["", "NA", "Sí", "SÍ", "sI", "YES", "no", "0", "1", " 12 ", "6.1", "-3e2", "inf", "NaN", "x", "entregado"];
    let blanks = ["", "NA", " n/a ", "  ", "\u{a0}", "N/A\t", "nan", "0", "x"];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for i in 0..rows {
        let mut fields: Vec<String> = body[i % body.len()].split(',').map(str::to_string).collect();
        for _ in 0..next(3) {
            fields[REQUIRED_AT[next(REQUIRED_AT.len())]] = blanks[next(blanks.len())].to_string();
        }
        for _ in 0..next(12) {
            let at = next(fields.len());
            fields[at] = cells[next(cells.len())].to_string();
        }
        fields.extend(["NA".to_string(), blanks[next(blanks.len())].to_string()]);
        let mut line = fields.join(",").into_bytes();
        match next(40) {
            0 => line.truncate(line.len() / 2),
            1 => line.extend_from_slice(b",extra"),
            2 => line.insert(0, 0xff),
            _ => {}
        }
        data.extend_from_slice(&line);
        data.extend_from_slice(if i % 2 == 0 { b"\n" } else { b"\r\n" });
    }
    data
}

#[tokio::test]
async fn validate_rejects_exactly_what_plan_rejects() {
    let files = [
        ("sample", sample("participaciones.csv")),
        ("edge", sample("participaciones_edge.csv")),
        ("hostile", hostile_file(3000)),
    ];
    for (name, data) in files {
        let file = TempCsv::new(name, &data);
        let source = LocalFile::new(&file.0);
        let want = by_plan(&source).await;
        assert_eq!(by_validate(&source).await, want, "{name}");
        if name == "hostile" {
            let failed = want.iter().filter(|v| v.is_err()).count();
            assert!(failed > 300 && failed < 2700, "the file exercises both verdicts: {failed} failed");
        }
    }
}
