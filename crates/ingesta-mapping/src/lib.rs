//! From CSV columns to entities. [`Schema`] reads the header once: which column is which
//! field, which columns are dynamic (modules, surveys, sessions, work items) and which are unknown.
//! [`Schema::plan`] then turns each row into a [`RowPlan`]: every entity that row needs, with
//! bodies in the API's field names, and no I/O.

mod columns;
mod plan;
mod schema;

pub use plan::{AppUse, ImplementationKey, ModuleGrade, PlanError, RowPlan};
pub use schema::{Schema, SchemaError, SessionColumn};
