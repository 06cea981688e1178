//! Get-or-create against the API, counted.

use crate::collections::{Collection, Created};
use ingesta_client::{ApiError, Entry, Filter, StrapiClient};
use serde_json::Value;
use std::sync::Arc;

/// The client plus the run's creation counters: every write of the writer goes through here.
pub(crate) struct Store {
    pub client: Arc<StrapiClient>,
    pub created: Created,
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

    /// Creates the entry; a duplicate refusal means it exists (an earlier attempt of ours landed,
    /// or a parallel writer won), so it is looked up instead. When an earlier attempt of this very
    /// POST had failed, that attempt is what created it: it counts as created by this run. It is
    /// still treated as pre-existing (`created: false`) so that its children are looked up, in
    /// case a parallel writer won after all.
    pub(crate) async fn create(&self, c: Collection, key: &[Filter], body: Value) -> Result<Got, ApiError> {
        match self.client.create(c.route(), body).await {
            Ok(entry) => {
                self.created.add(c);
                Ok(Got { entry, created: true })
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
}
