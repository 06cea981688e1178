//! The input of a command: a local file or an `s3://bucket/key` object, opened as the same
//! [`ByteSource`] the pipeline reads.

use crate::aws::Aws;
use anyhow::anyhow;
use ingesta_records::{ByteSource, LocalFile};
use ingesta_s3::{S3Location, S3Object};
use std::path::{Path, PathBuf};

pub enum Input {
    Local(PathBuf),
    S3(S3Location),
}

/// An input ready to stream, with its size when known (the progress bar's length).
pub struct Opened {
    pub source: Box<dyn ByteSource>,
    pub size: Option<u64>,
}

impl Input {
    /// An argument starting with `s3://` is an object, anything else a path.
    pub fn parse(arg: &Path) -> anyhow::Result<Self> {
        match arg.to_str().filter(|s| s.starts_with("s3://")) {
            Some(url) => {
                S3Location::parse(url).map(Self::S3).ok_or_else(|| anyhow!("{url} is not an s3://bucket/key URL"))
            }
            None => Ok(Self::Local(arg.to_path_buf())),
        }
    }

    /// `reports/<file name without extension>`, the default report directory, whatever the
    /// name ([`ingesta_pipeline::safe_folder_name`]).
    pub fn default_out_dir(&self) -> PathBuf {
        let stem = match self {
            Self::Local(path) => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
            Self::S3(at) => Path::new(&at.key).file_stem().map(|s| s.to_string_lossy().into_owned()),
        };
        PathBuf::from("reports").join(ingesta_pipeline::safe_folder_name(&stem.unwrap_or_default()))
    }

    /// Opens the input. An S3 object is asked for its size first, so a missing object or
    /// missing credentials stop the command before anything else happens.
    pub async fn open(&self, aws: &Aws) -> anyhow::Result<Opened> {
        match self {
            // A missing local file is reported by the reader, with the same message as before.
            Self::Local(path) => Ok(Opened {
                source: Box::new(LocalFile::new(path)),
                size: std::fs::metadata(path).ok().map(|m| m.len()),
            }),
            Self::S3(at) => {
                let object = S3Object::new(aws.s3().await, at.clone());
                let size = object.size().await?;
                Ok(Opened { source: Box::new(object), size: Some(size) })
            }
        }
    }
}
