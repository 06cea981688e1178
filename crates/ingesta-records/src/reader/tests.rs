//! The reader's limits against files shaped like the real one: the shipped sample's header and rows.

use super::*;
use crate::source::LocalFile;
use std::io::Write;

type Row = Result<RawRow, RowError>;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/participaciones.csv");
/// `Nombre` in the sample header.
const NOMBRE: usize = 6;

struct File {
    _tmp: tempfile::NamedTempFile,
    source: LocalFile,
    /// Byte offset of each row (the file has one line per row). As csv-core counts it, a record
    /// ends after the CR of a CRLF, so the next one starts at the LF.
    offsets: Vec<u64>,
    ids: Vec<String>,
}

/// The sample's header and `n` rows cycled from its own (with or without the ones holding a
/// quoted field), each with a unique id; `edit` may rewrite row `i` (1-based) as fields.
fn sample_file(n: usize, quoted_rows: bool, eol: &str, edit: impl Fn(usize, &mut Vec<Vec<u8>>)) -> File {
    let text = std::fs::read(SAMPLE).unwrap();
    let mut lines = text.split(|&c| c == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).filter(|l| !l.is_empty());
    let header = lines.next().unwrap().to_vec();
    let rows: Vec<&[u8]> = lines.filter(|l| quoted_rows || !l.contains(&b'"')).collect();
    let mut data = header;
    data.extend_from_slice(eol.as_bytes());
    let (mut offsets, mut ids) = (Vec::new(), Vec::new());
    for i in 1..=n {
        let id = format!("T{i:07}");
        // Splitting on ',' cuts a quoted "a, b" in two; joining puts it back as it was.
        let mut fields: Vec<Vec<u8>> = rows[i % rows.len()].split(|&c| c == b',').map(<[u8]>::to_vec).collect();
        fields[0] = id.clone().into_bytes();
        edit(i, &mut fields);
        offsets.push((data.len() + 1 - eol.len()) as u64);
        ids.push(id);
        data.extend_from_slice(&fields.join(&b","[..]));
        data.extend_from_slice(eol.as_bytes());
    }
    let mut tmp = tempfile::NamedTempFile::new().unwrap();
    tmp.write_all(&data).unwrap();
    let source = LocalFile::new(tmp.path());
    File { _tmp: tmp, source, offsets, ids }
}

async fn read_all(reader: &mut RecordReader) -> Vec<Row> {
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row().await.unwrap() {
        rows.push(row);
    }
    rows
}

fn place(row: &Row) -> (u64, u64) {
    match row {
        Ok(r) => (r.row_number, r.byte_offset),
        Err(e) => (e.row_number, e.byte_offset),
    }
}

/// Every row but `bad` is valid and carries its own id, number and line offset.
fn assert_rows(file: &File, rows: &[Row], bad: &[usize]) {
    assert_eq!(rows.len(), file.ids.len());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(place(row), (i as u64 + 1, file.offsets[i]), "row {}", i + 1);
        match row {
            Ok(r) => assert_eq!(r.fields[0], file.ids[i]),
            Err(e) => assert!(bad.contains(&(i + 1)), "row {} failed: {}", i + 1, e.kind),
        }
    }
}

#[tokio::test]
async fn an_overlong_field_streams_past_without_being_held() {
    for eol in ["\n", "\r\n"] {
        let long = |i, f: &mut Vec<Vec<u8>>| {
            if i == 3 {
                f[NOMBRE] = vec![b'x'; 3 << 20];
            }
            if i == 5 {
                *f.last_mut().unwrap() = vec![b'y'; MAX_FIELD_BYTES + 1];
            }
        };
        let file = sample_file(8, true, eol, long);
        let mut reader = RecordReader::open(&file.source, None).await.unwrap();
        let rows = read_all(&mut reader).await;
        assert_rows(&file, &rows, &[3, 5]);
        let err = rows[2].as_ref().unwrap_err();
        assert_eq!(err.kind, RowErrorKind::FieldTooLong { column: "nombre".into(), bytes: 3 << 20 });
        assert_eq!(err.kind.to_string(), "column 'nombre' is 3145728 bytes long, over the 65536-byte limit");
        assert_eq!((err.lossy_fields[0].as_str(), err.lossy_fields[NOMBRE].as_str()), (file.ids[2].as_str(), ""));
        let err = rows[4].as_ref().unwrap_err();
        assert_eq!(err.kind, RowErrorKind::FieldTooLong { column: "evidencia_1".into(), bytes: MAX_FIELD_BYTES + 1 });
        // The old reader held the whole 3 MiB record before looking at its length.
        assert!(reader.peak_held() < 2 * MAX_FIELD_BYTES, "held {} bytes", reader.peak_held());
    }
}

#[tokio::test]
async fn a_stray_quote_costs_one_row() {
    let stray = |i, f: &mut Vec<Vec<u8>>| {
        if i == 4 {
            f[NOMBRE].insert(0, b'"');
        }
    };
    let file = sample_file(300, false, "\n", stray);
    let mut reader = RecordReader::open(&file.source, None).await.unwrap();
    let rows = read_all(&mut reader).await;
    assert_rows(&file, &rows, &[4]);
    let err = rows[3].as_ref().unwrap_err();
    let resumed_at = file.offsets[4];
    let kind = RowErrorKind::StrayQuote {
        column: "nombre".into(),
        opened_at_row: 4,
        overrun: QuoteOverrun::Bytes,
        resumed_at,
    };
    assert_eq!(err.kind, kind);
    assert_eq!(
        err.kind.to_string(),
        format!(
            "column 'nombre' opens a quote at row 4 that is not closed within 65536 bytes; \
             taken for a stray quote, reading went on at byte {resumed_at}"
        )
    );
    // Only the fields before the quote belong to the row.
    assert_eq!(err.lossy_fields.len(), NOMBRE);
    assert_eq!(err.lossy_fields[0], file.ids[3]);
    assert_eq!(reader.stray_quotes(), 1);
    assert!(reader.peak_held() < 3 * MAX_FIELD_BYTES, "held {} bytes", reader.peak_held());
}

