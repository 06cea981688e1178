//! Where a run's CCT table is read from (SPEC section 4), the same rule for the Lambda and the CLI.

use crate::{S3Location, S3Object};
use ingesta_records::{ByteSource, LocalFile};
use std::path::Path;

/// The CCT table's bytes: `CCTS_PATH` wins when set (a file shipped with the function, or named
/// on the command line); else the object in S3 when there is one to read.
pub fn cct_table(local: Option<&Path>, s3: Option<(aws_sdk_s3::Client, S3Location)>) -> Option<Box<dyn ByteSource>> {
    match (local, s3) {
        (Some(path), _) => Some(Box::new(LocalFile::new(path))),
        (None, Some((client, at))) => Some(Box::new(S3Object::new(client, at))),
        (None, None) => None,
    }
}
