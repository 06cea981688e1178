//! Before the first write: read the CMS's live model and hold what the writer sends against it.

use crate::sent::SENT;
use ingesta_client::{ApiError, StrapiClient};
use strapi_model::{Mismatch, Model};

/// Where Strapi 5 describes its content types (a full-access API token may read it).
pub const MODEL_PATH: &str = "/api/content-type-builder/content-types";

/// Which model the run holds its bodies to.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    /// Read from the CMS.
    Live,
    /// The project's bundled model, because the CMS would not describe its own (the reason).
    Bundled(String),
}

/// The outcome of the preflight.
#[derive(Debug, Clone)]
pub struct Preflight {
    pub model: Model,
    pub source: ModelSource,
    /// Ways what we send does not fit `model`: any one stops the file before its first write.
    pub mismatches: Vec<Mismatch>,
    /// How the CMS's model differs from the bundled one (informative; empty when bundled).
    pub differences: Vec<String>,
}

impl Preflight {
    /// The one warning line of a fallback, if there was one.
    pub fn warning(&self) -> Option<String> {
        match &self.source {
            ModelSource::Live => None,
            ModelSource::Bundled(why) => {
                Some(format!("cannot read the CMS's data model ({why}); checking against the bundled model instead"))
            }
        }
    }
}

/// Reads the live model and checks [`SENT`] against it. A token without the permission (403),
/// or a CMS without the endpoint (404, 405, a body that is not a model), falls back to the
/// bundled model; any other failure (unreachable, bad token) is the caller's to report.
pub async fn preflight(client: &StrapiClient) -> Result<Preflight, ApiError> {
    // The live model, or why the bundled one stands in for it.
    let live = match client.get(MODEL_PATH).await {
        Ok(v) => match Model::from_content_type_builder(&v) {
            Ok(m) if !m.types.is_empty() => Ok(m),
            Ok(_) => Err("it lists no content types".to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(ApiError::Unauthorized { status: 403 }) => {
            Err("the token may not read the content-type builder: HTTP 403".to_string())
        }
        Err(ApiError::Rejected { status: status @ (404 | 405), .. }) => {
            Err(format!("no content-type builder endpoint: HTTP {status}"))
        }
        Err(ApiError::Decode { reason }) => Err(reason),
        Err(e) => return Err(e),
    };
    let bundled = Model::bundled();
    let (model, source, differences) = match live {
        Ok(m) => {
            let differences = bundled.differences(&m);
            (m, ModelSource::Live, differences)
        }
        Err(why) => (bundled, ModelSource::Bundled(why), Vec::new()),
    };
    let mismatches = model.check(SENT);
    Ok(Preflight { model, source, mismatches, differences })
}
