//! Small objects the run writes next to its input: the error report, the summary, checkpoints.

use crate::location::S3Location;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use std::path::Path;

/// Writes and reads the run's own objects in one bucket.
#[derive(Clone)]
pub struct Outputs {
    client: aws_sdk_s3::Client,
}

impl Outputs {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Self { client }
    }

    /// Uploads a local file (the error report is written to disk as the run goes).
    pub async fn put_file(&self, to: &S3Location, file: &Path, content_type: &str) -> Result<(), String> {
        let body = ByteStream::from_path(file).await.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        self.put(to, body, content_type).await
    }

    pub async fn put_bytes(&self, to: &S3Location, bytes: Vec<u8>, content_type: &str) -> Result<(), String> {
        self.put(to, ByteStream::from(bytes), content_type).await
    }

    async fn put(&self, to: &S3Location, body: ByteStream, content_type: &str) -> Result<(), String> {
        self.client
            .put_object()
            .bucket(&to.bucket)
            .key(&to.key)
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("cannot write {to}: {}", DisplayErrorContext(&e)))
    }

    /// A small object's bytes, or `None` when it does not exist.
    pub async fn get_bytes(&self, from: &S3Location) -> Result<Option<Vec<u8>>, String> {
        match self.client.get_object().bucket(&from.bucket).key(&from.key).send().await {
            Ok(out) => {
                let data = out.body.collect().await.map_err(|e| format!("cannot read {from}: {e}"))?;
                Ok(Some(data.into_bytes().to_vec()))
            }
            Err(e) if e.code() == Some("NoSuchKey") => Ok(None),
            Err(e) => Err(format!("cannot read {from}: {}", DisplayErrorContext(&e))),
        }
    }

    pub async fn delete(&self, at: &S3Location) -> Result<(), String> {
        self.client
            .delete_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("cannot delete {at}: {}", DisplayErrorContext(&e)))
    }
}
