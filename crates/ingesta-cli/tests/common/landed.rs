//! What a real Strapi holds after loads of a file, checked against the CSV: every collection's
//! count, every link, no natural key twice, and `ingesta verify` agreeing. A test file including
//! this one must include `expect.rs` and `relations.rs` too.
#![allow(dead_code)]

use crate::common::{assert_verified, samples, verify_at};
use crate::expect;
use crate::relations::{self, Api};
use std::path::Path;

/// Panics unless the API at `url` holds exactly what `file` says, link by link.
pub async fn assert_landed(url: &str, token: &str, file: &Path) {
    let api = Api::new(url, Some(token));
    let counts = expect::expected_counts(file);
    assert_eq!(api.counts().await, counts, "every collection, counted by Strapi");
    let want = relations::expected(file, &samples().join("ccts.csv"));
    let got = relations::actual(&api).await;
    assert!(got.duplicates.is_empty(), "natural keys held twice: {:?}", got.duplicates);
    assert_eq!(got.participant_cct, want.participant_cct, "each participant's cct");
    assert_eq!(got.implementations, want.implementations, "each implementation's program and surveys");
    assert_eq!(got.participations, want.participations, "each participation's participant and implementation");
    for k in 0..4 {
        assert_eq!(got.children[k], want.children[k], "child kind {k}: participation and module/survey/session/work");
    }
    assert_eq!(got.app_use, want.app_use);
    assert_eq!(got.emails, want.emails, "addresses, and which one is principal");
    let (out, v) = verify_at(url, Some(file), &["--token", token]).await;
    assert_verified(&out, &v);
    for c in v["collections"].as_array().unwrap() {
        let name = c["collection"].as_str().unwrap();
        assert_eq!(c["expected"].as_u64(), Some(counts[name]), "ingesta verify's expectation of {name}");
    }
}

/// The first `rows` data rows of `file`, as a file of their own.
pub fn prefix(file: &Path, rows: usize) -> tempfile::NamedTempFile {
    let mut r = csv::Reader::from_path(file).unwrap();
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let mut w = csv::Writer::from_path(f.path()).unwrap();
    w.write_record(r.headers().unwrap()).unwrap();
    for rec in r.records().take(rows) {
        w.write_record(&rec.unwrap()).unwrap();
    }
    w.flush().unwrap();
    f
}
