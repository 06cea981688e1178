//! The CMS's data model: one Strapi 5 content type per collection, with its attributes, their
//! types, relations, `unique` flags and draft & publish setting.
//!
//! The model is the contract between ingesta and the CMS. The project carries it once, as the
//! Strapi `schema.json` files under `crates/strapi-model/schema/` ([`Model::bundled`]); the test
//! Strapi app, `strapi-sim` and the writer all read those files. A live CMS describes its own
//! model at `GET /api/content-type-builder/content-types` ([`Model::from_content_type_builder`]).
//!
//! Two rules decide whether what we send fits a model:
//! - [`Model::check`] compares the fields a writer sends (their [`Wire`] kinds) with the model,
//!   before any write; every [`Mismatch`] names `collection.field`;
//! - [`Model::coerce_body`] turns one body's values into the CMS's types, or says why a value
//!   cannot be stored (then the row fails, instead of the CMS answering 400).
//!
//! ```
//! let model = strapi_model::Model::bundled();
//! let participantes = model.collection("participantes").unwrap();
//! assert!(participantes.attribute("id_externo").unwrap().unique);
//! assert!(participantes.attribute("email").is_none());
//! ```

mod bundled;
mod coerce;
mod compare;
mod model;

pub use bundled::SCHEMA_DIR;
pub use coerce::CoerceError;
pub use compare::{Mismatch, Sent, Wire};
pub use model::{AttrType, Attribute, ContentType, Model, ModelError};
