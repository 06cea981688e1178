//! An S3 object as a [`ByteSource`]: `GetObject` streamed straight into the CSV reader, never
//! buffered whole. A resumed read is a range GET with `If-Match` on the ETag seen first, so a
//! file replaced between invocations fails loudly instead of mixing two files.

use crate::location::S3Location;
use async_trait::async_trait;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use ingesta_records::source::ByteStream;
use ingesta_records::{ByteSource, SourceError, StartAt};
use tokio::sync::Mutex;

/// A readable S3 object.
pub struct S3Object {
    client: aws_sdk_s3::Client,
    location: S3Location,
    etag: Mutex<Option<String>>,
}

impl S3Object {
    pub fn new(client: aws_sdk_s3::Client, location: S3Location) -> Self {
        Self { client, location, etag: Mutex::new(None) }
    }

    /// Pins reads to this ETag (the one a checkpoint recorded).
    pub async fn expect_etag(&self, etag: Option<String>) {
        *self.etag.lock().await = etag;
    }

    /// The ETag of the object as first read.
    pub async fn etag(&self) -> Option<String> {
        self.etag.lock().await.clone()
    }

    /// The object's size in bytes.
    pub async fn size(&self) -> Result<u64, SourceError> {
        Ok(self.head().await?.content_length().unwrap_or(0).max(0) as u64)
    }

    /// The ETag of the object there now, which tells a new upload of the key from the one a
    /// checkpoint was reading.
    pub async fn head_etag(&self) -> Result<Option<String>, SourceError> {
        Ok(self.head().await?.e_tag().map(str::to_string))
    }

    async fn head(&self) -> Result<HeadObjectOutput, SourceError> {
        self.client
            .head_object()
            .bucket(&self.location.bucket)
            .key(&self.location.key)
            .send()
            .await
            .map_err(|e| self.error(e.code(), &DisplayErrorContext(&e).to_string()))
    }

    fn error(&self, code: Option<&str>, detail: &str) -> SourceError {
        match code {
            Some("NoSuchKey" | "NoSuchBucket" | "NotFound") => SourceError::NotFound { name: self.name() },
            Some("PreconditionFailed") => SourceError::Unreadable {
                name: self.name(),
                reason: "the object changed since the checkpoint was written (ETag differs)".into(),
            },
            _ => SourceError::Unreadable { name: self.name(), reason: detail.to_string() },
        }
    }
}

#[async_trait]
impl ByteSource for S3Object {
    fn name(&self) -> String {
        self.location.to_string()
    }

    async fn open(&self, start: StartAt) -> Result<ByteStream, SourceError> {
        let mut etag = self.etag.lock().await;
        let mut req = self.client.get_object().bucket(&self.location.bucket).key(&self.location.key);
        if let StartAt::Offset(offset) = start {
            req = req.range(format!("bytes={offset}-"));
        }
        if let Some(tag) = etag.as_ref() {
            req = req.if_match(tag);
        }
        let out = match req.send().await {
            Ok(out) => out,
            // A checkpoint exactly at the end of the object: nothing left to read.
            Err(e) if e.code() == Some("InvalidRange") => return Ok(Box::new(tokio::io::empty())),
            Err(e) => return Err(self.error(e.code(), &DisplayErrorContext(&e).to_string())),
        };
        if etag.is_none() {
            *etag = out.e_tag().map(str::to_string);
        }
        Ok(Box::new(out.body.into_async_read()))
    }
}
