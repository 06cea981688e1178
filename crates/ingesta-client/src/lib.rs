//! The one client all API traffic goes through. Each attempt passes, in order, a concurrency
//! limit (adaptive, at most `max_concurrency` requests in flight), a rate limit (`governor`), and a circuit
//! breaker; failed attempts are retried with exponential backoff and full jitter, honouring
//! `Retry-After`. Nothing else in the workspace talks HTTP to the API.
//!
//! It speaks Strapi's REST dialect: `{"data": …}` bodies, `filters[..][$eq]` look-ups, and both
//! the Strapi 4 (`attributes`) and Strapi 5 (flat) response shapes.

mod breaker;
mod client;
mod config;
mod entry;
mod error;
mod limit;
mod query;
mod retry;
mod stats;
mod token;
mod url;

pub use breaker::BreakerState;
pub use client::{Created, StrapiClient};
pub use config::ClientConfig;
pub use entry::Entry;
pub use error::ApiError;
pub use limit::LimitState;
pub use query::Filter;
pub use stats::ClientStats;
pub use token::Token;
