//! The borrowed records against the field-by-field decoding `next_row` did before them: the same
//! rows, the same errors, whatever the bytes.

use super::*;
use crate::source::LocalFile;
use std::io::Write;

/// The decoding before records were borrowed: each field checked and copied on its own.
fn field_by_field(headers: &[String], record: &Framed, row_number: u64) -> Result<RawRow, RowError> {
    let byte_offset = record.start;
    let column = |i: usize| headers.get(i).cloned().unwrap_or_else(|| format!("#{}", i + 1));
    let fail = |kind, held: usize| RowError {
        row_number,
        byte_offset,
        kind,
        lossy_fields: record.fields().take(held).map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
    };
    if let Some(StrayQuote { field, cause, resumed_at }) = record.stray_quote {
        let overrun = match cause {
            StrayCause::Runaway(Runaway::Bytes) => QuoteOverrun::Bytes,
            StrayCause::Runaway(Runaway::Lines) => QuoteOverrun::Lines,
            StrayCause::Ragged => QuoteOverrun::Ragged { expected: headers.len(), found: record.field_count },
        };
        let kind = RowErrorKind::StrayQuote { column: column(field), opened_at_row: row_number, overrun, resumed_at };
        return Err(fail(kind, field));
    }
    if record.field_count != headers.len() {
        let kind = RowErrorKind::FieldCount { expected: headers.len(), found: record.field_count };
        return Err(fail(kind, usize::MAX));
    }
    let mut fields = Vec::new();
    for (i, field) in record.fields().enumerate() {
        if let Some(too_long) = record.too_long.filter(|t| t.field == i) {
            return Err(fail(RowErrorKind::FieldTooLong { column: column(i), bytes: too_long.bytes }, usize::MAX));
        }
        match std::str::from_utf8(field) {
            Ok(s) => fields.push(s.to_owned()),
            Err(_) => return Err(fail(RowErrorKind::InvalidUtf8 { column: column(i) }, usize::MAX)),
        }
    }
    Ok(RawRow { row_number, byte_offset, fields })
}

fn temp_csv(data: &[u8]) -> (tempfile::NamedTempFile, LocalFile) {
    let mut tmp = tempfile::NamedTempFile::new().unwrap();
    tmp.write_all(data).unwrap();
    let source = LocalFile::new(tmp.path());
    (tmp, source)
}

/// Every record of `data` decoded both ways.
async fn decodes_alike(data: &[u8], limits: Limits) {
    let (_tmp, source) = temp_csv(data);
    let mut reader = RecordReader::open_with(&source, None, limits).await.unwrap();
    let mut row_number = 1;
    while let Some(framed) = reader.framer.next().await.unwrap() {
        let want = field_by_field(&reader.headers, framed, row_number);
        let got = decode(&reader.headers, framed, row_number).map(|r| r.to_raw_row());
        assert_eq!(got, want, "row {row_number} of {:?}", String::from_utf8_lossy(data));
        row_number += 1;
    }
}

/// Rows of three fields built from the pieces that matter: separators, quotes, line ends, and
/// UTF-8 whole, cut, or not UTF-8 at all.
fn random_bodies(count: usize) -> Vec<Vec<u8>> {
    let pieces: &[&[u8]] =
        &[b"a", b"NA", b",", b",", b"\"", b"\n", b"\r\n", "é".as_bytes(), "€".as_bytes(), b"\xc3", b"\xa9", b"\xff"];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 40) as usize;
            let mut data = b"x,y,z\n".to_vec();
            (0..len).for_each(|_| data.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]));
            data
        })
        .collect()
}

#[tokio::test]
async fn bad_fields_are_named_as_field_by_field_named_them() {
    let cases: &[&[u8]] = &[
        // Valid UTF-8 as a whole, but a character cut in two by the separator.
        b"x,y,z\n\xc3,\xa9,z\n",
        b"x,y,z\na,\xe2\x82,\xac\n",
        // The first bad field wins, whether it is over-long or not text.
        b"x,y,z\n\xff,0123456789,z\n",
        b"x,y,z\na,0123456789,\xff\n",
        b"x,y,z\na,\"\xc3\",\"\xa9\"\n",
        b"x,y,z\n\xef\xbb\xbfa,b,c\n",
    ];
    let limits = Limits { field_bytes: 6, quoted_lines: 3 };
    for data in cases {
        decodes_alike(data, limits).await;
    }
    for data in random_bodies(1500) {
        decodes_alike(&data, limits).await;
        decodes_alike(&data, Limits::DEFAULT).await;
    }
}

#[tokio::test]
async fn next_record_reads_what_next_row_reads() {
    let samples = ["participaciones.csv", "participaciones_edge.csv"]
        .map(|name| std::fs::read(format!("{}/../../samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap());
    for data in samples.iter().chain(&random_bodies(300)) {
        let (_tmp, source) = temp_csv(data);
        let (mut rows, mut records) =
            (RecordReader::open(&source, None).await.unwrap(), RecordReader::open(&source, None).await.unwrap());
        loop {
            let want = rows.next_row().await.unwrap();
            let got = records.next_record().await.unwrap().map(|r| r.map(|r| r.to_raw_row()));
            assert_eq!(got, want);
            assert_eq!(records.resume_point(), rows.resume_point());
            if want.is_none() {
                break;
            }
        }
        assert_eq!(records.stray_quotes(), rows.stray_quotes());
    }
}

#[test]
fn a_record_hands_out_its_fields_as_a_row_holds_them() {
    let text = "P1éNA";
    let record = Record::new(3, 40, text, &[2, 4, 4, 6]);
    assert_eq!(record.fields().collect::<Vec<_>>(), ["P1", "é", "", "NA"]);
    assert_eq!((record.len(), record.get(1), record.get(3), record.get(4)), (4, Some("é"), Some("NA"), None));
    let row = record.to_raw_row();
    assert_eq!(
        (row.row_number, row.byte_offset, row.fields),
        (3, 40, vec!["P1".into(), "é".into(), "".into(), "NA".into()])
    );
}
