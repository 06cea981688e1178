//! The S3 side of the job: where an input object is ([`S3Location`], including the URL-encoded
//! keys of S3 events), the object as a streaming [`ByteSource`] that can start at a byte offset
//! (range GET pinned to the object's ETag), small JSON/CSV objects the run writes beside it
//! (reports, summary, checkpoints), and where the CCT table is read from ([`cct_table`]).

mod location;
mod object;
mod outputs;
mod table;

pub use location::{decode_event_key, S3Location};
pub use object::S3Object;
pub use outputs::Outputs;
pub use table::cct_table;

/// An S3 client from the shared SDK configuration; `endpoint_url` points it at an emulator
/// (path-style addressing, as local emulators need).
pub fn client(shared: &aws_config::SdkConfig, endpoint_url: Option<&str>) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(shared);
    if let Some(url) = endpoint_url {
        b = b.endpoint_url(url).force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}
