//! Bucket and key of an object, from an `s3://` URL or an S3 event record.

use percent_encoding::percent_decode_str;

/// Where an object lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    /// Parses `s3://bucket/key`.
    ///
    /// ```
    /// let l = ingesta_s3::S3Location::parse("s3://data/incoming/a b.csv").unwrap();
    /// assert_eq!((l.bucket.as_str(), l.key.as_str()), ("data", "incoming/a b.csv"));
    /// ```
    pub fn parse(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/')?;
        (!bucket.is_empty() && !key.is_empty()).then(|| Self { bucket: bucket.into(), key: key.into() })
    }

    /// A sibling object's location in the same bucket.
    pub fn with_key(&self, key: impl Into<String>) -> Self {
        Self { bucket: self.bucket.clone(), key: key.into() }
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// S3 event keys are form-encoded: `+` is a space and `%xx` a byte. S3 never fills a decoded
/// key for us.
///
/// ```
/// assert_eq!(ingesta_s3::decode_event_key("incoming/Mi+Archivo%C3%B1+%282%29.csv"), "incoming/Mi Archivoñ (2).csv");
/// ```
pub fn decode_event_key(raw: &str) -> String {
    percent_decode_str(&raw.replace('+', " ")).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_s3_url() {
        for bad in ["data/key.csv", "s3://", "s3://bucket", "s3://bucket/", "s3:///key"] {
            assert_eq!(S3Location::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn plus_in_a_key_is_encoded_as_2b() {
        assert_eq!(decode_event_key("a%2Bb+c.csv"), "a+b c.csv");
    }
}