#[tokio::test]
async fn a_stray_quote_closed_by_a_later_quote_costs_one_row() {
    // The sample's quoted "Frente a grupo, 3er grado" closes the stray quote a row or two later,
    // long before any limit: the merged record has the wrong field count. (In the last column,
    // so that the row's own quoted field does not close it on the same line.)
    let stray = |i, f: &mut Vec<Vec<u8>>| {
        if i == 4 {
            f.last_mut().unwrap().insert(0, b'"');
        }
    };
    let file = sample_file(300, true, "\n", stray);
    let mut reader = RecordReader::open(&file.source, None).await.unwrap();
    let rows = read_all(&mut reader).await;
    assert_rows(&file, &rows, &[4]);
    let err = rows[3].as_ref().unwrap_err();
    assert!(
        matches!(
            &err.kind,
            RowErrorKind::StrayQuote { column, opened_at_row: 4, overrun: QuoteOverrun::Ragged { expected: 46, .. }, .. }
                if column == "evidencia_1"
        ),
        "{:?}",
        err.kind
    );
    assert_eq!(reader.stray_quotes(), 1);
}

#[tokio::test]
async fn a_quote_spanning_too_many_lines_is_a_stray_quote() {
    // Short rows: the line limit, not the byte limit, catches it.
    let mut data = b"id,nota\n".to_vec();
    for i in 1..=3000 {
        let quote = if i == 10 { "\"" } else { "" };
        data.extend_from_slice(format!("{i},{quote}n{i}\n").as_bytes());
    }
    let mut tmp = tempfile::NamedTempFile::new().unwrap();
    tmp.write_all(&data).unwrap();
    let mut reader = RecordReader::open(&LocalFile::new(tmp.path()), None).await.unwrap();
    let rows = read_all(&mut reader).await;
    assert_eq!(rows.len(), 3000);
    let err = rows[9].as_ref().unwrap_err();
    assert!(matches!(err.kind, RowErrorKind::StrayQuote { overrun: QuoteOverrun::Lines, .. }), "{:?}", err.kind);
    for (i, row) in rows.iter().enumerate().filter(|(i, _)| *i != 9) {
        let row = row.as_ref().unwrap();
        assert_eq!((row.row_number, row.fields[0].as_str()), (i as u64 + 1, (i + 1).to_string().as_str()));
    }
}

#[tokio::test]
async fn resuming_gives_the_same_rows_after_skips_and_stray_quotes() {
    let edit = |i, f: &mut Vec<Vec<u8>>| match i {
        4 => f[NOMBRE].insert(0, b'"'),
        8 => f[NOMBRE] = vec![b'x'; 1 << 20],
        _ => {}
    };
    let file = sample_file(300, false, "\r\n", edit);
    let mut reader = RecordReader::open(&file.source, None).await.unwrap();
    let (mut rows, mut points) = (Vec::new(), vec![reader.resume_point()]);
    while let Some(row) = reader.next_row().await.unwrap() {
        rows.push(row);
        points.push(reader.resume_point());
    }
    assert_rows(&file, &rows, &[4, 8]);
    for k in [0, 3, 4, 7, 8, 150] {
        let point = points[k];
        assert_eq!(point.next_row, k as u64 + 1);
        let mut resumed = RecordReader::open(&file.source, Some(point)).await.unwrap();
        assert_eq!(read_all(&mut resumed).await, rows[k..], "resumed after row {k}");
    }
}

#[tokio::test]
async fn an_oversized_header_is_fatal() {
    let mut data = vec![b'h'; MAX_FIELD_BYTES + 1];
    data.extend_from_slice(b",id\n1,2\n");
    let mut tmp = tempfile::NamedTempFile::new().unwrap();
    tmp.write_all(&data).unwrap();
    let err = RecordReader::open(&LocalFile::new(tmp.path()), None).await.err().unwrap();
    assert!(err.to_string().ends_with("its header is over the 65536-byte limit"), "{err}");
}

#[tokio::test]
async fn the_samples_read_as_csv_async_read_them() {
    for name in ["participaciones.csv", "participaciones_edge.csv"] {
        let path = format!("{}/../../samples/{name}", env!("CARGO_MANIFEST_DIR"));
        let mut reader = RecordReader::open(&LocalFile::new(&path), None).await.unwrap();
        let mut b = csv_async::AsyncReaderBuilder::new();
        b.flexible(true).has_headers(true);
        let mut want = b.create_reader(tokio::fs::File::open(&path).await.unwrap());
        let headers: Vec<String> =
            want.byte_headers().await.unwrap().iter().map(|h| normalize_header(&String::from_utf8_lossy(h))).collect();
        assert_eq!(reader.headers(), headers);
        let mut record = csv_async::ByteRecord::new();
        loop {
            let start = want.position().byte();
            let more = want.read_byte_record(&mut record).await.unwrap();
            let Some(row) = reader.next_row().await.unwrap() else {
                assert!(!more, "{name}: rows left over");
                break;
            };
            let fields = match row {
                Ok(r) => (r.byte_offset, r.fields),
                Err(e) => (e.byte_offset, e.lossy_fields),
            };
            let expected = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            assert_eq!(fields, (start, expected), "{name}");
            assert_eq!(reader.resume_point().byte_offset, want.position().byte(), "{name}");
        }
    }
}
