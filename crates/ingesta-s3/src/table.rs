//! Where a run's CCT table is read from (SPEC section 4), the same rule for the Lambda and the CLI.

use crate::{S3Location, S3Object};
use async_trait::async_trait;
use ingesta_records::source::ByteStream;
use ingesta_records::{ByteSource, LocalFile, SourceError, StartAt};
use std::path::Path;

/// The CCT table's bytes: a local file or an S3 object.
pub enum TableSource {
    Local(LocalFile),
    S3(S3Object),
}

impl TableSource {
    /// `CCTS_PATH` wins when set (a file shipped with the function, or named on the command
    /// line); else the object in S3 when there is one to read.
    pub fn pick(local: Option<&Path>, s3: Option<(aws_sdk_s3::Client, S3Location)>) -> Option<Self> {
        match (local, s3) {
            (Some(path), _) => Some(Self::Local(LocalFile::new(path))),
            (None, Some((client, at))) => Some(Self::S3(S3Object::new(client, at))),
            (None, None) => None,
        }
    }
}

#[async_trait]
impl ByteSource for TableSource {
    fn name(&self) -> String {
        match self {
            Self::Local(f) => f.name(),
            Self::S3(o) => o.name(),
        }
    }

    async fn open(&self, start: StartAt) -> Result<ByteStream, SourceError> {
        match self {
            Self::Local(f) => f.open(start).await,
            Self::S3(o) => o.open(start).await,
        }
    }
}
