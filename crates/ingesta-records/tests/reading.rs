//! The reader against real files: the shipped edge-case sample and hand-made byte patterns.

use ingesta_records::{LocalFile, RecordReader, Resume, RowErrorKind};
use std::io::Write;

fn sample(name: &str) -> LocalFile {
    LocalFile::new(format!("{}/../../samples/{name}", env!("CARGO_MANIFEST_DIR")))
}

fn temp_csv(bytes: &[u8]) -> (tempfile::NamedTempFile, LocalFile) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    let src = LocalFile::new(f.path());
    (f, src)
}

async fn collect(
    src: &LocalFile,
    resume: Option<Resume>,
) -> (Vec<String>, Vec<Result<ingesta_records::RawRow, ingesta_records::RowError>>) {
    let mut r = RecordReader::open(src, resume).await.unwrap();
    let mut rows = Vec::new();
    while let Some(row) = r.next_row().await.unwrap() {
        rows.push(row);
    }
    (r.headers().to_vec(), rows)
}

#[tokio::test]
async fn edge_sample_bom_crlf_multiline_and_ragged() {
    let (headers, rows) = collect(&sample("participaciones_edge.csv"), None).await;
    assert_eq!(headers[0], "id", "BOM must not leak into the first header");
    assert!(headers.contains(&"periodo_de_implementacion".to_string()));
    let numbers: Vec<u64> = rows
        .iter()
        .map(|r| match r {
            Ok(r) => r.row_number,
            Err(e) => e.row_number,
        })
        .collect();
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
    let ok3 = rows[2].as_ref().expect("row 3 is a valid multi-line record");
    let detalle = headers.iter().position(|h| h == "puesto_detalle").unwrap();
    assert_eq!(ok3.fields[detalle], "línea 1\nlínea 2, con coma");
    let err4 = rows[3].as_ref().expect_err("row 4 is ragged");
    assert!(matches!(err4.kind, RowErrorKind::FieldCount { found: 20, expected: 46 }), "{:?}", err4.kind);
    assert_eq!(err4.lossy_fields[0], "E0000004");
    // CRLF must not leave '\r' in the last field.
    assert!(rows.iter().flatten().all(|r| !r.fields.last().unwrap().contains('\r')));
}

#[tokio::test]
async fn invalid_utf8_and_overlong_fields_are_row_errors() {
    let mut data = b"id,nombre\nA1,ok\nA2,\xff\xfe\n".to_vec();
    data.extend_from_slice(b"A3,");
    data.extend(std::iter::repeat_n(b'x', 70 * 1024));
    data.extend_from_slice(b"\nA4,fine\n");
    let (_f, src) = temp_csv(&data);
    let (_, rows) = collect(&src, None).await;
    assert_eq!(rows.len(), 4);
    assert!(rows[0].is_ok() && rows[3].is_ok());
    assert_eq!(rows[1].as_ref().unwrap_err().kind, RowErrorKind::InvalidUtf8 { column: "nombre".into() });
    assert!(matches!(rows[2].as_ref().unwrap_err().kind, RowErrorKind::FieldTooLong { .. }));
    assert_eq!(rows[3].as_ref().unwrap().row_number, 4);
}

#[tokio::test]
async fn empty_and_header_only_files_have_no_rows() {
    for data in [&b""[..], b"id,nombre\n", b"\n"] {
        let (_f, src) = temp_csv(data);
        let (_, rows) = collect(&src, None).await;
        assert!(rows.is_empty(), "{data:?}");
    }
}

#[tokio::test]
async fn resume_point_restarts_at_the_next_record() {
    let (_f, src) = temp_csv(b"id,n\r\n1,\"a\nb\"\r\n2,b\r\n3,c\r\n");
    let mut r = RecordReader::open(&src, None).await.unwrap();
    r.next_row().await.unwrap().unwrap().unwrap();
    let point = r.resume_point();
    assert_eq!(point.next_row, 2);
    let (headers, rows) = collect(&src, Some(point)).await;
    assert_eq!(headers, ["id", "n"]);
    let rest: Vec<(u64, String)> = rows
        .into_iter()
        .map(|r| {
            let r = r.unwrap();
            (r.row_number, r.fields[0].clone())
        })
        .collect();
    assert_eq!(rest, [(2, "2".to_string()), (3, "3".to_string())]);
}

#[tokio::test]
async fn a_missing_file_is_a_clear_error() {
    let err = RecordReader::open(&LocalFile::new("/nonexistent/x.csv"), None).await.err().unwrap();
    assert_eq!(err.to_string(), "input /nonexistent/x.csv does not exist");
}
