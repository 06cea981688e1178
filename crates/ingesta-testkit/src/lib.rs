//! Test-only helpers shared by the integration tests of several crates (a dev-dependency only):
//! a local S3 ([`moto`], moto's server from the project's `.venv`), a real Strapi 5
//! ([`RealStrapi`], the app of `scripts/strapi.sh`), an S3 client pointed at moto,
//! a [`capture`] endpoint that answers CloudWatch's `PutMetricData`, and the personal values of
//! a sample that no log may contain.

pub mod capture;
mod moto;
pub mod strapi;

pub use moto::{moto, Moto};
pub use strapi::RealStrapi;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fixed region and dummy credentials: moto accepts any, and nothing is looked up on the machine.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test"))
        .load()
        .await
}

/// An S3 client on `moto` with `bucket` created.
pub async fn s3_with_bucket(moto: &Moto, bucket: &str) -> aws_sdk_s3::Client {
    let client = ingesta_s3::client(&sdk_config().await, Some(&moto.url));
    client.create_bucket().bucket(bucket).send().await.expect("bucket created");
    client
}

/// Uploads a local file.
pub async fn put_file(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, file: &Path) {
    let body = aws_sdk_s3::primitives::ByteStream::from_path(file).await.unwrap();
    s3.put_object().bucket(bucket).key(key).body(body).send().await.unwrap();
}

/// Every non-NA CURP, RFC, phone and email value of a sample file: what no log may contain.
pub fn personal_values(file: &Path) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(file).unwrap();
    let headers: Vec<String> =
        r.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    let cols: Vec<usize> =
        ["CURP", "RFC", "Teléfono", "Email"].iter().map(|c| headers.iter().position(|h| h == c).unwrap()).collect();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for &c in &cols {
            if let Some(v) = rec.get(c).map(str::trim).filter(|v| !v.is_empty() && *v != "NA") {
                out.push(v.to_string());
            }
        }
    }
    out
}
