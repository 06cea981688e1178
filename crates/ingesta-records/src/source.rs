//! Where the bytes of a CSV come from. The reader only needs an `AsyncRead` that can start at a
//! byte offset, so a local file and an S3 object (range GET) are interchangeable.

use async_trait::async_trait;
use std::path::PathBuf;
use tokio::io::{AsyncRead, AsyncSeekExt};

/// A boxed byte stream, as handed to the CSV reader.
pub type ByteStream = Box<dyn AsyncRead + Send + Unpin>;

/// Where to start reading an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// From the first byte (the header).
    Beginning,
    /// From this byte offset, used to resume after a checkpoint.
    Offset(u64),
}

/// A source could not be opened. The message names the source so a person can fix it.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("input {name} does not exist")]
    NotFound { name: String },
    #[error("cannot read input {name}: {reason}")]
    Unreadable { name: String, reason: String },
}

/// A readable CSV object: a local file now, an S3 object in the Lambda.
#[async_trait]
pub trait ByteSource: Send + Sync {
    /// A short human name for messages (a path or an `s3://` URL).
    fn name(&self) -> String;
    /// Opens a stream of the object's bytes starting at `start`.
    async fn open(&self, start: StartAt) -> Result<ByteStream, SourceError>;
}

/// A CSV file on the local disk.
#[derive(Debug, Clone)]
pub struct LocalFile {
    path: PathBuf,
}

impl LocalFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

#[async_trait]
impl ByteSource for LocalFile {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    async fn open(&self, start: StartAt) -> Result<ByteStream, SourceError> {
        let mut file = tokio::fs::File::open(&self.path).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SourceError::NotFound { name: self.name() }
            } else {
                SourceError::Unreadable { name: self.name(), reason: e.to_string() }
            }
        })?;
        if let StartAt::Offset(offset) = start {
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(|e| SourceError::Unreadable { name: self.name(), reason: e.to_string() })?;
        }
        // A directory opens fine on Linux and only fails on read; say so now, not mid-run.
        let meta =
            file.metadata().await.map_err(|e| SourceError::Unreadable { name: self.name(), reason: e.to_string() })?;
        if meta.is_dir() {
            return Err(SourceError::Unreadable { name: self.name(), reason: "it is a directory".into() });
        }
        Ok(Box::new(tokio::io::BufReader::with_capacity(64 * 1024, file)))
    }
}
