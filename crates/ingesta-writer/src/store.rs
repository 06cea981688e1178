//! Get-or-create against the API, counted.

use crate::collections::{Collection, Created};
use ingesta_client::{ApiError, Entry, Filter, StrapiClient};
use serde_json::Value;
use std::sync::Arc;
use strapi_model::Model;

/// The client, the CMS's model and the run's creation counters: every write of the writer goes
/// through here, so every body is shaped to the model before it is sent.
pub(crate) struct Store {
    pub client: Arc<StrapiClient>,
    pub created: Created,
    pub model: Model,
}

/// An entry and whether this run created it (then nothing hangs off it yet).
pub(crate) struct Got {
    pub entry: Entry,
    pub created: bool,
}

impl Store {
    /// Looks the entry up by its unique key (unless `known_new`) and creates it when absent.
    pub(crate) async fn get_or_create(
        &self,
        c: Collection,
        key: &[Filter],
        body: Value,
        known_new: bool,
    ) -> Result<Got, ApiError> {
        if !known_new {
            if let Some(entry) = self.client.find_one(c.route(), key).await? {
                return Ok(Got { entry, created: false });
            }
        }
        self.create(c, key, body).await
    }

    /// Creates the entry. The client looks a create whose outcome was unknown up by `key`
    /// before repeating it; found there, the entry was created by this run's lost attempt. A
    /// duplicate refusal (a unique field the server enforces) means it exists too: a parallel
    /// writer won or a lost attempt of ours landed, so it is looked up instead. Either way it is
    /// treated as pre-existing (`created: false`), so that its children are looked up, in case a
    /// parallel writer had already added some.
    pub(crate) async fn create(&self, c: Collection, key: &[Filter], body: Value) -> Result<Got, ApiError> {
        let body = self.fit(c.route(), body)?;
        let publish = self.model.collection(c.route()).is_some_and(|t| t.draft_and_publish);
        match self.client.create(c.route(), body, publish, key).await {
            Ok(got) => {
                self.created.add(c);
                Ok(Got { entry: got.entry, created: !got.found_after_unknown_outcome })
            }
            Err(ApiError::Unique { message, after_retry }) => match self.client.find_one(c.route(), key).await? {
                Some(entry) => {
                    if after_retry {
                        self.created.add(c);
                    }
                    Ok(Got { entry, created: false })
                }
                None => Err(ApiError::Rejected { status: 400, message }),
            },
            Err(e) => Err(e),
        }
    }

    /// A partial update of `entry`, shaped to the model like a create.
    pub(crate) async fn update(&self, c: Collection, entry: &Entry, body: Value) -> Result<Entry, ApiError> {
        let body = self.fit(c.route(), body)?;
        self.client.update(c.route(), entry, body).await
    }

    fn fit(&self, collection: &str, body: Value) -> Result<Value, ApiError> {
        fit(&self.model, collection, body)
    }
}

/// The body with every value in the CMS's type; a value that cannot be is never sent. Both write
/// paths shape their bodies here, so a row the model refuses fails alike on either.
pub(crate) fn fit(model: &Model, collection: &str, body: Value) -> Result<Value, ApiError> {
    let Value::Object(mut map) = body else { return Ok(body) };
    debug_assert!(
        map.keys().all(|k| crate::sent::declared(collection, k)),
        "{collection}: a body field is missing from sent::SENT: {:?}",
        map.keys().collect::<Vec<_>>()
    );
    model.coerce_body(collection, &mut map).map_err(|e| ApiError::Unfit { reason: e.to_string() })?;
    Ok(Value::Object(map))
}
