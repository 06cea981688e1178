//! `ingesta verify`: read-only proof that a load left every entity exactly once.
//!
//! With a file: for every row a load would write, every entity the row implies (program,
//! implementation and its modules/sessions/works, participant, participation, its records, app
//! use, address) is looked for by its natural key, in the CSV's terms; a key with no entry is
//! *missing* (with the row implying it), a key with two or more is *duplicated* (with every id).
//! Without a file: every natural key held by more than one entry, in the whole CMS. Strapi has
//! no composite unique keys, so only a check like this one can tell.
//!
//! Memory: one small digest per key of the collection being checked ([`key`]), collections one
//! at a time, the CMS read 100 entries a page.

mod cms;
mod expected;
pub mod key;
mod report;
mod tally;

pub use expected::Rows;
pub use report::Verified;
pub use tally::{CollectionReport, Duplicated, Missing, LISTED};

use cms::Links;
use ingesta_client::{ApiError, StrapiClient};
use ingesta_records::ByteSource;
use ingesta_writer::Collection;
use std::collections::HashMap;
use tally::Tally;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("reading the CMS failed: {0}")]
    Api(#[from] ApiError),
    #[error(transparent)]
    Read(#[from] ingesta_records::ReadError),
    #[error(transparent)]
    Schema(#[from] ingesta_mapping::SchemaError),
}

/// Checks the CMS behind `client` against `file`, or, without one, for duplicates anywhere.
pub async fn verify(client: &StrapiClient, file: Option<&dyn ByteSource>) -> Result<Verified, VerifyError> {
    // The model decides which rows a load would write at all (values it cannot take fail a row).
    let model = ingesta_writer::preflight(client).await?.model;
    let mut links = Links::default();
    links.load_surveys(client).await?;
    let mut rows = None;
    let mut collections = Vec::new();
    for c in Collection::ALL {
        let mut tally = match file {
            Some(source) => {
                let mut t = Tally::of_file();
                rows = Some(expected::each_key(source, &model, c, |row, k, _| t.expect(k, row)).await?);
                t
            }
            None => Tally::everything(),
        };
        links.scan(client, c, &mut tally).await?;
        let missing = match file {
            Some(source) if tally.missing_count() > 0 => describe_missing(source, &model, c, &tally).await?,
            _ => Vec::new(),
        };
        let report = tally.report(c.route(), missing);
        tracing::info!(
            collection = report.collection,
            entries = report.entries,
            missing = report.missing_count,
            duplicated = report.duplicated_count,
            "collection verified"
        );
        collections.push(report);
    }
    Ok(Verified { input: file.map(|f| f.name()), rows, collections })
}

/// The first [`LISTED`] missing keys in words: the file read once more for just those.
async fn describe_missing(
    source: &dyn ByteSource,
    model: &strapi_model::Model,
    c: Collection,
    tally: &Tally,
) -> Result<Vec<Missing>, VerifyError> {
    let mut wanted: HashMap<u64, u64> = tally.missing().into_iter().take(LISTED).map(|(row, k)| (k, row)).collect();
    let mut out = Vec::new();
    expected::each_key(source, model, c, |row, k, describe| {
        if wanted.get(&k) == Some(&row) {
            wanted.remove(&k);
            out.push(Missing { row, key: describe() });
        }
    })
    .await?;
    out.sort_by_key(|m| m.row);
    Ok(out)
}
